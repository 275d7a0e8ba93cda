"""Benchmark of the shop-health queries on PostgreSQL (a script, not a test).

    .venv/bin/python benchmarks/health.py [--requests 1000000] [--repeat 5]

It creates its own database (``kuai_health_bench``, dropped at the end) on the
server of ``KUAI_BENCH_DATABASE_URL`` (default the local one), migrates it, and
seeds ``--requests`` after-sale requests (with 1.25 lines each) filed over the
last year across ten channels; the largest channel holds half of them. Then it
times, each figure the median of ``--repeat`` runs after one warm-up:

- ``channel_health`` (our two aggregate queries) for the largest and a small
  channel, 30 and 90 days;
- ``product_health`` (one grouped query) for the largest channel;
- the same channel aggregate with index scans switched off — the baseline a
  table without ``kuai_request_health_idx`` would give — as a ratio;

and prints the ``EXPLAIN ANALYZE`` plan of the channel aggregate. The shop's own
counts (orders, shipped lines) are not part of it: they are the shop's queries
(Saleor's), so the host here answers them with nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "kuai_health_bench"
SERVER_URL = os.environ.get(
    "KUAI_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
CHANNELS = 10
LARGEST = "channel-00"
SMALL = "channel-05"
PRODUCTS_PER_CHANNEL = 2000

os.environ["DATABASE_URL"] = urlparse(SERVER_URL)._replace(path=f"/{BENCH_DB}").geturl()
os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_kuai_returns.sandbox.settings"
sys.path.insert(0, str(ROOT))


def _server(*statements: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


# Every column of a seeded request, as SQL over ``n`` (the row number) and
# ``r1``…``r6`` (uniform randoms in [0, 1)).
REQUEST_COLUMNS = {
    "id": "gen_random_uuid()",
    "created_at": "%(now)s::timestamptz - r1 * interval '365 days'",
    "updated_at": "%(now)s::timestamptz - r1 * interval '365 days' + interval '3 days'",
    "version": "3",
    "order_id": "gen_random_uuid()",
    # Half the requests in channel-00, the rest spread over the other nine.
    "channel_slug": "CASE WHEN r2 < 0.5 THEN 'channel-00' "
    "ELSE 'channel-0' || (1 + floor((r2 - 0.5) * 18))::int END",
    "buyer_id": "'user:' || (n %% 50000)",
    "currency": "'CNY'",
    "request_type": "(ARRAY['refund_only','return_and_refund','exchange','reship'])"
    "[1 + floor(r3 * 4)::int]",
    "reason": "'quality_function'",
    # 40 % refunded, 20 % closed, 10 % completed, the rest still open.
    "state": "CASE WHEN r4 < 0.4 THEN 'refunded' WHEN r4 < 0.6 THEN 'closed' "
    "WHEN r4 < 0.7 THEN 'completed' ELSE 'awaiting_merchant_review' END",
    "attempt": "1",
    "before_shipment": "r3 < 0.05",
    "whole_order_before_shipment": "false",
    "description": "''",
    "evidence_count": "1",
    "return_address": "''",
    "refund_ceiling": "100",
    "requested_amount": "100",
    "refunded_amount": "CASE WHEN r4 < 0.4 THEN 100 ELSE 0 END",
    "compensated_amount": "0",
    "platform_advanced_amount": "0",
    "payout_amount": "NULL",
    "payout_kind": "''",
    "payout_payer": "''",
    "payout_attempt": "0",
    "negotiation_message_sent": "false",
    "proposal_type": "''",
    "proposal_amount": "NULL",
    "proposal_return_address": "''",
    "freight_claim": "0",
    "freight_claim_status": "'none'",
    "merchant_pays_all_freight": "false",
    "late_shipment_compensated": "false",
    "merchant_missed_deadline": "false",
    "merchant_rejected": "false",
    "state_entered_at": "%(now)s::timestamptz - r1 * interval '365 days'",
    "deadline_at": "CASE WHEN r4 >= 0.7 THEN %(now)s::timestamptz + interval '1 day' END",
    "deadline_outcome": "''",
    "deadline_turn": "''",
    "paused_state": "''",
    "paused_remaining": "NULL",
    "first_merchant_response_at": "CASE WHEN r3 < 0.8 THEN %(now)s::timestamptz "
    "- r1 * interval '365 days' + r2 * interval '48 hours' END",
    "ruled_against_merchant": "r5 < 0.03",
    "merchant_timeouts": "CASE WHEN r6 < 0.1 THEN 1 ELSE 0 END",
}
LINE_COLUMNS = {
    "id": "gen_random_uuid()",
    "request_id": "r.id",
    "order_line_id": "gen_random_uuid()",
    "quantity": "1",
    "is_active": "false",
    "product_id": "'product-' || (abs(hashtext(r.id::text)) %% %(products)s)",
    "product_name": "'A product'",
    "variant_name": "''",
    "product_sku": "''",
    "product_type": "''",
    "item_kind": "'goods'",
    "currency": "'CNY'",
    "ordered_quantity": "1",
    "quantity_shipped": "1",
    "quantity_refunded_shipped": "0",
    "quantity_refunded_unshipped": "0",
    "total_paid": "100",
    "unit_price": "100",
    "amount_refunded": "0",
    "declared_unit_price": "NULL",
    "delivered_at": "NULL",
}


def seed(count: int, now: datetime) -> None:
    """``count`` requests and 1.25 × as many lines, generated inside PostgreSQL."""
    from django.db import connection

    from saleor_kuai_returns.models import AfterSaleRequest, AfterSaleRequestLine

    params = {"now": now, "products": PRODUCTS_PER_CHANNEL}
    requests, lines = AfterSaleRequest._meta.db_table, AfterSaleRequestLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {requests} ({', '.join(REQUEST_COLUMNS)}) "
            f"SELECT {', '.join(REQUEST_COLUMNS.values())} FROM ("
            "  SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4,"
            "  random() AS r5, random() AS r6"
            f"  FROM generate_series(1, {int(count)}) AS n) AS g"
            # Rows land in the order they were filed, as in a live table.
            " ORDER BY r1 DESC",
            params,
        )
        for share in ("true", "random() < 0.25"):
            cursor.execute(
                f"INSERT INTO {lines} ({', '.join(LINE_COLUMNS)}) "
                f"SELECT {', '.join(LINE_COLUMNS.values())} FROM {requests} AS r WHERE {share}",
                params,
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    action()  # warm the cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def without_index_scans(action: Callable[[], object]) -> Callable[[], object]:
    from django.db import connection, transaction

    def run() -> object:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            return action()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    _server(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)', f'CREATE DATABASE "{BENCH_DB}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saleor_kuai_returns.health import channel_health, product_health
    from saleor_kuai_returns.host.base import SalesCounts
    from saleor_kuai_returns.host.sandbox import SandboxHost

    class OurQueriesOnly(SandboxHost):
        def sales_counts(self, channel_slug: str, since: datetime, until: datetime) -> SalesCounts:
            return SalesCounts(0, 0, {}, {})

    try:
        call_command("migrate", verbosity=0)
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(args.requests, now)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM kuai_returns_aftersalerequest")
            (total,) = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM kuai_returns_aftersalerequest WHERE channel_slug = %s",
                [LARGEST],
            )
            (largest,) = cursor.fetchone()
        print(
            f"seeded {total:,} requests ({largest:,} in {LARGEST}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        host = OurQueriesOnly()
        print(f"\n{'query':<44} {'median':>10}")
        figures: dict[str, float] = {}
        for channel in (LARGEST, SMALL):
            for days in (30, 90):
                window = timedelta(days=days)
                name = f"channel_health {channel} {days} d"
                figures[name] = median_seconds(
                    lambda c=channel, w=window: channel_health(c, w, now, host), args.repeat
                )
                print(f"{name:<44} {figures[name] * 1000:>8.1f} ms")
        for days in (30, 90):
            window = timedelta(days=days)
            name = f"product_health {LARGEST} {days} d"
            figures[name] = median_seconds(
                lambda w=window: product_health(LARGEST, w, now, host), args.repeat
            )
            print(f"{name:<44} {figures[name] * 1000:>8.1f} ms")
        baseline = median_seconds(
            without_index_scans(lambda: channel_health(LARGEST, timedelta(days=90), now, host)),
            args.repeat,
        )
        ours = figures[f"channel_health {LARGEST} 90 d"]
        name = f"channel_health {LARGEST} 90 d, no index scans"
        print(f"{name:<44} {baseline * 1000:>8.1f} ms")
        print(f"\nwith the index / without: {ours / baseline:.3f} (lower is better)")
        print(f"slowest query: {max(figures.values()) * 1000:.1f} ms (goal: under 1,000 ms)")
        print("\nEXPLAIN ANALYZE of each query of channel_health (90 days, largest channel):")
        with CaptureQueriesContext(connection) as captured:
            channel_health(LARGEST, timedelta(days=90), now, host)
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute(f"EXPLAIN ANALYZE {query['sql']}")
                print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
    finally:
        _server(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

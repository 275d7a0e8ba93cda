"""Benchmark of the deadline sweeper on PostgreSQL (a script, not a test).

    .venv/bin/python benchmarks/sweeper.py [--sizes 10000 100000] [--batch-size 500]
                                           [--repeat 3]

It creates its own databases (``kuai_returns_bench`` and the seeded copy it is
restored from before every run, ``kuai_returns_bench_seed``; both dropped at the end)
on the server of ``KUAI_BENCH_DATABASE_URL`` (default the local one) and publishes
tasks to a Redis broker (``KUAI_BENCH_BROKER_URL``, default
``redis://127.0.0.1:6379/14``; its ``celery`` queue is emptied before and after), as
a worker does in production, instead of running them in-process. For each size it
seeds that many due requests in ``awaiting_buyer_return`` (their default outcome,
auto-close, moves no money) among three times as many others (one not due yet, two
ended), then measures, each figure the median of ``--repeat`` runs:

- one worker sweeping until nothing is due (``expire_due`` batch after batch, as
  the chained task does), with the queries and tasks of its first batch;
- two worker processes sweeping the same due set at once;
- one raw ``UPDATE … SET state='closed', deadline_at=NULL WHERE deadline_at <= now``
  of the same rows: the floor of what any sweeper can do;
- the plan of the claim query (the partial index ``kuai_request_due_idx``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "kuai_returns_bench"
# The seeded data, copied into BENCH_DB before each measurement so that every
# measurement starts from the same rows and pages.
SEED_DB = "kuai_returns_bench_seed"
SERVER_URL = os.environ.get(
    "KUAI_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
BROKER_URL = os.environ.get("KUAI_BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
QUEUE = "celery"
# For every due request the table holds one not due yet and two ended ones.
NOT_DUE_PER_DUE = 1
ENDED_PER_DUE = 2


def database_url(name: str) -> str:
    return urlparse(SERVER_URL)._replace(path=f"/{name}").geturl()


os.environ["DATABASE_URL"] = database_url(BENCH_DB)
os.environ["CELERY_BROKER_URL"] = BROKER_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_kuai_returns.sandbox.settings"
sys.path.insert(0, str(ROOT))


# --- the database and the broker -------------------------------------------------------


def _server(*statements: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def create_database() -> None:
    _server(
        f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{BENCH_DB}"',
    )


def keep_seed() -> None:
    """Copy the freshly seeded database aside (PostgreSQL copies its files)."""
    _server(
        f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{SEED_DB}" TEMPLATE "{BENCH_DB}"',
    )


def restore_seed() -> None:
    _server(
        f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{BENCH_DB}" TEMPLATE "{SEED_DB}"',
    )


def drop_databases() -> None:
    _server(
        f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)',
    )


def setup_django() -> None:
    import django

    django.setup()
    import saleor_kuai_returns.sandbox.celery  # noqa: F401 - the current Celery app


def queued_tasks() -> int:
    import redis

    return int(redis.Redis.from_url(BROKER_URL).llen(QUEUE))


def empty_queue(*, bindings: bool = False) -> None:
    import redis

    keys = [QUEUE]
    if bindings:
        keys += [f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}"]
    redis.Redis.from_url(BROKER_URL).delete(*keys)


# --- seeding --------------------------------------------------------------------------


def _uuid(randomness: random.Random) -> uuid.UUID:
    return uuid.UUID(int=randomness.getrandbits(128), version=4)


def seed(due: int, now: datetime) -> int:
    """``due`` requests due by ``now`` among ``3 × due`` others, written with COPY;
    returns the table's row count."""
    from django.db import connection

    from saleor_kuai_returns.models import AfterSaleRequest, AfterSaleRequestLine, TimelineEvent

    models = (TimelineEvent, AfterSaleRequestLine, AfterSaleRequest)
    randomness = random.Random(due)
    kinds = ["due"] * due + ["not_due"] * (due * NOT_DUE_PER_DUE)
    kinds += ["ended"] * (due * ENDED_PER_DUE)
    randomness.shuffle(kinds)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in models)} CASCADE")
    request_columns, request_row = _request_template(now)
    line_columns, line_row = _line_template(now)
    event_columns, event_row = _event_template(now)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        ids = [_uuid(randomness) for _ in kinds]
        with cursor.copy(_copy_sql(AfterSaleRequest, request_columns)) as copy:
            for request_id, kind in zip(ids, kinds, strict=True):
                copy.write_row(request_row(request_id, kind, _uuid(randomness), randomness))
        with cursor.copy(_copy_sql(AfterSaleRequestLine, line_columns)) as copy:
            for request_id, kind in zip(ids, kinds, strict=True):
                copy.write_row(line_row(request_id, kind, _uuid(randomness)))
        with cursor.copy(_copy_sql(TimelineEvent, event_columns)) as copy:
            for request_id in ids:
                copy.write_row(event_row(request_id, _uuid(randomness)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return len(kinds)


def _copy_sql(model: Any, columns: list[str]) -> str:
    return f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"


def _request_template(now: datetime):  # type: ignore[no-untyped-def]
    from saleor_kuai_returns.models import AfterSaleRequest

    prototype = AfterSaleRequest(
        version=1,
        order_id=uuid.UUID(int=0),
        channel_slug="default-channel",
        buyer_id="user:1",
        currency="CNY",
        request_type="return_and_refund",
        reason="quality_function",
        state="awaiting_buyer_return",
        evidence_count=1,
        return_address="Returns desk, default-channel warehouse, Hangzhou",
        refund_ceiling=Decimal("100.000"),
        requested_amount=Decimal("100.000"),
        deadline_outcome="auto_close",
        deadline_turn="buyer",
        created_at=now - timedelta(days=12),
        updated_at=now - timedelta(days=10),
    )
    fields = AfterSaleRequest._meta.concrete_fields
    columns = [field.column for field in fields]
    template = [getattr(prototype, field.attname) for field in fields]
    at = {name: columns.index(name) for name in columns}

    def row(request_id, kind, order_id, randomness):  # type: ignore[no-untyped-def]
        values = list(template)
        values[at["id"]] = request_id
        values[at["order_id"]] = order_id
        if kind == "ended":
            values[at["state"]] = "closed"
            values[at["version"]] = 2
            values[at["deadline_at"]] = None
            values[at["deadline_outcome"]] = ""
            values[at["deadline_turn"]] = ""
            values[at["state_entered_at"]] = now - timedelta(days=1)
        else:
            seconds = randomness.randrange(1, 86_400)
            deadline = now - timedelta(seconds=seconds)
            if kind == "not_due":
                deadline = now + timedelta(seconds=seconds * 10)
            values[at["deadline_at"]] = deadline
            values[at["state_entered_at"]] = deadline - timedelta(days=10)
        return values

    return columns, row


def _line_template(now: datetime):  # type: ignore[no-untyped-def]
    from saleor_kuai_returns.models import AfterSaleRequestLine

    prototype = AfterSaleRequestLine(
        quantity=1,
        product_name="Cotton tee, red, M",
        product_sku="TEE-RED-M",
        product_type="apparel",
        currency="CNY",
        ordered_quantity=2,
        quantity_shipped=2,
        total_paid=Decimal("200.000"),
        unit_price=Decimal("100.000"),
        delivered_at=now - timedelta(days=14),
    )
    fields = AfterSaleRequestLine._meta.concrete_fields
    columns = [field.column for field in fields]
    template = [getattr(prototype, field.attname) for field in fields]
    at = {name: columns.index(name) for name in columns}

    def row(request_id, kind, order_line_id):  # type: ignore[no-untyped-def]
        values = list(template)
        values[at["id"]] = _next_line_id(order_line_id)
        values[at["request_id"]] = request_id
        values[at["order_line_id"]] = order_line_id
        values[at["is_active"]] = kind != "ended"
        return values

    return columns, row


def _next_line_id(order_line_id: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(int=order_line_id.int ^ 1)


def _event_template(now: datetime):  # type: ignore[no-untyped-def]
    from saleor_kuai_returns.models import TimelineEvent

    prototype = TimelineEvent(
        created_at=now - timedelta(days=12),
        actor_kind="buyer",
        actor_id="user:1",
        event="created",
        to_state="awaiting_merchant_review",
        version=0,
    )
    fields = TimelineEvent._meta.concrete_fields
    columns = [field.column for field in fields]
    template = [getattr(prototype, field.attname) for field in fields]
    at = {name: columns.index(name) for name in columns}

    def row(request_id, event_id):  # type: ignore[no-untyped-def]
        values = list(template)
        values[at["id"]] = event_id
        values[at["request_id"]] = request_id
        return values

    return columns, row


# --- measuring ------------------------------------------------------------------------


@dataclass
class Sweep:
    expired: int
    batches: int
    start: float  # wall clock, comparable across processes
    end: float
    first_batch_queries: int = 0
    first_batch_tasks: int = 0

    @property
    def seconds(self) -> float:
        return self.end - self.start


def sweep_until_done(now: datetime, batch_size: int, *, count_first: bool = False) -> Sweep:
    """What a chain of ``sweep_deadlines`` tasks does: batches until one comes back
    short."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saleor_kuai_returns.host import get_host
    from saleor_kuai_returns.sweeper import expire_due

    host = get_host()
    connection.ensure_connection()
    sweep = Sweep(expired=0, batches=0, start=time.time(), end=0.0)
    done = batch_size
    while done >= batch_size:
        if count_first and sweep.batches == 0:
            queued = queued_tasks()
            with CaptureQueriesContext(connection) as queries:
                done = expire_due(now, batch_size=batch_size, host=host)
            sweep.first_batch_queries = len(queries.captured_queries)
            sweep.first_batch_tasks = queued_tasks() - queued
        else:
            done = expire_due(now, batch_size=batch_size, host=host)
        sweep.expired += done
        sweep.batches += 1
    sweep.end = time.time()
    return sweep


def worker_main(now: datetime, batch_size: int) -> None:
    """A second process: get ready, wait for "go" on stdin, sweep, report."""
    setup_django()
    from django.db import connection

    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    sweep = sweep_until_done(now, batch_size)
    print(json.dumps(sweep.__dict__), flush=True)


def sweep_in_processes(now: datetime, batch_size: int, workers: int) -> list[Sweep]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--now",
        now.isoformat(),
        "--batch-size",
        str(batch_size),
    ]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    sweeps = []
    for process in processes:
        out, _ = process.communicate(timeout=3600)
        assert process.returncode == 0, out
        sweeps.append(Sweep(**json.loads(out.strip().splitlines()[-1])))
    return sweeps


def raw_update_seconds(now: datetime) -> tuple[int, float]:
    from django.db import connection

    from saleor_kuai_returns.models import AfterSaleRequest

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            f"UPDATE {AfterSaleRequest._meta.db_table} "
            "SET state = 'closed', deadline_at = NULL WHERE deadline_at <= %s",
            [now],
        )
        return cursor.rowcount, time.perf_counter() - started


def claim_plan(now: datetime, batch_size: int) -> str:
    from django.db import transaction

    from saleor_kuai_returns.sweeper import due_requests

    with transaction.atomic():
        return due_requests(now)[:batch_size].explain()


def still_due(now: datetime) -> int:
    from saleor_kuai_returns.models import AfterSaleRequest

    return AfterSaleRequest.objects.filter(deadline_at__lte=now).count()


def measure(due: int, batch_size: int, repeat: int) -> dict[str, Any]:
    """Every figure for one size, each the median of ``repeat`` runs from the
    same seeded rows."""
    now = datetime.now(UTC).replace(microsecond=0)
    rows = seed(due, now)
    keep_seed()
    restore_seed()
    plan = claim_plan(now, batch_size)
    ones, twos, raws = [], [], []
    tasks_published = 0
    for _ in range(repeat):
        restore_seed()
        empty_queue()
        one = sweep_until_done(now, batch_size, count_first=True)
        assert (one.expired, still_due(now)) == (due, 0), (one.expired, still_due(now))
        tasks_published = queued_tasks()
        ones.append(one)

        restore_seed()
        empty_queue()
        two = sweep_in_processes(now, batch_size, workers=2)
        assert (sum(s.expired for s in two), still_due(now)) == (due, 0)
        twos.append(two)

        restore_seed()
        updated, seconds = raw_update_seconds(now)
        assert updated == due
        raws.append(seconds)
    empty_queue()
    return {
        "due": due,
        "rows": rows,
        "plan": plan,
        "one": sorted(ones, key=lambda sweep: sweep.seconds)[len(ones) // 2],
        "one_range": (min(s.seconds for s in ones), max(s.seconds for s in ones)),
        "tasks_published": tasks_published,
        "two": sorted(twos, key=_span)[len(twos) // 2],
        "raw_seconds": statistics.median(raws),
    }


def _span(sweeps: list[Sweep]) -> float:
    return max(s.end for s in sweeps) - min(s.start for s in sweeps)


def report(result: dict[str, Any], batch_size: int, repeat: int) -> None:
    due, one, two = result["due"], result["one"], result["two"]
    index_line = next(
        (line.strip() for line in result["plan"].splitlines() if "kuai_request_due_idx" in line),
        "NOT USING kuai_request_due_idx:\n" + result["plan"],
    )
    fastest, slowest = result["one_range"]
    print(
        f"\n{due:,} due requests in a table of {result['rows']:,} "
        f"(batch size {batch_size}, median of {repeat} runs)"
    )
    print(f"  claim query plan:  {index_line}")
    print(
        f"  one worker:        {due / one.seconds:7,.0f} expirations/s "
        f"({one.seconds:.2f} s, {fastest:.2f}–{slowest:.2f} s over the runs; "
        f"{1e6 * one.seconds / due:.0f} µs per request; {one.batches} batches)"
    )
    print(
        f"  one batch:         {one.first_batch_queries} queries "
        f"(BEGIN and COMMIT included), {one.first_batch_tasks} task published "
        f"({result['tasks_published']} for the whole sweep)"
    )
    split = " + ".join(f"{s.expired:,}" for s in two)
    print(
        f"  two workers:       {due / _span(two):7,.0f} expirations/s "
        f"({_span(two):.2f} s, split {split})"
    )
    print(
        f"  raw SQL UPDATE:    {due / result['raw_seconds']:7,.0f} rows/s "
        f"({result['raw_seconds']:.2f} s); one worker takes "
        f"{one.seconds / result['raw_seconds']:.1f}× as long"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(datetime.fromisoformat(args.now), args.batch_size)
        return
    create_database()
    try:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        empty_queue()
        results = [measure(due, args.batch_size, args.repeat) for due in args.sizes]
        for result in results:
            report(result, args.batch_size, args.repeat)
        if len(results) > 1:
            per_request = [r["one"].seconds / r["due"] for r in results]
            print(
                f"\ncost per due request at {results[-1]['due']:,} vs {results[0]['due']:,}: "
                f"{per_request[-1] / per_request[0]:.2f}×"
            )
    finally:
        empty_queue(bindings=True)
        drop_databases()


if __name__ == "__main__":
    main()

"""Latency of the after-sale API inside Saleor's /graphql/, against Saleor's own
return mutation, over real HTTP (a script, not a test).

    /work/saleor-venv/bin/python benchmarks/api_saleor.py [--orders 200] [--warmup 10]

Run it with the Python of a Saleor 3.23 environment that has this checkout
installed (``pip install -e . --no-deps``). It works on a Saleor database that
holds Saleor's sample data (``populatedb``), ``KUAI_BENCH_SALEOR_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432/kuai_bench_saleor``), with Redis at
``KUAI_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/6``) as cache and
Celery broker, as a production Saleor has them (no worker runs: the mutations
only queue their tasks, for ours and Saleor's alike; the queue is purged at
the end).

1. Setup, in this process with Saleor's settings: migrations are applied; a
   buyer, a staff member with order rights (a permission group with
   ``MANAGE_ORDERS`` on every channel) and a payment app are created once; then
   ``2 × --orders`` orders of one shape are placed for the buyer with Saleor's
   own actions — two lines (2 + 1 units of two catalogue variants) priced from
   the channel, taxes calculated, paid in full by a transaction of the payment
   app, fulfilled from a warehouse. Each run adds its orders (order metadata
   ``kuai_bench``) and removes them, and its requests, at the end.
2. A Saleor HTTP server: ``uvicorn saleor.asgi:application`` (one worker, on a
   free port, ``DEBUG=False``) with the same settings; our plugin and app come
   in through the entry point, so ``/graphql/`` serves our API next to Saleor's.
3. For each pair of orders, in turn over one keep-alive connection:
   ``afterSaleRequestCreate`` (the buyer's JWT: a return of one unit), then
   ``afterSaleRequestApprove`` of that request (the staff member's JWT), then
   Saleor's ``orderFulfillmentReturnProducts`` of one unit of the same line on
   the twin order (the same staff JWT). The first ``--warmup`` rounds are not
   counted. Every response is checked: a GraphQL error stops the run.

It prints the median and the 95th percentile of each mutation's latency and the
ratios ours / Saleor's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "KUAI_BENCH_SALEOR_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuai_bench_saleor"
)
REDIS_URL = os.environ.get("KUAI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
CHANNEL = "default-channel"
BUYER_EMAIL = "kuai.bench.buyer@example.com"
STAFF_EMAIL = "kuai.bench.staff@example.com"
STAFF_GROUP = "Kuai bench: orders"
PAYMENT_APP = "Kuai bench payments"
BENCH_MARK = "kuai_bench"
SHAPE = (2, 1)  # units of the first and the second variant of every order

CREATE = """
mutation Create($order: ID!, $input: AfterSaleRequestCreateInput!) {
  afterSaleRequestCreate(orderId: $order, input: $input) {
    afterSaleRequest { id state version }
    errors { field code message }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!) {
  afterSaleRequestApprove(id: $id, version: 0) {
    afterSaleRequest { id state version }
    errors { field code message }
  }
}
"""
SALEOR_RETURN = """
mutation Return($order: ID!, $line: ID!) {
  orderFulfillmentReturnProducts(
    order: $order, input: { fulfillmentLines: [{ fulfillmentLineId: $line, quantity: 1 }] }
  ) {
    returnFulfillment { id status }
    order { id status }
    errors { field code message }
  }
}
"""


def settings_env() -> dict[str, str]:
    """Saleor's settings for this process and the server (read from the
    environment, as Saleor reads them)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # One key for the tokens made here and checked by the server.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "DJANGO_SETTINGS_MODULE": "saleor.settings",
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "SECRET_KEY": "kuai-bench",
        "RSA_PRIVATE_KEY": pem,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ALLOWED_CLIENT_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "False",
        # Long enough for any run: the tokens are made once, before the server starts.
        "JWT_TTL_ACCESS": "6 hours",
    }


@dataclass(frozen=True)
class Pair:
    """Two orders of the same shape: one for our mutations, one for Saleor's."""

    ours_order: str  # global IDs
    ours_line: str  # the first line, as an OrderLine ID
    saleors_order: str
    saleors_line: str  # the first line's shipped units, as a FulfillmentLine ID


@dataclass(frozen=True)
class Setup:
    pairs: list[Pair]
    buyer_token: str
    staff_token: str


def prepare(pair_count: int) -> Setup:
    """Migrate, create the people once, place the orders with Saleor's actions."""
    import graphene
    from django.core.management import call_command
    from saleor.core.jwt import create_access_token

    call_command("migrate", verbosity=0)
    buyer, staff, payment_app = _people()
    variants, warehouse = _catalogue(pair_count)
    orders = [_place_order(buyer, variants, warehouse, payment_app) for _ in range(2 * pair_count)]
    pairs = []
    for ours, saleors in zip(orders[::2], orders[1::2], strict=True):
        ours_line = ours.lines.order_by("created_at", "pk").first()
        saleors_line = saleors.lines.order_by("created_at", "pk").first()
        shipped = saleors_line.fulfillment_lines.get()
        pairs.append(
            Pair(
                ours_order=graphene.Node.to_global_id("Order", ours.pk),
                ours_line=graphene.Node.to_global_id("OrderLine", ours_line.pk),
                saleors_order=graphene.Node.to_global_id("Order", saleors.pk),
                saleors_line=graphene.Node.to_global_id("FulfillmentLine", shipped.pk),
            )
        )
    return Setup(pairs, create_access_token(buyer), create_access_token(staff))


def _people() -> tuple[Any, Any, Any]:
    from saleor.account.models import Group, User
    from saleor.account.utils import get_default_customer_type
    from saleor.app.models import App
    from saleor.permission.enums import OrderPermissions, PaymentPermissions
    from saleor.permission.models import Permission

    # No passwords: the tokens are minted here.
    customer_type = get_default_customer_type()
    buyer, _ = User.objects.get_or_create(
        email=BUYER_EMAIL,
        defaults={"is_active": True, "is_confirmed": True, "customer_type": customer_type},
    )
    staff, _ = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={
            "is_active": True,
            "is_confirmed": True,
            "is_staff": True,
            "customer_type": customer_type,
        },
    )
    group, _ = Group.objects.get_or_create(
        name=STAFF_GROUP, defaults={"restricted_access_to_channels": False}
    )
    group.permissions.add(Permission.objects.get(codename=OrderPermissions.MANAGE_ORDERS.codename))
    staff.groups.add(group)
    app = App.objects.filter(name=PAYMENT_APP).first()
    if app is None:
        app = App.objects.create(name=PAYMENT_APP, is_active=True, identifier="kuai.bench")
        app.permissions.add(
            Permission.objects.get(codename=PaymentPermissions.HANDLE_PAYMENTS.codename)
        )
    return buyer, staff, app


def _catalogue(pair_count: int) -> tuple[list[Any], Any]:
    """Two variants sold in the channel, with stock for every order in one warehouse."""
    from django.db.models import F
    from saleor.channel.models import Channel
    from saleor.product.models import ProductVariant
    from saleor.warehouse.models import Stock, Warehouse

    channel = Channel.objects.get(slug=CHANNEL)
    variants = list(
        ProductVariant.objects.filter(
            channel_listings__channel=channel,
            channel_listings__price_amount__gt=0,
            product__product_type__is_shipping_required=True,
            product__product_type__kind="normal",
            track_inventory=True,
            is_preorder=False,
        ).order_by("pk")[:2]
    )
    warehouse = Warehouse.objects.filter(channels=channel).order_by("pk").first()
    needed = 2 * pair_count * max(SHAPE)
    for variant in variants:
        stock, _ = Stock.objects.get_or_create(
            warehouse=warehouse, product_variant=variant, defaults={"quantity": 0}
        )
        Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + needed)
    return variants, warehouse


def _place_order(buyer: Any, variants: list[Any], warehouse: Any, payment_app: Any) -> Any:
    from saleor.account.models import Address
    from saleor.channel.models import Channel
    from saleor.graphql.order.utils import OrderLineData
    from saleor.order import OrderChargeStatus, OrderOrigin, OrderStatus
    from saleor.order.actions import create_fulfillments
    from saleor.order.calculations import fetch_order_prices_if_expired
    from saleor.order.models import Order
    from saleor.order.utils import add_variant_to_order, updates_amounts_for_order
    from saleor.payment import TransactionAction
    from saleor.payment.utils import create_transaction_for_order
    from saleor.plugins.manager import get_plugins_manager
    from saleor.site.models import Site

    channel = Channel.objects.get(slug=CHANNEL)
    manager = get_plugins_manager(allow_replica=False)
    site_settings = Site.objects.get_current().settings
    address = Address.objects.filter(country=channel.default_country).order_by("pk").first()
    order = Order.objects.create(
        channel=channel,
        currency=channel.currency_code,
        user=buyer,
        user_email=buyer.email,
        billing_address=address.get_copy(),
        shipping_address=address.get_copy(),
        # Saleor prices the lines of an order still being edited only.
        status=OrderStatus.DRAFT,
        origin=OrderOrigin.CHECKOUT,
        lines_count=len(SHAPE),
        should_refresh_prices=True,
        metadata={BENCH_MARK: "1"},
    )
    for variant, quantity in zip(variants, SHAPE, strict=True):
        add_variant_to_order(
            order,
            OrderLineData(variant=variant, quantity=quantity),
            None,
            None,
            manager,
            site_settings,
        )
    order, _ = fetch_order_prices_if_expired(order, manager, None, force_update=True).get()
    order.status = OrderStatus.UNFULFILLED
    order.save(update_fields=["status", "updated_at"])
    lines = list(order.lines.all())
    create_transaction_for_order(
        order,
        None,
        payment_app,
        psp_reference=f"kuai-bench-{uuid.uuid4()}",
        charged_value=order.total_gross_amount,
        available_actions=[TransactionAction.REFUND],
    )
    updates_amounts_for_order(order)
    create_fulfillments(
        None,
        None,
        order,
        {warehouse.pk: [{"order_line": line, "quantity": line.quantity} for line in lines]},
        manager,
        site_settings,
        notify_customer=False,
    )
    order.refresh_from_db()
    # The shape every round relies on; anything else would time another path.
    if (order.status, order.charge_status) != (OrderStatus.FULFILLED, OrderChargeStatus.FULL):
        sys.exit(f"Order {order.pk} is {order.status}, paid {order.charge_status}: not the shape")
    if not order.total_gross_amount:
        sys.exit(f"Order {order.pk} has no total: the channel priced nothing")
    return order


def remove_bench_orders() -> int:
    """The run's orders and the after-sale requests on them."""
    from saleor.order.models import Order
    from saleor.payment.models import TransactionItem

    from saleor_kuai_returns.models import AfterSaleRequest

    orders = Order.objects.filter(metadata__has_key=BENCH_MARK)
    ids = list(orders.values_list("pk", flat=True))
    AfterSaleRequest.objects.filter(order_id__in=ids).delete()
    TransactionItem.objects.filter(order_id__in=ids).delete()
    orders.delete()
    return len(ids)


# --- the server and the client ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "saleor.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )


def wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The Saleor server stopped (exit {server.returncode}); see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"The Saleor server did not answer within 180 s; see {log}")


class Client:
    """One keep-alive connection; each call returns (seconds, data)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, token: str, query: str, variables: dict[str, Any]) -> tuple[float, Any]:
        body = json.dumps({"query": query, "variables": variables})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        self.connection.request("POST", "/graphql/", body, headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        content = json.loads(payload)
        if response.status != 200 or "errors" in content:
            sys.exit(f"GraphQL call failed ({response.status}): {payload[:2000]!r}")
        (data,) = content["data"].values()
        if data.get("errors"):
            sys.exit(f"The mutation refused: {data['errors']}")
        return elapsed, data


def measure(client: Client, setup: Setup) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"create": [], "approve": [], "saleor_return": []}
    for pair in setup.pairs:
        created_in, created = client.post(
            setup.buyer_token,
            CREATE,
            {
                "order": pair.ours_order,
                "input": {
                    "type": "RETURN_AND_REFUND",
                    "reason": "QUALITY_FUNCTION",
                    "lines": [{"orderLineId": pair.ours_line, "quantity": 1}],
                    "description": "The seam opened after one wash.",
                    "evidence": [{"kind": "IMAGE", "url": "https://img.example.com/seam.jpg"}],
                },
            },
        )
        approved_in, approved = client.post(
            setup.staff_token, APPROVE, {"id": created["afterSaleRequest"]["id"]}
        )
        assert approved["afterSaleRequest"]["state"] == "AWAITING_BUYER_RETURN", approved
        returned_in, returned = client.post(
            setup.staff_token,
            SALEOR_RETURN,
            {"order": pair.saleors_order, "line": pair.saleors_line},
        )
        assert returned["returnFulfillment"]["status"] == "RETURNED", returned
        timings["create"].append(created_in)
        timings["approve"].append(approved_in)
        timings["saleor_return"].append(returned_in)
    return timings


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def report(timings: dict[str, list[float]], warmup: int) -> None:
    counted = {name: values[warmup:] for name, values in timings.items()}
    ms = {
        name: (statistics.median(values) * 1000, p95(values) * 1000)
        for name, values in counted.items()
    }
    saleors = ms["saleor_return"]
    print(f"Rounds counted: {len(counted['create'])} (after {warmup} warm-up rounds)")
    print(f"{'mutation':<48} {'median ms':>10} {'p95 ms':>10}")
    labels = {
        "create": "afterSaleRequestCreate (buyer)",
        "approve": "afterSaleRequestApprove (staff)",
        "saleor_return": "orderFulfillmentReturnProducts (staff, Saleor)",
    }
    for name, (median, high) in ms.items():
        print(f"{labels[name]:<48} {median:>10.1f} {high:>10.1f}")
    print("Ratios ours / Saleor's return (median, p95):")
    for name in ("create", "approve"):
        median, high = ms[name]
        print(f"  {name:<8} {median / saleors[0]:.2f}  {high / saleors[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="order pairs (rounds)")
    parser.add_argument("--warmup", type=int, default=10, help="first rounds not counted")
    args = parser.parse_args()
    if args.orders <= args.warmup:
        parser.error("--orders must be larger than --warmup")

    env = settings_env()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    started = time.monotonic()
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"kuai-bench-saleor-{port}.log"
    server = None
    try:
        setup = prepare(args.orders)
        took = time.monotonic() - started
        print(f"Setup: {2 * args.orders} fulfilled, paid orders in {took:.0f} s")
        server = start_server(port, env, log)
        wait_until_up(port, server, log)
        timings = measure(Client(port), setup)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        removed = remove_bench_orders()
        _purge_queued_tasks()
    print(f"Server: uvicorn saleor.asgi:application, one worker; {removed} bench orders removed")
    report(timings, args.warmup)


def _purge_queued_tasks() -> None:
    """No worker ran: drop the tasks the mutations queued (webhooks, notes)."""
    from saleor.celeryconf import app

    app.control.purge()


if __name__ == "__main__":
    main()

"""What the fault tests run inside processes of their own, on the sandbox's
settings: ``python -m tests.faults.shop <command>``.

- ``seed N [POLICY_JSON]``: N delivered orders of the demo buyer on
  ``default-channel``, one tee paid 100.00 each (and the channel's policy);
  prints their (order, line) global IDs as JSON.
- ``app``: an application process that reads one command per line on stdin
  (``approve <request pk>``, ``quit``) and answers one JSON line each — the
  follow-ups an approval writes are queued after commit on the configured
  broker, as in a shop's web process.
- ``confirm <payment pk> <succeeded|failed> <go file>``: the sandbox's payment
  app answers a pending refund; it says ``ready`` once set up and answers as
  soon as the go file exists (several of them answer at the same instant).
- ``report``: what the shop and the app recorded (requests, movements, the
  shop's payments, timelines, order notes, refunded lines), as JSON.

Nothing here changes the code under test: each command calls what a shop's
process would call.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path


def seed(count: int, policy: dict[str, str]) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from saleor_kuai_returns.graphql.core.ids import ORDER, ORDER_LINE, to_global_id
    from saleor_kuai_returns.sandbox import models as shop
    from saleor_kuai_returns.sandbox.factory import LineSpec, make_order

    channel = shop.Channel.objects.get(slug="default-channel")
    if policy:
        channel.policy = policy
        channel.save(update_fields=["policy"])
    buyer = get_user_model().objects.get(username="buyer@example.com")
    delivered_at = timezone.now() - timedelta(days=1)
    found = []
    for i in range(count):
        order = make_order(
            channel, buyer, [LineSpec(f"FAULT-{i}", "Tee", 1, "100.00")], delivered_at=delivered_at
        )
        line = order.lines.get()
        found.append((to_global_id(ORDER, order.pk), to_global_id(ORDER_LINE, line.pk)))
    print(json.dumps(found), flush=True)


def app() -> None:
    """Approve what stdin says, as the merchant, one request at a time."""
    from django.contrib.auth import get_user_model

    from saleor_kuai_returns.actions import requests as act
    from saleor_kuai_returns.sandbox.factory import caller_for

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    merchant = caller_for(get_user_model().objects.get(username="merchant@example.com"))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "quit":
            return
        assert command == "approve", command
        started = time.monotonic()
        try:
            request = act.approve_request(argument, merchant)
        except Exception as error:  # said to the test, which decides
            answer = {"error": repr(error)}
        else:
            answer = {"state": request.state}
        answer["seconds"] = round(time.monotonic() - started, 3)
        print(json.dumps(answer), flush=True)


def confirm(payment_id: int, succeeded: bool, go: Path) -> None:
    from django.db import connection

    from saleor_kuai_returns.host.sandbox import SandboxHost

    connection.ensure_connection()
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to answer")
        time.sleep(0.001)
    payment = SandboxHost().confirm(payment_id, succeeded)
    print(json.dumps({"status": payment.status}), flush=True)


def report() -> None:
    from saleor_kuai_returns.models import AfterSaleRequest, MoneyMovement, TimelineEvent
    from saleor_kuai_returns.sandbox import models as shop

    print(
        json.dumps(
            {
                "requests": {
                    str(pk): [state, str(refunded)]
                    for pk, state, refunded in AfterSaleRequest.objects.values_list(
                        "pk", "state", "refunded_amount"
                    )
                },
                "movements": sorted(
                    MoneyMovement.objects.values_list("idempotency_key", "status", "amount")
                    .order_by()
                    .iterator(),
                    key=str,
                ),
                "payments": sorted(
                    (key, kind, str(amount), status)
                    for key, kind, amount, status in shop.Payment.objects.values_list(
                        "idempotency_key", "kind", "amount", "status"
                    )
                ),
                "notes": sorted(
                    [str(order), message]
                    for order, message in shop.OrderNote.objects.values_list("order_id", "message")
                ),
                "timeline": sorted(
                    [str(order), version, event, actor, source, target]
                    for order, version, event, actor, source, target in (
                        TimelineEvent.objects.values_list(
                            "request__order_id",
                            "version",
                            "event",
                            "actor_kind",
                            "from_state",
                            "to_state",
                        )
                    )
                ),
                "lines": sorted(
                    [sku, str(amount), shipped, unshipped]
                    for sku, amount, shipped, unshipped in shop.OrderLine.objects.filter(
                        sku__startswith="FAULT-"
                    ).values_list(
                        "sku",
                        "amount_refunded",
                        "quantity_refunded_shipped",
                        "quantity_refunded_unshipped",
                    )
                ),
            },
            default=str,
        ),
        flush=True,
    )


def main(argv: list[str]) -> None:
    import django

    django.setup()
    import saleor_kuai_returns.sandbox.celery  # noqa: F401 - tasks go through the sandbox's app

    command, *args = argv
    if command == "seed":
        seed(int(args[0]), json.loads(args[1]) if len(args) > 1 else {})
    elif command == "app":
        app()
    elif command == "report":
        report()
    elif command == "confirm":
        confirm(int(args[0]), args[1] == "succeeded", Path(args[2]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])

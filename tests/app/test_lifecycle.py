"""Request lifecycles through the actions, on PostgreSQL with the sandbox host."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from freezegun import freeze_time

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    EvidenceKind,
    MoneyMovement,
    Shipment,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/seam.jpg")


def file_return(order, buyer, run_on_commit, quantity=1):
    line = order.lines.get(sku="TEE-RED-M")
    new = NewRequest(
        RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, lines=((str(line.id), quantity),)
    )
    return run_on_commit(create_request, str(order.id), buyer, new, evidence=[PHOTO], now=NOW)


@freeze_time(NOW)
def test_return_and_refund_from_filing_to_money(demo, buyer, merchant, run_on_commit):
    # given a buyer returning 1 of 2 tees paid 200.00 CNY
    order = demo.orders["delivered"]
    request = file_return(order, buyer, run_on_commit)
    assert (request.state, request.version, request.refund_ceiling) == (
        "awaiting_merchant_review",
        0,
        Decimal("100.000"),
    )
    # when the merchant approves, the buyer ships back, the merchant confirms receipt
    run_on_commit(act.approve_request, request.id, merchant, version=0)
    run_on_commit(
        act.submit_return_shipment,
        request.id,
        buyer,
        carrier="SF",
        tracking_number="SF123",
        version=1,
    )
    run_on_commit(act.confirm_receipt, request.id, merchant, version=2)
    # then the refund was paid once, the stock is back, and the timeline tells it
    request.refresh_from_db()
    assert request.state == "refunded"
    assert request.version == 4
    assert request.refunded_amount == Decimal("100.000")
    assert request.return_address == "Returns desk, default-channel warehouse, Hangzhou"
    assert request.deadline_at is None
    assert list(request.lines.values_list("is_active", flat=True)) == [False]
    movement = MoneyMovement.objects.get()
    assert (movement.kind, movement.status, movement.amount) == (
        "refund",
        "succeeded",
        Decimal("100.000"),
    )
    assert movement.idempotency_key == f"kuai:{request.id}:payout:1"
    payment = shop.Payment.objects.get()
    assert (payment.kind, payment.amount, payment.status) == (
        "refund",
        Decimal("100.000"),
        "succeeded",
    )
    assert shop.Stock.objects.get(sku="TEE-RED-M").quantity == 11
    tee = order.lines.get(sku="TEE-RED-M")
    assert (tee.quantity_refunded_shipped, tee.amount_refunded) == (1, Decimal("100.000"))
    assert list(
        TimelineEvent.objects.filter(request=request).values_list("event", "actor_kind", "version")
    ) == [
        ("created", "buyer", 0),
        ("approve", "merchant", 1),
        ("submit_return_shipment", "buyer", 2),
        ("confirm_receipt", "merchant", 3),
        ("refund_succeeded", "system", 4),
    ]
    assert list(Shipment.objects.values_list("kind", "carrier", "tracking_number")) == [
        ("return", "SF", "SF123")
    ]
    # filed, one note per transition, and the shop's record of the return
    assert order.notes.count() == 6
    assert order.notes.filter(message="Return recorded: 1 × TEE-RED-M.").count() == 1


@freeze_time(NOW)
def test_review_deadline_auto_approves_through_the_sweeper(demo, buyer, run_on_commit):
    from saleor_kuai_returns.host import get_host
    from saleor_kuai_returns.sweeper import expire_due

    request = file_return(demo.orders["delivered"], buyer, run_on_commit)
    due = request.deadline_at
    assert due == NOW + timedelta(hours=48)
    # a second before: nothing to do; at the deadline: auto-approved
    assert expire_due(due - timedelta(seconds=1), batch_size=10, host=get_host()) == 0
    assert run_on_commit(expire_due, due, batch_size=10, host=get_host()) == 1
    request.refresh_from_db()
    assert (request.state, request.version, request.merchant_missed_deadline) == (
        "awaiting_buyer_return",
        1,
        True,
    )
    assert request.deadline_at == due + timedelta(days=10)
    event = TimelineEvent.objects.get(request=request, version=1)
    assert (event.event, event.actor_kind, event.actor_id) == ("deadline_expired", "system", "")
    assert AfterSaleRequest.objects.count() == 1

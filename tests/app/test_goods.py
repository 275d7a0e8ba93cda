"""Goods the merchant sends (exchange replacements, reships), the channel switch,
and refunds refused while tasks run in-process."""

from __future__ import annotations

from decimal import Decimal

import pytest
from freezegun import freeze_time

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.actions.goods import send_pending_goods
from saleor_kuai_returns.domain import ErrorCode, Reason, RequestType, TransitionNotAllowed
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import AfterSaleRequest, Shipment, TimelineEvent
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW
from .test_requests import file, line_id, snapshot


def stock():
    return dict(shop.Stock.objects.values_list("sku", "quantity"))


def notes(order):
    return list(order.notes.values_list("message", flat=True))


@pytest.fixture
def tee_exchange_received(demo, buyer, merchant, run_on_commit):
    """An exchange of one tee whose return the merchant received."""
    order = demo.orders["delivered"]
    request = file(
        order, buyer, run_on_commit, RequestType.EXCHANGE, Reason.QUALITY_SIZE, "TEE-RED-M", 1
    )
    with freeze_time(NOW):
        run_on_commit(act.approve_request, request.id, merchant)
        run_on_commit(
            act.submit_return_shipment, request.id, buyer, carrier="SF", tracking_number="SF1"
        )
        run_on_commit(act.confirm_receipt, request.id, merchant)
    request.refresh_from_db()
    assert request.state == "awaiting_replacement_shipment"
    return request


@freeze_time(NOW)
def test_an_exchange_sends_the_chosen_variant_once(
    demo, tee_exchange_received, merchant, run_on_commit
):
    # given
    request, order = tee_exchange_received, demo.orders["delivered"]
    before = stock()
    # when the merchant ships another size at the same price
    run_on_commit(
        act.ship_items,
        request.id,
        merchant,
        carrier="ZTO",
        tracking_number="ZTO42",
        replacements=[(line_id(order, "TEE-RED-M"), "TEE-RED-L")],
        version=request.version,
    )
    # then the replacement left stock, once, with a note on the order
    shipment = Shipment.objects.get(kind="replacement")
    assert shipment.items == [
        {"line_id": line_id(order, "TEE-RED-M"), "variant_id": "TEE-RED-L", "quantity": 1}
    ]
    assert shipment.host_reference.startswith("note:")
    assert stock() == {**before, "TEE-RED-L": before["TEE-RED-L"] - 1}
    assert notes(order).count("Replacement sent: 1 × TEE-RED-L (ZTO ZTO42).") == 1
    request.refresh_from_db()
    assert request.state == "awaiting_buyer_confirmation"
    # when the goods step runs again (a redelivered message, a reopened follow-up)
    assert send_pending_goods(str(request.id), host=SandboxHost()) == 0
    # then nothing moves twice
    assert stock() == {**before, "TEE-RED-L": before["TEE-RED-L"] - 1}
    assert Shipment.objects.get(kind="replacement").host_reference == shipment.host_reference


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ("TEE-GLD-M", ErrorCode.REPLACEMENT_PRICE_MISMATCH),  # same product, 130.00
        ("CAP-BLK", ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT),
        ("NO-SUCH-SKU", ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT),
        (None, ErrorCode.REPLACEMENT_REQUIRED),
    ],
)
def test_an_exchange_refuses_a_variant_of_another_product_or_price(
    demo, tee_exchange_received, merchant, run_on_commit, variant, code
):
    request, order = tee_exchange_received, demo.orders["delivered"]
    before, before_stock, before_notes = snapshot(request), stock(), notes(order)
    choices = [] if variant is None else [(line_id(order, "TEE-RED-M"), variant)]
    with pytest.raises(TransitionNotAllowed) as refused:
        run_on_commit(
            act.ship_items,
            request.id,
            merchant,
            carrier="ZTO",
            tracking_number="ZTO42",
            replacements=choices,
        )
    assert refused.value.code is code
    assert snapshot(request) == before
    assert (stock(), notes(order)) == (before_stock, before_notes)
    assert not Shipment.objects.filter(kind="replacement").exists()


@freeze_time(NOW)
def test_a_reship_sends_the_missing_units(demo, buyer, merchant, run_on_commit):
    order = demo.orders["with_gift"]
    request = file(
        order, buyer, run_on_commit, RequestType.RESHIP, Reason.MISSING_ITEMS, "KETTLE-GIFT", 1
    )
    run_on_commit(act.approve_request, request.id, merchant)
    before = stock()
    run_on_commit(act.ship_items, request.id, merchant, carrier="YTO", tracking_number="YT7")
    assert stock() == {**before, "KETTLE-GIFT": before["KETTLE-GIFT"] - 1}
    shipment = Shipment.objects.get()
    assert (shipment.kind, shipment.items) == ("reship", [])
    assert shipment.host_reference.startswith("note:")
    assert "Reship sent: 1 × KETTLE-GIFT (YTO YT7)." in notes(order)


@freeze_time(NOW)
def test_a_channel_switched_off_takes_no_new_requests_but_finishes_the_open_ones(
    demo, buyer, merchant, run_on_commit
):
    # given an open request, then the channel's after-sale switched off
    order = demo.orders["delivered"]
    open_one = file(
        order, buyer, run_on_commit, RequestType.REFUND_ONLY, Reason.QUALITY_MATERIAL, "CAP-BLK", 1
    )
    demo.channel.after_sale_enabled = False
    demo.channel.save()
    # when the buyer files another
    with pytest.raises(ActionError) as refused:
        file(
            order,
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_SIZE,
            "TEE-RED-M",
            1,
        )
    # then it is refused and nothing was written
    assert refused.value.code is ActionErrorCode.AFTER_SALE_DISABLED
    assert list(AfterSaleRequest.objects.values_list("pk", flat=True)) == [open_one.pk]
    assert TimelineEvent.objects.count() == 1
    # and the open request still runs to its end
    run_on_commit(act.approve_request, open_one.id, merchant)
    open_one.refresh_from_db()
    assert (open_one.state, open_one.refunded_amount) == ("refunded", Decimal("59.900"))


@freeze_time(NOW)
def test_in_process_a_refused_refund_shows_failed_without_failing_the_approval(
    demo, buyer, merchant, run_on_commit
):
    # given tasks run in-process (the sandbox without a worker) on a channel
    # whose payments refuse refunds
    demo.channel.refund_mode = shop.RefundMode.FAIL
    demo.channel.save()
    order = demo.orders["delivered"]
    request = file(
        order, buyer, run_on_commit, RequestType.REFUND_ONLY, Reason.QUALITY_MATERIAL, "CAP-BLK", 1
    )
    # when the merchant approves: the refund is tried, and refused every time
    approved = run_on_commit(act.approve_request, request.id, merchant)
    # then the approval stands and the request shows the failed refund
    assert approved.state == "refunding"
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refund_failed", Decimal("0"))
    assert list(shop.Payment.objects.values_list("kind", "amount", "status")) == [
        ("refund", Decimal("59.900"), "failed")
    ]

"""The use cases on PostgreSQL: every path, who may do what, and refusals that
change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from freezegun import freeze_time

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import (
    ErrorCode,
    NewRequest,
    NotEligible,
    Reason,
    RejectionReason,
    RequestType,
    TransitionNotAllowed,
)
from saleor_kuai_returns.host.base import Caller
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    AfterSaleRequestLine,
    Evidence,
    EvidenceKind,
    MoneyMovement,
    Shipment,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import caller_for

from .conftest import NOW

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")


def line_id(order, sku):
    return str(order.lines.get(sku=sku).id)


def file(order, caller, run_on_commit, request_type, reason, sku, quantity, evidence=(PHOTO,)):
    new = NewRequest(request_type, reason, lines=((line_id(order, sku), quantity),))
    return run_on_commit(
        create_request, str(order.id), caller, new, evidence=list(evidence), now=NOW
    )


def snapshot(request):
    """Everything a refused call must leave as it was."""
    request.refresh_from_db()
    return (
        request.state,
        request.version,
        request.deadline_at,
        request.requested_amount,
        TimelineEvent.objects.filter(request=request).count(),
        MoneyMovement.objects.filter(request=request).count(),
        Evidence.objects.filter(request=request).count(),
        Shipment.objects.filter(request=request).count(),
        shop.Payment.objects.count(),
        shop.OrderNote.objects.count(),
    )


@pytest.fixture
def tee_return(demo, buyer, run_on_commit):
    with freeze_time(NOW):
        return file(
            demo.orders["delivered"],
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            "TEE-RED-M",
            1,
        )


@freeze_time(NOW)
def test_unshipped_refund_pays_goods_and_shipping_at_approval(demo, buyer, merchant, run_on_commit):
    request = file(
        demo.orders["unshipped"],
        buyer,
        run_on_commit,
        RequestType.REFUND_ONLY,
        Reason.NO_REASON,
        "MUG-WHT",
        2,
        evidence=(),
    )
    assert request.whole_order_before_shipment is True
    run_on_commit(act.approve_request, request.id, merchant)
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("90.000"))
    assert list(shop.Payment.objects.values_list("amount", flat=True)) == [Decimal("90.000")]
    notes = list(demo.orders["unshipped"].notes.values_list("message", flat=True))
    assert "Unshipped units released: they will not ship." in notes


@freeze_time(NOW)
def test_exchange_ships_a_replacement_and_completes(demo, buyer, merchant, run_on_commit):
    order = demo.orders["delivered"]
    request = file(
        order, buyer, run_on_commit, RequestType.EXCHANGE, Reason.QUALITY_SIZE, "TEE-RED-M", 1
    )
    run_on_commit(act.approve_request, request.id, merchant)
    run_on_commit(
        act.submit_return_shipment,
        request.id,
        merchant,
        carrier="SF",
        tracking_number="SF9",
        as_merchant=True,
    )
    run_on_commit(act.confirm_receipt, request.id, merchant)
    tee = order.lines.get(sku="TEE-RED-M")
    run_on_commit(
        act.ship_items,
        request.id,
        merchant,
        carrier="ZTO",
        tracking_number="Z1",
        replacements=[(str(tee.id), "TEE-RED-L")],
    )
    run_on_commit(act.confirm_arrival, request.id, buyer)
    request.refresh_from_db()
    assert (request.state, request.version, request.refunded_amount) == (
        "completed",
        5,
        Decimal("0"),
    )
    assert sorted(Shipment.objects.values_list("kind", "entered_by_kind")) == [
        ("replacement", "merchant"),
        ("return", "merchant"),
    ]
    assert shop.Payment.objects.count() == 0
    assert shop.Stock.objects.get(sku="TEE-RED-M").quantity == 11


@freeze_time(NOW)
def test_reship_of_a_missing_gift(demo, buyer, merchant, run_on_commit):
    order = demo.orders["with_gift"]
    request = file(
        order, buyer, run_on_commit, RequestType.RESHIP, Reason.MISSING_ITEMS, "KETTLE-GIFT", 1
    )
    assert request.refund_ceiling == Decimal("39.900")
    run_on_commit(act.approve_request, request.id, merchant)
    run_on_commit(act.ship_items, request.id, merchant, carrier="ZTO", tracking_number="Z2")
    run_on_commit(act.confirm_arrival, request.id, buyer)
    request.refresh_from_db()
    assert request.state == "completed"
    assert list(Shipment.objects.values_list("kind", flat=True)) == ["reship"]


@freeze_time(NOW)
def test_rejection_after_negotiation_then_resubmission(
    demo, tee_return, buyer, merchant, run_on_commit
):
    request = tee_return
    run_on_commit(act.send_negotiation_message, request.id, merchant, "Could you send a photo?")
    run_on_commit(
        act.reject_request,
        request.id,
        merchant,
        reason=RejectionReason.NO_QUALITY_ISSUE,
        description="Works in our test.",
    )
    run_on_commit(
        act.resubmit_request,
        request.id,
        buyer,
        reason=Reason.QUALITY_COLOUR,
        description="The colour fades.",
        evidence=[PHOTO, PHOTO],
    )
    request.refresh_from_db()
    assert (request.state, request.attempt, request.reason) == (
        "awaiting_merchant_review",
        2,
        "quality_colour",
    )
    assert request.evidence_count == 2
    assert Evidence.objects.filter(request=request).count() == 3
    assert list(TimelineEvent.objects.filter(request=request).values_list("event", "note")) == [
        ("created", ""),
        ("send_negotiation_message", "Could you send a photo?"),
        ("reject", "Works in our test."),
        ("resubmit", "The colour fades."),
    ]


@freeze_time(NOW)
def test_proposal_accepted_changes_the_terms(demo, tee_return, buyer, merchant, run_on_commit):
    run_on_commit(
        act.propose_change,
        tee_return.id,
        merchant,
        request_type=RequestType.REFUND_ONLY,
        amount=Decimal("60.00"),
    )
    run_on_commit(act.accept_proposal, tee_return.id, buyer)
    tee_return.refresh_from_db()
    assert (tee_return.state, tee_return.request_type, tee_return.refunded_amount) == (
        "refunded",
        "refund_only",
        Decimal("60.000"),
    )


@freeze_time(NOW)
def test_a_second_request_on_the_same_line_is_refused(demo, tee_return, buyer, run_on_commit):
    with pytest.raises(NotEligible) as error:
        file(
            demo.orders["delivered"],
            buyer,
            run_on_commit,
            RequestType.REFUND_ONLY,
            Reason.QUALITY_FUNCTION,
            "TEE-RED-M",
            1,
        )
    assert error.value.code is ErrorCode.ACTIVE_REQUEST_EXISTS
    assert AfterSaleRequest.objects.count() == 1


@freeze_time(NOW)
def test_a_cancelled_request_frees_the_line(demo, tee_return, buyer, run_on_commit):
    run_on_commit(act.cancel_request, tee_return.id, buyer)
    assert list(AfterSaleRequestLine.objects.values_list("is_active", flat=True)) == [False]
    again = file(
        demo.orders["delivered"],
        buyer,
        run_on_commit,
        RequestType.REFUND_ONLY,
        Reason.QUALITY_FUNCTION,
        "TEE-RED-M",
        1,
    )
    assert again.attempt == 2


@freeze_time(NOW)
def test_the_database_refuses_a_second_active_request_that_slipped_past_eligibility(
    demo, tee_return
):
    # given a stale check: the row is written as if no request were active
    from django.db import IntegrityError, transaction

    original = AfterSaleRequestLine.objects.get()
    duplicate = AfterSaleRequestLine(
        request=tee_return,
        order_line_id=original.order_line_id,
        quantity=1,
        currency="CNY",
        ordered_quantity=2,
        total_paid=Decimal("200"),
        unit_price=Decimal("100"),
    )
    # then
    with (
        pytest.raises(IntegrityError, match="kuai_one_active_request_per_line"),
        transaction.atomic(),
    ):
        duplicate.save()


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("other_buyer", ActionErrorCode.PERMISSION_DENIED),
        ("anonymous", ActionErrorCode.PERMISSION_DENIED),
        ("merchant", ActionErrorCode.PERMISSION_DENIED),
    ],
)
@freeze_time(NOW)
def test_only_the_orders_buyer_may_file(demo, run_on_commit, who, code):
    caller = {
        "other_buyer": caller_for(demo.other_buyer),
        "anonymous": Caller("anonymous"),
        "merchant": caller_for(demo.merchant),
    }[who]
    with pytest.raises(ActionError) as error:
        file(
            demo.orders["delivered"],
            caller,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            "TEE-RED-M",
            1,
        )
    assert error.value.code is code
    assert AfterSaleRequest.objects.count() == 0


@pytest.mark.parametrize(
    "who", ["buyer", "other_buyer", "other_merchant", "clerk", "platform", "anonymous"]
)
@freeze_time(NOW)
def test_only_a_merchant_of_the_channel_may_approve(demo, tee_return, run_on_commit, who):
    caller = Caller("anonymous") if who == "anonymous" else caller_for(getattr(demo, who))
    before = snapshot(tee_return)
    with pytest.raises(ActionError) as error:
        run_on_commit(act.approve_request, tee_return.id, caller)
    assert error.value.code is ActionErrorCode.PERMISSION_DENIED
    assert snapshot(tee_return) == before


@pytest.mark.parametrize("who", ["other_buyer", "merchant", "platform", "anonymous"])
@freeze_time(NOW)
def test_only_the_buyer_may_cancel(demo, tee_return, run_on_commit, who):
    caller = Caller("anonymous") if who == "anonymous" else caller_for(getattr(demo, who))
    before = snapshot(tee_return)
    with pytest.raises(ActionError):
        run_on_commit(act.cancel_request, tee_return.id, caller)
    assert snapshot(tee_return) == before


@freeze_time(NOW)
def test_a_stale_version_is_refused_and_changes_nothing(demo, tee_return, merchant, run_on_commit):
    run_on_commit(act.send_negotiation_message, tee_return.id, merchant, "Hello", version=0)
    before = snapshot(tee_return)
    with pytest.raises(ActionError) as error:
        run_on_commit(act.approve_request, tee_return.id, merchant, version=0)
    assert error.value.code is ActionErrorCode.STALE_VERSION
    assert snapshot(tee_return) == before


@freeze_time(NOW)
def test_a_rule_refusal_changes_nothing(demo, tee_return, merchant, run_on_commit):
    before = snapshot(tee_return)
    with pytest.raises(TransitionNotAllowed) as error:
        run_on_commit(
            act.reject_request, tee_return.id, merchant, reason=RejectionReason.OUTSIDE_POLICY
        )
    assert error.value.code is ErrorCode.NEGOTIATION_REQUIRED
    assert snapshot(tee_return) == before


@pytest.mark.parametrize("request_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
@freeze_time(NOW)
def test_unknown_request_ids_are_not_found(demo, merchant, run_on_commit, request_id):
    with pytest.raises(ActionError) as error:
        run_on_commit(act.approve_request, request_id, merchant)
    assert error.value.code is ActionErrorCode.NOT_FOUND


@freeze_time(NOW)
def test_unknown_orders_are_not_found(demo, buyer, run_on_commit):
    new = NewRequest(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("x", 1),))
    with pytest.raises(ActionError) as error:
        run_on_commit(create_request, "00000000-0000-0000-0000-000000000000", buyer, new)
    assert error.value.code is ActionErrorCode.NOT_FOUND

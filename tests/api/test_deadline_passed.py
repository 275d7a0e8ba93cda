"""A deadline binds everyone, through the API: a merchant acting after the
review deadline (before the sweeper ran) is told the default outcome happened;
the buyer may go on from it; what each may do reads the same."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.models import AfterSaleRequest, MoneyMovement, TimelineEvent
from saleor_kuai_returns.sandbox.factory import caller_for

from .calls import DOCUMENTS
from .conftest import request_id, snapshot

ACTIONS = """
query Actions($id: ID!) {
  afterSaleRequest(id: $id) { state version availableActions deadline { defaultOutcome } }
}
"""


def overdue_review(demo, state):
    """A return the merchant discussed and never decided; its 48 h passed a
    minute ago, and the sweeper has not run yet."""
    request = state("negotiated")
    AfterSaleRequest.objects.filter(pk=request.pk).update(
        deadline_at=timezone.now() - timedelta(minutes=1)
    )
    request.refresh_from_db()
    return request


def test_a_merchant_rejecting_after_the_review_deadline_is_told_it_was_approved(api, demo, state):
    # given
    request = overdue_review(demo, state)
    before = snapshot(request)
    # when the merchant rejects it now
    result = api(
        DOCUMENTS["afterSaleRequestReject"],
        {
            "id": request_id(request),
            "input": {"reason": "NO_QUALITY_ISSUE", "description": "It works."},
        },
        as_="merchant",
    ).data["afterSaleRequestReject"]
    # then it is refused with the outcome that happened, and nothing changed
    assert result["afterSaleRequest"] is None
    [error] = result["errors"]
    assert (error["field"], error["code"]) == (None, "DEADLINE_PASSED")
    assert "default outcome (auto approve)" in error["message"]
    assert "awaiting buyer return; reject is no longer possible" in error["message"]
    assert snapshot(request) == before


def test_what_each_may_do_after_the_deadline_is_judged_after_its_outcome(api, demo, state):
    request = overdue_review(demo, state)
    merchant = api(ACTIONS, {"id": request_id(request)}, as_="merchant").data
    buyer = api(ACTIONS, {"id": request_id(request)}, as_="buyer").data
    # the stored state is still the review, with its outcome due
    assert merchant["afterSaleRequest"]["state"] == "AWAITING_MERCHANT_REVIEW"
    assert merchant["afterSaleRequest"]["deadline"] == {"defaultOutcome": "AUTO_APPROVE"}
    # but nobody is offered what the auto-approval ruled out
    assert "REJECT" not in merchant["afterSaleRequest"]["availableActions"]
    assert "APPROVE" not in merchant["afterSaleRequest"]["availableActions"]
    assert "SUBMIT_RETURN_SHIPMENT" in buyer["afterSaleRequest"]["availableActions"]
    assert "CANCEL" in buyer["afterSaleRequest"]["availableActions"]


def test_the_buyer_shipping_after_the_auto_approval_was_due_applies_it_first(api, demo, state):
    # given
    request = overdue_review(demo, state)
    # when the buyer enters the return tracking
    result = api(
        DOCUMENTS["afterSaleReturnShipmentSubmit"],
        {"id": request_id(request), "carrier": "SF", "trackingNumber": "SF9"},
        as_="buyer",
    ).data["afterSaleReturnShipmentSubmit"]
    # then the approval the deadline made is recorded (the system's), then the shipment
    assert result["errors"] == []
    assert result["afterSaleRequest"]["state"] == "AWAITING_MERCHANT_RECEIPT"
    assert list(
        TimelineEvent.objects.filter(request=request, version__gte=2).values_list(
            "version", "event", "actor_kind", "from_state", "to_state"
        )
    ) == [
        (2, "deadline_expired", "system", "awaiting_merchant_review", "awaiting_buyer_return"),
        (
            3,
            "submit_return_shipment",
            "buyer",
            "awaiting_buyer_return",
            "awaiting_merchant_receipt",
        ),
    ]
    request.refresh_from_db()
    assert (request.merchant_missed_deadline, request.version) == (True, 3)
    assert MoneyMovement.objects.count() == 0
    # and the merchant who confirms the goods later does so in the normal way
    act.confirm_receipt(request.pk, caller_for(demo.merchant))
    request.refresh_from_db()
    assert request.state == "refunding"

"""Platform arbitration on PostgreSQL: escalation, evidence rounds, dismissal
with the paused deadline resumed, each ruling's money outcome, and who may rule."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import (
    ErrorCode,
    NewRequest,
    NotEligible,
    Reason,
    RequestType,
    TransitionNotAllowed,
)
from saleor_kuai_returns.models import (
    LiabilityEntry,
    MoneyMovement,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import caller_for

from .conftest import HOUR, NOW, at
from .test_requests import PHOTO, line_id


def money(request):
    """What a ruling may pay: the request's money columns, movements, liabilities,
    the shop's payments."""
    request.refresh_from_db()
    return {
        "request": (
            request.state,
            request.refunded_amount,
            request.compensated_amount,
            request.platform_advanced_amount,
        ),
        "movements": list(
            MoneyMovement.objects.filter(request=request).values_list(
                "kind", "payer", "amount", "status"
            )
        ),
        "liabilities": list(
            LiabilityEntry.objects.filter(request=request).values_list("kind", "amount")
        ),
        "payments": list(shop.Payment.objects.values_list("kind", "amount", "status")),
    }


def test_escalation_pauses_the_rejection_deadline_and_dismissal_resumes_what_was_left(
    escalated, platform, run_on_commit
):
    # given: rejected at NOW + 1 h (7 days to escalate), escalated one hour later
    request = escalated
    assert (request.paused_state, request.paused_remaining) == (
        "rejected",
        timedelta(days=7) - HOUR,
    )
    # when the platform dismisses the case an hour before its ruling is due
    at(NOW + 73 * HOUR, run_on_commit, arb.dismiss_arbitration, request.id, platform)
    # then the rejection stands with the 6 days 23 hours it had left
    request.refresh_from_db()
    assert (request.state, request.deadline_at) == (
        "rejected",
        NOW + 73 * HOUR + timedelta(days=7) - HOUR,
    )
    assert (request.paused_state, request.paused_remaining) == ("", None)


def test_a_dismissal_after_the_ruling_was_due_is_refused_the_buyers_claim_stood(
    escalated, platform, run_on_commit
):
    # given the platform's ruling was due at NOW + 74 h and the sweeper has not run
    request = escalated
    # when the platform dismisses the case then
    with pytest.raises(TransitionNotAllowed) as refused:
        at(NOW + 74 * HOUR, run_on_commit, arb.dismiss_arbitration, request.id, platform)
    # then it is refused and nothing changed: the sweeper applies the ruling's default
    assert refused.value.code is ErrorCode.DEADLINE_PASSED
    assert "rule for buyer" in refused.value.message
    request.refresh_from_db()
    assert (request.state, request.version) == ("arbitration_ruling", 3)
    assert money(request)["movements"] == []


def test_evidence_rounds_go_buyer_then_merchant_then_back_to_ruling(
    escalated, buyer, merchant, platform, run_on_commit
):
    request = escalated
    at(NOW + 3 * HOUR, run_on_commit, arb.request_evidence, request.id, platform)
    request.refresh_from_db()
    assert (request.state, request.deadline_at) == (
        "arbitration_buyer_evidence",
        NOW + 3 * HOUR + timedelta(hours=48),
    )
    # the merchant cannot hand in during the buyer's round
    with pytest.raises(TransitionNotAllowed):
        at(
            NOW + 4 * HOUR,
            run_on_commit,
            arb.submit_arbitration_evidence,
            request.id,
            merchant,
            [PHOTO],
            as_merchant=True,
        )
    at(NOW + 4 * HOUR, run_on_commit, arb.submit_arbitration_evidence, request.id, buyer, [PHOTO])
    at(
        NOW + 5 * HOUR,
        run_on_commit,
        arb.submit_arbitration_evidence,
        request.id,
        merchant,
        [PHOTO, PHOTO],
        text="Lab report attached.",
        as_merchant=True,
    )
    request.refresh_from_db()
    assert (request.state, request.deadline_at) == (
        "arbitration_ruling",
        NOW + 5 * HOUR + timedelta(hours=72),
    )
    assert list(
        request.evidence.order_by("created_at", "actor_kind").values_list("actor_kind", flat=True)
    ) == ["buyer", "buyer", "merchant", "merchant"]
    assert list(
        TimelineEvent.objects.filter(request=request, version__gte=4).values_list(
            "event", "actor_kind", "to_state"
        )
    ) == [
        ("request_evidence", "platform", "arbitration_buyer_evidence"),
        ("submit_arbitration_evidence", "buyer", "arbitration_merchant_evidence"),
        ("submit_arbitration_evidence", "merchant", "arbitration_ruling"),
    ]


def test_buyer_wins_refund_is_paid_by_the_merchant(escalated, platform, run_on_commit):
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_buyer_wins_refund, escalated.id, platform)
    assert money(escalated) == {
        "request": ("refunded", Decimal("100.000"), Decimal("0"), Decimal("0")),
        "movements": [("refund", "merchant", Decimal("100.000"), "succeeded")],
        "liabilities": [],
        "payments": [("refund", Decimal("100.000"), "succeeded")],
    }


def test_unjustified_rejection_is_refunded_by_the_platform_and_charged_to_the_merchant(
    demo, escalated, platform, run_on_commit
):
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    # the platform's own money (a gift card); the order's payment is untouched,
    # so the merchant is charged once: by the ledger
    assert money(escalated) == {
        "request": ("refunded", Decimal("100.000"), Decimal("0"), Decimal("100.000")),
        "movements": [("refund", "platform", Decimal("100.000"), "succeeded")],
        "liabilities": [("platform_refund_first", Decimal("100.000"))],
        "payments": [("gift_card", Decimal("100.000"), "succeeded")],
    }
    tee = demo.orders["delivered"].lines.get(sku="TEE-RED-M")
    assert (tee.quantity_refunded_shipped, tee.amount_refunded) == (0, Decimal("0.000"))
    assert "Goods recovery: the merchant recovers the goods from the buyer itself." in demo.orders[
        "delivered"
    ].notes.values_list("message", flat=True)


def test_refund_first_out_of_the_orders_payment_is_the_merchants_money_and_owes_nothing(
    demo, escalated, platform, run_on_commit
):
    demo.channel.policy = {"platform_payout_method": "refund"}
    demo.channel.save()
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    assert money(escalated) == {
        "request": ("refunded", Decimal("100.000"), Decimal("0"), Decimal("0")),
        "movements": [("refund", "merchant", Decimal("100.000"), "succeeded")],
        "liabilities": [],
        "payments": [("refund", Decimal("100.000"), "succeeded")],
    }


def test_partial_refund_pays_the_amount_ruled(escalated, platform, run_on_commit):
    at(
        NOW + 3 * HOUR,
        run_on_commit,
        arb.rule_partial_refund,
        escalated.id,
        platform,
        amount=Decimal("40.00"),
    )
    assert money(escalated) == {
        "request": ("refunded", Decimal("40.000"), Decimal("0"), Decimal("0")),
        "movements": [("refund", "merchant", Decimal("40.000"), "succeeded")],
        "liabilities": [],
        "payments": [("refund", Decimal("40.000"), "succeeded")],
    }


def test_a_partial_refund_above_what_was_asked_is_refused_and_changes_nothing(
    escalated, platform, run_on_commit
):
    before = money(escalated)
    with pytest.raises(TransitionNotAllowed) as refused:
        at(
            NOW + 3 * HOUR,
            run_on_commit,
            arb.rule_partial_refund,
            escalated.id,
            platform,
            amount=Decimal("100.01"),
        )
    assert refused.value.code is ErrorCode.AMOUNT_ABOVE_CEILING
    assert money(escalated) == before
    escalated.refresh_from_db()
    assert (escalated.state, escalated.version) == ("arbitration_ruling", 3)


def test_return_needed_restarts_the_return_timer(escalated, platform, run_on_commit):
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_return_needed, escalated.id, platform)
    escalated.refresh_from_db()
    assert (escalated.state, escalated.deadline_at) == (
        "awaiting_buyer_return",
        NOW + 3 * HOUR + timedelta(days=10),
    )
    assert money(escalated)["movements"] == []


def test_merchant_wins_closes_and_the_reason_cannot_be_reopened(
    demo, escalated, buyer, platform, run_on_commit
):
    order = demo.orders["delivered"]
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_merchant_wins, escalated.id, platform)
    escalated.refresh_from_db()
    assert (escalated.state, escalated.deadline_at) == ("closed", None)
    same = NewRequest(
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        lines=((line_id(order, "TEE-RED-M"), 1),),
    )
    with pytest.raises(NotEligible) as refused:
        at(
            NOW + 4 * HOUR,
            run_on_commit,
            create_request,
            str(order.id),
            buyer,
            same,
            evidence=[PHOTO],
        )
    assert refused.value.code is ErrorCode.REASON_ALREADY_RULED
    other = NewRequest(
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_SIZE,
        lines=((line_id(order, "TEE-RED-M"), 1),),
    )
    filed = at(
        NOW + 4 * HOUR, run_on_commit, create_request, str(order.id), buyer, other, evidence=[PHOTO]
    )
    assert filed.state == "awaiting_merchant_review"


@pytest.mark.parametrize(
    "ruling",
    [
        arb.rule_buyer_wins_refund,
        arb.rule_return_needed,
        arb.rule_unjustified_rejection,
        arb.rule_merchant_wins,
        arb.request_evidence,
        arb.dismiss_arbitration,
    ],
)
@pytest.mark.parametrize("who", ["buyer", "merchant", "clerk", "other_merchant"])
def test_only_the_platform_rules(demo, escalated, run_on_commit, ruling, who):
    caller = caller_for(getattr(demo, who))
    before = (money(escalated), escalated.version, TimelineEvent.objects.count())
    with pytest.raises(ActionError) as refused:
        at(NOW + 3 * HOUR, run_on_commit, ruling, escalated.id, caller)
    assert refused.value.code is ActionErrorCode.PERMISSION_DENIED
    assert (money(escalated), escalated.version, TimelineEvent.objects.count()) == before


def test_the_platform_opens_a_case_itself_only_when_allowed_and_a_deadline_was_missed(
    demo, buyer, merchant, platform, run_on_commit
):
    # given a reship the merchant did not ship in time (the sweeper marked it late)
    from saleor_kuai_returns import tasks

    order = demo.orders["with_gift"]
    new = NewRequest(
        RequestType.RESHIP, Reason.MISSING_ITEMS, lines=((line_id(order, "KETTLE-1"), 1),)
    )
    request = at(NOW, run_on_commit, create_request, str(order.id), buyer, new, evidence=[PHOTO])
    at(NOW, run_on_commit, act.approve_request, request.id, merchant)
    # when the platform tries before any deadline was missed
    with pytest.raises(TransitionNotAllowed) as refused:
        at(NOW + HOUR, run_on_commit, arb.open_arbitration, request.id, platform)
    assert refused.value.code is ErrorCode.ARBITRATION_NOT_ALLOWED
    at(NOW + 24 * HOUR, run_on_commit, tasks.sweep_deadlines)
    request.refresh_from_db()
    assert request.state == "reship_overdue"
    # then, with the channel's option on, after the missed deadline it may
    demo.channel.policy = {**demo.channel.policy, "platform_may_open_arbitration": True}
    demo.channel.save()
    at(NOW + 25 * HOUR, run_on_commit, arb.open_arbitration, request.id, platform)
    request.refresh_from_db()
    assert (request.state, request.paused_state) == ("arbitration_ruling", "reship_overdue")

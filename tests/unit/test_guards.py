"""Each guard's error code, raised by ``decide()`` as ``TransitionNotAllowed``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    Actor,
    ErrorCode,
    Event,
    Policy,
    Reason,
    RejectionReason,
    RequestType,
    RequestView,
    State,
    TransitionNotAllowed,
    available_actions,
    decide,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.effects import SendGoods

from .factories import NOW, filed, line, order
from .paths import (
    SHIPMENT,
    B,
    M,
    P,
    S,
    expire,
    negotiate_and_reject,
    replacement,
    run,
    same_price_variants,
    to_state,
    unshipped_refund_request,
)

SECOND = timedelta(seconds=1)


def refused(
    view: RequestView,
    command: c.Command,
    actor: Actor,
    *,
    now=NOW,
    policy: Policy | None = None,
) -> ErrorCode:
    with pytest.raises(TransitionNotAllowed) as error:
        if policy is None:
            decide(view, command, actor, now)
        else:
            decide(view, command, actor, now, policy)
    return error.value.code


def test_an_event_the_state_does_not_know_is_wrong_state():
    assert refused(to_state(State.REJECTED), c.Approve(), M) is ErrorCode.WRONG_STATE


def test_the_right_event_from_the_wrong_actor_is_wrong_actor():
    review = to_state(State.AWAITING_MERCHANT_REVIEW)
    assert refused(review, c.Approve(), B) is ErrorCode.WRONG_ACTOR
    assert refused(review, c.Approve(), P) is ErrorCode.WRONG_ACTOR
    assert refused(review, c.Cancel(), M) is ErrorCode.WRONG_ACTOR
    assert refused(review, c.DeadlineExpired(), M) is ErrorCode.WRONG_ACTOR


@pytest.mark.parametrize("state", [State.REFUNDED, State.COMPLETED, State.CLOSED, State.CANCELLED])
@pytest.mark.parametrize(
    ("command", "actor"),
    [(c.Cancel(), B), (c.Approve(), M), (c.DeadlineExpired(), S), (c.RuleMerchantWins(), P)],
)
def test_terminal_states_refuse_everything(state, command, actor):
    assert refused(to_state(state), command, actor, now=NOW + timedelta(days=30)) is (
        ErrorCode.WRONG_STATE
    )


def test_reject_needs_a_negotiation_message_first():
    # given a review where the merchant never wrote to the buyer
    review = to_state(State.AWAITING_MERCHANT_REVIEW)
    # then
    assert refused(review, c.Reject(RejectionReason.OUTSIDE_POLICY), M) is (
        ErrorCode.NEGOTIATION_REQUIRED
    )
    assert Event.REJECT not in available_actions(review, M, NOW)
    messaged = run(review, (c.SendNegotiationMessage("Can we talk?"), M))
    assert Event.REJECT in available_actions(messaged, M, NOW)


@pytest.mark.parametrize(
    "reason",
    [
        RejectionReason.NO_QUALITY_ISSUE,
        RejectionReason.DAMAGED_BY_BUYER,
        RejectionReason.ITEM_USED,
        RejectionReason.AGREED_OTHER_SOLUTION,
        RejectionReason.OTHER,
    ],
)
def test_reasons_that_need_a_description_refuse_a_bare_rejection(reason):
    messaged = run(to_state(State.AWAITING_MERCHANT_REVIEW), (c.SendNegotiationMessage("Hi"), M))
    assert refused(messaged, c.Reject(reason, description="  "), M) is (
        ErrorCode.DESCRIPTION_REQUIRED
    )
    # a description or evidence is enough
    assert decide(messaged, c.Reject(reason, description="Seal intact"), M, NOW).target is (
        State.REJECTED
    )
    assert decide(messaged, c.Reject(reason, evidence_count=1), M, NOW).target is State.REJECTED


def test_outside_policy_rejection_needs_no_description():
    messaged = run(to_state(State.AWAITING_MERCHANT_REVIEW), (c.SendNegotiationMessage("Hi"), M))
    decision = decide(messaged, c.Reject(RejectionReason.OUTSIDE_POLICY), M, NOW)
    assert decision.target is State.REJECTED
    assert decision.view.merchant_rejected is True


@pytest.mark.parametrize(
    ("command", "actor", "state"),
    [
        (c.Reject(RejectionReason.OTHER, description="x" * 501), M, "messaged"),
        (c.SendNegotiationMessage("x" * 501), M, State.AWAITING_MERCHANT_REVIEW),
        (c.Escalate(note="x" * 501), B, State.REJECTED),
        (c.AddEvidence(count=1, text="x" * 501), B, State.AWAITING_MERCHANT_REVIEW),
        (
            c.RejectReceipt(description="x" * 501, evidence_count=1),
            M,
            State.AWAITING_MERCHANT_RECEIPT,
        ),
    ],
)
def test_text_over_500_characters_is_refused(command, actor, state):
    if state == "messaged":
        view = run(to_state(State.AWAITING_MERCHANT_REVIEW), (c.SendNegotiationMessage("Hi"), M))
    else:
        view = to_state(state)
    assert refused(view, command, actor) is ErrorCode.TEXT_TOO_LONG


def test_text_of_exactly_500_characters_is_accepted():
    view = to_state(State.AWAITING_MERCHANT_REVIEW)
    after = decide(view, c.SendNegotiationMessage("x" * 500), M, NOW).view
    assert after.negotiation_message_sent is True


def test_an_empty_negotiation_message_is_refused():
    view = to_state(State.AWAITING_MERCHANT_REVIEW)
    assert refused(view, c.SendNegotiationMessage("   "), M) is ErrorCode.TEXT_REQUIRED


def test_receipt_rejection_needs_evidence_and_a_description():
    view = to_state(State.AWAITING_MERCHANT_RECEIPT)
    no_evidence = c.RejectReceipt(description="Box empty", evidence_count=0)
    no_text = c.RejectReceipt(description="", evidence_count=1)
    assert refused(view, no_evidence, M) is ErrorCode.EVIDENCE_REQUIRED
    assert refused(view, no_text, M) is ErrorCode.DESCRIPTION_REQUIRED


def test_evidence_is_capped_at_nine_items_per_request():
    # given a request filed with one piece of evidence
    view = to_state(State.AWAITING_MERCHANT_REVIEW)
    assert view.evidence_count == 1
    # then 8 more fit, 9 more do not, and zero is not a count
    assert decide(view, c.AddEvidence(count=8), B, NOW).view.evidence_count == 9
    assert refused(view, c.AddEvidence(count=9), B) is ErrorCode.TOO_MUCH_EVIDENCE
    assert refused(view, c.AddEvidence(count=0), B) is ErrorCode.INVALID_COUNT


@pytest.mark.parametrize(
    "command",
    [
        c.SubmitReturnShipment(carrier="", tracking_number="SF1"),
        c.SubmitReturnShipment(carrier="SF", tracking_number="  "),
    ],
)
def test_return_shipment_needs_carrier_and_tracking(command):
    view = to_state(State.AWAITING_BUYER_RETURN)
    assert refused(view, command, B) is ErrorCode.TRACKING_REQUIRED


def test_reship_needs_tracking():
    view = to_state(State.AWAITING_RESHIP)
    assert refused(view, c.ShipItems(carrier="ZTO", tracking_number=""), M) is (
        ErrorCode.TRACKING_REQUIRED
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"unit_price": Decimal("99.00")}, ErrorCode.REPLACEMENT_PRICE_MISMATCH),
        ({"unit_price": Decimal("100.01")}, ErrorCode.REPLACEMENT_PRICE_MISMATCH),
        ({"unit_price": None}, ErrorCode.REPLACEMENT_PRICE_MISMATCH),
        ({"same_product": False}, ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT),
        ({"line_id": "line-2"}, ErrorCode.REPLACEMENT_REQUIRED),
    ],
)
def test_exchange_replacement_must_be_a_variant_of_the_same_product_at_equal_price(change, code):
    # given an exchange whose goods came back (1 unit of line-1, unit price 100.00)
    view = to_state(State.AWAITING_REPLACEMENT_SHIPMENT)
    (same,) = same_price_variants(view)
    other = c.ShipItems(
        carrier="ZTO", tracking_number="Z1", replacements=(replace(same, **change),)
    )
    # then
    assert refused(view, other, M) is code


def test_exchange_ships_a_variant_of_the_same_product_at_equal_price():
    view = to_state(State.AWAITING_REPLACEMENT_SHIPMENT)
    assert refused(view, SHIPMENT, M) is ErrorCode.REPLACEMENT_REQUIRED
    decision = decide(view, replacement(view), M, NOW)
    assert decision.target is State.AWAITING_BUYER_CONFIRMATION
    assert decision.effects == (SendGoods(),)


def test_reship_sends_the_missing_items_without_choosing_variants():
    view = to_state(State.AWAITING_RESHIP)
    decision = decide(view, SHIPMENT, M, NOW)
    assert (decision.target, decision.effects) == (
        State.AWAITING_BUYER_CONFIRMATION,
        (SendGoods(),),
    )


def test_a_proposal_must_change_something():
    view = to_state(State.AWAITING_MERCHANT_REVIEW)
    same = c.ProposeChange(request_type=RequestType.RETURN_AND_REFUND, amount=Decimal("100.00"))
    assert refused(view, c.ProposeChange(), M) is ErrorCode.PROPOSAL_EMPTY
    assert refused(view, same, M) is ErrorCode.PROPOSAL_EMPTY


def test_a_negotiated_amount_may_only_go_down():
    view = to_state(State.AWAITING_MERCHANT_REVIEW)  # asks 100.00
    assert refused(view, c.ProposeChange(amount=Decimal("100.01")), M) is (
        ErrorCode.AMOUNT_INCREASE_NOT_ALLOWED
    )
    assert refused(view, c.ProposeChange(amount=Decimal("0")), M) is ErrorCode.AMOUNT_NOT_POSITIVE
    lower = decide(view, c.ProposeChange(amount=Decimal("99.99")), M, NOW).view
    assert lower.proposal.amount == Decimal("99.99")
    assert lower.requested_amount == Decimal("100.00")  # until the buyer accepts


def test_a_proposed_type_must_fit_the_shipment_and_reason():
    unshipped = unshipped_refund_request()
    quality = to_state(State.AWAITING_MERCHANT_REVIEW)
    to_return = c.ProposeChange(request_type=RequestType.RETURN_AND_REFUND)
    to_reship = c.ProposeChange(request_type=RequestType.RESHIP)
    assert refused(unshipped, to_return, M) is ErrorCode.TYPE_REQUIRES_SHIPMENT
    assert refused(quality, to_reship, M) is ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE


def test_escalation_and_resubmission_close_with_the_rejection_window():
    # given a rejection at NOW: 7 days to answer
    view = to_state(State.REJECTED)
    closes = view.deadline.at
    fresh = order()
    # then one second before it closes both are possible; at the instant the
    # request closed (its default outcome) and neither is possible any more
    assert decide(view, c.Escalate(), B, closes - SECOND).target is State.ARBITRATION_RULING
    assert decide(view, c.Resubmit(order=fresh), B, closes - SECOND).target is (
        State.AWAITING_MERCHANT_REVIEW
    )
    assert refused(view, c.Escalate(), B, now=closes) is ErrorCode.DEADLINE_PASSED
    assert refused(view, c.Resubmit(order=fresh), B, now=closes) is ErrorCode.DEADLINE_PASSED


def test_resubmission_counts_attempts_up_to_the_cap():
    # given a request on its 4th attempt under the default cap of 5
    rejected = replace(to_state(State.REJECTED), attempt=4)
    # when it is resubmitted it becomes the 5th
    fifth = decide(rejected, c.Resubmit(order=order()), B, NOW).view
    assert fifth.attempt == 5
    assert fifth.negotiation_message_sent is False
    # then a 6th is refused
    again = negotiate_and_reject(fifth)
    assert refused(again, c.Resubmit(order=order()), B) is ErrorCode.ATTEMPT_CAP_REACHED
    assert Event.RESUBMIT not in available_actions(again, B, NOW)


def test_resubmission_rechecks_eligibility_on_a_fresh_order():
    # given the line now shows both units refunded elsewhere
    rejected = to_state(State.REJECTED)
    refunded = order(line(quantity_refunded_shipped=2, amount_refunded=Decimal("200.00")))
    # then
    assert refused(rejected, c.Resubmit(order=refunded), B) is ErrorCode.NOTHING_LEFT
    too_many = c.Resubmit(order=order(), quantities=(("line-1", 3),))
    assert refused(rejected, too_many, B) is ErrorCode.QUANTITY_TOO_HIGH


def test_resubmission_may_change_reason_quantity_and_amount():
    rejected = to_state(State.REJECTED)
    command = c.Resubmit(
        order=order(),
        reason=Reason.QUALITY_COLOUR,
        quantities=(("line-1", 2),),
        requested_amount=Decimal("150.00"),
        evidence_count=3,
        description="Both are the wrong shade.",
    )
    view = decide(rejected, command, B, NOW).view
    assert (view.reason, view.lines[0].quantity) == (Reason.QUALITY_COLOUR, 2)
    assert (view.refund_ceiling, view.requested_amount) == (Decimal("200.00"), Decimal("150.00"))
    assert (view.evidence_count, view.description) == (3, "Both are the wrong shade.")
    assert view.merchant_rejected is True


def test_freight_claims_only_for_merchant_liable_reasons():
    no_reason = filed(RequestType.RETURN_AND_REFUND, Reason.NO_REASON, evidence_count=0)
    approved = run(no_reason, (c.Approve(), M))
    assert refused(approved, c.ClaimReturnFreight(Decimal("12.00")), B) is (
        ErrorCode.FREIGHT_NOT_MERCHANT_LIABLE
    )


def test_a_freight_claim_is_made_once_within_the_cap_and_answered_once():
    view = to_state(State.AWAITING_BUYER_RETURN)
    assert (
        refused(view, c.ClaimReturnFreight(Decimal("50.01")), B) is ErrorCode.AMOUNT_ABOVE_CEILING
    )
    assert refused(view, c.ClaimReturnFreight(Decimal("0")), B) is ErrorCode.AMOUNT_NOT_POSITIVE
    assert refused(view, c.AcceptFreightClaim(), M) is ErrorCode.FREIGHT_CLAIM_NOT_OPEN
    claimed = decide(view, c.ClaimReturnFreight(Decimal("50.00")), B, NOW).view
    assert refused(claimed, c.ClaimReturnFreight(Decimal("1.00")), B) is (
        ErrorCode.FREIGHT_CLAIM_EXISTS
    )
    contested = decide(claimed, c.ContestFreightClaim(), M, NOW).view
    assert refused(contested, c.AcceptFreightClaim(), M) is ErrorCode.FREIGHT_CLAIM_NOT_OPEN


def test_the_platform_opens_arbitration_itself_only_when_allowed_after_a_missed_deadline():
    # given a return auto-approved because the merchant missed the review deadline
    missed = expire(to_state(State.AWAITING_MERCHANT_REVIEW))
    on_time = to_state(State.AWAITING_BUYER_RETURN)
    allowed = Policy(platform_may_open_arbitration=True)
    # then
    assert missed.merchant_missed_deadline is True
    assert refused(missed, c.OpenArbitration(), P) is ErrorCode.ARBITRATION_NOT_ALLOWED
    assert refused(on_time, c.OpenArbitration(), P, policy=allowed) is (
        ErrorCode.ARBITRATION_NOT_ALLOWED
    )
    opened = decide(missed, c.OpenArbitration(), P, missed.entered_at, allowed)
    assert opened.target is State.ARBITRATION_RULING
    assert opened.view.paused.state is State.AWAITING_BUYER_RETURN
    assert opened.view.paused.remaining == timedelta(days=10)


@pytest.mark.parametrize(
    ("view_at", "command", "code"),
    [
        ("unshipped", c.RuleReturnNeeded(), ErrorCode.RULING_NOT_APPLICABLE),
        ("quality", c.RuleMissingItems(), ErrorCode.RULING_NOT_APPLICABLE),
        ("quality", c.RuleWrongItem(), ErrorCode.RULING_NOT_APPLICABLE),
        (
            "wrong_item",
            c.RuleWrongItem(resolution=RequestType.REFUND_ONLY),
            ErrorCode.RULING_NOT_APPLICABLE,
        ),
        ("never_rejected", c.RuleUnjustifiedRejection(), ErrorCode.RULING_NOT_APPLICABLE),
        ("quality", c.RulePartialRefund(Decimal("0")), ErrorCode.AMOUNT_NOT_POSITIVE),
        ("quality", c.RulePartialRefund(Decimal("100.01")), ErrorCode.AMOUNT_ABOVE_CEILING),
    ],
)
def test_rulings_that_do_not_fit_the_case_are_refused(view_at, command, code):
    allowed = Policy(platform_may_open_arbitration=True)
    if view_at == "unshipped":
        view = run(negotiate_and_reject(unshipped_refund_request()), (c.Escalate(), B))
    elif view_at == "wrong_item":
        view = run(negotiate_and_reject(filed(reason=Reason.WRONG_ITEM)), (c.Escalate(), B))
    elif view_at == "never_rejected":
        view = expire(to_state(State.AWAITING_REPLACEMENT_SHIPMENT))
    else:
        view = to_state(State.ARBITRATION_RULING)
    assert refused(view, command, P, policy=allowed) is code


def test_cancel_is_refused_once_money_moved():
    # given a reship gone overdue: late-shipment compensation is on its way
    overdue = to_state(State.RESHIP_OVERDUE)
    assert overdue.late_shipment_compensated is True
    # then
    assert refused(overdue, c.Cancel(), B) is ErrorCode.MONEY_ALREADY_MOVED
    assert Event.CANCEL not in available_actions(overdue, B, NOW)


def test_cancel_is_not_offered_while_a_refund_is_on_its_way():
    assert refused(to_state(State.REFUNDING), c.Cancel(), B) is ErrorCode.WRONG_STATE

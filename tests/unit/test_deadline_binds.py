"""A deadline binds everyone (spec §3): a party acting at or after the request's
deadline acts on the state its default outcome left, which ``decide`` applies
first as the system's ``DEADLINE_EXPIRED`` step (``Decision.caught_up``)."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
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
from saleor_kuai_returns.domain.effects import (
    LiabilityKind,
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
    SendGoods,
)
from saleor_kuai_returns.domain.policy import PayoutMethod
from saleor_kuai_returns.domain.request import DefaultOutcome, Payer, PayoutKind

from .factories import NOW, filed, order
from .paths import SHIPMENT, TRACKING, B, M, P, S, run, to_state

SECOND = timedelta(seconds=1)
REJECT = c.Reject(RejectionReason.OUTSIDE_POLICY)
REFUND_100 = PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1)


def refusal(
    view: RequestView,
    command: c.Command,
    actor: Actor,
    now,
    policy: Policy = DEFAULT_POLICY,
) -> TransitionNotAllowed:
    """The refusal ``decide`` raises; the request it was given is left as it was."""
    before = deepcopy(view)
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, command, actor, now, policy)
    assert view == before
    return error.value


def messaged_review() -> RequestView:
    """A return under review (48 h from NOW) where the merchant already wrote,
    so that only the deadline stands between it and a rejection."""
    return run(filed(), (c.SendNegotiationMessage("Could you send a photo?"), M))


# A party acting late: refused where the default outcome left no room


def test_merchant_rejecting_at_the_review_deadline_is_refused_as_deadline_passed():
    # given a review whose 48 h end at NOW + 48 h
    review = messaged_review()
    assert review.deadline.at == NOW + timedelta(hours=48)
    # when the merchant rejects at that instant
    error = refusal(review, REJECT, M, review.deadline.at)
    # then the request was auto-approved first, and a return cannot be rejected
    assert error.code is ErrorCode.DEADLINE_PASSED
    assert error.message == (
        "the deadline passed at 2026-03-03T12:00:00+00:00: the request took its default "
        "outcome (auto approve) and is awaiting buyer return; reject is no longer possible"
    )
    assert review.state is State.AWAITING_MERCHANT_REVIEW


def test_merchant_rejecting_a_second_before_the_review_deadline_is_accepted_without_catch_up():
    # given
    review = messaged_review()
    # when
    decision = decide(review, REJECT, M, review.deadline.at - SECOND)
    # then
    assert decision.caught_up is None
    assert decision.steps == (decision,)
    assert (decision.source, decision.target) == (State.AWAITING_MERCHANT_REVIEW, State.REJECTED)
    assert decision.view.events == review.events + 1


def test_merchant_rejecting_long_after_the_review_deadline_is_refused_too():
    review = messaged_review()
    error = refusal(review, REJECT, M, review.deadline.at + timedelta(days=3))
    assert error.code is ErrorCode.DEADLINE_PASSED


def test_buyer_shipping_the_return_after_the_ten_day_auto_close_is_refused():
    # given an approved return: 10 days to ship it back
    approved = to_state(State.AWAITING_BUYER_RETURN)
    assert approved.deadline.at == NOW + timedelta(days=10)
    # when the buyer submits tracking at the deadline
    error = refusal(approved, TRACKING, B, approved.deadline.at)
    # then
    assert error.code is ErrorCode.DEADLINE_PASSED
    assert error.message == (
        "the deadline passed at 2026-03-11T12:00:00+00:00: the request took its default "
        "outcome (auto close) and is closed; submit return shipment is no longer possible"
    )
    # and a second earlier the same tracking was on time
    on_time = decide(approved, TRACKING, B, approved.deadline.at - SECOND)
    assert (on_time.target, on_time.caught_up) == (State.AWAITING_MERCHANT_RECEIPT, None)


def test_platform_dismissing_arbitration_after_the_ruling_deadline_is_refused():
    # given an escalated rejection: 72 h to rule, the rejection's 7 days paused
    arbitration = to_state(State.ARBITRATION_RULING)
    assert arbitration.deadline.outcome is DefaultOutcome.RULE_FOR_BUYER
    # when the platform dismisses it once the ruling deadline passed
    error = refusal(arbitration, c.DismissArbitration(), P, arbitration.deadline.at)
    # then the buyer's claim stood (a refund) and there is nothing left to dismiss
    assert error.code is ErrorCode.DEADLINE_PASSED
    assert error.message == (
        "the deadline passed at 2026-03-04T12:00:00+00:00: the request took its default "
        "outcome (rule for buyer) and is refunding; dismiss arbitration is no longer possible"
    )


def test_platform_dismissing_arbitration_a_second_before_the_ruling_deadline_resumes():
    arbitration = to_state(State.ARBITRATION_RULING)
    decision = decide(arbitration, c.DismissArbitration(), P, arbitration.deadline.at - SECOND)
    assert (decision.target, decision.caught_up) == (State.REJECTED, None)


@pytest.mark.parametrize(
    "ruling",
    [
        c.RuleBuyerWinsRefund(),
        c.RuleMerchantWins(),
        c.RulePartialRefund(Decimal("50.00")),
        c.RequestEvidence(),
    ],
)
def test_no_ruling_is_possible_once_the_ruling_deadline_ruled_for_the_buyer(ruling):
    arbitration = to_state(State.ARBITRATION_RULING)
    error = refusal(arbitration, ruling, P, arbitration.deadline.at)
    assert error.code is ErrorCode.DEADLINE_PASSED


def test_staff_retrying_a_failed_refund_after_the_automatic_retry_is_refused():
    # given a failed refund, retried automatically 24 h later
    failed = to_state(State.REFUND_FAILED)
    # when the merchant retries at that instant
    error = refusal(failed, c.RetryRefund(), M, failed.deadline.at)
    # then the retry already went out: the request is refunding again
    assert error.code is ErrorCode.DEADLINE_PASSED
    assert error.message == (
        "the deadline passed at 2026-03-02T12:00:00+00:00: the request took its default "
        "outcome (retry refund) and is refunding; retry refund is no longer possible"
    )


# A party acting late: accepted on the state the default outcome left


def test_merchant_shipping_a_reship_after_its_deadline_records_the_late_shipment_first():
    # given a reship approved at NOW, 24 h to ship
    approved = to_state(State.AWAITING_RESHIP)
    late = approved.deadline.at + timedelta(hours=1)
    # when the merchant ships an hour late
    decision = decide(approved, SHIPMENT, M, late)
    # then the late shipment was decided first, by the system, at the moment it caught up
    due = decision.caught_up
    assert (due.event, due.actor, due.at) == (Event.DEADLINE_EXPIRED, Actor.SYSTEM, late)
    assert (due.source, due.target) == (State.AWAITING_RESHIP, State.RESHIP_OVERDUE)
    assert due.effects == (
        PayLateShipmentCompensation(Decimal("5.00"), PayoutMethod.GIFT_CARD, Payer.PLATFORM),
        RecordLiability(Decimal("5.00"), LiabilityKind.LATE_SHIPMENT_COMPENSATION),
    )
    assert due.caught_up is None
    # and the shipment applied to the overdue reship
    assert (decision.event, decision.actor, decision.at) == (Event.SHIP_ITEMS, Actor.MERCHANT, late)
    assert (decision.source, decision.target) == (
        State.RESHIP_OVERDUE,
        State.AWAITING_BUYER_CONFIRMATION,
    )
    assert decision.effects == (SendGoods(),)
    assert decision.steps == (due, decision)
    assert decision.view.events == approved.events + 2
    assert decision.view.late_shipment_compensated is True
    assert decision.view.merchant_missed_deadline is True
    # the late shipment's money is the caught-up step's, not the shipment's
    assert (due.moves_money, decision.moves_money) == (True, False)


def test_buyer_adding_evidence_after_the_review_auto_approved_is_accepted_with_catch_up():
    # given a return the merchant never reviewed (1 piece of evidence so far)
    review = filed()
    # when the buyer adds 2 pieces at the review deadline
    decision = decide(review, c.AddEvidence(count=2), B, review.deadline.at)
    # then the review auto-approved, and evidence is still welcome while the goods travel
    due = decision.caught_up
    assert (due.event, due.actor, due.source) == (
        Event.DEADLINE_EXPIRED,
        Actor.SYSTEM,
        State.AWAITING_MERCHANT_REVIEW,
    )
    assert (due.target, due.effects) == (State.AWAITING_BUYER_RETURN, ())
    assert (decision.source, decision.target) == (
        State.AWAITING_BUYER_RETURN,
        State.AWAITING_BUYER_RETURN,
    )
    assert decision.effects == ()
    assert decision.view.evidence_count == 3
    assert decision.view.merchant_missed_deadline is True
    assert decision.view.events == review.events + 2
    # the return leg's 10 days run from when the approval was applied
    assert decision.view.deadline.at == review.deadline.at + timedelta(days=10)


def test_buyer_shipping_the_return_at_the_review_deadline_is_accepted_after_auto_approval():
    # given a return under review: shipping it back is not possible yet
    review = filed()
    assert refusal(review, TRACKING, B, review.deadline.at - SECOND).code is (ErrorCode.WRONG_STATE)
    # when the buyer submits tracking at the review deadline
    decision = decide(review, TRACKING, B, review.deadline.at)
    # then the approval came first and the tracking applied to it
    assert decision.caught_up.target is State.AWAITING_BUYER_RETURN
    assert (decision.source, decision.target) == (
        State.AWAITING_BUYER_RETURN,
        State.AWAITING_MERCHANT_RECEIPT,
    )
    assert decision.view.events == review.events + 2


def test_merchant_refunding_an_overdue_refund_only_review_is_refused_once_auto_approved():
    # given a refund-only request: the review's default outcome pays the buyer
    review = filed(RequestType.REFUND_ONLY)
    # when the merchant approves at the deadline
    error = refusal(review, c.Approve(), M, review.deadline.at)
    # then
    assert error.code is ErrorCode.DEADLINE_PASSED
    assert error.message.endswith("(auto approve) and is refunding; approve is no longer possible")


# Guards after the catch-up


def test_buyer_cancelling_a_reship_after_its_deadline_is_refused_because_money_moved():
    # given a reship whose 24 h passed: the late shipment is compensated on catch-up
    approved = to_state(State.AWAITING_RESHIP)
    # then a second before the deadline the buyer may still cancel
    on_time = decide(approved, c.Cancel(), B, approved.deadline.at - SECOND)
    assert (on_time.target, on_time.caught_up) == (State.CANCELLED, None)
    # and at the deadline cancel is still a move of the buyer in reship_overdue,
    # refused by its own guard, not as a passed deadline
    error = refusal(approved, c.Cancel(), B, approved.deadline.at)
    assert error.code is ErrorCode.MONEY_ALREADY_MOVED


def test_merchant_shipping_an_overdue_reship_without_tracking_is_refused_by_the_tracking_guard():
    approved = to_state(State.AWAITING_RESHIP)
    untracked = c.ShipItems(carrier="ZTO", tracking_number=" ")
    error = refusal(approved, untracked, M, approved.deadline.at)
    assert error.code is ErrorCode.TRACKING_REQUIRED


def test_resubmitting_too_many_units_is_a_quantity_error_before_the_deadline_only():
    # given a rejection: 7 days to resubmit
    rejected = to_state(State.REJECTED)
    too_many = c.Resubmit(order=order(), quantities=(("line-1", 3),))
    # then before the deadline the quantity is what is wrong
    before = refusal(rejected, too_many, B, rejected.deadline.at - SECOND)
    assert before.code is ErrorCode.QUANTITY_TOO_HIGH
    # and at the deadline the request closed: no resubmission at all
    after = refusal(rejected, too_many, B, rejected.deadline.at)
    assert after.code is ErrorCode.DEADLINE_PASSED


def test_an_actor_who_never_could_send_the_event_is_still_told_wrong_actor_after_the_deadline():
    review = filed()
    assert refusal(review, c.Approve(), B, review.deadline.at - SECOND).code is (
        ErrorCode.WRONG_ACTOR
    )
    assert refusal(review, c.Approve(), B, review.deadline.at).code is ErrorCode.WRONG_ACTOR


# The system is never caught up


def test_a_payment_confirmation_after_the_refunding_deadline_applies_without_catch_up():
    # given a refund whose 72 h confirmation window passed
    refunding = to_state(State.REFUNDING)
    late = refunding.deadline.at + timedelta(hours=5)
    # when the payment provider confirms it
    decision = decide(refunding, c.RefundSucceeded(), S, late)
    # then it is not first marked failed
    assert decision.caught_up is None
    assert decision.steps == (decision,)
    assert (decision.source, decision.target) == (State.REFUNDING, State.REFUNDED)
    assert decision.view.refunded_amount == Decimal("100.00")
    assert decision.view.events == refunding.events + 1


def test_the_deadline_itself_is_one_step():
    review = filed()
    decision = decide(review, c.DeadlineExpired(), S, review.deadline.at)
    assert decision.caught_up is None
    assert decision.steps == (decision,)
    assert decision.target is State.AWAITING_BUYER_RETURN
    assert decision.view.events == review.events + 1


def test_the_ruling_deadline_itself_refunds_in_one_step():
    arbitration = to_state(State.ARBITRATION_RULING)
    decision = decide(arbitration, c.DeadlineExpired(), S, arbitration.deadline.at)
    assert (decision.caught_up, decision.target) == (None, State.REFUNDING)
    assert decision.effects == (REFUND_100,)


# What a viewer may do on a due request


def test_merchant_in_a_due_review_sees_the_actions_of_the_approved_return():
    # given a messaged review (reject would be open) at its deadline
    review = messaged_review()
    # then a second before, the merchant reviews; at the deadline the return was approved
    assert available_actions(review, M, review.deadline.at - SECOND) == (
        Event.SEND_NEGOTIATION_MESSAGE,
        Event.APPROVE,
        Event.REJECT,
        Event.PROPOSE_CHANGE,
        Event.REFUND_WITHOUT_RETURN,
    )
    assert available_actions(review, M, review.deadline.at) == (
        Event.SUBMIT_RETURN_SHIPMENT,
        Event.REFUND_WITHOUT_RETURN,
    )


def test_buyer_in_a_due_review_may_submit_the_return_shipment():
    review = filed()
    assert available_actions(review, B, review.deadline.at - SECOND) == (
        Event.CANCEL,
        Event.ADD_EVIDENCE,
    )
    assert available_actions(review, B, review.deadline.at) == (
        Event.CANCEL,
        Event.SUBMIT_RETURN_SHIPMENT,
        Event.ADD_EVIDENCE,
        Event.CLAIM_RETURN_FREIGHT,
    )


def test_platform_may_open_arbitration_on_a_due_review_when_the_channel_allows_it():
    # the missed review deadline counts for the platform's right to step in
    review = filed()
    allowed = Policy(platform_may_open_arbitration=True)
    assert available_actions(review, P, review.deadline.at - SECOND, allowed) == ()
    assert available_actions(review, P, review.deadline.at, allowed) == (Event.OPEN_ARBITRATION,)
    assert available_actions(review, P, review.deadline.at) == ()


def test_nobody_may_act_on_a_request_its_deadline_closed():
    approved = to_state(State.AWAITING_BUYER_RETURN)
    assert [available_actions(approved, actor, approved.deadline.at) for actor in Actor] == [
        (),
        (),
        (),
        (),
    ]


def test_the_system_is_offered_nothing_even_when_the_deadline_is_due():
    review = filed()
    assert available_actions(review, S, review.deadline.at) == ()


def test_a_due_reship_offers_the_merchant_the_overdue_actions():
    approved = to_state(State.AWAITING_RESHIP)
    assert available_actions(approved, M, approved.deadline.at) == (
        Event.SHIP_ITEMS,
        Event.DECLARE_CANNOT_RESHIP,
    )
    # and the buyer can no longer cancel once the late shipment is compensated
    assert available_actions(approved, B, approved.deadline.at - SECOND) == (
        Event.CANCEL,
        Event.ADD_EVIDENCE,
    )
    assert available_actions(approved, B, approved.deadline.at) == (Event.ADD_EVIDENCE,)


def test_a_due_reship_review_offers_the_merchant_the_reship_it_approved():
    # a reship's review auto-approves to awaiting_reship, whose own 24 h just started
    review = filed(RequestType.RESHIP, Reason.MISSING_ITEMS)
    assert available_actions(review, M, review.deadline.at) == (
        Event.SHIP_ITEMS,
        Event.DECLARE_CANNOT_RESHIP,
    )

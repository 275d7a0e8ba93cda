"""Every timer at its boundary: just before, at, and after the deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    Actor,
    ErrorCode,
    Policy,
    State,
    TransitionNotAllowed,
    decide,
    is_due,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.request import DefaultOutcome, PausedDeadline

from .factories import NOW, filed
from .paths import (
    TRACKING,
    B,
    M,
    P,
    S,
    expire,
    negotiate_and_reject,
    refund_only_request,
    run,
    to_state,
    unshipped_refund_request,
)

SECOND = timedelta(seconds=1)

# state → (deadline after entering, whose turn, where the default outcome leads)
TIMERS = [
    (
        State.AWAITING_MERCHANT_REVIEW,
        timedelta(hours=48),
        Actor.MERCHANT,
        State.AWAITING_BUYER_RETURN,
    ),
    (
        State.PROPOSAL_AWAITING_BUYER,
        timedelta(hours=48),
        Actor.BUYER,
        State.AWAITING_MERCHANT_REVIEW,
    ),
    (State.REJECTED, timedelta(days=7), Actor.BUYER, State.CLOSED),
    (State.AWAITING_BUYER_RETURN, timedelta(days=10), Actor.BUYER, State.CLOSED),
    (State.AWAITING_MERCHANT_RECEIPT, timedelta(days=10), Actor.MERCHANT, State.REFUNDING),
    (State.RECEIPT_REJECTED, timedelta(days=7), Actor.BUYER, State.CLOSED),
    (
        State.AWAITING_REPLACEMENT_SHIPMENT,
        timedelta(hours=48),
        Actor.MERCHANT,
        State.ARBITRATION_RULING,
    ),
    (State.AWAITING_RESHIP, timedelta(hours=24), Actor.MERCHANT, State.RESHIP_OVERDUE),
    (State.AWAITING_BUYER_CONFIRMATION, timedelta(days=10), Actor.BUYER, State.COMPLETED),
    (State.ARBITRATION_RULING, timedelta(hours=72), Actor.PLATFORM, State.REFUNDING),
    (
        State.ARBITRATION_BUYER_EVIDENCE,
        timedelta(hours=48),
        Actor.BUYER,
        State.ARBITRATION_MERCHANT_EVIDENCE,
    ),
    (
        State.ARBITRATION_MERCHANT_EVIDENCE,
        timedelta(hours=48),
        Actor.MERCHANT,
        State.ARBITRATION_RULING,
    ),
    (State.REFUNDING, timedelta(hours=72), Actor.SYSTEM, State.REFUND_FAILED),
    (State.REFUND_FAILED, timedelta(hours=24), Actor.MERCHANT, State.REFUNDING),
]


@pytest.mark.parametrize(("state", "duration", "turn", "target"), TIMERS)
def test_deadline_length_and_turn(state, duration, turn, target):
    # given a request that just entered the state at NOW (paths run at NOW)
    view = to_state(state)
    # then
    assert view.state is state
    assert view.entered_at == NOW
    assert view.deadline is not None
    assert view.deadline.at == NOW + duration
    assert view.deadline.turn is turn


@pytest.mark.parametrize(("state", "duration", "turn", "target"), TIMERS)
def test_just_before_the_deadline_nothing_happens(state, duration, turn, target):
    # given
    view = to_state(state)
    # when
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, c.DeadlineExpired(), S, view.deadline.at - SECOND)
    # then
    assert error.value.code is ErrorCode.NOT_DUE
    assert not is_due(view, view.deadline.at - SECOND)


@pytest.mark.parametrize(("state", "duration", "turn", "target"), TIMERS)
def test_at_the_deadline_the_default_outcome_applies(state, duration, turn, target):
    # given
    view = to_state(state)
    # when
    decision = decide(view, c.DeadlineExpired(), S, view.deadline.at)
    # then
    assert is_due(view, view.deadline.at)
    assert decision.source is state
    assert decision.target is target
    assert decision.view.entered_at == view.deadline.at
    assert decision.view.events == view.events + 1


@pytest.mark.parametrize(("state", "duration", "turn", "target"), TIMERS)
def test_after_the_deadline_the_default_outcome_applies(state, duration, turn, target):
    view = to_state(state)
    decision = decide(view, c.DeadlineExpired(), S, view.deadline.at + timedelta(days=3))
    assert decision.target is target


def test_reship_overdue_deadline_pays_priority_compensation():
    # given a reship that went overdue at NOW + 24 h
    view = to_state(State.RESHIP_OVERDUE)
    assert view.deadline.at == NOW + timedelta(hours=24) + timedelta(hours=48)
    # when / then
    with pytest.raises(TransitionNotAllowed):
        decide(view, c.DeadlineExpired(), S, view.deadline.at - SECOND)
    assert expire(view).state is State.REFUNDING


def test_unshipped_refund_only_review_is_24_hours_and_auto_approves_into_refund():
    # given
    view = unshipped_refund_request()
    # then
    assert view.deadline.at == NOW + timedelta(hours=24)
    assert view.deadline.outcome is DefaultOutcome.AUTO_APPROVE
    after = expire(view)
    assert after.state is State.REFUNDING
    assert after.merchant_missed_deadline is True
    assert after.payout.amount == Decimal("210.00")  # both units and the shipping


def test_shipped_refund_only_review_is_48_hours():
    fresh = refund_only_request()
    assert fresh.deadline.at == NOW + timedelta(hours=48)
    assert expire(fresh).state is State.REFUNDING


def test_a_shorter_channel_policy_moves_the_deadline():
    # given a channel whose merchants have 12 hours
    policy = Policy(review=timedelta(hours=12))
    view = filed(policy=policy)
    # then
    assert view.deadline.at == NOW + timedelta(hours=12)
    assert expire(view, policy).state is State.AWAITING_BUYER_RETURN


def test_receipt_deadline_counts_from_the_tracking_number():
    # given a return approved at NOW and shipped back 3 days later
    approved = run(to_state(State.AWAITING_MERCHANT_REVIEW), (c.Approve(), M))
    shipped_at = NOW + timedelta(days=3)
    view = decide(approved, TRACKING, B, shipped_at).view
    # then
    assert view.deadline.at == shipped_at + timedelta(days=10)


def test_arbitration_pauses_the_running_deadline_and_dismissal_resumes_what_was_left():
    # given a rejection at NOW (7 days to answer), escalated 2 days later
    rejected = negotiate_and_reject(to_state(State.AWAITING_MERCHANT_REVIEW))
    escalated_at = NOW + timedelta(days=2)
    arbitrating = decide(rejected, c.Escalate(), B, escalated_at).view
    assert arbitrating.paused == PausedDeadline(State.REJECTED, timedelta(days=5))
    # when the evidence rounds run and the platform dismisses 4 days later
    evidence = decide(arbitrating, c.RequestEvidence(), P, escalated_at).view
    assert evidence.paused == arbitrating.paused
    dismissed_at = escalated_at + timedelta(days=4)
    resumed = decide(evidence, c.DismissArbitration(), P, dismissed_at).view
    # then the request is back where it was with the 5 days it had left
    assert resumed.state is State.REJECTED
    assert resumed.deadline.at == dismissed_at + timedelta(days=5)
    assert resumed.deadline.outcome is DefaultOutcome.AUTO_CLOSE
    assert resumed.paused is None


def test_dismissal_needs_a_paused_deadline():
    # given arbitration opened by the system after the replacement deadline passed
    view = expire(to_state(State.AWAITING_REPLACEMENT_SHIPMENT))
    assert view.state is State.ARBITRATION_RULING
    assert view.paused is None
    # when / then
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, c.DismissArbitration(), P, view.entered_at)
    assert error.value.code is ErrorCode.NOTHING_TO_RESUME


def test_self_loops_keep_the_deadline():
    view = to_state(State.AWAITING_MERCHANT_REVIEW)
    later = NOW + timedelta(hours=5)
    after = decide(view, c.SendNegotiationMessage("Hello"), M, later).view
    assert after.deadline == view.deadline
    assert after.entered_at == view.entered_at
    assert after.negotiation_message_sent is True
    assert replace(after, negotiation_message_sent=False, events=0) == view


def test_default_policy_is_the_spec():
    assert Policy() == DEFAULT_POLICY

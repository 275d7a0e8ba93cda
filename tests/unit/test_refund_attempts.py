"""Payout attempts: a failed attempt is retried until the policy's last one, then
the payout is on hold for staff; left there, the platform steps in and pays."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    Actor,
    ErrorCode,
    Event,
    Policy,
    RequestView,
    State,
    TransitionNotAllowed,
    available_actions,
    decide,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.effects import LiabilityKind, PayBuyer, RecordLiability
from saleor_kuai_returns.domain.guards import Context
from saleor_kuai_returns.domain.outcomes import (
    payout_exhausted,
    payout_failed,
    retry_payout,
    start_payout,
)
from saleor_kuai_returns.domain.policy import PayoutMethod
from saleor_kuai_returns.domain.request import DefaultOutcome, Payer, Payout, PayoutKind
from saleor_kuai_returns.domain.transitions import AFTER_FAILED_ATTEMPT

from .paths import B, M, P, S, expire, to_state

HUNDRED = Decimal("100.00")
ONE_ATTEMPT = Policy(refund_max_attempts=1)
TWO_ATTEMPTS = Policy(refund_max_attempts=2)
PAID_FROM_ORDER = Policy(platform_payout_method=PayoutMethod.REFUND)


def merchant_refund(attempt: int) -> PayBuyer:
    return PayBuyer(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, attempt, PayoutMethod.REFUND)


def refusal(
    view: RequestView, command: c.Command, actor: Actor, policy: Policy = DEFAULT_POLICY
) -> ErrorCode:
    before = deepcopy(view)
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, command, actor, view.entered_at, policy)
    assert view == before
    return error.value.code


def fail(view: RequestView, policy: Policy = DEFAULT_POLICY) -> RequestView:
    """The payment provider refuses the attempt in flight."""
    return decide(view, c.RefundFailed(), S, view.entered_at, policy).view


def retry_by_deadline(view: RequestView, policy: Policy = DEFAULT_POLICY) -> RequestView:
    return expire(view, policy)


def on_hold(policy: Policy = DEFAULT_POLICY) -> RequestView:
    """A refund-only request (100.00 paid by the merchant) whose every attempt failed."""
    view = to_state(State.REFUNDING)
    while True:
        view = fail(view, policy)
        if view.state is State.REFUND_ON_HOLD:
            return view
        view = retry_by_deadline(view, policy)


def escalated(policy: Policy = DEFAULT_POLICY) -> RequestView:
    """The payout on hold, and the platform opened arbitration on it."""
    held = on_hold(policy)
    return decide(held, c.OpenArbitration(), P, held.entered_at, policy).view


# A failed attempt: retried, or on hold after the last one


def test_the_first_failed_attempt_of_five_is_retried_later():
    # given the merchant's refund, attempt 1 of the default 5
    refunding = to_state(State.REFUNDING)
    assert refunding.payout == Payout(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, 1)
    # when the provider refuses it
    decision = decide(refunding, c.RefundFailed(), S, refunding.entered_at)
    # then it waits 24 h for the retry; nothing is paid meanwhile
    assert decision.target is State.REFUND_FAILED
    assert decision.effects == ()
    assert decision.view.payout == refunding.payout
    assert decision.view.refund_stalled is False
    assert decision.view.deadline.at == refunding.entered_at + timedelta(hours=24)
    assert decision.view.deadline.outcome is DefaultOutcome.RETRY_REFUND
    assert decision.view.deadline.turn is Actor.MERCHANT


def test_an_unconfirmed_attempt_counts_as_failed_at_the_refunding_deadline():
    refunding = to_state(State.REFUNDING)
    assert refunding.deadline.at == refunding.entered_at + timedelta(hours=72)
    decision = decide(refunding, c.DeadlineExpired(), S, refunding.deadline.at)
    assert (decision.target, decision.effects) == (State.REFUND_FAILED, ())


def test_the_refund_failed_deadline_retries_with_the_next_attempt_number():
    failed = to_state(State.REFUND_FAILED)
    decision = decide(failed, c.DeadlineExpired(), S, failed.deadline.at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (merchant_refund(2),)
    assert decision.view.payout == Payout(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, 2)


def test_every_attempt_up_to_the_fifth_is_retried_and_the_fifth_failure_holds_the_payout():
    # given
    view = to_state(State.REFUNDING)
    retries = []
    # when attempts 1 to 4 fail, each is retried by the deadline
    for _ in range(4):
        view = fail(view)
        assert view.state is State.REFUND_FAILED
        decision = decide(view, c.DeadlineExpired(), S, view.deadline.at)
        retries.append(decision.effects)
        view = decision.view
    # and the fifth fails
    held = decide(view, c.RefundFailed(), S, view.entered_at)
    # then
    assert retries == [(merchant_refund(n),) for n in (2, 3, 4, 5)]
    assert held.target is State.REFUND_ON_HOLD
    assert held.effects == ()
    assert held.view.payout.attempt == 5
    assert held.view.refund_stalled is True
    assert held.view.deadline.at == view.entered_at + timedelta(days=7)
    assert held.view.deadline.outcome is DefaultOutcome.ESCALATE
    assert held.view.deadline.turn is Actor.MERCHANT


def test_with_one_attempt_the_first_failure_holds_the_payout():
    refunding = to_state(State.REFUNDING)
    decision = decide(refunding, c.RefundFailed(), S, refunding.entered_at, ONE_ATTEMPT)
    assert decision.target is State.REFUND_ON_HOLD
    assert decision.view.refund_stalled is True


def test_with_one_attempt_an_unconfirmed_attempt_holds_the_payout_at_its_deadline():
    refunding = to_state(State.REFUNDING)
    decision = decide(refunding, c.DeadlineExpired(), S, refunding.deadline.at, ONE_ATTEMPT)
    assert (decision.target, decision.view.refund_stalled) == (State.REFUND_ON_HOLD, True)


def test_with_two_attempts_the_first_failure_is_retried_and_the_second_holds():
    # given
    refunding = to_state(State.REFUNDING)
    # when
    first = decide(refunding, c.RefundFailed(), S, refunding.entered_at, TWO_ATTEMPTS)
    retried = decide(first.view, c.DeadlineExpired(), S, first.view.deadline.at, TWO_ATTEMPTS)
    second = decide(retried.view, c.RefundFailed(), S, retried.view.entered_at, TWO_ATTEMPTS)
    # then
    assert (first.target, first.view.refund_stalled) == (State.REFUND_FAILED, False)
    assert retried.effects == (merchant_refund(2),)
    assert (second.target, second.view.refund_stalled) == (State.REFUND_ON_HOLD, True)


@pytest.mark.parametrize(
    ("attempt", "max_attempts", "exhausted"),
    [(1, 1, True), (1, 2, False), (2, 2, True), (4, 5, False), (5, 5, True), (6, 5, True)],
)
def test_a_payout_is_exhausted_from_its_last_allowed_attempt_on(attempt, max_attempts, exhausted):
    payout = Payout(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, attempt)
    view = replace(to_state(State.REFUNDING), payout=payout)
    policy = Policy(refund_max_attempts=max_attempts)
    assert payout_exhausted(view, policy) is exhausted
    target = AFTER_FAILED_ATTEMPT.then if exhausted else AFTER_FAILED_ATTEMPT.otherwise
    assert decide(view, c.RefundFailed(), S, view.entered_at, policy).target is target


def test_no_payout_is_never_exhausted():
    assert payout_exhausted(to_state(State.AWAITING_MERCHANT_REVIEW), ONE_ATTEMPT) is False


def test_a_platform_payout_that_fails_its_last_attempt_is_held_without_stalling():
    # given priority compensation for missing items, paid by the platform
    overdue = to_state(State.RESHIP_OVERDUE)
    compensating = decide(overdue, c.DeclareCannotReship(), M, overdue.entered_at).view
    assert compensating.payout.payer is Payer.PLATFORM
    # when its only attempt fails
    held = decide(compensating, c.RefundFailed(), S, compensating.entered_at, ONE_ATTEMPT)
    # then it is on hold, but no merchant refund stalled
    assert held.target is State.REFUND_ON_HOLD
    assert held.view.refund_stalled is False


def test_payout_failed_itself_changes_nothing_while_attempts_are_left():
    refunding = to_state(State.REFUNDING)
    ctx = Context(now=refunding.entered_at, policy=DEFAULT_POLICY)
    assert payout_failed(refunding, c.RefundFailed(), ctx) == (refunding, ())


def test_a_platform_payout_is_retried_with_the_same_amount_payer_and_method():
    # given the platform's gift card compensation, failed once
    overdue = to_state(State.RESHIP_OVERDUE)
    compensating = decide(overdue, c.DeclareCannotReship(), M, overdue.entered_at).view
    failed = decide(compensating, c.RefundFailed(), S, compensating.entered_at).view
    # when the deadline retries it
    decision = decide(failed, c.DeadlineExpired(), S, failed.deadline.at)
    # then
    assert decision.effects == (
        PayBuyer(
            HUNDRED, PayoutKind.PRIORITY_COMPENSATION, Payer.PLATFORM, 2, PayoutMethod.GIFT_CARD
        ),
        RecordLiability(HUNDRED, LiabilityKind.PRIORITY_COMPENSATION),
    )


def test_retry_payout_keeps_everything_but_the_attempt():
    failed = to_state(State.REFUND_FAILED)
    ctx = Context(now=failed.entered_at, policy=DEFAULT_POLICY)
    view, effects = retry_payout(failed, c.RetryRefund(), ctx)
    assert view.payout == Payout(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, 2)
    assert effects == (merchant_refund(2),)


# On hold: staff retry, the platform steps in, or the deadline escalates


@pytest.mark.parametrize("actor", [M, P])
def test_staff_may_retry_a_payout_on_hold(actor):
    held = on_hold()
    decision = decide(held, c.RetryRefund(), actor, held.entered_at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (merchant_refund(6),)
    assert decision.view.refund_stalled is True


@pytest.mark.parametrize("actor", [B, S])
def test_neither_the_buyer_nor_the_system_retries_a_payout_on_hold(actor):
    assert refusal(on_hold(), c.RetryRefund(), actor) is ErrorCode.WRONG_ACTOR


def test_a_retry_from_hold_that_fails_again_is_held_again():
    held = on_hold(ONE_ATTEMPT)
    retried = decide(held, c.RetryRefund(), M, held.entered_at, ONE_ATTEMPT).view
    again = decide(retried, c.RefundFailed(), S, retried.entered_at, ONE_ATTEMPT)
    assert (again.target, again.view.payout.attempt) == (State.REFUND_ON_HOLD, 2)


def test_who_may_act_on_a_payout_on_hold():
    held = on_hold()
    assert available_actions(held, M, held.entered_at) == (Event.RETRY_REFUND,)
    assert available_actions(held, P, held.entered_at) == (
        Event.RETRY_REFUND,
        Event.OPEN_ARBITRATION,
    )
    assert available_actions(held, B, held.entered_at) == ()


def test_a_payout_on_hold_escalates_to_the_platform_after_seven_days():
    # given
    held = on_hold()
    # when nobody acts for 7 days
    decision = decide(held, c.DeadlineExpired(), S, held.entered_at + timedelta(days=7))
    # then the platform rules, within its own 72 h
    assert decision.target is State.ARBITRATION_RULING
    assert decision.effects == ()
    assert decision.view.merchant_missed_deadline is True
    assert decision.view.paused is None
    assert decision.view.deadline.at == held.entered_at + timedelta(days=10)


def test_a_payout_on_hold_is_not_escalated_a_second_early():
    held = on_hold()
    just_before = held.entered_at + timedelta(days=7) - timedelta(seconds=1)
    with pytest.raises(TransitionNotAllowed) as error:
        decide(held, c.DeadlineExpired(), S, just_before)
    assert error.value.code is ErrorCode.NOT_DUE


def test_the_platform_may_open_arbitration_on_a_payout_on_hold_and_the_hold_is_paused():
    held = on_hold()
    decision = decide(held, c.OpenArbitration(), P, held.entered_at + timedelta(days=2))
    assert decision.target is State.ARBITRATION_RULING
    assert decision.view.paused.state is State.REFUND_ON_HOLD
    assert decision.view.paused.remaining == timedelta(days=5)


def test_the_merchant_may_not_open_arbitration_on_a_payout_on_hold():
    assert refusal(on_hold(), c.OpenArbitration(), M) is ErrorCode.WRONG_ACTOR


def test_a_late_confirmation_completes_a_payout_on_hold():
    held = on_hold()
    decision = decide(held, c.RefundSucceeded(), S, held.entered_at)
    assert decision.target is State.REFUNDED
    assert (decision.view.refunded_amount, decision.view.platform_advanced_amount) == (
        HUNDRED,
        Decimal("0"),
    )


# A stalled merchant refund: the platform pays


def test_buyer_wins_refund_on_a_stalled_refund_is_paid_by_the_platform_as_a_gift_card():
    arbitration = escalated()
    decision = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(HUNDRED, PayoutKind.REFUND, Payer.PLATFORM, 6, PayoutMethod.GIFT_CARD),
        RecordLiability(HUNDRED, LiabilityKind.PLATFORM_REFUND_FIRST),
    )
    assert decision.view.payout == Payout(
        HUNDRED, PayoutKind.REFUND, Payer.PLATFORM, 6, PayoutMethod.GIFT_CARD
    )


def test_the_ruling_deadline_on_a_stalled_refund_is_paid_by_the_platform_too():
    # given the hold escalated by its own deadline
    arbitration = expire(on_hold())
    # when the platform does not rule within 72 h
    decision = decide(arbitration, c.DeadlineExpired(), S, arbitration.deadline.at)
    # then
    assert decision.effects == (
        PayBuyer(HUNDRED, PayoutKind.REFUND, Payer.PLATFORM, 6, PayoutMethod.GIFT_CARD),
        RecordLiability(HUNDRED, LiabilityKind.PLATFORM_REFUND_FIRST),
    )


def test_a_held_platform_compensation_ruled_for_the_buyer_is_the_same_compensation_again():
    # given priority compensation (100.00, the platform's gift card) whose only attempt failed
    overdue = to_state(State.RESHIP_OVERDUE)
    compensating = decide(overdue, c.DeclareCannotReship(), M, overdue.entered_at).view
    held = fail(compensating, ONE_ATTEMPT)
    arbitration = decide(held, c.OpenArbitration(), P, held.entered_at, ONE_ATTEMPT).view
    # when the platform rules for the buyer
    decision = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at, ONE_ATTEMPT)
    # then the same compensation is paid again, as its next attempt: not a refund
    assert decision.effects == (
        PayBuyer(
            HUNDRED, PayoutKind.PRIORITY_COMPENSATION, Payer.PLATFORM, 2, PayoutMethod.GIFT_CARD
        ),
        RecordLiability(HUNDRED, LiabilityKind.PRIORITY_COMPENSATION),
    )


@pytest.mark.parametrize(
    "ruling",
    [
        c.RulePartialRefund(Decimal("40.00")),
        c.RuleMerchantWins(),
        c.RuleReturnNeeded(),
        c.RuleUnjustifiedRejection(),
    ],
)
def test_a_stalled_refund_is_ruled_for_the_buyer_or_dismissed_and_nothing_else(ruling):
    # given the case of a payout on hold, one of whose attempts may still pay
    arbitration = escalated(ONE_ATTEMPT)
    before = deepcopy(arbitration)
    # when the platform rules anything that would leave that payout behind
    with pytest.raises(TransitionNotAllowed) as refused:
        decide(arbitration, ruling, P, arbitration.entered_at, ONE_ATTEMPT)
    # then it is refused and nothing changed
    assert refused.value.code is ErrorCode.RULING_NOT_APPLICABLE
    assert arbitration == before


def test_a_stalled_refund_that_reaches_the_buyer_during_arbitration_ends_the_case():
    # given the case of a payout on hold
    arbitration = escalated(ONE_ATTEMPT)
    # when the payment app confirms an earlier attempt after all
    paid = decide(arbitration, c.RefundSucceeded(), S, arbitration.entered_at, ONE_ATTEMPT)
    # then the request is refunded, with the merchant's money
    assert (paid.target, paid.view.refunded_amount, paid.view.platform_advanced_amount) == (
        State.REFUNDED,
        HUNDRED,
        Decimal("0"),
    )
    assert paid.view.payout is None


def test_a_platform_paying_from_the_order_payment_books_no_liability():
    # given a channel where the platform pays through the order's own payment
    arbitration = escalated(PAID_FROM_ORDER)
    # when
    decision = decide(
        arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at, PAID_FROM_ORDER
    )
    # then it is the merchant's money: no ledger entry
    assert decision.effects == (
        PayBuyer(HUNDRED, PayoutKind.REFUND, Payer.MERCHANT, 6, PayoutMethod.REFUND),
    )


def test_a_refund_not_stalled_is_paid_by_the_merchant_after_a_ruling():
    # given an ordinary escalated rejection (no payout yet)
    arbitration = to_state(State.ARBITRATION_RULING)
    decision = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at)
    assert decision.effects == (merchant_refund(1),)


def test_start_payout_continues_the_attempts_of_a_failed_payout():
    held = on_hold(TWO_ATTEMPTS)
    ctx = Context(now=held.entered_at, policy=TWO_ATTEMPTS)
    view, effects = start_payout(held, PayoutKind.REFUND, ctx)
    assert effects == (merchant_refund(3),)
    assert view.payout.attempt == 3


def test_start_payout_without_an_earlier_payout_is_attempt_one():
    review = to_state(State.AWAITING_MERCHANT_REVIEW)
    ctx = Context(now=review.entered_at, policy=DEFAULT_POLICY)
    view, effects = start_payout(review, PayoutKind.REFUND, ctx, platform=True)
    assert view.payout == Payout(
        HUNDRED, PayoutKind.REFUND, Payer.PLATFORM, 1, PayoutMethod.GIFT_CARD
    )
    assert effects == (
        PayBuyer(HUNDRED, PayoutKind.REFUND, Payer.PLATFORM, 1, PayoutMethod.GIFT_CARD),
        RecordLiability(HUNDRED, LiabilityKind.PLATFORM_REFUND_FIRST),
    )


# What a successful payout adds up


def test_a_payout_confirmed_with_its_own_figures_counts_the_payout():
    arbitration = escalated()
    paying = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at).view
    paid = decide(paying, c.RefundSucceeded(), S, paying.entered_at).view
    assert (paid.refunded_amount, paid.compensated_amount, paid.platform_advanced_amount) == (
        HUNDRED,
        Decimal("0"),
        HUNDRED,
    )
    assert paid.payout is None


def test_a_capped_platform_payout_counts_only_what_reached_the_buyer():
    arbitration = escalated()
    paying = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at).view
    confirmed = c.RefundSucceeded(amount=Decimal("60.00"), by_platform=True)
    paid = decide(paying, confirmed, S, paying.entered_at).view
    assert (paid.refunded_amount, paid.platform_advanced_amount) == (
        Decimal("60.00"),
        Decimal("60.00"),
    )


def test_an_earlier_merchant_attempt_settling_a_platform_payout_advances_nothing():
    arbitration = escalated()
    paying = decide(arbitration, c.RuleBuyerWinsRefund(), P, arbitration.entered_at).view
    confirmed = c.RefundSucceeded(amount=HUNDRED, by_platform=False)
    paid = decide(paying, confirmed, S, paying.entered_at).view
    assert (paid.refunded_amount, paid.platform_advanced_amount) == (HUNDRED, Decimal("0"))


def test_a_merchant_payout_confirmed_as_the_platforms_money_counts_as_advanced():
    refunding = to_state(State.REFUNDING)
    confirmed = c.RefundSucceeded(amount=Decimal("99.99"), by_platform=True)
    paid = decide(refunding, confirmed, S, refunding.entered_at).view
    assert (paid.refunded_amount, paid.platform_advanced_amount) == (
        Decimal("99.99"),
        Decimal("99.99"),
    )


def test_a_confirmed_priority_compensation_counts_as_compensated_not_refunded():
    overdue = to_state(State.RESHIP_OVERDUE)
    compensating = decide(overdue, c.DeclareCannotReship(), M, overdue.entered_at).view
    confirmed = c.RefundSucceeded(amount=Decimal("80.00"), by_platform=False)
    paid = decide(compensating, confirmed, S, compensating.entered_at).view
    assert (paid.refunded_amount, paid.compensated_amount, paid.platform_advanced_amount) == (
        Decimal("0"),
        Decimal("80.00"),
        Decimal("0"),
    )

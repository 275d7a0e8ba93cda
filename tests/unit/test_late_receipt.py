"""The receipt deadline refunds a return the buyer shipped (spec §3); the goods
may still arrive, and the merchant's confirmation then puts them back in stock,
whatever became of the refund."""

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
from saleor_kuai_returns.domain.effects import PayBuyer, RecordReturn, RestockReturn
from saleor_kuai_returns.domain.guards import Context
from saleor_kuai_returns.domain.outcomes import auto_refund, confirm_late_receipt
from saleor_kuai_returns.domain.request import Payer, PayoutKind

from .paths import TRACKING, B, M, P, S, exchange_request, run, to_state

REFUND_100 = PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1)
ONE_ATTEMPT = Policy(refund_max_attempts=1)


def auto_refunded() -> RequestView:
    """A return (1 of 2 units, 100.00) shipped back at NOW and refunded when the
    merchant's 10 days to confirm receipt passed."""
    shipped = to_state(State.AWAITING_MERCHANT_RECEIPT)
    return decide(shipped, c.DeadlineExpired(), S, shipped.deadline.at).view


def refund_then(state: State) -> RequestView:
    """The auto-refunded return, its refund then in ``state``."""
    view = auto_refunded()
    at = view.entered_at
    if state is State.REFUND_FAILED:
        return run(view, (c.RefundFailed(), S), now=at)
    if state is State.REFUNDED:
        return run(view, (c.RefundSucceeded(), S), now=at)
    if state is State.REFUND_ON_HOLD:
        return run(view, (c.RefundFailed(), S), now=at, policy=ONE_ATTEMPT)
    return view


def refusal(view: RequestView, command: c.Command, actor: Actor) -> TransitionNotAllowed:
    before = deepcopy(view)
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, command, actor, view.entered_at)
    assert view == before
    return error.value


# The deadline's refund


def test_the_receipt_deadline_records_the_return_and_refunds_it():
    # given a return the buyer shipped
    shipped = to_state(State.AWAITING_MERCHANT_RECEIPT)
    assert shipped.deadline.at == shipped.entered_at + timedelta(days=10)
    # when the merchant does not confirm its receipt within 10 days
    decision = decide(shipped, c.DeadlineExpired(), S, shipped.deadline.at)
    # then the return is recorded, the buyer refunded; nothing restocked yet
    assert decision.target is State.REFUNDING
    assert decision.effects == (RecordReturn(), REFUND_100)
    assert decision.view.return_awaiting_restock is True
    assert decision.view.merchant_missed_deadline is True
    assert decision.view.events == shipped.events + 1


def test_auto_refund_itself_marks_the_return_as_awaiting_restock():
    shipped = to_state(State.AWAITING_MERCHANT_RECEIPT)
    ctx = Context(now=shipped.deadline.at, policy=DEFAULT_POLICY)
    view, effects = auto_refund(shipped, c.DeadlineExpired(), ctx)
    assert effects == (RecordReturn(), REFUND_100)
    assert (view.return_awaiting_restock, view.merchant_missed_deadline) == (True, True)


def test_a_normal_receipt_records_restocks_and_refunds_at_once():
    shipped = to_state(State.AWAITING_MERCHANT_RECEIPT)
    decision = decide(shipped, c.ConfirmReceipt(), M, shipped.entered_at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (RecordReturn(), RestockReturn(), REFUND_100)
    assert decision.view.return_awaiting_restock is False


# The merchant confirms the late arrival


@pytest.mark.parametrize(
    "state",
    [State.REFUNDING, State.REFUND_FAILED, State.REFUND_ON_HOLD, State.REFUNDED],
)
def test_the_merchant_confirming_a_late_arrival_only_restocks_it(state):
    # given the auto-refund, its payment in ``state``
    view = refund_then(state)
    assert (view.state, view.return_awaiting_restock) == (state, True)
    # when the goods arrive and the merchant confirms
    decision = decide(view, c.ConfirmReceipt(), M, view.entered_at)
    # then only the stock changes
    assert (decision.event, decision.actor) == (Event.CONFIRM_RECEIPT, Actor.MERCHANT)
    assert (decision.source, decision.target) == (state, state)
    assert decision.effects == (RestockReturn(),)
    assert decision.caught_up is None
    assert decision.view == replace(view, return_awaiting_restock=False, events=view.events + 1)


def test_the_late_arrival_of_an_exchange_is_restocked_without_shipping_a_replacement():
    shipped = run(exchange_request(), (c.Approve(), M), (TRACKING, B))
    refunding = decide(shipped, c.DeadlineExpired(), S, shipped.deadline.at).view
    decision = decide(refunding, c.ConfirmReceipt(), M, refunding.entered_at)
    assert (decision.target, decision.effects) == (State.REFUNDING, (RestockReturn(),))


@pytest.mark.parametrize("state", [State.REFUNDING, State.REFUNDED])
def test_a_second_confirmation_is_wrong_state(state):
    view = refund_then(state)
    confirmed = decide(view, c.ConfirmReceipt(), M, view.entered_at).view
    assert refusal(confirmed, c.ConfirmReceipt(), M).code is ErrorCode.WRONG_STATE


@pytest.mark.parametrize("actor", [B, P, S])
def test_only_the_merchant_confirms_a_late_arrival(actor):
    view = refund_then(State.REFUNDED)
    error = refusal(view, c.ConfirmReceipt(), actor)
    assert error.code is ErrorCode.WRONG_ACTOR
    assert error.message == "only the merchant confirms receipt"


def test_confirm_late_receipt_without_a_return_awaiting_restock_is_wrong_state():
    with pytest.raises(TransitionNotAllowed) as error:
        confirm_late_receipt(to_state(State.REFUNDING))
    assert error.value.code is ErrorCode.WRONG_STATE


def test_an_ordinary_refund_offers_no_receipt_confirmation():
    refunded = to_state(State.REFUNDED)
    assert refusal(refunded, c.ConfirmReceipt(), M).code is ErrorCode.WRONG_STATE


def test_a_late_confirmation_after_the_refunding_deadline_first_marks_the_refund_failed():
    # given the auto-refund unconfirmed for 72 h
    view = auto_refunded()
    # when the merchant confirms the goods' arrival at that instant
    decision = decide(view, c.ConfirmReceipt(), M, view.deadline.at)
    # then the failed attempt was recorded first, and the goods restocked after it
    assert (decision.caught_up.target, decision.caught_up.effects) == (State.REFUND_FAILED, ())
    assert (decision.source, decision.target) == (State.REFUND_FAILED, State.REFUND_FAILED)
    assert decision.effects == (RestockReturn(),)
    assert decision.view.events == view.events + 2


def test_a_receipt_confirmed_after_its_deadline_is_refunded_then_restocked():
    # given a return the merchant did not confirm within 10 days
    shipped = to_state(State.AWAITING_MERCHANT_RECEIPT)
    # when the merchant confirms receipt at the deadline
    decision = decide(shipped, c.ConfirmReceipt(), M, shipped.deadline.at)
    # then the deadline's refund came first, and the confirmation restocked
    assert decision.caught_up.effects == (RecordReturn(), REFUND_100)
    assert (decision.source, decision.target) == (State.REFUNDING, State.REFUNDING)
    assert decision.effects == (RestockReturn(),)
    assert decision.view.return_awaiting_restock is False


# What the merchant is offered


def test_the_merchant_is_offered_the_confirmation_exactly_while_it_is_possible():
    view = refund_then(State.REFUNDING)
    confirmed = decide(view, c.ConfirmReceipt(), M, view.entered_at).view
    assert available_actions(view, M, view.entered_at) == (Event.CONFIRM_RECEIPT,)
    assert available_actions(confirmed, M, view.entered_at) == ()


def test_a_failed_refund_offers_the_retry_and_the_confirmation():
    view = refund_then(State.REFUND_FAILED)
    confirmed = decide(view, c.ConfirmReceipt(), M, view.entered_at).view
    assert available_actions(view, M, view.entered_at) == (
        Event.RETRY_REFUND,
        Event.CONFIRM_RECEIPT,
    )
    assert available_actions(confirmed, M, view.entered_at) == (Event.RETRY_REFUND,)


def test_a_finished_refund_offers_only_the_confirmation_then_nothing():
    view = refund_then(State.REFUNDED)
    confirmed = decide(view, c.ConfirmReceipt(), M, view.entered_at).view
    assert available_actions(view, M, view.entered_at) == (Event.CONFIRM_RECEIPT,)
    assert available_actions(confirmed, M, view.entered_at) == ()


@pytest.mark.parametrize("actor", [B, P, S])
def test_nobody_else_is_offered_the_confirmation(actor):
    view = refund_then(State.REFUNDED)
    assert available_actions(view, actor, view.entered_at) == ()


def test_an_ordinary_refund_offers_the_merchant_nothing():
    refunding = to_state(State.REFUNDING)
    assert available_actions(refunding, M, refunding.entered_at) == ()


def test_a_payout_on_hold_cannot_be_ruled_into_another_return():
    # given an auto-refund whose only attempt failed, escalated by the platform
    held = refund_then(State.REFUND_ON_HOLD)
    at = held.entered_at
    arbitration = run(held, (c.OpenArbitration(), P), now=at, policy=ONE_ATTEMPT)
    before = deepcopy(arbitration)
    # when the platform rules that the goods must be sent back (again)
    with pytest.raises(TransitionNotAllowed) as refused:
        decide(arbitration, c.RuleReturnNeeded(), P, at, ONE_ATTEMPT)
    # then it is refused: that refund may still reach the buyer, so the goods
    # already refunded are not asked for (and restocked) a second time
    assert refused.value.code is ErrorCode.RULING_NOT_APPLICABLE
    assert arbitration == before

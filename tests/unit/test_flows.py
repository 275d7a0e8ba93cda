"""Whole lifecycles: every path of the spec with its effects and exact amounts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from saleor_kuai_returns.domain import (
    Event,
    ItemKind,
    Reason,
    RequestType,
    State,
    available_actions,
    decide,
    whose_turn,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.effects import (
    LiabilityKind,
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
    RecordReturn,
    RestockReturn,
    SendGoods,
)
from saleor_kuai_returns.domain.kinds import Actor
from saleor_kuai_returns.domain.outcomes import compensation_paid
from saleor_kuai_returns.domain.policy import PayoutMethod
from saleor_kuai_returns.domain.request import Payer, PayoutKind

from .factories import NOW, filed, line, order
from .paths import (
    SHIPMENT,
    TRACKING,
    B,
    M,
    P,
    S,
    exchange_request,
    expire,
    refund_only_request,
    replacement,
    reship_request,
    run,
    to_state,
    unshipped_refund_request,
)

REFUND_100 = PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1)


def test_return_and_refund_happy_path():
    # given a buyer returning 1 of 2 units paid 200.00 CNY
    view = filed()
    assert (view.refund_ceiling, view.requested_amount) == (Decimal("100.00"), Decimal("100.00"))
    # when the merchant approves, the buyer ships, the merchant confirms receipt
    approved = decide(view, c.Approve(return_address="Warehouse 3, Hangzhou"), M, NOW)
    shipped = decide(approved.view, TRACKING, B, NOW)
    received = decide(shipped.view, c.ConfirmReceipt(), M, NOW)
    refunded = decide(received.view, c.RefundSucceeded(), S, NOW)
    # then
    assert approved.view.return_address == "Warehouse 3, Hangzhou"
    assert (approved.effects, shipped.effects) == ((), ())
    assert received.target is State.REFUNDING
    assert received.effects == (RecordReturn(), RestockReturn(), REFUND_100)
    assert refunded.target is State.REFUNDED
    assert refunded.view.refunded_amount == Decimal("100.00")
    assert refunded.view.compensated_amount == Decimal("0")
    assert refunded.view.payout is None
    assert refunded.view.events == 4
    assert refunded.view.deadline is None


def test_accepted_return_freight_is_added_to_the_refund():
    view = run(to_state(State.AWAITING_BUYER_RETURN), (c.ClaimReturnFreight(Decimal("12.00")), B))
    view = run(view, (c.AcceptFreightClaim(), M), (TRACKING, B))
    decision = decide(view, c.ConfirmReceipt(), M, NOW)
    assert decision.effects[-1] == PayBuyer(
        Decimal("112.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1
    )


def test_contested_return_freight_is_not_added():
    view = run(to_state(State.AWAITING_BUYER_RETURN), (c.ClaimReturnFreight(Decimal("12.00")), B))
    view = run(view, (c.ContestFreightClaim(), M), (TRACKING, B))
    decision = decide(view, c.ConfirmReceipt(), M, NOW)
    assert decision.effects[-1] == REFUND_100


def test_whole_order_refund_before_shipment_includes_outbound_shipping():
    # given an unshipped order: 2 units paid 200.00 plus 10.00 shipping
    view = unshipped_refund_request()
    assert view.before_shipment is True
    assert view.whole_order_before_shipment is True
    # when the merchant approves
    decision = decide(view, c.Approve(), M, NOW)
    # then the refund, whose payment also keeps the units from shipping
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(Decimal("210.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


def test_part_of_an_unshipped_order_refunds_no_shipping():
    # given two unshipped lines; the buyer cancels only the first
    the_order = order(line(shipped=0), line("line-2", total_paid="50.00", quantity=1, shipped=0))
    view = filed(
        RequestType.REFUND_ONLY,
        Reason.NO_REASON,
        the_order=the_order,
        lines=(("line-1", 2),),
        evidence_count=0,
    )
    # then
    assert view.whole_order_before_shipment is False
    assert decide(view, c.Approve(), M, NOW).effects[-1].amount == Decimal("200.00")


def test_shipped_refund_only_pays_at_approval():
    decision = decide(refund_only_request(), c.Approve(), M, NOW)
    assert decision.target is State.REFUNDING
    assert decision.effects == (REFUND_100,)


def test_exchange_path_moves_no_money():
    view = exchange_request()
    view = run(view, (c.Approve(), M), (TRACKING, B))
    received = decide(view, c.ConfirmReceipt(), M, NOW)
    assert received.target is State.AWAITING_REPLACEMENT_SHIPMENT
    assert received.effects == (
        RecordReturn(),
        RestockReturn(),
    )
    shipped = decide(received.view, replacement(received.view), M, NOW)
    done = decide(shipped.view, c.ConfirmArrival(), B, NOW)
    assert done.target is State.COMPLETED
    assert (done.view.refunded_amount, done.view.compensated_amount) == (0, 0)


def test_exchange_receipt_deadline_auto_refunds():
    view = run(exchange_request(), (c.Approve(), M), (TRACKING, B))
    decision = decide(view, c.DeadlineExpired(), S, view.deadline.at)
    assert decision.target is State.REFUNDING
    # the buyer's parcel is on its way back: the return is recorded now, and
    # restocked when the merchant confirms it arrived
    assert decision.effects == (RecordReturn(), REFUND_100)
    assert decision.view.merchant_missed_deadline is True
    assert decision.view.return_awaiting_restock is True


def test_reship_path():
    view = run(reship_request(), (c.Approve(), M), (SHIPMENT, M), (c.ConfirmArrival(), B))
    assert view.state is State.COMPLETED
    assert view.events == 3


def test_late_reship_counts_as_late_shipment_and_compensates_once():
    # given a reship approved at NOW, not shipped within 24 h
    approved = run(reship_request(), (c.Approve(), M))
    # when the deadline passes
    late = decide(approved, c.DeadlineExpired(), S, approved.deadline.at)
    # then 5 % of 100.00 is below the 5.00 minimum: 5.00 as a gift card, owed by the merchant
    assert late.target is State.RESHIP_OVERDUE
    assert late.effects == (
        PayLateShipmentCompensation(Decimal("5.00"), PayoutMethod.GIFT_CARD),
        RecordLiability(Decimal("5.00"), LiabilityKind.LATE_SHIPMENT_COMPENSATION),
    )
    assert late.view.late_shipment_compensated is True
    # counted when paid, not when decided
    assert (late.view.compensated_amount, late.view.platform_advanced_amount) == (0, 0)
    assert compensation_paid(late.view, Decimal("5.00"), Payer.PLATFORM).compensated_amount == (
        Decimal("5.00")
    )
    # and the merchant may still ship, late
    shipped = decide(late.view, SHIPMENT, M, late.view.entered_at)
    assert shipped.target is State.AWAITING_BUYER_CONFIRMATION
    assert shipped.effects == (SendGoods(),)


def test_missing_items_never_reshipped_get_priority_compensation():
    overdue = to_state(State.RESHIP_OVERDUE)
    decision = decide(overdue, c.DeadlineExpired(), S, overdue.deadline.at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(
            Decimal("100.00"),
            PayoutKind.PRIORITY_COMPENSATION,
            Payer.PLATFORM,
            1,
            PayoutMethod.GIFT_CARD,
        ),
        RecordLiability(Decimal("100.00"), LiabilityKind.PRIORITY_COMPENSATION),
    )
    paid = decide(decision.view, c.RefundSucceeded(), S, overdue.deadline.at)
    # the late-shipment compensation counts when its own payment succeeds
    assert paid.view.compensated_amount == Decimal("100.00")
    assert paid.view.refunded_amount == Decimal("0")
    assert paid.view.platform_advanced_amount == Decimal("100.00")


def test_missing_gift_is_compensated_at_its_declared_price():
    # given a free gift (paid 0.00) whose product page states 39.90
    gift = line(
        "gift",
        quantity=1,
        total_paid="0.00",
        unit_price="0.00",
        item_kind=ItemKind.GIFT,
        declared_unit_price=Decimal("39.90"),
    )
    view = filed(
        RequestType.RESHIP,
        Reason.MISSING_ITEMS,
        the_order=order(line(), gift),
        lines=(("gift", 1),),
        requested_amount=None,
    )
    approved = run(view, (c.Approve(), M))
    # when the merchant declares it cannot reship
    decision = decide(approved, c.DeclareCannotReship(), M, NOW)
    # then
    assert decision.effects[0] == PayBuyer(
        Decimal("39.90"),
        PayoutKind.PRIORITY_COMPENSATION,
        Payer.PLATFORM,
        1,
        PayoutMethod.GIFT_CARD,
    )


def test_accepted_proposal_approves_with_the_new_terms():
    proposed = run(
        filed(), (c.ProposeChange(request_type=RequestType.REFUND_ONLY, amount=Decimal("60.00")), M)
    )
    decision = decide(proposed, c.AcceptProposal(), B, NOW)
    assert decision.target is State.REFUNDING
    assert decision.view.request_type is RequestType.REFUND_ONLY
    assert decision.view.requested_amount == Decimal("60.00")
    assert decision.view.proposal is None
    assert decision.effects == (
        PayBuyer(Decimal("60.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


def test_declined_proposal_returns_to_review_with_a_fresh_deadline():
    proposed = run(filed(), (c.ProposeChange(amount=Decimal("60.00")), M))
    declined_at = NOW + timedelta(hours=10)
    decision = decide(proposed, c.DeclineProposal(), B, declined_at)
    assert decision.target is State.AWAITING_MERCHANT_REVIEW
    assert decision.view.deadline.at == declined_at + timedelta(hours=48)
    assert decision.view.requested_amount == Decimal("100.00")
    assert decision.view.proposal is None


def test_merchant_refunds_without_a_return():
    decision = decide(to_state(State.AWAITING_BUYER_RETURN), c.RefundWithoutReturn(), M, NOW)
    assert decision.target is State.REFUNDING
    assert decision.view.request_type is RequestType.REFUND_ONLY
    assert decision.effects == (REFUND_100,)


def test_failed_refund_is_retried_by_staff_or_by_the_deadline():
    failed = to_state(State.REFUND_FAILED)
    by_staff = decide(failed, c.RetryRefund(), M, NOW)
    by_timer = decide(failed, c.DeadlineExpired(), S, failed.deadline.at)
    second = PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=2)
    assert by_staff.effects == by_timer.effects == (second,)
    assert by_staff.target is by_timer.target is State.REFUNDING


def test_a_late_confirmation_of_a_failed_refund_completes_it():
    decision = decide(to_state(State.REFUND_FAILED), c.RefundSucceeded(), S, NOW)
    assert decision.target is State.REFUNDED
    assert decision.view.refunded_amount == Decimal("100.00")


def test_buyer_not_shipping_the_return_auto_closes():
    view = to_state(State.AWAITING_BUYER_RETURN)
    closed = expire(view)
    assert closed.state is State.CLOSED
    assert closed.refunded_amount == Decimal("0")


def test_cancel_before_money_moves():
    decision = decide(filed(), c.Cancel(), B, NOW)
    assert decision.target is State.CANCELLED
    assert decision.effects == ()


def test_available_actions_for_each_viewer_in_review():
    view = filed()
    assert available_actions(view, M, NOW) == (
        Event.SEND_NEGOTIATION_MESSAGE,
        Event.APPROVE,
        Event.PROPOSE_CHANGE,
        Event.REFUND_WITHOUT_RETURN,
    )
    assert available_actions(view, B, NOW) == (Event.CANCEL, Event.ADD_EVIDENCE)
    assert available_actions(view, P, NOW) == ()
    assert available_actions(view, S, NOW) == ()
    assert whose_turn(view) is Actor.MERCHANT


def test_available_actions_during_the_return_leg():
    view = to_state(State.AWAITING_BUYER_RETURN)
    assert available_actions(view, B, NOW) == (
        Event.CANCEL,
        Event.SUBMIT_RETURN_SHIPMENT,
        Event.ADD_EVIDENCE,
        Event.CLAIM_RETURN_FREIGHT,
    )
    assert available_actions(view, M, NOW) == (
        Event.SUBMIT_RETURN_SHIPMENT,
        Event.REFUND_WITHOUT_RETURN,
    )
    assert whose_turn(view) is Actor.BUYER


def test_nothing_is_available_in_a_terminal_state():
    view = to_state(State.REFUNDED)
    assert [available_actions(view, actor, NOW) for actor in Actor] == [(), (), (), ()]
    assert whose_turn(view) is None

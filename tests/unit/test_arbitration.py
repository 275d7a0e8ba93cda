"""Every ruling's effect with exact amounts, the ruling deadline, and appeals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    ErrorCode,
    Event,
    Reason,
    RequestType,
    State,
    decide,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.arbitration import (
    RulingRecord,
    appeal_reversal,
    check_appeal,
    check_appeal_reason,
)
from saleor_kuai_returns.domain.effects import (
    BlockReasonForLines,
    LiabilityKind,
    OpenGoodsRecovery,
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
    RecordReturn,
    RestockReturn,
)
from saleor_kuai_returns.domain.policy import DEFAULT_POLICY, PayoutMethod, Policy
from saleor_kuai_returns.domain.request import Payer, PayoutKind

from .factories import NOW, filed
from .paths import TRACKING, B, M, P, S, expire, negotiate_and_reject, run, to_state


def arbitrating(
    reason: Reason = Reason.QUALITY_FUNCTION, request_type=RequestType.RETURN_AND_REFUND
):
    """A rejected request (1 of 2 units, 100.00 CNY) the buyer escalated at NOW."""
    return run(negotiate_and_reject(filed(request_type, reason)), (c.Escalate(), B))


def test_buyer_wins_refund_is_paid_by_the_merchant():
    decision = decide(arbitrating(), c.RuleBuyerWinsRefund(), P, NOW)
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )
    assert decision.view.platform_advanced_amount == Decimal("0")
    assert decision.view.paused is None


def test_buyer_wins_return_needed_restarts_the_return_timer():
    view = run(
        negotiate_and_reject(filed(RequestType.REFUND_ONLY, Reason.QUALITY_COLOUR)),
        (c.Escalate(), B),
    )
    ruled_at = NOW + timedelta(days=1)
    decision = decide(view, c.RuleReturnNeeded(), P, ruled_at)
    assert decision.target is State.AWAITING_BUYER_RETURN
    assert decision.view.request_type is RequestType.RETURN_AND_REFUND
    assert decision.view.deadline.at == ruled_at + timedelta(days=10)
    assert decision.effects == ()


def test_missing_items_confirmed_gives_the_merchant_24_hours_to_reship():
    view = arbitrating(Reason.MISSING_ITEMS, RequestType.REFUND_ONLY)
    decision = decide(view, c.RuleMissingItems(), P, NOW)
    assert decision.target is State.AWAITING_RESHIP
    assert decision.view.request_type is RequestType.RESHIP
    assert decision.view.deadline.at == NOW + timedelta(hours=24)
    # late → late shipment; cannot reship → priority compensation
    late = expire(decision.view)
    assert late.state is State.RESHIP_OVERDUE
    assert late.late_shipment_compensated is True
    # counted as compensated once it is paid (actions.money), not when decided
    assert late.compensated_amount == Decimal("0")


def test_wrong_item_puts_all_freight_on_the_merchant_and_compensates_when_asked():
    view = arbitrating(Reason.WRONG_ITEM)
    ruling = c.RuleWrongItem(resolution=RequestType.EXCHANGE, compensation_requested=True)
    decision = decide(view, ruling, P, NOW)
    assert decision.target is State.AWAITING_BUYER_RETURN
    assert decision.view.request_type is RequestType.EXCHANGE
    assert decision.view.merchant_pays_all_freight is True
    assert decision.effects == (
        PayLateShipmentCompensation(Decimal("5.00"), PayoutMethod.GIFT_CARD),
        RecordLiability(Decimal("5.00"), LiabilityKind.LATE_SHIPMENT_COMPENSATION),
    )


def test_wrong_item_return_refunds_the_freight_without_the_merchants_consent():
    view = run(arbitrating(Reason.WRONG_ITEM), (c.RuleWrongItem(), P))
    view = run(view, (c.ClaimReturnFreight(Decimal("15.00")), B), (TRACKING, B))
    decision = decide(view, c.ConfirmReceipt(), M, NOW)
    assert decision.effects == (
        RecordReturn(),
        RestockReturn(),
        PayBuyer(Decimal("115.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


def test_wrong_item_without_a_compensation_request_pays_nothing_extra():
    decision = decide(arbitrating(Reason.WRONG_ITEM), c.RuleWrongItem(), P, NOW)
    assert decision.effects == ()
    assert decision.view.compensated_amount == Decimal("0")


def test_late_shipment_compensation_as_a_refund_when_the_channel_says_so():
    policy = Policy(late_shipment_payout=PayoutMethod.REFUND)
    ruling = c.RuleWrongItem(compensation_requested=True)
    decision = decide(arbitrating(Reason.WRONG_ITEM), ruling, P, NOW, policy)
    # a refund comes out of the order's payment: the merchant's own money, no debt
    assert decision.effects == (
        PayLateShipmentCompensation(Decimal("5.00"), PayoutMethod.REFUND, Payer.MERCHANT),
    )


def test_unjustified_rejection_platform_refunds_first_and_the_merchant_owes_it():
    decision = decide(arbitrating(), c.RuleUnjustifiedRejection(), P, NOW)
    assert decision.target is State.REFUNDING
    # the platform's own money (a gift card by default), which the merchant owes it
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.PLATFORM, 1, PayoutMethod.GIFT_CARD),
        RecordLiability(Decimal("100.00"), LiabilityKind.PLATFORM_REFUND_FIRST),
        OpenGoodsRecovery(),
    )
    # advanced when paid, not when decided
    assert decision.view.platform_advanced_amount == Decimal("0")
    done = decide(decision.view, c.RefundSucceeded(), S, NOW)
    assert done.view.refunded_amount == Decimal("100.00")
    assert done.view.platform_advanced_amount == Decimal("100.00")


def test_refund_first_out_of_the_orders_payment_is_the_merchants_money_and_no_debt():
    policy = Policy(platform_payout_method=PayoutMethod.REFUND)
    decision = decide(arbitrating(), c.RuleUnjustifiedRejection(), P, NOW, policy)
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, 1, PayoutMethod.REFUND),
        OpenGoodsRecovery(),
    )
    done = decide(decision.view, c.RefundSucceeded(), S, NOW, policy)
    assert (done.view.refunded_amount, done.view.platform_advanced_amount) == (
        Decimal("100.00"),
        Decimal("0"),
    )


def test_a_retried_platform_refund_is_the_same_payout_with_the_same_liability():
    # given the platform's refund-first was refused
    paying = decide(arbitrating(), c.RuleUnjustifiedRejection(), P, NOW).view
    failed = decide(paying, c.RefundFailed(), S, NOW)
    assert failed.effects == ()
    # when staff retries
    retried = decide(failed.view, c.RetryRefund(), M, NOW)
    # then the second attempt is the platform's too; the liability is the
    # payout's (booked once, by whichever attempt pays: actions.money)
    assert retried.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.PLATFORM, 2, PayoutMethod.GIFT_CARD),
        RecordLiability(Decimal("100.00"), LiabilityKind.PLATFORM_REFUND_FIRST),
    )


def test_unjustified_rejection_of_a_rejected_receipt():
    view = run(to_state(State.RECEIPT_REJECTED), (c.Escalate(), B))
    decision = decide(view, c.RuleUnjustifiedRejection(), P, NOW)
    assert decision.effects[1] == RecordLiability(
        Decimal("100.00"), LiabilityKind.PLATFORM_REFUND_FIRST
    )


def test_partial_refund_pays_the_ruled_amount():
    decision = decide(arbitrating(), c.RulePartialRefund(Decimal("40.00")), P, NOW)
    assert decision.view.requested_amount == Decimal("40.00")
    assert decision.effects == (
        PayBuyer(Decimal("40.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


def test_merchant_wins_closes_and_blocks_the_reason():
    decision = decide(arbitrating(), c.RuleMerchantWins(), P, NOW)
    assert decision.target is State.CLOSED
    assert decision.effects == (BlockReasonForLines(),)
    assert decision.view.deadline is None


def test_rulings_are_possible_in_every_evidence_round():
    view = run(arbitrating(), (c.RequestEvidence(), P))
    assert decide(view, c.RuleMerchantWins(), P, NOW).target is State.CLOSED
    view = run(view, (c.SubmitArbitrationEvidence(count=2, text="Photos"), B))
    assert view.evidence_count == 3
    assert decide(view, c.RuleMerchantWins(), P, NOW).target is State.CLOSED


def test_evidence_rounds_time_out_to_a_ruling_on_what_is_there():
    view = run(arbitrating(), (c.RequestEvidence(), P))
    merchant_round = expire(view)
    assert merchant_round.state is State.ARBITRATION_MERCHANT_EVIDENCE
    ruling = expire(merchant_round)
    assert ruling.state is State.ARBITRATION_RULING
    assert ruling.deadline.at == NOW + timedelta(hours=48 + 48 + 72)


def test_when_the_platform_does_not_rule_in_time_the_buyers_claim_stands():
    view = arbitrating()
    decision = decide(view, c.DeadlineExpired(), S, view.deadline.at)
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


@pytest.mark.parametrize(
    "ruling",
    sorted(
        {
            Event.RULE_BUYER_WINS_REFUND,
            Event.RULE_RETURN_NEEDED,
            Event.RULE_MISSING_ITEMS,
            Event.RULE_WRONG_ITEM,
            Event.RULE_UNJUSTIFIED_REJECTION,
            Event.RULE_PARTIAL_REFUND,
        }
    ),
)
def test_merchant_may_appeal_a_ruling_against_it_within_seven_days(ruling):
    record = RulingRecord(ruling=ruling, ruled_at=NOW)
    closes = NOW + timedelta(days=7)
    assert check_appeal(record, closes - timedelta(seconds=1), DEFAULT_POLICY) is None
    assert check_appeal(record, closes, DEFAULT_POLICY) is ErrorCode.WINDOW_CLOSED


def test_a_ruling_for_the_merchant_cannot_be_appealed():
    record = RulingRecord(ruling=Event.RULE_MERCHANT_WINS, ruled_at=NOW)
    assert check_appeal(record, NOW, DEFAULT_POLICY) is ErrorCode.APPEAL_NOT_ALLOWED


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("", ErrorCode.DESCRIPTION_REQUIRED),
        ("  \n", ErrorCode.DESCRIPTION_REQUIRED),
        ("x" * 500, None),
        ("x" * 501, ErrorCode.TEXT_TOO_LONG),
        ("The goods came back worn.", None),
    ],
)
def test_an_appeal_says_why_within_the_text_limit(reason, code):
    assert check_appeal_reason(reason, Policy()) is code


@pytest.mark.parametrize(
    ("charged", "reversal"),
    [
        (Decimal("100.00"), Decimal("-100.00")),
        (Decimal("0.01"), Decimal("-0.01")),
        (Decimal("0"), Decimal("0")),
        (Decimal("-5.00"), Decimal("0")),  # already taken back: nothing more
    ],
)
def test_an_upheld_appeal_takes_back_what_the_case_charged_and_never_more(charged, reversal):
    assert appeal_reversal(charged) == reversal

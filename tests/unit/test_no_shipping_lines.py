"""Lines that need no shipping (gift cards, digital goods) may only be refunded
(spec §2); a gift card line whose card was spent may not be refunded at all."""

from __future__ import annotations

from copy import deepcopy
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    ErrorCode,
    Event,
    LineSnapshot,
    NotEligible,
    Policy,
    Reason,
    RequestType,
    RequestView,
    State,
    TransitionNotAllowed,
    available_actions,
    decide,
    line_eligibility,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.effects import LiabilityKind, PayBuyer, RecordLiability
from saleor_kuai_returns.domain.eligibility import TypeOption
from saleor_kuai_returns.domain.policy import PayoutMethod
from saleor_kuai_returns.domain.request import Payer, PayoutKind

from .factories import NOW, filed, line, order
from .paths import B, M, P, negotiate_and_reject, run

DIGITAL = line(needs_shipping=False)
SPENT_CARD = line(needs_shipping=False, gift_card_used=True)
# A type with a reason that allows it, so that only the shipping rule can refuse.
SHIPPING_TYPES = [
    (RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION),
    (RequestType.EXCHANGE, Reason.QUALITY_SIZE),
    (RequestType.RESHIP, Reason.MISSING_ITEMS),
]
EVERY_TYPE = [*SHIPPING_TYPES, (RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION)]


def not_eligible(request_type: RequestType, reason: Reason, *lines: LineSnapshot, **fields):
    the_order = order(*lines)
    with pytest.raises(NotEligible) as error:
        filed(request_type, reason, the_order=the_order, **fields)
    return error.value


def refusal(
    view: RequestView, command: c.Command, actor, policy: Policy = DEFAULT_POLICY
) -> ErrorCode:
    before = deepcopy(view)
    with pytest.raises(TransitionNotAllowed) as error:
        decide(view, command, actor, NOW, policy)
    assert view == before
    return error.value.code


def escalated_refund(reason: Reason, *lines: LineSnapshot) -> RequestView:
    """A refund-only request on ``line-1``, rejected and escalated by the buyer at NOW."""
    view = filed(RequestType.REFUND_ONLY, reason, the_order=order(*lines))
    return run(negotiate_and_reject(view), (c.Escalate(), B))


# Filing


def test_the_factory_line_needs_shipping_unless_told_otherwise():
    assert (line().needs_shipping, line().gift_card_used) == (True, False)
    assert (DIGITAL.needs_shipping, DIGITAL.gift_card_used) == (False, False)


@pytest.mark.parametrize(("request_type", "reason"), SHIPPING_TYPES)
def test_a_line_that_needs_no_shipping_cannot_be_returned_exchanged_or_reshipped(
    request_type, reason
):
    error = not_eligible(request_type, reason, DIGITAL)
    assert error.code is ErrorCode.SHIPPING_NOT_REQUIRED
    assert error.message == "line 'line-1': shipping not required"


@pytest.mark.parametrize(("request_type", "reason"), SHIPPING_TYPES)
def test_the_same_types_on_a_line_that_needs_shipping_are_accepted(request_type, reason):
    view = filed(request_type, reason, the_order=order(line()))
    assert view.state is State.AWAITING_MERCHANT_REVIEW


def test_a_line_that_needs_no_shipping_may_be_refunded():
    view = filed(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, the_order=order(DIGITAL))
    assert view.state is State.AWAITING_MERCHANT_REVIEW
    assert (view.refund_ceiling, view.requested_amount) == (
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_one_line_without_shipping_refuses_a_return_of_the_whole_request():
    # given a return of a shipped line together with a digital one
    card = line("card", quantity=1, total_paid="50.00", needs_shipping=False)
    error = not_eligible(
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        line(),
        card,
        lines=(("line-1", 1), ("card", 1)),
    )
    # then
    assert error.code is ErrorCode.SHIPPING_NOT_REQUIRED
    assert error.message == "line 'card': shipping not required"


def test_shipping_is_checked_before_the_reason_fits_the_type():
    # no-reason never allows a reship; the line's missing shipping is what is reported
    error = not_eligible(RequestType.RESHIP, Reason.NO_REASON, DIGITAL, evidence_count=0)
    assert error.code is ErrorCode.SHIPPING_NOT_REQUIRED


def test_eligibility_offers_only_a_refund_for_a_line_without_shipping():
    assert line_eligibility(DIGITAL, NOW, DEFAULT_POLICY).options == (
        TypeOption(
            RequestType.REFUND_ONLY,
            tuple(Reason),
            max_quantity=2,
            max_refund=Decimal("200.00"),
            unshipped=False,
        ),
    )
    assert line_eligibility(DIGITAL, NOW, DEFAULT_POLICY).not_eligible_because is None


def test_eligibility_offers_every_type_for_a_line_that_needs_shipping():
    types = [
        option.request_type for option in line_eligibility(line(), NOW, DEFAULT_POLICY).options
    ]
    assert types == list(RequestType)


# A spent gift card


@pytest.mark.parametrize(("request_type", "reason"), EVERY_TYPE)
def test_a_gift_card_line_whose_card_was_spent_cannot_be_filed_at_all(request_type, reason):
    error = not_eligible(request_type, reason, SPENT_CARD)
    assert error.code is ErrorCode.GIFT_CARD_USED
    assert error.message == "line 'line-1': gift card used"


def test_a_spent_gift_card_is_refused_even_on_a_line_that_ships():
    spent = line(gift_card_used=True)
    error = not_eligible(RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, spent)
    assert error.code is ErrorCode.GIFT_CARD_USED


def test_eligibility_reports_a_spent_gift_card():
    eligibility = line_eligibility(SPENT_CARD, NOW, DEFAULT_POLICY)
    assert eligibility.options == ()
    assert eligibility.not_eligible_because is ErrorCode.GIFT_CARD_USED


# The merchant's proposal


@pytest.mark.parametrize("request_type", [RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE])
def test_a_merchant_cannot_propose_a_return_of_a_line_without_shipping(request_type):
    view = filed(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, the_order=order(DIGITAL))
    proposal = c.ProposeChange(request_type=request_type)
    assert refusal(view, proposal, M) is ErrorCode.SHIPPING_NOT_REQUIRED


def test_a_merchant_may_propose_a_lower_refund_for_a_line_without_shipping():
    view = filed(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, the_order=order(DIGITAL))
    decision = decide(view, c.ProposeChange(amount=Decimal("60.00")), M, NOW)
    assert decision.target is State.PROPOSAL_AWAITING_BUYER
    assert (decision.view.proposal.request_type, decision.view.proposal.amount) == (
        RequestType.REFUND_ONLY,
        Decimal("60.00"),
    )


def test_a_merchant_may_propose_a_return_of_a_line_that_ships():
    view = filed(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION)
    proposal = c.ProposeChange(request_type=RequestType.RETURN_AND_REFUND)
    assert decide(view, proposal, M, NOW).target is State.PROPOSAL_AWAITING_BUYER


# Rulings


@pytest.mark.parametrize(
    ("reason", "ruling"),
    [
        (Reason.QUALITY_FUNCTION, c.RuleReturnNeeded()),
        (Reason.MISSING_ITEMS, c.RuleMissingItems()),
        (Reason.WRONG_ITEM, c.RuleWrongItem()),
        (Reason.WRONG_ITEM, c.RuleWrongItem(resolution=RequestType.EXCHANGE)),
    ],
)
def test_rulings_that_ship_goods_do_not_apply_to_a_line_without_shipping(reason, ruling):
    arbitration = escalated_refund(reason, DIGITAL)
    assert refusal(arbitration, ruling, P) is ErrorCode.RULING_NOT_APPLICABLE


@pytest.mark.parametrize(
    ("reason", "ruling", "target"),
    [
        (Reason.QUALITY_FUNCTION, c.RuleReturnNeeded(), State.AWAITING_BUYER_RETURN),
        (Reason.MISSING_ITEMS, c.RuleMissingItems(), State.AWAITING_RESHIP),
        (Reason.WRONG_ITEM, c.RuleWrongItem(), State.AWAITING_BUYER_RETURN),
    ],
)
def test_the_same_rulings_apply_to_a_line_that_ships(reason, ruling, target):
    arbitration = escalated_refund(reason, line())
    assert decide(arbitration, ruling, P, NOW).target is target


def test_one_line_without_shipping_makes_a_return_ruling_inapplicable():
    # given a refund of a shipped line and a digital one, escalated
    card = line("card", quantity=1, total_paid="50.00", needs_shipping=False)
    view = filed(
        RequestType.REFUND_ONLY,
        Reason.QUALITY_FUNCTION,
        the_order=order(line(), card),
        lines=(("line-1", 1), ("card", 1)),
    )
    arbitration = run(negotiate_and_reject(view), (c.Escalate(), B))
    # then
    assert refusal(arbitration, c.RuleReturnNeeded(), P) is ErrorCode.RULING_NOT_APPLICABLE


def test_the_platform_is_offered_only_the_rulings_that_fit_a_line_without_shipping():
    arbitration = escalated_refund(Reason.WRONG_ITEM, DIGITAL)
    assert available_actions(arbitration, P, NOW) == (
        Event.REQUEST_EVIDENCE,
        Event.DISMISS_ARBITRATION,
        Event.RULE_BUYER_WINS_REFUND,
        Event.RULE_UNJUSTIFIED_REJECTION,
        Event.RULE_PARTIAL_REFUND,
        Event.RULE_MERCHANT_WINS,
    )


def test_buyer_wins_refund_applies_to_a_line_without_shipping():
    arbitration = escalated_refund(Reason.QUALITY_FUNCTION, DIGITAL)
    decision = decide(arbitration, c.RuleBuyerWinsRefund(), P, NOW)
    assert decision.target is State.REFUNDING
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.MERCHANT, attempt=1),
    )


def test_an_unjustified_rejection_of_a_line_without_shipping_recovers_no_goods():
    arbitration = escalated_refund(Reason.QUALITY_FUNCTION, DIGITAL)
    decision = decide(arbitration, c.RuleUnjustifiedRejection(), P, NOW)
    assert decision.effects == (
        PayBuyer(Decimal("100.00"), PayoutKind.REFUND, Payer.PLATFORM, 1, PayoutMethod.GIFT_CARD),
        RecordLiability(Decimal("100.00"), LiabilityKind.PLATFORM_REFUND_FIRST),
    )

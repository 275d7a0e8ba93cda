"""Platform arbitration (spec §4): the rulings and the effect each one decides,
and the merchant's appeal.

Rulings are events of the transition table; this module says what each does to
the request and to money. The table says from which states and to which state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from . import commands as c
from .effects import BlockReasonForLines, Effect, OpenGoodsRecovery
from .errors import ErrorCode
from .guards import Context
from .kinds import Event, RequestType
from .outcomes import Change, late_shipment, platform_takes_over, refund, start_payout
from .policy import Policy
from .request import PayoutKind, RequestView


def buyer_wins_refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: refund now, the platform acting for the merchant (the merchant pays).
    A case that came from a payout on hold (every attempt failed) gets that
    payout paid by the platform instead."""
    if view.payout is not None:
        return platform_takes_over(view, ctx)
    return refund(view, command, ctx)


def return_needed(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The buyer wins but must send the goods back; timers restart."""
    request_type = view.request_type
    if request_type not in (RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE):
        request_type = RequestType.RETURN_AND_REFUND
    return replace(view, request_type=request_type), ()


def missing_items_confirmed(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: the merchant must reship within the reship window, with tracking."""
    return replace(view, request_type=RequestType.RESHIP), ()


def wrong_item_confirmed(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: return or exchange with all freight at the merchant's cost; when the
    buyer asks for compensation, late-shipment compensation applies."""
    assert isinstance(command, c.RuleWrongItem)
    view = replace(view, request_type=command.resolution, merchant_pays_all_freight=True)
    if command.compensation_requested:
        return late_shipment(view, ctx)
    return view, ()


def unjustified_rejection(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED (先行赔付): the platform refunds first; the merchant owes it the
    amount and recovers the goods from the buyer itself."""
    view, effects = start_payout(view, PayoutKind.REFUND, ctx, platform=True)
    extra: tuple[Effect, ...] = ()
    goods_with_buyer = not view.before_shipment and all(
        line.snapshot.needs_shipping for line in view.lines
    )
    if goods_with_buyer and view.request_type is not RequestType.RESHIP:
        extra = (OpenGoodsRecovery(),)
    return view, effects + extra


def partial_refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.RulePartialRefund)
    return refund(replace(view, requested_amount=command.amount), command, ctx)


def merchant_wins(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """Closed; the buyer cannot reopen these lines for the same reason."""
    return view, (BlockReasonForLines(),)


# Rulings against the merchant, which the merchant may appeal.
APPEALABLE_RULINGS = frozenset(
    {
        Event.RULE_BUYER_WINS_REFUND,
        Event.RULE_RETURN_NEEDED,
        Event.RULE_MISSING_ITEMS,
        Event.RULE_WRONG_ITEM,
        Event.RULE_UNJUSTIFIED_REJECTION,
        Event.RULE_PARTIAL_REFUND,
    }
)


@dataclass(frozen=True)
class RulingRecord:
    ruling: Event
    ruled_at: datetime


def check_appeal(record: RulingRecord, now: datetime, policy: Policy) -> ErrorCode | None:
    """A merchant may appeal a ruling against it within the appeal window.

    An appeal reopens the platform's review of the case; it never undoes money
    already paid to the buyer (an upheld appeal reverses the merchant's
    liability instead, in the ledger).
    """
    if record.ruling not in APPEALABLE_RULINGS:
        return ErrorCode.APPEAL_NOT_ALLOWED
    if now >= record.ruled_at + policy.appeal:
        return ErrorCode.WINDOW_CLOSED
    return None


def check_appeal_reason(reason: str, policy: Policy) -> ErrorCode | None:
    """An appeal says why, within the text limit."""
    if not reason.strip():
        return ErrorCode.DESCRIPTION_REQUIRED
    if len(reason) > policy.max_text_length:
        return ErrorCode.TEXT_TOO_LONG
    return None


class AppealStatus(StrEnum):
    OPEN = "open"  # filed; the platform reviews the case again
    UPHELD = "upheld"  # the ruling was wrong: the merchant's liability is taken back
    DISMISSED = "dismissed"  # the ruling stands


def appeal_reversal(liabilities_of_request: Decimal) -> Decimal:
    """What an upheld appeal takes off the merchant's balance: everything the
    ruling's case charged it. Money paid to the buyer is never taken back."""
    return -liabilities_of_request if liabilities_of_request > 0 else Decimal(0)

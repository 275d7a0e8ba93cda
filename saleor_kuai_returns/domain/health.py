"""Shop health (spec §7): what each metric counts.

Per channel and per product, over the requests filed in a rolling window:

- return rate: lines whose refund or return completed ÷ lines shipped;
- dispute rate: arbitrations ruled against the merchant ÷ orders;
- merchant timeout rate: auto-approvals and auto-refunds ÷ requests;
- average time to the merchant's first response.

The denominators (orders, lines shipped) are the shop's; the counters below are
kept on each request as its decisions happen, so the metrics are sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .arbitration import APPEALABLE_RULINGS
from .engine import Decision
from .kinds import Actor, Event, RequestType
from .states import State

WINDOWS = (timedelta(days=30), timedelta(days=90))

# A deadline that ran out here means the merchant did not act: the request was
# approved or refunded by default.
MERCHANT_TIMEOUT_STATES = frozenset(
    {State.AWAITING_MERCHANT_REVIEW, State.AWAITING_MERCHANT_RECEIPT}
)
# A request ended here gave the buyer their money back or a replacement for
# goods that were shipped: a return.
RETURN_OUTCOMES = frozenset({State.REFUNDED, State.COMPLETED})
RETURN_TYPES = frozenset(
    {RequestType.REFUND_ONLY, RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE}
)


@dataclass(frozen=True)
class HealthMarks:
    """What one decision adds to its request's health counters."""

    first_merchant_response: bool
    ruled_against_merchant: bool
    merchant_timeout: bool


def marks(decision: Decision, *, merchant_responded_before: bool) -> HealthMarks:
    return HealthMarks(
        first_merchant_response=decision.actor is Actor.MERCHANT and not merchant_responded_before,
        ruled_against_merchant=decision.event in APPEALABLE_RULINGS,
        merchant_timeout=decision.event is Event.DEADLINE_EXPIRED
        and decision.source in MERCHANT_TIMEOUT_STATES,
    )


def is_return(request_type: RequestType, state: State, before_shipment: bool) -> bool:
    """A filed request that ended as a return of shipped goods."""
    return state in RETURN_OUTCOMES and request_type in RETURN_TYPES and not before_shipment


def rate(part: int, whole: int) -> Decimal | None:
    """A share as a Decimal with four places (0.1234 = 12.34 %); None without a whole."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def window_start(now: datetime, window: timedelta) -> datetime:
    return now - window

"""Effects: what must happen outside the rules after a decision is stored.

Actions execute them after commit, each with an idempotency key made from the
request and the effect, so a retry never pays twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .policy import PayoutMethod
from .request import Payer, PayoutKind


class LiabilityKind(StrEnum):
    """Why the merchant owes the platform (the liability ledger, per channel)."""

    PLATFORM_REFUND_FIRST = "platform_refund_first"
    PRIORITY_COMPENSATION = "priority_compensation"
    LATE_SHIPMENT_COMPENSATION = "late_shipment_compensation"
    # The merchant paid the platform back (a negative entry).
    SETTLEMENT = "settlement"
    # An appeal against the ruling was upheld: what the ruling charged the
    # merchant is taken back (a negative entry); the buyer keeps the money.
    APPEAL_UPHELD = "appeal_upheld"


@dataclass(frozen=True)
class Effect:
    pass


@dataclass(frozen=True)
class PayBuyer(Effect):
    """Send money to the buyer through the host's refund path. Before shipment,
    the same shop transaction that records the refund takes the refunded units
    out of what may ship (spec §3: "release the unshipped quantity"), so goods
    are never both refunded and shipped."""

    amount: Decimal
    kind: PayoutKind
    payer: Payer
    attempt: int
    method: PayoutMethod = PayoutMethod.REFUND


@dataclass(frozen=True)
class PayLateShipmentCompensation(Effect):
    amount: Decimal
    method: PayoutMethod
    payer: Payer = Payer.PLATFORM


@dataclass(frozen=True)
class RecordLiability(Effect):
    """The payment ordered just before it is the platform's own money: once it
    succeeds, the merchant owes the platform ``amount`` — once per payout,
    whichever of its attempts reached the buyer."""

    amount: Decimal
    kind: LiabilityKind


@dataclass(frozen=True)
class OpenGoodsRecovery(Effect):
    """The merchant recovers the goods from the buyer itself (refund-first)."""


@dataclass(frozen=True)
class RecordReturn(Effect):
    """The goods are coming back and the buyer is refunded for them: record the
    return on the order (Saleor: a returned fulfillment)."""


@dataclass(frozen=True)
class RestockReturn(Effect):
    """The returned goods arrived: put them back in stock (recording the return
    first when that was not done yet)."""


@dataclass(frozen=True)
class SendGoods(Effect):
    """The merchant shipped an exchange's replacement or the missing items:
    record the shipment on the order (the shop's replace path)."""


@dataclass(frozen=True)
class BlockReasonForLines(Effect):
    """The merchant won: these lines cannot be reopened for the same reason."""

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
    """Send money to the buyer through the host's refund path."""

    amount: Decimal
    kind: PayoutKind
    payer: Payer
    attempt: int


@dataclass(frozen=True)
class PayLateShipmentCompensation(Effect):
    amount: Decimal
    method: PayoutMethod


@dataclass(frozen=True)
class RecordLiability(Effect):
    """The payment ordered just before it is the platform's: once that payment
    succeeds, the merchant owes the platform ``amount``. Every attempt of a
    platform payment carries one, so the ledger holds exactly what was paid."""

    amount: Decimal
    kind: LiabilityKind


@dataclass(frozen=True)
class OpenGoodsRecovery(Effect):
    """The merchant recovers the goods from the buyer itself (refund-first)."""


@dataclass(frozen=True)
class ReleaseUnshippedQuantity(Effect):
    """Before shipment: the refunded units must not ship."""


@dataclass(frozen=True)
class RestockReturnedItems(Effect):
    """The return arrived: record it on the order and put the stock back."""


@dataclass(frozen=True)
class SendGoods(Effect):
    """The merchant shipped an exchange's replacement or the missing items:
    record the shipment on the order (the shop's replace path)."""


@dataclass(frozen=True)
class BlockReasonForLines(Effect):
    """The merchant won: these lines cannot be reopened for the same reason."""

"""What the rules see of a request: plain, immutable data.

The Django layer builds a ``RequestView`` from its rows (and the host's order
snapshot), asks the rules, and stores the ``RequestView`` they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .kinds import Actor, FreightClaimStatus, ItemKind, Reason, RequestType
from .money import LinePayment, paid_for_units
from .policy import PayoutMethod
from .states import State


@dataclass(frozen=True)
class LineSnapshot:
    """The order line facts the rules need, copied from the host's order."""

    line_id: str
    currency: str
    quantity: int
    total_paid: Decimal  # all units, after discounts
    unit_price: Decimal  # catalogue price, to match exchange variants
    quantity_shipped: int = 0
    quantity_refunded_shipped: int = 0  # refunded or returned after shipment
    quantity_refunded_unshipped: int = 0  # cancelled and refunded before shipment
    amount_refunded: Decimal = Decimal(0)
    delivered_at: datetime | None = None
    product_type: str | None = None
    item_kind: ItemKind = ItemKind.GOODS
    declared_unit_price: Decimal | None = None
    # Gift cards and digital goods need no shipping: refund only (spec §2); a
    # gift card line whose card was spent is not refundable at all.
    needs_shipping: bool = True
    gift_card_used: bool = False
    # Facts about this line's earlier after-sale requests.
    has_active_request: bool = False
    attempts: int = 0
    reasons_ruled_for_merchant: frozenset[Reason] = frozenset()

    @property
    def available_shipped(self) -> int:
        return max(0, self.quantity_shipped - self.quantity_refunded_shipped)

    @property
    def available_unshipped(self) -> int:
        return max(0, self.quantity - self.quantity_shipped - self.quantity_refunded_unshipped)

    @property
    def payment(self) -> LinePayment:
        return LinePayment(
            currency=self.currency,
            quantity=self.quantity,
            total_paid=self.total_paid,
            quantity_refunded=self.quantity_refunded_shipped + self.quantity_refunded_unshipped,
            amount_refunded=self.amount_refunded,
        )


@dataclass(frozen=True)
class RequestLine:
    snapshot: LineSnapshot
    quantity: int


class DefaultOutcome(StrEnum):
    """What happens when a deadline passes and nobody acted."""

    AUTO_APPROVE = "auto_approve"
    BACK_TO_REVIEW = "back_to_review"
    AUTO_CLOSE = "auto_close"
    AUTO_REFUND = "auto_refund"
    ESCALATE = "escalate"
    LATE_SHIPMENT = "late_shipment"
    PRIORITY_COMPENSATION = "priority_compensation"
    AUTO_COMPLETE = "auto_complete"
    NEXT_EVIDENCE_ROUND = "next_evidence_round"
    TO_RULING = "to_ruling"
    RULE_FOR_BUYER = "rule_for_buyer"
    MARK_REFUND_FAILED = "mark_refund_failed"
    RETRY_REFUND = "retry_refund"


@dataclass(frozen=True)
class Deadline:
    at: datetime
    outcome: DefaultOutcome
    turn: Actor  # whose move it is until then


@dataclass(frozen=True)
class PausedDeadline:
    """A deadline frozen while the platform arbitrates."""

    state: State
    remaining: timedelta


class PayoutKind(StrEnum):
    REFUND = "refund"
    PRIORITY_COMPENSATION = "priority_compensation"


class Payer(StrEnum):
    """Whose money reaches the buyer."""

    MERCHANT = "merchant"  # the order's own payment
    PLATFORM = "platform"  # the platform's funds: the merchant owes it (the ledger)


@dataclass(frozen=True)
class Payout:
    """Money on its way to the buyer (state REFUNDING / REFUND_FAILED)."""

    amount: Decimal
    kind: PayoutKind
    payer: Payer
    attempt: int = 1
    method: PayoutMethod = PayoutMethod.REFUND


@dataclass(frozen=True)
class Proposal:
    """A merchant's proposed change, waiting for the buyer."""

    request_type: RequestType
    amount: Decimal
    return_address: str | None = None


@dataclass(frozen=True)
class RequestView:
    request_type: RequestType
    reason: Reason
    state: State
    currency: str
    lines: tuple[RequestLine, ...]
    entered_at: datetime
    deadline: Deadline | None
    before_shipment: bool = False
    whole_order_before_shipment: bool = False
    attempt: int = 1
    # Amounts (spec §6): the ceiling, what the buyer asks (negotiation only
    # lowers it), and what actually reached the buyer.
    refund_ceiling: Decimal = Decimal(0)
    requested_amount: Decimal = Decimal(0)
    refunded_amount: Decimal = Decimal(0)
    compensated_amount: Decimal = Decimal(0)
    platform_advanced_amount: Decimal = Decimal(0)
    payout: Payout | None = None
    evidence_count: int = 0
    description: str = ""
    negotiation_message_sent: bool = False
    proposal: Proposal | None = None
    return_address: str | None = None
    freight_claim: Decimal = Decimal(0)
    freight_claim_status: FreightClaimStatus = FreightClaimStatus.NONE
    merchant_pays_all_freight: bool = False
    late_shipment_compensated: bool = False
    merchant_missed_deadline: bool = False
    merchant_rejected: bool = False
    # Every attempt of the merchant's refund failed: the platform pays instead.
    refund_stalled: bool = False
    # Refunded when the receipt deadline passed: the goods may still arrive, and
    # the merchant's confirmation then puts them back in stock.
    return_awaiting_restock: bool = False
    paused: PausedDeadline | None = None
    events: int = 0  # accepted transitions so far

    @property
    def paid_for_lines(self) -> Decimal:
        """What the buyer paid for the units in this request (base of compensation)."""
        return sum(
            (paid_for_units(line.snapshot.payment, line.quantity) for line in self.lines),
            Decimal(0),
        )

    @property
    def freight_owed(self) -> Decimal:
        """Return freight the merchant adds to the refund."""
        accepted = self.freight_claim_status is FreightClaimStatus.ACCEPTED
        if accepted or (self.merchant_pays_all_freight and self.freight_claim > 0):
            return self.freight_claim
        return Decimal(0)

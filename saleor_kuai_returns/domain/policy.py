"""Every window and option of the spec, with the spec's defaults.

A ``Policy`` is per channel: shop admins change the values in the Saleor
dashboard (the plugin's per-channel configuration). Nothing here is a constant
of the rules; the rules read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from .errors import PolicyError


class PayoutMethod(StrEnum):
    """How late-shipment compensation reaches the buyer."""

    GIFT_CARD = "gift_card"
    REFUND = "refund"

    @property
    def platform_funded(self) -> bool:
        """Whether money paid this way by the platform is the platform's own: a
        gift card is; a refund takes the order's payment, the merchant's money."""
        return self is PayoutMethod.GIFT_CARD


@dataclass(frozen=True)
class AfterSaleWindows:
    """A product type's own after-sale windows (``None`` keeps the channel's)."""

    no_reason: timedelta | None = None
    quality: timedelta | None = None
    no_reason_allowed: bool = True


# Platform ceilings on evidence (spec §2); a channel may only be stricter.
MAX_EVIDENCE_ITEMS = 9
MAX_TEXT_LENGTH = 500
MAX_ATTEMPT_CAP = 20
MAX_REFUND_ATTEMPTS = 20


@dataclass(frozen=True)
class Policy:
    # Timers (spec §3). SEED values: review 48 h, buyer return 10 d, merchant
    # receipt 10 d, reship 24 h.
    review: timedelta = timedelta(hours=48)
    unshipped_refund_review: timedelta = timedelta(hours=24)
    proposal_answer: timedelta = timedelta(hours=48)
    rejected_answer: timedelta = timedelta(days=7)
    buyer_return: timedelta = timedelta(days=10)
    merchant_receipt: timedelta = timedelta(days=10)
    replacement_shipment: timedelta = timedelta(hours=48)
    reship: timedelta = timedelta(hours=24)
    # Not in the spec: how long a late reship may still arrive before the
    # platform pays priority compensation instead.
    reship_overdue: timedelta = timedelta(hours=48)
    buyer_confirmation: timedelta = timedelta(days=10)
    evidence_round: timedelta = timedelta(hours=48)
    # Not in the spec: the platform's own deadline to rule; when it passes the
    # buyer's claim stands, so no case can stall.
    ruling: timedelta = timedelta(hours=72)
    # Not in the spec: how long a refund may wait for the payment provider's
    # confirmation before it is shown as failed, and when a failed refund is
    # retried automatically.
    refund_confirmation: timedelta = timedelta(hours=72)
    refund_retry: timedelta = timedelta(hours=24)
    # Not in the spec: attempts of one payout before it stops for staff (each
    # failed attempt is retried after ``refund_retry``), and how long a stopped
    # payout waits for staff before the platform steps in.
    refund_max_attempts: int = 5
    refund_on_hold: timedelta = timedelta(days=7)
    # Arbitration (spec §4 and issue: merchant appeal window).
    appeal: timedelta = timedelta(days=7)
    platform_may_open_arbitration: bool = False
    # Eligibility (spec §2).
    no_reason_window: timedelta = timedelta(days=7)
    quality_window: timedelta = timedelta(days=15)
    product_type_windows: Mapping[str, AfterSaleWindows] = field(
        default_factory=lambda: MappingProxyType({})
    )
    attempt_cap: int = 5
    max_evidence_items: int = MAX_EVIDENCE_ITEMS
    max_text_length: int = MAX_TEXT_LENGTH
    # Money (spec §5), amounts in the channel's currency.
    late_shipment_rate: Decimal = Decimal("0.05")
    late_shipment_minimum: Decimal = Decimal("5.00")
    late_shipment_maximum: Decimal = Decimal("30.00")
    late_shipment_payout: PayoutMethod = PayoutMethod.GIFT_CARD
    # How the platform pays what it pays (refund-first, priority compensation):
    # a gift card is the platform's own money (the merchant owes it back, a
    # ledger entry); a refund comes out of the order's payment, which is the
    # merchant's money already (no ledger entry).
    platform_payout_method: PayoutMethod = PayoutMethod.GIFT_CARD
    return_freight_maximum: Decimal = Decimal("50.00")

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, timedelta) and value <= timedelta(0):
                raise PolicyError(item.name, "must be a positive duration")
        for name, windows in self.product_type_windows.items():
            for window in (windows.no_reason, windows.quality):
                if window is not None and window <= timedelta(0):
                    raise PolicyError(
                        "product_type_windows", f"{name}: must be a positive duration"
                    )
        _check_range("attempt_cap", self.attempt_cap, 1, MAX_ATTEMPT_CAP)
        _check_range("refund_max_attempts", self.refund_max_attempts, 1, MAX_REFUND_ATTEMPTS)
        _check_range("max_evidence_items", self.max_evidence_items, 1, MAX_EVIDENCE_ITEMS)
        _check_range("max_text_length", self.max_text_length, 1, MAX_TEXT_LENGTH)
        if not Decimal(0) <= self.late_shipment_rate <= Decimal(1):
            raise PolicyError("late_shipment_rate", "must be between 0 and 1")
        if self.late_shipment_minimum < 0:
            raise PolicyError("late_shipment_minimum", "must not be negative")
        if self.late_shipment_maximum < self.late_shipment_minimum:
            raise PolicyError("late_shipment_maximum", "must not be below late_shipment_minimum")
        if self.return_freight_maximum < 0:
            raise PolicyError("return_freight_maximum", "must not be negative")

    def windows_for(self, product_type: str | None) -> AfterSaleWindows:
        """The effective after-sale windows for a product type."""
        own = self.product_type_windows.get(product_type or "", AfterSaleWindows())
        return AfterSaleWindows(
            no_reason=own.no_reason or self.no_reason_window,
            quality=own.quality or self.quality_window,
            no_reason_allowed=own.no_reason_allowed,
        )


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise PolicyError(name, f"must be between {low} and {high}")


DEFAULT_POLICY = Policy()

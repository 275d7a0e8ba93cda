"""GraphQL enums of the platform's vocabulary: rulings, appeals, the merchant
liability ledger. Values come from the domain; only their API descriptions are
written here."""

from __future__ import annotations

from ...domain.arbitration import AppealStatus
from ...domain.effects import LiabilityKind
from ...domain.kinds import RULINGS, Event, RequestType
from .enums import EVENT_TEXTS, described, enum_type

AfterSaleRulingEnum = enum_type(
    "AfterSaleRuling",
    "How the platform ruled on a dispute.",
    # In the events' declared order, so the schema never depends on a set's order.
    [(event.value, EVENT_TEXTS[event]) for event in Event if event in RULINGS],
)
AfterSaleAppealStatusEnum = enum_type(
    "AfterSaleAppealStatus",
    "Where a merchant's appeal stands.",
    described(
        AppealStatus,
        {
            AppealStatus.OPEN: "Filed; the platform reviews the case again.",
            AppealStatus.UPHELD: "The ruling was wrong: its charges came off the merchant's "
            "balance (the buyer keeps the money).",
            AppealStatus.DISMISSED: "The ruling stands.",
        },
    ),
)
AfterSaleLiabilityKindEnum = enum_type(
    "AfterSaleLiabilityKind",
    "Why the merchant liability ledger moved.",
    described(
        LiabilityKind,
        {
            LiabilityKind.PLATFORM_REFUND_FIRST: "The platform refunded the buyer first after "
            "an unjustified rejection; the merchant owes it the amount.",
            LiabilityKind.PRIORITY_COMPENSATION: "The platform paid the buyer for missing items.",
            LiabilityKind.LATE_SHIPMENT_COMPENSATION: "The platform compensated the buyer for "
            "a late shipment.",
            LiabilityKind.SETTLEMENT: "The merchant paid the platform back (a negative amount).",
            LiabilityKind.APPEAL_UPHELD: "An upheld appeal took the case's charges back "
            "(a negative amount).",
        },
    ),
)
AfterSaleWrongItemResolutionEnum = enum_type(
    "AfterSaleWrongItemResolution",
    "How a wrong item is put right.",
    [
        (RequestType.RETURN_AND_REFUND.value, "The buyer sends it back and is refunded."),
        (RequestType.EXCHANGE.value, "The buyer sends it back and gets the right item."),
    ],
)

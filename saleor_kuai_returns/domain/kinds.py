"""Vocabulary of after-sale requests: types, reasons, actors and events.

Every stored value is lowercase snake_case. Models, GraphQL enums and tests
import these names; nobody spells a value by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    """What the buyer asks for."""

    REFUND_ONLY = "refund_only"
    RETURN_AND_REFUND = "return_and_refund"
    EXCHANGE = "exchange"
    RESHIP = "reship"


REQUEST_TYPE_CHOICES = [
    (RequestType.REFUND_ONLY, "Money back; the goods stay with the buyer."),
    (RequestType.RETURN_AND_REFUND, "The buyer sends the goods back, then gets the money."),
    (RequestType.EXCHANGE, "The buyer sends the goods back; the merchant sends a replacement."),
    (RequestType.RESHIP, "The merchant sends items that were missing from the parcel."),
]

# Kuaishou's ``handlingWay`` code for each type (open.seller.order.refund.*).
KUAISHOU_HANDLING_WAY: dict[RequestType, int] = {
    RequestType.RETURN_AND_REFUND: 1,
    RequestType.EXCHANGE: 3,
    RequestType.RESHIP: 4,
    RequestType.REFUND_ONLY: 10,
}

# Types whose goods travel back to the merchant.
RETURN_TYPES = frozenset({RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE})
# Types whose outcome is money to the buyer.
REFUND_TYPES = frozenset({RequestType.REFUND_ONLY, RequestType.RETURN_AND_REFUND})


class ReasonCategory(StrEnum):
    LOGISTICS = "logistics"
    QUALITY = "quality"
    MISSING_ITEMS = "missing_items"
    WRONG_ITEM = "wrong_item"
    BUYER = "buyer"


class Reason(StrEnum):
    """Why the buyer files the request."""

    LOGISTICS_DAMAGED = "logistics_damaged"
    LOGISTICS_LOST = "logistics_lost"
    LOGISTICS_LATE = "logistics_late"
    QUALITY_MATERIAL = "quality_material"
    QUALITY_SIZE = "quality_size"
    QUALITY_FUNCTION = "quality_function"
    QUALITY_COLOUR = "quality_colour"
    MISSING_ITEMS = "missing_items"
    WRONG_ITEM = "wrong_item"
    NO_REASON = "no_reason"


@dataclass(frozen=True)
class ReasonRule:
    """What a reason implies: its family, who pays return freight, evidence."""

    category: ReasonCategory
    merchant_pays_return_freight: bool
    evidence_required: bool
    allowed_types: frozenset[RequestType]
    allowed_before_shipment: bool
    description: str


_ALL_TYPES = frozenset(RequestType)
_NOT_RESHIP = _ALL_TYPES - {RequestType.RESHIP}


def _merchant_fault(
    category: ReasonCategory,
    description: str,
    allowed_types: frozenset[RequestType] = _NOT_RESHIP,
    *,
    allowed_before_shipment: bool = False,
) -> ReasonRule:
    # Spec §1: logistics, quality, missing and wrong-item reasons make the
    # merchant liable for return freight; spec §2: they require evidence.
    return ReasonRule(
        category=category,
        merchant_pays_return_freight=True,
        evidence_required=True,
        allowed_types=allowed_types,
        allowed_before_shipment=allowed_before_shipment,
        description=description,
    )


REASON_RULES: dict[Reason, ReasonRule] = {
    Reason.LOGISTICS_DAMAGED: _merchant_fault(
        ReasonCategory.LOGISTICS, "The parcel arrived damaged."
    ),
    Reason.LOGISTICS_LOST: _merchant_fault(
        ReasonCategory.LOGISTICS, "The parcel was lost in transit.", _ALL_TYPES
    ),
    Reason.LOGISTICS_LATE: _merchant_fault(
        ReasonCategory.LOGISTICS,
        "The parcel is late.",
        frozenset({RequestType.REFUND_ONLY, RequestType.RETURN_AND_REFUND}),
        allowed_before_shipment=True,
    ),
    Reason.QUALITY_MATERIAL: _merchant_fault(
        ReasonCategory.QUALITY, "The material is not as described."
    ),
    Reason.QUALITY_SIZE: _merchant_fault(ReasonCategory.QUALITY, "The size is not as described."),
    Reason.QUALITY_FUNCTION: _merchant_fault(ReasonCategory.QUALITY, "The item does not work."),
    Reason.QUALITY_COLOUR: _merchant_fault(
        ReasonCategory.QUALITY, "The colour is not as described."
    ),
    Reason.MISSING_ITEMS: _merchant_fault(
        ReasonCategory.MISSING_ITEMS,
        "Items are missing from the parcel.",
        frozenset({RequestType.REFUND_ONLY, RequestType.RESHIP}),
    ),
    Reason.WRONG_ITEM: _merchant_fault(
        ReasonCategory.WRONG_ITEM, "The merchant sent the wrong item."
    ),
    Reason.NO_REASON: ReasonRule(
        category=ReasonCategory.BUYER,
        merchant_pays_return_freight=False,
        evidence_required=False,
        allowed_types=_NOT_RESHIP,
        allowed_before_shipment=True,
        description="The buyer's own reason (no-reason return); the merchant judges.",
    ),
}

REASON_CHOICES = [(reason, rule.description) for reason, rule in REASON_RULES.items()]


class RejectionReason(StrEnum):
    """Why a merchant rejects a request; some need a description."""

    OUTSIDE_POLICY = "outside_policy"
    NO_QUALITY_ISSUE = "no_quality_issue"
    DAMAGED_BY_BUYER = "damaged_by_buyer"
    ITEM_USED = "item_used"
    AGREED_OTHER_SOLUTION = "agreed_other_solution"
    OTHER = "other"


# Reasons whose rejection needs a description or evidence (spec §4).
REJECTION_NEEDS_DESCRIPTION = frozenset(
    {
        RejectionReason.NO_QUALITY_ISSUE,
        RejectionReason.DAMAGED_BY_BUYER,
        RejectionReason.ITEM_USED,
        RejectionReason.AGREED_OTHER_SOLUTION,
        RejectionReason.OTHER,
    }
)


class Actor(StrEnum):
    """Who acts: the buyer, the merchant, the platform, or the deadline task."""

    BUYER = "buyer"
    MERCHANT = "merchant"
    PLATFORM = "platform"
    SYSTEM = "system"


class ItemKind(StrEnum):
    """How a missing item is compensated (spec §5, priority compensation)."""

    GOODS = "goods"
    ACCESSORY = "accessory"
    GIFT = "gift"


class FreightClaimStatus(StrEnum):
    NONE = "none"
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    CONTESTED = "contested"


class Event(StrEnum):
    """Everything that can happen to a request after it was created."""

    # buyer
    CANCEL = "cancel"
    RESUBMIT = "resubmit"
    ACCEPT_PROPOSAL = "accept_proposal"
    DECLINE_PROPOSAL = "decline_proposal"
    SUBMIT_RETURN_SHIPMENT = "submit_return_shipment"
    ESCALATE = "escalate"
    CONFIRM_ARRIVAL = "confirm_arrival"
    ADD_EVIDENCE = "add_evidence"
    CLAIM_RETURN_FREIGHT = "claim_return_freight"
    # merchant
    SEND_NEGOTIATION_MESSAGE = "send_negotiation_message"
    APPROVE = "approve"
    REJECT = "reject"
    PROPOSE_CHANGE = "propose_change"
    REFUND_WITHOUT_RETURN = "refund_without_return"
    CONFIRM_RECEIPT = "confirm_receipt"
    REJECT_RECEIPT = "reject_receipt"
    SHIP_ITEMS = "ship_items"
    DECLARE_CANNOT_RESHIP = "declare_cannot_reship"
    ACCEPT_FREIGHT_CLAIM = "accept_freight_claim"
    CONTEST_FREIGHT_CLAIM = "contest_freight_claim"
    RETRY_REFUND = "retry_refund"
    # platform
    OPEN_ARBITRATION = "open_arbitration"
    REQUEST_EVIDENCE = "request_evidence"
    SUBMIT_ARBITRATION_EVIDENCE = "submit_arbitration_evidence"
    DISMISS_ARBITRATION = "dismiss_arbitration"
    RULE_BUYER_WINS_REFUND = "rule_buyer_wins_refund"
    RULE_RETURN_NEEDED = "rule_return_needed"
    RULE_MISSING_ITEMS = "rule_missing_items"
    RULE_WRONG_ITEM = "rule_wrong_item"
    RULE_UNJUSTIFIED_REJECTION = "rule_unjustified_rejection"
    RULE_PARTIAL_REFUND = "rule_partial_refund"
    RULE_MERCHANT_WINS = "rule_merchant_wins"
    # system
    DEADLINE_EXPIRED = "deadline_expired"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"


RULINGS = frozenset(
    {
        Event.RULE_BUYER_WINS_REFUND,
        Event.RULE_RETURN_NEEDED,
        Event.RULE_MISSING_ITEMS,
        Event.RULE_WRONG_ITEM,
        Event.RULE_UNJUSTIFIED_REJECTION,
        Event.RULE_PARTIAL_REFUND,
        Event.RULE_MERCHANT_WINS,
    }
)

"""GraphQL enums of the after-sale vocabulary: upper-case names, our stored
lower-case values, a sentence per value. Values come from the domain's and the
models' vocabularies; only their API descriptions are written here."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum as PyEnum
from enum import StrEnum
from typing import Any

import graphene

from ...domain.kinds import (
    REASON_RULES,
    REQUEST_TYPE_CHOICES,
    Actor,
    Event,
    FreightClaimStatus,
    ItemKind,
    RejectionReason,
)
from ...domain.policy import PayoutMethod
from ...domain.request import DefaultOutcome, Payer
from ...domain.states import STATE_CHOICES
from ...events import CREATED
from ...models import EvidenceKind, MovementKind, MovementStatus, ShipmentKind


def enum_type(name: str, description: str, values: Iterable[tuple[str, str]]) -> Any:
    """A graphene enum whose values are ``values`` (stored value, description)."""
    texts = {str(value): text for value, text in values}
    python = PyEnum(name, [(value.upper(), value) for value in texts])  # type: ignore[misc]

    def describe(member: PyEnum | None) -> str:
        return description if member is None else texts[member.value]

    meta = type("Meta", (), {"enum": python, "description": describe})
    return type(name, (graphene.Enum,), {"Meta": meta})


def described(enum: type[StrEnum], texts: dict[Any, str]) -> list[tuple[str, str]]:
    """Every member of ``enum`` with its text; a member without one fails at import."""
    return [(member.value, texts[member]) for member in enum]


AfterSaleRequestTypeEnum = enum_type(
    "AfterSaleRequestType", "What the buyer asks for.", REQUEST_TYPE_CHOICES
)
AfterSaleReasonEnum = enum_type(
    "AfterSaleReason",
    "Why the buyer files the request; it decides who pays return freight and "
    "whether evidence is required.",
    [(reason.value, rule.description) for reason, rule in REASON_RULES.items()],
)
AfterSaleStateEnum = enum_type("AfterSaleState", "Where a request stands.", STATE_CHOICES)

AfterSaleRejectionReasonEnum = enum_type(
    "AfterSaleRejectionReason",
    "Why a merchant rejects a request.",
    described(
        RejectionReason,
        {
            RejectionReason.OUTSIDE_POLICY: "The request falls outside the shop's policy.",
            RejectionReason.NO_QUALITY_ISSUE: "The merchant found no quality issue.",
            RejectionReason.DAMAGED_BY_BUYER: "The goods were damaged by the buyer.",
            RejectionReason.ITEM_USED: "The item was used.",
            RejectionReason.AGREED_OTHER_SOLUTION: "Buyer and merchant agreed on another solution.",
            RejectionReason.OTHER: "Another reason, explained in the description.",
        },
    ),
)
AfterSaleActorEnum = enum_type(
    "AfterSaleActor",
    "Who acts on a request.",
    described(
        Actor,
        {
            Actor.BUYER: "The buyer who owns the order.",
            Actor.MERCHANT: "Staff who manage orders of the order's channel.",
            Actor.PLATFORM: "The operator who arbitrates between buyer and merchant.",
            Actor.SYSTEM: "The deadline task, applying a default outcome.",
        },
    ),
)

EVENT_TEXTS: dict[Event, str] = {
    Event.CANCEL: "The buyer withdraws the request.",
    Event.RESUBMIT: "The buyer modifies and resubmits a rejected request.",
    Event.ACCEPT_PROPOSAL: "The buyer accepts the merchant's proposal.",
    Event.DECLINE_PROPOSAL: "The buyer declines the merchant's proposal.",
    Event.SUBMIT_RETURN_SHIPMENT: "The return's carrier and tracking number are entered.",
    Event.ESCALATE: "The buyer escalates to the platform.",
    Event.CONFIRM_ARRIVAL: "The buyer confirms the replacement or reshipped items arrived.",
    Event.ADD_EVIDENCE: "The buyer adds evidence.",
    Event.CLAIM_RETURN_FREIGHT: "The buyer claims merchant-liable return freight.",
    Event.SEND_NEGOTIATION_MESSAGE: "The merchant sends the buyer a message.",
    Event.APPROVE: "The merchant approves the request.",
    Event.REJECT: "The merchant rejects the request.",
    Event.PROPOSE_CHANGE: "The merchant proposes another type, amount or return address.",
    Event.REFUND_WITHOUT_RETURN: "The merchant refunds without waiting for a return.",
    Event.CONFIRM_RECEIPT: "The merchant confirms the returned goods arrived.",
    Event.REJECT_RECEIPT: "The merchant refuses the returned goods, with evidence.",
    Event.SHIP_ITEMS: "The merchant ships the replacement or the missing items.",
    Event.DECLARE_CANNOT_RESHIP: "The merchant cannot reship; the buyer is compensated.",
    Event.ACCEPT_FREIGHT_CLAIM: "The merchant accepts the return-freight claim.",
    Event.CONTEST_FREIGHT_CLAIM: "The merchant contests the return-freight claim.",
    Event.RETRY_REFUND: "Staff retry a refund that failed.",
    Event.OPEN_ARBITRATION: "The platform opens arbitration.",
    Event.REQUEST_EVIDENCE: "The platform asks both sides for evidence.",
    Event.SUBMIT_ARBITRATION_EVIDENCE: "A side submits evidence to the platform.",
    Event.DISMISS_ARBITRATION: "The platform dismisses the arbitration.",
    Event.RULE_BUYER_WINS_REFUND: "The platform rules for the buyer: refund.",
    Event.RULE_RETURN_NEEDED: "The platform rules for the buyer: return first.",
    Event.RULE_MISSING_ITEMS: "The platform confirms items were missing.",
    Event.RULE_WRONG_ITEM: "The platform confirms a wrong item was sent.",
    Event.RULE_UNJUSTIFIED_REJECTION: "The platform finds the rejection unjustified.",
    Event.RULE_PARTIAL_REFUND: "The platform rules a partial refund.",
    Event.RULE_MERCHANT_WINS: "The platform rules for the merchant.",
    Event.DEADLINE_EXPIRED: "A deadline passed; its default outcome applied.",
    Event.REFUND_SUCCEEDED: "The payment provider confirmed the refund.",
    Event.REFUND_FAILED: "The payment provider refused the refund.",
}
AfterSaleActionEnum = enum_type(
    "AfterSaleAction", "Something an actor may do to a request.", described(Event, EVENT_TEXTS)
)
AfterSaleTimelineEventTypeEnum = enum_type(
    "AfterSaleTimelineEventType",
    "What happened to a request.",
    [(CREATED, "The buyer filed the request."), *described(Event, EVENT_TEXTS)],
)
AfterSaleDefaultOutcomeEnum = enum_type(
    "AfterSaleDefaultOutcome",
    "What happens when a deadline passes and nobody acted.",
    described(
        DefaultOutcome,
        {
            DefaultOutcome.AUTO_APPROVE: "The request is approved.",
            DefaultOutcome.BACK_TO_REVIEW: "The proposal lapses; the merchant reviews again.",
            DefaultOutcome.AUTO_CLOSE: "The request closes.",
            DefaultOutcome.AUTO_REFUND: "The buyer is refunded.",
            DefaultOutcome.ESCALATE: "The platform takes the case.",
            DefaultOutcome.LATE_SHIPMENT: "The reship counts as late and is compensated.",
            DefaultOutcome.PRIORITY_COMPENSATION: "The missing items are paid to the buyer.",
            DefaultOutcome.AUTO_COMPLETE: "The request completes.",
            DefaultOutcome.NEXT_EVIDENCE_ROUND: "The other side's evidence round starts.",
            DefaultOutcome.TO_RULING: "The platform rules on the evidence so far.",
            DefaultOutcome.RULE_FOR_BUYER: "The buyer's claim stands and is refunded.",
            DefaultOutcome.MARK_REFUND_FAILED: "The unconfirmed refund shows as failed.",
            DefaultOutcome.RETRY_REFUND: "The failed refund is retried.",
        },
    ),
)
AfterSaleEvidenceKindEnum = enum_type(
    "AfterSaleEvidenceKind",
    "What a piece of evidence is.",
    described(
        EvidenceKind,
        {
            EvidenceKind.IMAGE: "An image, by its URL.",
            EvidenceKind.FILE: "An uploaded file, by its URL.",
            EvidenceKind.TEXT: "A written statement.",
        },
    ),
)
AfterSaleShipmentKindEnum = enum_type(
    "AfterSaleShipmentKind",
    "Which way a shipment goes.",
    described(
        ShipmentKind,
        {
            ShipmentKind.RETURN: "The buyer sends goods back.",
            ShipmentKind.REPLACEMENT: "The merchant sends an exchange's replacement.",
            ShipmentKind.RESHIP: "The merchant sends the missing items.",
        },
    ),
)
AfterSaleMoneyMovementKindEnum = enum_type(
    "AfterSaleMoneyMovementKind",
    "Why money goes to the buyer.",
    described(
        MovementKind,
        {
            MovementKind.REFUND: "A refund: through the order's payment, or a gift card when "
            "the platform pays it with its own money.",
            MovementKind.PRIORITY_COMPENSATION: "Missing items paid for by the platform.",
            MovementKind.LATE_SHIPMENT_COMPENSATION: "Compensation for a late shipment.",
        },
    ),
)
AfterSaleMoneyMovementStatusEnum = enum_type(
    "AfterSaleMoneyMovementStatus",
    "Where a payment to the buyer stands.",
    described(
        MovementStatus,
        {
            MovementStatus.PENDING: "Recorded, not yet handed to the shop.",
            MovementStatus.SENDING: "Recorded by the shop, on its way to the payment provider.",
            MovementStatus.REQUESTED: "Sent; waiting for the provider's confirmation.",
            MovementStatus.SUCCEEDED: "The money reached the buyer.",
            MovementStatus.FAILED: "The provider refused; a retry is a new attempt.",
            MovementStatus.SUPERSEDED: "Not sent: an earlier attempt of the same payment "
            "reached the buyer or is still with the provider.",
            MovementStatus.NOT_NEEDED: "Not sent: the shop had already refunded these units.",
        },
    ),
)
AfterSalePayerEnum = enum_type(
    "AfterSalePayer",
    "Who pays the buyer.",
    described(
        Payer,
        {
            Payer.MERCHANT: "The merchant, through the order's payment.",
            Payer.PLATFORM: "The platform, first; the merchant owes it the amount.",
        },
    ),
)
AfterSalePayoutMethodEnum = enum_type(
    "AfterSalePayoutMethod",
    "How money reaches the buyer.",
    described(
        PayoutMethod,
        {
            PayoutMethod.REFUND: "A refund through the order's payment.",
            PayoutMethod.GIFT_CARD: "A gift card.",
        },
    ),
)
AfterSaleFreightClaimStatusEnum = enum_type(
    "AfterSaleFreightClaimStatus",
    "Where a return-freight claim stands.",
    described(
        FreightClaimStatus,
        {
            FreightClaimStatus.NONE: "No claim.",
            FreightClaimStatus.CLAIMED: "The buyer claimed; the merchant answers.",
            FreightClaimStatus.ACCEPTED: "Accepted: the amount is added to the refund.",
            FreightClaimStatus.CONTESTED: "The merchant contests the claim.",
        },
    ),
)
AfterSaleItemKindEnum = enum_type(
    "AfterSaleItemKind",
    "How a missing item is compensated.",
    described(
        ItemKind,
        {
            ItemKind.GOODS: "Goods: at the amount paid for them.",
            ItemKind.ACCESSORY: "An accessory: at its declared price.",
            ItemKind.GIFT: "A gift: at its declared price.",
        },
    ),
)

"""Commands: what an actor asks for, with the data the event needs.

Each command names its event; ``decide()`` looks the (event, state) pair up in
the transition table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from .eligibility import OrderSnapshot
from .kinds import Event, Reason, RejectionReason, RequestType


@dataclass(frozen=True)
class Command:
    event: ClassVar[Event]


@dataclass(frozen=True)
class Cancel(Command):
    event = Event.CANCEL


@dataclass(frozen=True)
class Resubmit(Command):
    """Modify and resubmit after a rejection (SEED)."""

    event = Event.RESUBMIT
    order: OrderSnapshot  # a fresh snapshot: eligibility is checked again
    reason: Reason | None = None
    quantities: tuple[tuple[str, int], ...] | None = None  # (line_id, quantity)
    requested_amount: Decimal | None = None
    evidence_count: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class AcceptProposal(Command):
    event = Event.ACCEPT_PROPOSAL


@dataclass(frozen=True)
class DeclineProposal(Command):
    event = Event.DECLINE_PROPOSAL


@dataclass(frozen=True)
class SubmitReturnShipment(Command):
    """Return tracking, entered by the buyer or by the merchant for the buyer."""

    event = Event.SUBMIT_RETURN_SHIPMENT
    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class Escalate(Command):
    event = Event.ESCALATE
    note: str = ""


@dataclass(frozen=True)
class ConfirmArrival(Command):
    event = Event.CONFIRM_ARRIVAL


@dataclass(frozen=True)
class AddEvidence(Command):
    event = Event.ADD_EVIDENCE
    count: int
    text: str = ""


@dataclass(frozen=True)
class ClaimReturnFreight(Command):
    event = Event.CLAIM_RETURN_FREIGHT
    amount: Decimal


@dataclass(frozen=True)
class SendNegotiationMessage(Command):
    """SEED: communicate with the buyer before rejecting."""

    event = Event.SEND_NEGOTIATION_MESSAGE
    text: str


@dataclass(frozen=True)
class Approve(Command):
    event = Event.APPROVE
    return_address: str | None = None  # defaults to the channel's return warehouse


@dataclass(frozen=True)
class Reject(Command):
    event = Event.REJECT
    reason: RejectionReason
    description: str = ""
    evidence_count: int = 0


@dataclass(frozen=True)
class ProposeChange(Command):
    event = Event.PROPOSE_CHANGE
    request_type: RequestType | None = None
    amount: Decimal | None = None
    return_address: str | None = None


@dataclass(frozen=True)
class RefundWithoutReturn(Command):
    event = Event.REFUND_WITHOUT_RETURN


@dataclass(frozen=True)
class ConfirmReceipt(Command):
    event = Event.CONFIRM_RECEIPT


@dataclass(frozen=True)
class RejectReceipt(Command):
    event = Event.REJECT_RECEIPT
    description: str
    evidence_count: int


@dataclass(frozen=True)
class Replacement:
    """The variant an exchange sends for one line, as the shop describes it."""

    line_id: str
    variant_id: str
    unit_price: Decimal | None  # its catalogue price in the order's channel; None: not sold there
    same_product: bool  # a variant of the product bought


@dataclass(frozen=True)
class ShipItems(Command):
    """A replacement (exchange) or the missing items (reship), with tracking."""

    event = Event.SHIP_ITEMS
    carrier: str
    tracking_number: str
    # Exchange: the variant chosen for each line, as the shop describes it.
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class DeclareCannotReship(Command):
    event = Event.DECLARE_CANNOT_RESHIP


@dataclass(frozen=True)
class AcceptFreightClaim(Command):
    event = Event.ACCEPT_FREIGHT_CLAIM


@dataclass(frozen=True)
class ContestFreightClaim(Command):
    event = Event.CONTEST_FREIGHT_CLAIM


@dataclass(frozen=True)
class RetryRefund(Command):
    event = Event.RETRY_REFUND


@dataclass(frozen=True)
class OpenArbitration(Command):
    event = Event.OPEN_ARBITRATION


@dataclass(frozen=True)
class RequestEvidence(Command):
    event = Event.REQUEST_EVIDENCE


@dataclass(frozen=True)
class SubmitArbitrationEvidence(Command):
    event = Event.SUBMIT_ARBITRATION_EVIDENCE
    count: int
    text: str = ""


@dataclass(frozen=True)
class DismissArbitration(Command):
    event = Event.DISMISS_ARBITRATION


@dataclass(frozen=True)
class RuleBuyerWinsRefund(Command):
    event = Event.RULE_BUYER_WINS_REFUND


@dataclass(frozen=True)
class RuleReturnNeeded(Command):
    event = Event.RULE_RETURN_NEEDED


@dataclass(frozen=True)
class RuleMissingItems(Command):
    event = Event.RULE_MISSING_ITEMS


@dataclass(frozen=True)
class RuleWrongItem(Command):
    event = Event.RULE_WRONG_ITEM
    resolution: RequestType = RequestType.RETURN_AND_REFUND
    compensation_requested: bool = False


@dataclass(frozen=True)
class RuleUnjustifiedRejection(Command):
    event = Event.RULE_UNJUSTIFIED_REJECTION


@dataclass(frozen=True)
class RulePartialRefund(Command):
    event = Event.RULE_PARTIAL_REFUND
    amount: Decimal


@dataclass(frozen=True)
class RuleMerchantWins(Command):
    event = Event.RULE_MERCHANT_WINS


@dataclass(frozen=True)
class DeadlineExpired(Command):
    event = Event.DEADLINE_EXPIRED


@dataclass(frozen=True)
class RefundSucceeded(Command):
    """The payout reached the buyer. ``amount``: what reached them, when the
    payment was capped at payout (the shop had refunded some of it meanwhile);
    ``None`` is the payout's own amount. ``by_platform``: whether it was the
    platform's money — ``None`` is the payout's own payer; an earlier attempt
    paid by the merchant may settle a payout the platform was about to pay."""

    event = Event.REFUND_SUCCEEDED
    amount: Decimal | None = None
    by_platform: bool | None = None


@dataclass(frozen=True)
class RefundFailed(Command):
    event = Event.REFUND_FAILED

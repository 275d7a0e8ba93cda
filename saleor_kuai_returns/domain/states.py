"""Request states, the Kuaishou status each corresponds to, and terminal states."""

from __future__ import annotations

from enum import StrEnum

from .kinds import RequestType


class State(StrEnum):
    AWAITING_MERCHANT_REVIEW = "awaiting_merchant_review"
    PROPOSAL_AWAITING_BUYER = "proposal_awaiting_buyer"
    REJECTED = "rejected"
    AWAITING_BUYER_RETURN = "awaiting_buyer_return"
    AWAITING_MERCHANT_RECEIPT = "awaiting_merchant_receipt"
    RECEIPT_REJECTED = "receipt_rejected"
    AWAITING_REPLACEMENT_SHIPMENT = "awaiting_replacement_shipment"
    AWAITING_RESHIP = "awaiting_reship"
    RESHIP_OVERDUE = "reship_overdue"
    AWAITING_BUYER_CONFIRMATION = "awaiting_buyer_confirmation"
    ARBITRATION_RULING = "arbitration_ruling"
    ARBITRATION_BUYER_EVIDENCE = "arbitration_buyer_evidence"
    ARBITRATION_MERCHANT_EVIDENCE = "arbitration_merchant_evidence"
    REFUNDING = "refunding"
    REFUND_FAILED = "refund_failed"
    REFUND_ON_HOLD = "refund_on_hold"
    REFUNDED = "refunded"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATE_CHOICES = [
    (State.AWAITING_MERCHANT_REVIEW, "The merchant must approve, reject or propose a change."),
    (State.PROPOSAL_AWAITING_BUYER, "The merchant proposed a change; the buyer answers."),
    (State.REJECTED, "The merchant rejected; the buyer may resubmit or escalate."),
    (State.AWAITING_BUYER_RETURN, "Approved; the buyer must ship the goods back."),
    (State.AWAITING_MERCHANT_RECEIPT, "The return is on its way; the merchant confirms receipt."),
    (State.RECEIPT_REJECTED, "The merchant refused the returned goods; the buyer may escalate."),
    (State.AWAITING_REPLACEMENT_SHIPMENT, "Exchange: the merchant must ship the replacement."),
    (State.AWAITING_RESHIP, "The merchant must reship the missing items."),
    (State.RESHIP_OVERDUE, "The reship is late; it counts as a late shipment."),
    (
        State.AWAITING_BUYER_CONFIRMATION,
        "Replacement or reship shipped; the buyer confirms arrival.",
    ),
    (State.ARBITRATION_RULING, "The platform arbitrates: it asks for evidence or rules."),
    (State.ARBITRATION_BUYER_EVIDENCE, "Arbitration: the buyer's evidence round."),
    (State.ARBITRATION_MERCHANT_EVIDENCE, "Arbitration: the merchant's evidence round."),
    (State.REFUNDING, "Money is on its way to the buyer through the payment provider."),
    (State.REFUND_FAILED, "The payment provider refused the refund; staff may retry."),
    (
        State.REFUND_ON_HOLD,
        "Every refund attempt failed; staff retry it once the payment is fixed, else the "
        "platform steps in.",
    ),
    (State.REFUNDED, "The money reached the buyer."),
    (State.COMPLETED, "The replacement or reshipped items reached the buyer."),
    (State.CLOSED, "Ended without money moving (expired, auto-closed or merchant won)."),
    (State.CANCELLED, "The buyer withdrew the request."),
]

TERMINAL_STATES = frozenset({State.REFUNDED, State.COMPLETED, State.CLOSED, State.CANCELLED})
ARBITRATION_STATES = frozenset(
    {
        State.ARBITRATION_RULING,
        State.ARBITRATION_BUYER_EVIDENCE,
        State.ARBITRATION_MERCHANT_EVIDENCE,
    }
)
# Money is already moving: the buyer can no longer cancel, nobody escalates.
PAYOUT_STATES = frozenset({State.REFUNDING, State.REFUND_FAILED, State.REFUND_ON_HOLD})

# Kuaishou's refund ``status`` codes (open.seller.order.refund.*): 10 buyer asked
# for a refund, 11 buyer asked for return and refund, 20/21 platform stepped in
# on those, 22 platform confirmed return and refund, 30 return shipment awaits
# the buyer, 40 return shipment awaits the merchant's confirmation, 45 merchant
# shipped, buyer confirms, 50 refund executing, 60 refund succeeded, 70 refund
# failed. States without an equivalent (Kuaishou closes the ticket, or tracks it
# in ``negotiateStatus``) map to None.
_KUAISHOU_STATUS: dict[State, int | None] = {
    State.AWAITING_MERCHANT_REVIEW: 10,
    State.PROPOSAL_AWAITING_BUYER: 10,
    State.REJECTED: 10,  # negotiateStatus 3: rejected, waiting for the buyer
    State.AWAITING_BUYER_RETURN: 30,
    State.AWAITING_MERCHANT_RECEIPT: 40,
    State.RECEIPT_REJECTED: 40,
    State.AWAITING_REPLACEMENT_SHIPMENT: 40,
    State.AWAITING_RESHIP: None,
    State.RESHIP_OVERDUE: None,
    State.AWAITING_BUYER_CONFIRMATION: 45,
    State.ARBITRATION_RULING: 20,
    State.ARBITRATION_BUYER_EVIDENCE: 20,
    State.ARBITRATION_MERCHANT_EVIDENCE: 20,
    State.REFUNDING: 50,
    State.REFUND_FAILED: 70,
    State.REFUND_ON_HOLD: 70,
    State.REFUNDED: 60,
    State.COMPLETED: None,
    State.CLOSED: None,
    State.CANCELLED: None,
}


def kuaishou_status(state: State, request_type: RequestType) -> int | None:
    """Kuaishou's status code for a state; codes 10 and 20 have a return variant."""
    code = _KUAISHOU_STATUS[state]
    if code in (10, 20) and request_type is not RequestType.REFUND_ONLY:
        return code + 1
    return code

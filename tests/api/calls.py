"""GraphQL documents the tests send: one per mutation, built from its arguments."""

from __future__ import annotations

RESULT = "afterSaleRequest { id state version } errors { field code message }"


def mutation(name: str, arguments: dict[str, str], selection: str = RESULT) -> str:
    """``mutation Call($id: ID!, …) { name(id: $id, …) { … } }``"""
    parameters = ", ".join(f"${argument}: {kind}" for argument, kind in arguments.items())
    passed = ", ".join(f"{argument}: ${argument}" for argument in arguments)
    return f"mutation Call({parameters}) {{ {name}({passed}) {{ {selection} }} }}"


ID = {"id": "ID!"}
VERSIONED = {"id": "ID!", "version": "Int"}
MONEY = {"id": "ID!", "version": "Int", "idempotencyKey": "String"}

DOCUMENTS = {
    "afterSaleRequestCreate": mutation(
        "afterSaleRequestCreate", {"orderId": "ID!", "input": "AfterSaleRequestCreateInput!"}
    ),
    "afterSaleRequestCancel": mutation("afterSaleRequestCancel", VERSIONED),
    "afterSaleRequestResubmit": mutation(
        "afterSaleRequestResubmit", {**VERSIONED, "input": "AfterSaleRequestResubmitInput!"}
    ),
    "afterSaleProposalAccept": mutation("afterSaleProposalAccept", MONEY),
    "afterSaleProposalDecline": mutation("afterSaleProposalDecline", VERSIONED),
    "afterSaleArrivalConfirm": mutation("afterSaleArrivalConfirm", VERSIONED),
    "afterSaleEvidenceAdd": mutation(
        "afterSaleEvidenceAdd",
        {**VERSIONED, "evidence": "[AfterSaleEvidenceInput!]!", "text": "String"},
    ),
    "afterSaleReturnFreightClaim": mutation(
        "afterSaleReturnFreightClaim", {**VERSIONED, "amount": "Decimal!"}
    ),
    "afterSaleReturnShipmentSubmit": mutation(
        "afterSaleReturnShipmentSubmit",
        {**VERSIONED, "carrier": "String!", "trackingNumber": "String!"},
    ),
    "afterSaleNegotiationMessageSend": mutation(
        "afterSaleNegotiationMessageSend", {**VERSIONED, "text": "String!"}
    ),
    "afterSaleRequestApprove": mutation(
        "afterSaleRequestApprove", {**MONEY, "returnAddress": "String"}
    ),
    "afterSaleRequestReject": mutation(
        "afterSaleRequestReject", {**VERSIONED, "input": "AfterSaleRequestRejectInput!"}
    ),
    "afterSaleProposalCreate": mutation(
        "afterSaleProposalCreate", {**VERSIONED, "input": "AfterSaleProposalCreateInput!"}
    ),
    "afterSaleRefundWithoutReturn": mutation("afterSaleRefundWithoutReturn", MONEY),
    "afterSaleReceiptConfirm": mutation("afterSaleReceiptConfirm", MONEY),
    "afterSaleReceiptReject": mutation(
        "afterSaleReceiptReject", {**VERSIONED, "input": "AfterSaleReceiptRejectInput!"}
    ),
    "afterSaleItemsShip": mutation(
        "afterSaleItemsShip", {**VERSIONED, "input": "AfterSaleItemsShipInput!"}
    ),
    "afterSaleReshipDecline": mutation("afterSaleReshipDecline", MONEY),
    "afterSaleReturnFreightClaimAccept": mutation("afterSaleReturnFreightClaimAccept", VERSIONED),
    "afterSaleReturnFreightClaimContest": mutation("afterSaleReturnFreightClaimContest", VERSIONED),
    "afterSaleRefundRetry": mutation("afterSaleRefundRetry", MONEY),
}

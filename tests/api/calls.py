"""GraphQL documents the tests send: one per mutation, built from its arguments."""

from __future__ import annotations

RESULT = "afterSaleRequest { id state version } errors { field code message }"
APPEAL_RESULT = (
    "appeal { id status ruling reason decisionNote } afterSaleRequest { id state version } "
    "errors { field code message }"
)
SETTLEMENT_RESULT = (
    "liabilityEntry { id kind amount { amount currency } note recordedBy } "
    "balance { amount currency } errors { field code message }"
)
# What each mutation answers with when it succeeds (``afterSaleRequest`` unless named).
RESULT_FIELDS = {
    "afterSaleAppealFile": "appeal",
    "afterSaleAppealDecide": "appeal",
    "afterSaleSettlementRecord": "liabilityEntry",
}


def mutation(name: str, arguments: dict[str, str], selection: str = RESULT) -> str:
    """``mutation Call($id: ID!, …) { name(id: $id, …) { … } }``"""
    parameters = ", ".join(f"${argument}: {kind}" for argument, kind in arguments.items())
    passed = ", ".join(f"{argument}: ${argument}" for argument in arguments)
    return f"mutation Call({parameters}) {{ {name}({passed}) {{ {selection} }} }}"


ID = {"id": "ID!"}
VERSIONED = {"id": "ID!", "version": "Int"}
MONEY = {"id": "ID!", "version": "Int", "idempotencyKey": "String"}
NOTED = {**VERSIONED, "note": "String"}
RULING = {**MONEY, "note": "String"}

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
    "afterSaleRequestEscalate": mutation("afterSaleRequestEscalate", NOTED),
    "afterSaleArbitrationOpen": mutation("afterSaleArbitrationOpen", NOTED),
    "afterSaleArbitrationEvidenceRequest": mutation("afterSaleArbitrationEvidenceRequest", NOTED),
    "afterSaleArbitrationEvidenceSubmit": mutation(
        "afterSaleArbitrationEvidenceSubmit",
        {**VERSIONED, "evidence": "[AfterSaleEvidenceInput!]!", "text": "String"},
    ),
    "afterSaleArbitrationDismiss": mutation("afterSaleArbitrationDismiss", NOTED),
    "afterSaleRulingBuyerWinsRefund": mutation("afterSaleRulingBuyerWinsRefund", RULING),
    "afterSaleRulingReturnNeeded": mutation("afterSaleRulingReturnNeeded", NOTED),
    "afterSaleRulingMissingItems": mutation("afterSaleRulingMissingItems", NOTED),
    "afterSaleRulingWrongItem": mutation(
        "afterSaleRulingWrongItem",
        {
            **RULING,
            "resolution": "AfterSaleWrongItemResolution",
            "compensationRequested": "Boolean",
        },
    ),
    "afterSaleRulingUnjustifiedRejection": mutation("afterSaleRulingUnjustifiedRejection", RULING),
    "afterSaleRulingPartialRefund": mutation(
        "afterSaleRulingPartialRefund", {**RULING, "amount": "Decimal!"}
    ),
    "afterSaleRulingMerchantWins": mutation("afterSaleRulingMerchantWins", NOTED),
    "afterSaleAppealFile": mutation(
        "afterSaleAppealFile", {**VERSIONED, "reason": "String!"}, APPEAL_RESULT
    ),
    "afterSaleAppealDecide": mutation(
        "afterSaleAppealDecide",
        {"id": "ID!", "upheld": "Boolean!", "note": "String"},
        APPEAL_RESULT,
    ),
    "afterSaleSettlementRecord": mutation(
        "afterSaleSettlementRecord",
        {
            "channel": "String!",
            "amount": "Decimal!",
            "reference": "String",
            "idempotencyKey": "String!",
        },
        SETTLEMENT_RESULT,
    ),
}

"""Every mutation on a request's own course × every role: the actor the spec
names succeeds, everyone else gets ``PERMISSION_DENIED`` and nothing changes.
(The sandbox has no apps; Saleor's host tests cover an app's token. The
platform's mutations have their matrix in ``test_platform_roles``, which also
checks that both cover the schema.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .calls import DOCUMENTS
from .conftest import PHOTO, ROLES, line_id, order_id, request_id, snapshot


@dataclass(frozen=True)
class Case:
    state: str | None  # None: the mutation files a new request
    allowed: frozenset[str]
    target: str  # the state the mutation answers with
    data: dict[str, Any]
    settled: str | None = None  # the state once the refund it started is paid


BUYER = frozenset({"buyer"})
MERCHANT = frozenset({"merchant"})
EVIDENCE = [PHOTO]

CASES: dict[str, Case] = {
    "afterSaleRequestCreate": Case(None, BUYER, "AWAITING_MERCHANT_REVIEW", {}),
    "afterSaleRequestCancel": Case("awaiting_merchant_review", BUYER, "CANCELLED", {}),
    "afterSaleRequestResubmit": Case(
        "rejected", BUYER, "AWAITING_MERCHANT_REVIEW", {"input": {"description": "A video."}}
    ),
    "afterSaleProposalAccept": Case("proposal_awaiting_buyer", BUYER, "AWAITING_BUYER_RETURN", {}),
    "afterSaleProposalDecline": Case(
        "proposal_awaiting_buyer", BUYER, "AWAITING_MERCHANT_REVIEW", {}
    ),
    "afterSaleArrivalConfirm": Case("awaiting_buyer_confirmation", BUYER, "COMPLETED", {}),
    "afterSaleEvidenceAdd": Case(
        "awaiting_merchant_review", BUYER, "AWAITING_MERCHANT_REVIEW", {"evidence": EVIDENCE}
    ),
    "afterSaleReturnFreightClaim": Case(
        "awaiting_buyer_return", BUYER, "AWAITING_BUYER_RETURN", {"amount": "12.00"}
    ),
    "afterSaleReturnShipmentSubmit": Case(
        "awaiting_buyer_return",
        frozenset({"buyer", "merchant"}),
        "AWAITING_MERCHANT_RECEIPT",
        {"carrier": "SF Express", "trackingNumber": "SF1234567890"},
    ),
    "afterSaleNegotiationMessageSend": Case(
        "awaiting_merchant_review", MERCHANT, "AWAITING_MERCHANT_REVIEW", {"text": "A video?"}
    ),
    "afterSaleRequestApprove": Case(
        "awaiting_merchant_review", MERCHANT, "AWAITING_BUYER_RETURN", {}
    ),
    "afterSaleRequestReject": Case(
        "negotiated",
        MERCHANT,
        "REJECTED",
        {"input": {"reason": "NO_QUALITY_ISSUE", "description": "It works."}},
    ),
    "afterSaleProposalCreate": Case(
        "awaiting_merchant_review", MERCHANT, "PROPOSAL_AWAITING_BUYER", {"input": {"amount": "80"}}
    ),
    "afterSaleRefundWithoutReturn": Case(
        "awaiting_merchant_review", MERCHANT, "REFUNDING", {}, "refunded"
    ),
    "afterSaleReceiptConfirm": Case(
        "awaiting_merchant_receipt", MERCHANT, "REFUNDING", {}, "refunded"
    ),
    "afterSaleReceiptReject": Case(
        "awaiting_merchant_receipt",
        MERCHANT,
        "RECEIPT_REJECTED",
        {"input": {"description": "Scratched.", "evidence": EVIDENCE}},
    ),
    "afterSaleItemsShip": Case(
        "awaiting_reship",
        MERCHANT,
        "AWAITING_BUYER_CONFIRMATION",
        {"input": {"carrier": "SF", "trackingNumber": "SF300"}},
    ),
    "afterSaleReshipDecline": Case("awaiting_reship", MERCHANT, "REFUNDING", {}, "refunded"),
    "afterSaleReturnFreightClaimAccept": Case(
        "freight_claimed", MERCHANT, "AWAITING_BUYER_RETURN", {}
    ),
    "afterSaleReturnFreightClaimContest": Case(
        "freight_claimed", MERCHANT, "AWAITING_BUYER_RETURN", {}
    ),
    # Staff retry: the channel's merchant, or the platform.
    "afterSaleRefundRetry": Case(
        "refund_failed", frozenset({"merchant", "platform"}), "REFUNDING", {}, "refunded"
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_role_may_call_only_the_mutations_of_its_actor(api, demo, state, name, role):
    # given a request where the mutation's event is possible (or an order to file on)
    case = CASES[name]
    request = state(case.state) if case.state else None
    if request is None:
        order = demo.orders["delivered"]
        variables = {
            "orderId": order_id(order),
            "input": {
                "type": "RETURN_AND_REFUND",
                "reason": "QUALITY_FUNCTION",
                "lines": [{"orderLineId": line_id(order, "TEE-RED-M"), "quantity": 1}],
                "evidence": EVIDENCE,
            },
        }
    else:
        variables = {"id": request_id(request), **case.data}
    before = snapshot(request)
    # when the role calls it
    response = api(DOCUMENTS[name], variables, as_=role)
    # then the actor's roles succeed; every other is refused and nothing changed
    result = response.data[name]
    if role in case.allowed:
        assert result["errors"] == []
        assert result["afterSaleRequest"]["state"] == case.target
        if case.settled:
            request.refresh_from_db()
            assert request.state == case.settled
    else:
        assert result["afterSaleRequest"] is None
        assert [(e["field"], e["code"]) for e in result["errors"]] == [(None, "PERMISSION_DENIED")]
        assert snapshot(request) == before

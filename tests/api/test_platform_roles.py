"""The arbitration, appeal and settlement mutations × every role: the actor the
spec names succeeds; a side acting in the other side's evidence round gets
``WRONG_ACTOR``; everyone else ``PERMISSION_DENIED``; a refused call changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.graphql.schema import build_schema
from saleor_kuai_returns.models import Appeal

from .calls import DOCUMENTS, RESULT_FIELDS
from .conftest import PHOTO, ROLES, request_id, snapshot
from .test_mutation_roles import CASES as REQUEST_CASES


@dataclass(frozen=True)
class Case:
    mutation: str
    state: str
    allowed: frozenset[str]
    answer: dict[str, Any]  # what the allowed call answers, beside `errors: []`
    data: dict[str, Any] = field(default_factory=dict)
    settled: str | None = None  # the request's state once the money it moved is paid
    refusals: dict[str, str] = field(default_factory=dict)  # role → code, besides denial


BUYER = frozenset({"buyer"})
MERCHANT = frozenset({"merchant"})
PLATFORM = frozenset({"platform"})


def request_in(state: str) -> dict[str, Any]:
    return {"afterSaleRequest": {"state": state}}


CASES: dict[str, Case] = {
    "afterSaleRequestEscalate": Case(
        "afterSaleRequestEscalate",
        "rejected",
        BUYER,
        request_in("ARBITRATION_RULING"),
        {"note": "It does not work."},
    ),
    "afterSaleArbitrationOpen": Case(
        "afterSaleArbitrationOpen", "missed_reship", PLATFORM, request_in("ARBITRATION_RULING")
    ),
    "afterSaleArbitrationEvidenceRequest": Case(
        "afterSaleArbitrationEvidenceRequest",
        "escalated",
        PLATFORM,
        request_in("ARBITRATION_BUYER_EVIDENCE"),
        {"note": "Photos of the tee, please."},
    ),
    "afterSaleArbitrationEvidenceSubmit": Case(
        "afterSaleArbitrationEvidenceSubmit",
        "arbitration_buyer_evidence",
        BUYER,
        request_in("ARBITRATION_MERCHANT_EVIDENCE"),
        {"evidence": [PHOTO]},
        refusals={"merchant": "WRONG_ACTOR"},
    ),
    "afterSaleArbitrationEvidenceSubmit in the merchant's round": Case(
        "afterSaleArbitrationEvidenceSubmit",
        "arbitration_merchant_evidence",
        MERCHANT,
        request_in("ARBITRATION_RULING"),
        {"evidence": [PHOTO], "text": "Lab report."},
        refusals={"buyer": "WRONG_ACTOR"},
    ),
    "afterSaleArbitrationDismiss": Case(
        "afterSaleArbitrationDismiss", "escalated", PLATFORM, request_in("REJECTED")
    ),
    "afterSaleRulingBuyerWinsRefund": Case(
        "afterSaleRulingBuyerWinsRefund",
        "escalated",
        PLATFORM,
        request_in("REFUNDING"),
        settled="refunded",
    ),
    "afterSaleRulingReturnNeeded": Case(
        "afterSaleRulingReturnNeeded", "escalated", PLATFORM, request_in("AWAITING_BUYER_RETURN")
    ),
    "afterSaleRulingMissingItems": Case(
        "afterSaleRulingMissingItems", "escalated_reship", PLATFORM, request_in("AWAITING_RESHIP")
    ),
    "afterSaleRulingWrongItem": Case(
        "afterSaleRulingWrongItem",
        "escalated_wrong_item",
        PLATFORM,
        request_in("AWAITING_BUYER_RETURN"),
        {"resolution": "EXCHANGE", "compensationRequested": True},
    ),
    "afterSaleRulingUnjustifiedRejection": Case(
        "afterSaleRulingUnjustifiedRejection",
        "escalated",
        PLATFORM,
        request_in("REFUNDING"),
        settled="refunded",
    ),
    "afterSaleRulingPartialRefund": Case(
        "afterSaleRulingPartialRefund",
        "escalated",
        PLATFORM,
        request_in("REFUNDING"),
        {"amount": "40.00"},
        settled="refunded",
    ),
    "afterSaleRulingMerchantWins": Case(
        "afterSaleRulingMerchantWins", "escalated", PLATFORM, request_in("CLOSED")
    ),
    "afterSaleAppealFile": Case(
        "afterSaleAppealFile",
        "ruled",
        MERCHANT,
        {"appeal": {"status": "OPEN"}, "afterSaleRequest": {"state": "REFUNDED"}},
        {"reason": "The tee came back worn."},
    ),
    "afterSaleAppealDecide": Case(
        "afterSaleAppealDecide",
        "appealed",
        PLATFORM,
        {"appeal": {"status": "UPHELD"}, "afterSaleRequest": {"state": "REFUNDED"}},
        {"upheld": True, "note": "The photos show wear."},
    ),
    "afterSaleSettlementRecord": Case(
        "afterSaleSettlementRecord",
        "ruled",
        PLATFORM,
        {
            "liabilityEntry": {
                "kind": "SETTLEMENT",
                "amount": {"amount": -40.0, "currency": "CNY"},
            },
            "balance": {"amount": 60.0, "currency": "CNY"},
        },
        {"channel": "default-channel", "amount": "40.00", "idempotencyKey": "wire-1"},
    ),
}


def test_the_two_role_matrices_cover_every_mutation_of_the_schema_once():
    # given the mutations this matrix and the requests' matrix cover
    ours = {case.mutation for case in CASES.values()}
    # when they are compared with the schema's
    mutations = build_schema().get_mutation_type().fields
    # then together they are every mutation, and none is in both
    assert sorted(ours | set(REQUEST_CASES)) == sorted(mutations)
    assert ours & set(REQUEST_CASES) == set()


def variables_for(case: Case, request) -> dict[str, Any]:
    if case.mutation == "afterSaleSettlementRecord":
        return dict(case.data)
    if case.mutation == "afterSaleAppealDecide":
        appeal = Appeal.objects.get(request=request)
        return {"id": ids.to_global_id(ids.APPEAL, appeal.pk), **case.data}
    return {"id": request_id(request), **case.data}


def picked(result: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The parts of ``result`` that ``answer`` names."""
    return {
        key: picked(result[key], value) if isinstance(value, dict) else result[key]
        for key, value in answer.items()
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_role_may_call_only_the_platform_mutations_of_its_actor(api, state, name, role):
    # given a request where the mutation's event is possible
    case = CASES[name]
    request = state(case.state)
    before = snapshot(request)
    # when the role calls it
    response = api(DOCUMENTS[case.mutation], variables_for(case, request), as_=role)
    # then the actor succeeds; the other side in its round is told so; every other role
    # is refused; a refused call changed nothing
    result = response.data[case.mutation]
    if role in case.allowed:
        assert result["errors"] == []
        assert picked(result, case.answer) == case.answer
        if case.settled:
            request.refresh_from_db()
            assert request.state == case.settled
    else:
        assert result[RESULT_FIELDS.get(case.mutation, "afterSaleRequest")] is None
        code = case.refusals.get(role, "PERMISSION_DENIED")
        assert [(e["field"], e["code"]) for e in result["errors"]] == [(None, code)]
        assert snapshot(request) == before

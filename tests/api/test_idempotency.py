"""Idempotency keys on the mutations that move money: the same key gets the
same answer and pays once."""

from __future__ import annotations

from saleor_kuai_returns.models import ApiIdempotencyKey, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop

from .calls import DOCUMENTS, mutation
from .conftest import request_id, snapshot

APPROVE = DOCUMENTS["afterSaleRequestApprove"]


def test_a_repeated_approval_with_the_same_key_pays_once(api, demo, state):
    # given a refund-only request in review, approved once with a key
    request = state("awaiting_merchant_review")
    request.request_type = "refund_only"
    request.save()
    variables = {"id": request_id(request), "idempotencyKey": "approve-1"}
    first = api(APPROVE, variables, as_="merchant").data["afterSaleRequestApprove"]
    after_first = snapshot(request)
    # when the merchant's client sends the same call again
    second = api(APPROVE, variables, as_="merchant").data["afterSaleRequestApprove"]
    # then it succeeds again with the same request as it is now (refunded meanwhile),
    # and nothing moved again
    assert (first["errors"], first["afterSaleRequest"]["state"]) == ([], "REFUNDING")
    assert (second["errors"], second["afterSaleRequest"]["state"]) == ([], "REFUNDED")
    assert first["afterSaleRequest"]["id"] == second["afterSaleRequest"]["id"]
    assert snapshot(request) == after_first
    assert list(MoneyMovement.objects.values_list("request_id", "status")) == [
        (request.pk, "succeeded")
    ]
    assert shop.Payment.objects.count() == 1
    request.refresh_from_db()
    assert request.state == "refunded"


def test_a_key_names_one_request(api, state):
    # given a key used to approve one request
    first = state("awaiting_merchant_review")
    api(APPROVE, {"id": request_id(first), "idempotencyKey": "k"}, as_="merchant")
    other = state("awaiting_reship")
    before = snapshot(other)
    # when the merchant uses it for another request
    response = api(APPROVE, {"id": request_id(other), "idempotencyKey": "k"}, as_="merchant")
    # then
    result = response.data["afterSaleRequestApprove"]
    assert result["afterSaleRequest"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]
    assert snapshot(other) == before


def test_a_call_that_failed_keeps_no_key(api, state):
    # given a request the merchant may not yet reject (no negotiation message)
    request = state("awaiting_merchant_review")
    request_global_id = request_id(request)
    # when a refund without return fails for a stale version, then succeeds with the same key
    refund = DOCUMENTS["afterSaleRefundWithoutReturn"]
    failed = api(
        refund, {"id": request_global_id, "version": 7, "idempotencyKey": "r"}, as_="merchant"
    ).data["afterSaleRefundWithoutReturn"]
    keys_after_failure = ApiIdempotencyKey.objects.count()
    done = api(refund, {"id": request_global_id, "idempotencyKey": "r"}, as_="merchant").data[
        "afterSaleRefundWithoutReturn"
    ]
    # then the failure left no key, and the retry ran
    assert [e["code"] for e in failed["errors"]] == ["STALE_VERSION"]
    assert keys_after_failure == 0
    assert (done["errors"], done["afterSaleRequest"]["state"]) == ([], "REFUNDING")
    assert MoneyMovement.objects.filter(request=request).count() == 1


def test_keys_are_per_caller_and_per_mutation(api, state):
    # given a key the merchant used to approve
    request = state("awaiting_merchant_review")
    api(APPROVE, {"id": request_id(request), "idempotencyKey": "same"}, as_="merchant")
    # when the platform user sends the same key, and the merchant the same key to another mutation
    platform = api(APPROVE, {"id": request_id(request), "idempotencyKey": "same"}, as_="platform")
    refund = api(
        DOCUMENTS["afterSaleRefundWithoutReturn"],
        {"id": request_id(request), "idempotencyKey": "same"},
        as_="merchant",
    )
    # then neither is a replay: each is judged on its own
    assert [e["code"] for e in platform.data["afterSaleRequestApprove"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert refund.data["afterSaleRefundWithoutReturn"]["afterSaleRequest"]["state"] == "REFUNDING"


def test_a_malformed_key_is_invalid(api, state):
    # given
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    document = mutation("afterSaleRequestApprove", {"id": "ID!", "idempotencyKey": "String"})
    # when
    responses = [
        api(document, {"id": request_id(request), "idempotencyKey": key}, as_="merchant")
        for key in ["", "k" * 256, "a\x00b"]
    ]
    # then
    assert [
        [(e["field"], e["code"]) for e in r.data["afterSaleRequestApprove"]["errors"]]
        for r in responses
    ] == [[("idempotencyKey", "INVALID")]] * 3
    assert snapshot(request) == before

"""Idempotency keys on the mutations that move money: the same key gets the
same answer and pays once."""

from __future__ import annotations

from decimal import Decimal

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


def test_a_key_reused_with_another_amount_is_refused_and_pays_nothing_more(api, state):
    # given the platform ruled a partial refund of 40.00 with a key
    request = state("escalated")
    ruling = DOCUMENTS["afterSaleRulingPartialRefund"]
    first = api(
        ruling,
        {"id": request_id(request), "amount": "40.00", "idempotencyKey": "partial-1"},
        as_="platform",
    ).data["afterSaleRulingPartialRefund"]
    after_first = snapshot(request)
    # when the same key comes back with another amount
    second = api(
        ruling,
        {"id": request_id(request), "amount": "45.00", "idempotencyKey": "partial-1"},
        as_="platform",
    ).data["afterSaleRulingPartialRefund"]
    # then the replay is refused, not taken for the first call, and nothing moved
    assert first["errors"] == []
    assert second["afterSaleRequest"] is None
    assert [(e["field"], e["code"], e["message"]) for e in second["errors"]] == [
        (
            "idempotencyKey",
            "IDEMPOTENCY_KEY_REUSED",
            "this key was used for this request with other arguments",
        )
    ]
    assert snapshot(request) == after_first
    assert list(MoneyMovement.objects.values_list("amount", flat=True)) == [Decimal("40.000")]


def test_a_retry_that_saw_a_newer_version_replays_the_first_call(api, state):
    # given an approval sent with a key and the version it saw
    request = state("awaiting_merchant_review")
    request.request_type = "refund_only"
    request.save()
    variables = {"id": request_id(request), "idempotencyKey": "approve-v", "version": 0}
    api(APPROVE, variables, as_="merchant")
    after_first = snapshot(request)
    # when the client retries with the version it read since
    again = api(APPROVE, {**variables, "version": 2}, as_="merchant").data[
        "afterSaleRequestApprove"
    ]
    # then it is the same call: replayed, nothing moved again
    assert again["errors"] == []
    assert snapshot(request) == after_first
    assert MoneyMovement.objects.count() == 1

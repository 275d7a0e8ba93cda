"""Bad input to the arbitration, appeal and settlement mutations: unknown or
malformed IDs, stale versions, wrong states, rulings that do not apply, amounts
and texts out of bounds. Each is a typed error, and nothing changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.models import Appeal

from .calls import DOCUMENTS, RESULT_FIELDS
from .conftest import PHOTO, request_id, snapshot
from .test_mutation_input import MALFORMED_IDS, UNKNOWN_REQUEST

# The mutations that act on a request as the platform, with what each needs.
PLATFORM_ON_A_REQUEST = {
    "afterSaleArbitrationOpen": {},
    "afterSaleArbitrationEvidenceRequest": {},
    "afterSaleArbitrationDismiss": {},
    "afterSaleRulingBuyerWinsRefund": {},
    "afterSaleRulingReturnNeeded": {},
    "afterSaleRulingMissingItems": {},
    "afterSaleRulingWrongItem": {},
    "afterSaleRulingUnjustifiedRejection": {},
    "afterSaleRulingPartialRefund": {"amount": "40.00"},
    "afterSaleRulingMerchantWins": {},
}
RULINGS_AND_DISMISSAL = sorted(set(PLATFORM_ON_A_REQUEST) - {"afterSaleArbitrationOpen"})


def errors_of(response, name):
    result = response.data[name]
    assert result[RESULT_FIELDS.get(name, "afterSaleRequest")] is None
    return [(error["field"], error["code"]) for error in result["errors"]]


def appeal_id(request):
    return ids.to_global_id(ids.APPEAL, Appeal.objects.get(request=request).pk)


@pytest.mark.parametrize("bad_id", [UNKNOWN_REQUEST, *MALFORMED_IDS])
@pytest.mark.parametrize("name", sorted(PLATFORM_ON_A_REQUEST))
def test_an_unknown_or_malformed_request_id_is_not_found(api, state, name, bad_id):
    # given a dispute
    request = state("escalated")
    before = snapshot(request)
    # when the platform acts on an ID that names no request
    response = api(DOCUMENTS[name], {"id": bad_id, **PLATFORM_ON_A_REQUEST[name]}, as_="platform")
    # then
    assert errors_of(response, name) == [("id", "NOT_FOUND")]
    assert snapshot(request) == before


@pytest.mark.parametrize("bad_id", [UNKNOWN_REQUEST, *MALFORMED_IDS])
@pytest.mark.parametrize(
    ("name", "role", "data"),
    [
        ("afterSaleRequestEscalate", "buyer", {}),
        ("afterSaleArbitrationEvidenceSubmit", "buyer", {"evidence": [PHOTO]}),
        ("afterSaleArbitrationEvidenceSubmit", "merchant", {"evidence": [PHOTO]}),
        ("afterSaleAppealFile", "merchant", {"reason": "Unfair."}),
    ],
)
def test_the_sides_get_not_found_for_an_unknown_or_malformed_request_id(
    api, state, name, role, data, bad_id
):
    # given a ruled dispute
    request = state("ruled")
    before = snapshot(request)
    # when a side acts on an ID that names no request
    response = api(DOCUMENTS[name], {"id": bad_id, **data}, as_=role)
    # then
    assert errors_of(response, name) == [("id", "NOT_FOUND")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    "bad_id",
    [ids.to_global_id(ids.APPEAL, uuid.uuid4()), "request", *MALFORMED_IDS],
)
def test_deciding_an_unknown_or_malformed_appeal_id_is_not_found(api, state, bad_id):
    # given an open appeal
    request = state("appealed")
    bad_id = request_id(request) if bad_id == "request" else bad_id  # a request's ID is no appeal's
    before = snapshot(request)
    # when the platform decides an ID that names no appeal
    response = api(
        DOCUMENTS["afterSaleAppealDecide"], {"id": bad_id, "upheld": True}, as_="platform"
    )
    # then
    assert errors_of(response, "afterSaleAppealDecide") == [("id", "NOT_FOUND")]
    assert snapshot(request) == before


@pytest.mark.parametrize("version", [0, 2, 4, -1, 2**31 - 1])
@pytest.mark.parametrize("name", RULINGS_AND_DISMISSAL)
def test_a_stale_version_is_refused(api, state, name, version):
    # given a dispute at version 3 (filed at 0; message, rejection, escalation)
    request = state("escalated")
    assert request.version == 3
    before = snapshot(request)
    # when the platform acts on what it saw at another version
    response = api(
        DOCUMENTS[name],
        {"id": request_id(request), "version": version, **PLATFORM_ON_A_REQUEST[name]},
        as_="platform",
    )
    # then
    assert errors_of(response, name) == [("version", "STALE_VERSION")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("name", "role", "data"),
    [
        ("afterSaleRequestEscalate", "buyer", {}),
        ("afterSaleArbitrationEvidenceSubmit", "merchant", {"evidence": [PHOTO]}),
    ],
)
def test_the_sides_are_refused_a_stale_version(api, state, name, role, data):
    # given a dispute in the merchant's evidence round, at version 5
    request = state("arbitration_merchant_evidence")
    assert request.version == 5
    before = snapshot(request)
    # when a side acts on what it saw at version 4
    response = api(DOCUMENTS[name], {"id": request_id(request), "version": 4, **data}, as_=role)
    # then
    assert errors_of(response, name) == [("version", "STALE_VERSION")]
    assert snapshot(request) == before


def test_an_appeal_on_a_version_the_merchant_did_not_see_is_refused(api, state):
    # given a ruling refunded since the merchant looked (the refund bumped the version)
    request = state("ruled")
    before = snapshot(request)
    # when the merchant appeals the version before
    response = api(
        DOCUMENTS["afterSaleAppealFile"],
        {"id": request_id(request), "version": request.version - 1, "reason": "Unfair."},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleAppealFile") == [("version", "STALE_VERSION")]
    assert snapshot(request) == before


@pytest.mark.parametrize("name", RULINGS_AND_DISMISSAL)
def test_a_ruling_outside_arbitration_is_in_the_wrong_state(api, state, name):
    # given a rejected request nobody escalated
    request = state("rejected")
    before = snapshot(request)
    # when the platform rules on it
    response = api(
        DOCUMENTS[name], {"id": request_id(request), **PLATFORM_ON_A_REQUEST[name]}, as_="platform"
    )
    # then
    assert errors_of(response, name) == [(None, "WRONG_STATE")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("name", "situation", "role", "data"),
    [
        ("afterSaleRequestEscalate", "awaiting_merchant_review", "buyer", {}),
        ("afterSaleArbitrationEvidenceRequest", "arbitration_buyer_evidence", "platform", {}),
        ("afterSaleArbitrationEvidenceSubmit", "escalated", "buyer", {"evidence": [PHOTO]}),
        ("afterSaleArbitrationOpen", "escalated", "platform", {}),
    ],
)
def test_an_arbitration_step_out_of_turn_is_in_the_wrong_state(
    api, state, name, situation, role, data
):
    # given a request where the step does not apply
    request = state(situation)
    before = snapshot(request)
    # when the role takes it
    response = api(DOCUMENTS[name], {"id": request_id(request), **data}, as_=role)
    # then
    assert errors_of(response, name) == [(None, "WRONG_STATE")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("name", "situation", "data"),
    [
        # a tee that did not work: nothing was missing, no wrong item was sent
        ("afterSaleRulingMissingItems", "escalated", {}),
        ("afterSaleRulingWrongItem", "escalated", {}),
        # a reship arbitrated after a missed deadline: the merchant rejected nothing
        ("afterSaleRulingUnjustifiedRejection", "opened", {}),
    ],
)
def test_a_ruling_that_does_not_fit_the_dispute_is_refused(api, state, name, situation, data):
    # given
    request = state(situation)
    before = snapshot(request)
    # when the platform rules so
    response = api(DOCUMENTS[name], {"id": request_id(request), **data}, as_="platform")
    # then
    assert errors_of(response, name) == [(None, "RULING_NOT_APPLICABLE")]
    assert snapshot(request) == before


def test_the_platform_opens_no_case_where_the_channel_does_not_let_it(api, demo, state):
    # given a reship the merchant let pass, on a channel that no longer lets the platform in
    request = state("missed_reship")
    demo.channel.policy = {**demo.channel.policy, "platform_may_open_arbitration": False}
    demo.channel.save()
    before = snapshot(request)
    # when the platform opens a case
    response = api(
        DOCUMENTS["afterSaleArbitrationOpen"], {"id": request_id(request)}, as_="platform"
    )
    # then
    assert errors_of(response, "afterSaleArbitrationOpen") == [(None, "ARBITRATION_NOT_ALLOWED")]
    assert snapshot(request) == before


def test_dismissing_a_case_the_platform_opened_resumes_the_overdue_reship(api, state):
    # given a case the platform opened on a missed reship: the paused reship resumes
    request = state("opened")
    # when the platform dismisses it
    response = api(
        DOCUMENTS["afterSaleArbitrationDismiss"], {"id": request_id(request)}, as_="platform"
    )
    # then the reship is back where it was
    result = response.data["afterSaleArbitrationDismiss"]
    assert (result["errors"], result["afterSaleRequest"]["state"]) == ([], "RESHIP_OVERDUE")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("-5", ("amount", "AMOUNT_NOT_POSITIVE")),
        ("0", ("amount", "AMOUNT_NOT_POSITIVE")),
        ("100.01", ("amount", "AMOUNT_ABOVE_CEILING")),
        ("1e30", ("amount", "AMOUNT_ABOVE_CEILING")),
        ("99999999999999999999999", ("amount", "AMOUNT_ABOVE_CEILING")),
        ("12.345", ("amount", "AMOUNT_INVALID")),
        ("0.001", ("amount", "AMOUNT_INVALID")),
    ],
)
def test_a_partial_refund_out_of_bounds_is_refused(api, state, amount, expected):
    # given a dispute over 100.00
    request = state("escalated")
    before = snapshot(request)
    # when the platform rules that amount
    response = api(
        DOCUMENTS["afterSaleRulingPartialRefund"],
        {"id": request_id(request), "amount": amount, "idempotencyKey": "partial-1"},
        as_="platform",
    )
    # then
    assert errors_of(response, "afterSaleRulingPartialRefund") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize("note", ["a\x00b", "x" * 501])
@pytest.mark.parametrize("name", sorted(PLATFORM_ON_A_REQUEST))
def test_a_platform_note_with_nul_or_over_500_characters_is_invalid(api, state, name, note):
    # given a dispute
    request = state("escalated")
    before = snapshot(request)
    # when the platform acts with that note
    response = api(
        DOCUMENTS[name],
        {"id": request_id(request), "note": note, **PLATFORM_ON_A_REQUEST[name]},
        as_="platform",
    )
    # then
    assert errors_of(response, name) == [("note", "INVALID")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("note", "expected"), [("x" * 501, ("note", "TEXT_TOO_LONG")), ("a\x00b", ("note", "INVALID"))]
)
def test_an_escalation_note_is_held_to_the_policys_text_limit(api, state, note, expected):
    # given a rejected request
    request = state("rejected")
    before = snapshot(request)
    # when the buyer escalates with that note
    response = api(DOCUMENTS["afterSaleRequestEscalate"], {"id": request_id(request), "note": note})
    # then
    assert errors_of(response, "afterSaleRequestEscalate") == [expected]
    assert snapshot(request) == before


def test_an_escalation_after_the_rejections_window_is_refused(api, state):
    # given a rejected request whose 7 days to escalate passed
    request = state("rejected")
    before = snapshot(request)
    # when the buyer escalates a minute after its deadline
    with freeze_time(request.deadline_at + timedelta(minutes=1)):
        response = api(DOCUMENTS["afterSaleRequestEscalate"], {"id": request_id(request)})
    # then
    assert errors_of(response, "afterSaleRequestEscalate") == [(None, "DEADLINE_PASSED")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("evidence", "text", "expected"),
    [
        ([], None, ("evidence", "INVALID_COUNT")),
        ([PHOTO] * 9, None, ("evidence", "TOO_MUCH_EVIDENCE")),
        ([PHOTO], "x" * 501, ("text", "TEXT_TOO_LONG")),
        ([PHOTO], "a\x00b", ("text", "INVALID")),
        ([{"kind": "IMAGE", "url": "ftp://x"}], None, ("evidence", "INVALID")),
        ([{"kind": "TEXT"}], None, ("evidence", "INVALID")),
    ],
)
def test_arbitration_evidence_out_of_bounds_is_refused(api, state, evidence, text, expected):
    # given the buyer's evidence round (the request holds one photo)
    request = state("arbitration_buyer_evidence")
    before = snapshot(request)
    # when the buyer hands in
    response = api(
        DOCUMENTS["afterSaleArbitrationEvidenceSubmit"],
        {"id": request_id(request), "evidence": evidence, "text": text},
    )
    # then
    assert errors_of(response, "afterSaleArbitrationEvidenceSubmit") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("   ", ("reason", "DESCRIPTION_REQUIRED")),
        ("x" * 501, ("reason", "TEXT_TOO_LONG")),
        ("a\x00b", ("reason", "INVALID")),
    ],
)
def test_an_appeal_needs_a_reason_within_the_text_limit(api, state, reason, expected):
    # given a ruling against the merchant
    request = state("ruled")
    before = snapshot(request)
    # when the merchant appeals with that reason
    response = api(
        DOCUMENTS["afterSaleAppealFile"],
        {"id": request_id(request), "reason": reason},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleAppealFile") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("escalated", (None, "APPEAL_NOT_ALLOWED")),  # no ruling yet
        ("ruled_for_merchant", (None, "APPEAL_NOT_ALLOWED")),  # nothing against the merchant
        ("appealed", (None, "APPEAL_EXISTS")),  # appealed already
    ],
)
def test_only_a_ruling_against_the_merchant_is_appealed_and_once(api, state, situation, expected):
    # given
    request = state(situation)
    before = snapshot(request)
    # when the merchant appeals
    response = api(
        DOCUMENTS["afterSaleAppealFile"],
        {"id": request_id(request), "reason": "Unfair."},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleAppealFile") == [expected]
    assert snapshot(request) == before


def test_an_appeal_after_its_window_is_refused(api, state):
    # given a ruling made now
    request = state("ruled")
    before = snapshot(request)
    # when the merchant appeals seven days later
    with freeze_time(timezone.now() + timedelta(days=7, minutes=1)):
        response = api(
            DOCUMENTS["afterSaleAppealFile"],
            {"id": request_id(request), "reason": "Unfair."},
            as_="merchant",
        )
    # then
    assert errors_of(response, "afterSaleAppealFile") == [(None, "WINDOW_CLOSED")]
    assert snapshot(request) == before


def test_an_appeal_is_decided_once(api, state):
    # given an appeal the platform dismissed
    request = state("appealed")
    first = api(
        DOCUMENTS["afterSaleAppealDecide"],
        {"id": appeal_id(request), "upheld": False},
        as_="platform",
    ).data["afterSaleAppealDecide"]
    before = snapshot(request)
    # when the platform decides it again, upholding it
    response = api(
        DOCUMENTS["afterSaleAppealDecide"],
        {"id": appeal_id(request), "upheld": True},
        as_="platform",
    )
    # then the first decision stands
    assert (first["errors"], first["appeal"]["status"]) == ([], "DISMISSED")
    assert errors_of(response, "afterSaleAppealDecide") == [(None, "APPEAL_DECIDED")]
    assert snapshot(request) == before


def test_an_appeal_decision_note_over_500_characters_is_invalid(api, state):
    # given
    request = state("appealed")
    before = snapshot(request)
    # when
    response = api(
        DOCUMENTS["afterSaleAppealDecide"],
        {"id": appeal_id(request), "upheld": True, "note": "x" * 501},
        as_="platform",
    )
    # then
    assert errors_of(response, "afterSaleAppealDecide") == [("note", "INVALID")]
    assert snapshot(request) == before


SETTLEMENT = {"channel": "default-channel", "amount": "40.00", "idempotencyKey": "wire-1"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"amount": "-1"}, ("amount", "AMOUNT_NOT_POSITIVE")),
        ({"amount": "0"}, ("amount", "AMOUNT_NOT_POSITIVE")),
        ({"amount": "100.01"}, ("amount", "AMOUNT_ABOVE_CEILING")),
        ({"amount": "1e30"}, ("amount", "AMOUNT_ABOVE_CEILING")),
        ({"amount": "1.001"}, ("amount", "AMOUNT_INVALID")),
        ({"channel": "other-channel"}, ("amount", "AMOUNT_ABOVE_CEILING")),  # owes nothing
        ({"channel": "default\x00channel"}, ("channel", "INVALID")),
        ({"channel": "c" * 256}, ("channel", "INVALID")),
        ({"idempotencyKey": ""}, ("idempotencyKey", "INVALID")),
        ({"idempotencyKey": "k" * 256}, ("idempotencyKey", "INVALID")),
        ({"idempotencyKey": "a\x00b"}, ("idempotencyKey", "INVALID")),
        ({"reference": "x" * 501}, ("reference", "INVALID")),
    ],
)
def test_a_settlement_out_of_bounds_is_refused(api, state, changes, expected):
    # given the merchant owes the platform 100.00
    request = state("ruled")
    before = snapshot(request)
    # when the platform records a settlement with one value out of bounds
    response = api(
        DOCUMENTS["afterSaleSettlementRecord"], {**SETTLEMENT, **changes}, as_="platform"
    )
    # then
    assert errors_of(response, "afterSaleSettlementRecord") == [expected]
    assert snapshot(request) == before


def test_a_settlement_key_reused_for_another_amount_is_refused(api, state):
    # given a settlement of 40.00 recorded with a key
    request = state("ruled")
    api(DOCUMENTS["afterSaleSettlementRecord"], SETTLEMENT, as_="platform")
    before = snapshot(request)
    # when the platform sends the key again with 50.00
    response = api(
        DOCUMENTS["afterSaleSettlementRecord"], {**SETTLEMENT, "amount": "50.00"}, as_="platform"
    )
    # then
    assert errors_of(response, "afterSaleSettlementRecord") == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]
    assert snapshot(request) == before

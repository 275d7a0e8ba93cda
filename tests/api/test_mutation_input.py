"""Bad input to mutations: unknown or malformed IDs, other people's orders,
quantities and amounts out of bounds, wrong states, stale versions. Each is a
typed error, and nothing changes."""

from __future__ import annotations

import base64
import uuid

import pytest

from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.sandbox import models as shop

from .calls import DOCUMENTS
from .conftest import PHOTO, line_id, order_id, request_id, snapshot

UNKNOWN_REQUEST = ids.to_global_id(ids.REQUEST, uuid.uuid4())
MALFORMED_IDS = [
    "nope",
    "",
    base64.b64encode(b"AfterSaleRequest:not-a-uuid").decode(),
    ids.to_global_id(ids.ORDER, uuid.uuid4()),  # another type's ID
    "\x00",
    "QWZ0ZXJTYWxlUmVxdWVzdDo=",  # "AfterSaleRequest:" without a pk
]


def errors_of(response, name):
    result = response.data[name]
    assert result["afterSaleRequest"] is None
    return [(error["field"], error["code"]) for error in result["errors"]]


def create_input(demo, *, quantity=1, sku="TEE-RED-M", **extra):
    order = demo.orders["delivered"]
    return {
        "type": "RETURN_AND_REFUND",
        "reason": "QUALITY_FUNCTION",
        "lines": [{"orderLineId": line_id(order, sku), "quantity": quantity}],
        "evidence": [PHOTO],
        **extra,
    }


@pytest.mark.parametrize("bad_id", [UNKNOWN_REQUEST, *MALFORMED_IDS])
def test_an_unknown_or_malformed_request_id_is_not_found(api, state, bad_id):
    # given a request in review
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    # when the merchant approves an ID that names no request
    response = api(DOCUMENTS["afterSaleRequestApprove"], {"id": bad_id}, as_="merchant")
    # then
    assert errors_of(response, "afterSaleRequestApprove") == [("id", "NOT_FOUND")]
    assert snapshot(request) == before


@pytest.mark.parametrize("bad_id", [ids.to_global_id(ids.ORDER, uuid.uuid4()), *MALFORMED_IDS])
def test_filing_on_an_unknown_or_malformed_order_id_is_not_found(api, demo, bad_id):
    # given
    before = snapshot()
    # when
    response = api(
        DOCUMENTS["afterSaleRequestCreate"], {"orderId": bad_id, "input": create_input(demo)}
    )
    # then
    assert errors_of(response, "afterSaleRequestCreate") == [("orderId", "NOT_FOUND")]
    assert snapshot() == before


def test_filing_on_another_buyers_order_is_denied(api, demo):
    # given the buyer's order
    before = snapshot()
    # when another buyer files on it
    response = api(
        DOCUMENTS["afterSaleRequestCreate"],
        {"orderId": order_id(demo.orders["delivered"]), "input": create_input(demo)},
        as_="other_buyer",
    )
    # then
    assert errors_of(response, "afterSaleRequestCreate") == [(None, "PERMISSION_DENIED")]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"quantity": 3}, ("lines", "QUANTITY_TOO_HIGH")),
        ({"quantity": 0}, ("lines", "QUANTITY_INVALID")),
        ({"quantity": -1}, ("lines", "QUANTITY_INVALID")),
        ({"requestedAmount": "-1"}, ("requestedAmount", "AMOUNT_NOT_POSITIVE")),
        ({"requestedAmount": "0"}, ("requestedAmount", "AMOUNT_NOT_POSITIVE")),
        ({"requestedAmount": "100.01"}, ("requestedAmount", "AMOUNT_ABOVE_CEILING")),
        ({"requestedAmount": "1e30"}, ("requestedAmount", "AMOUNT_ABOVE_CEILING")),
        ({"requestedAmount": "1.001"}, ("requestedAmount", "AMOUNT_INVALID")),
        ({"evidence": []}, ("evidence", "EVIDENCE_REQUIRED")),
        ({"evidence": [PHOTO] * 10}, ("evidence", "TOO_MUCH_EVIDENCE")),
        ({"evidence": [{"kind": "IMAGE", "url": "ftp://x"}]}, ("evidence", "INVALID")),
        ({"evidence": [{"kind": "FILE", "url": "http://[::1"}]}, ("evidence", "INVALID")),
        ({"evidence": [{"kind": "TEXT"}]}, ("evidence", "INVALID")),
        ({"description": "x" * 501}, ("description", "TEXT_TOO_LONG")),
        ({"description": "a\x00b"}, ("description", "INVALID")),
        ({"reason": "MISSING_ITEMS"}, ("reason", "REASON_NOT_ALLOWED_FOR_TYPE")),
        ({"lines": []}, ("lines", "NO_LINES")),
        ({"lines": [{"orderLineId": "bogus", "quantity": 1}]}, ("lines", "UNKNOWN_LINE")),
    ],
)
def test_filing_refuses_what_the_rules_refuse(api, demo, changes, expected):
    # given
    before = snapshot()
    quantity = changes.pop("quantity", 1)
    # when the buyer files with one value out of bounds
    response = api(
        DOCUMENTS["afterSaleRequestCreate"],
        {
            "orderId": order_id(demo.orders["delivered"]),
            "input": create_input(demo, quantity=quantity, **changes),
        },
    )
    # then
    assert errors_of(response, "afterSaleRequestCreate") == [expected]
    assert snapshot() == before


def test_filing_a_line_twice_is_refused_while_the_first_request_is_active(api, demo, state):
    # given an active request on the tee
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    # when the buyer files on the tee again
    response = api(
        DOCUMENTS["afterSaleRequestCreate"],
        {"orderId": order_id(demo.orders["delivered"]), "input": create_input(demo)},
    )
    # then
    assert errors_of(response, "afterSaleRequestCreate") == [("lines", "ACTIVE_REQUEST_EXISTS")]
    assert snapshot(request) == before


def test_filing_on_a_switched_off_channel_is_refused(api, demo):
    # given the channel takes no new requests
    demo.channel.after_sale_enabled = False
    demo.channel.save()
    before = snapshot()
    # when
    response = api(
        DOCUMENTS["afterSaleRequestCreate"],
        {"orderId": order_id(demo.orders["delivered"]), "input": create_input(demo)},
    )
    # then
    assert errors_of(response, "afterSaleRequestCreate") == [(None, "AFTER_SALE_DISABLED")]
    assert snapshot() == before


def test_an_event_in_the_wrong_state_is_refused(api, state):
    # given a request already approved
    request = state("awaiting_buyer_return")
    before = snapshot(request)
    # when the merchant approves it again
    response = api(
        DOCUMENTS["afterSaleRequestApprove"], {"id": request_id(request)}, as_="merchant"
    )
    # then
    assert errors_of(response, "afterSaleRequestApprove") == [(None, "WRONG_STATE")]
    assert snapshot(request) == before


@pytest.mark.parametrize("version", [0, 2, -1, 2**31 - 1])
def test_a_stale_version_is_refused(api, state, version):
    # given a request at version 1 (filed, then a negotiation message)
    request = state("negotiated")
    assert request.version == 1
    before = snapshot(request)
    # when the merchant approves what they saw at another version
    response = api(
        DOCUMENTS["afterSaleRequestApprove"],
        {"id": request_id(request), "version": version},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleRequestApprove") == [("version", "STALE_VERSION")]
    assert snapshot(request) == before


def test_the_current_version_is_accepted(api, state):
    # given
    request = state("negotiated")
    # when
    response = api(
        DOCUMENTS["afterSaleRequestApprove"],
        {"id": request_id(request), "version": 1},
        as_="merchant",
    )
    # then
    result = response.data["afterSaleRequestApprove"]
    assert (result["errors"], result["afterSaleRequest"]["version"]) == ([], 2)


def test_a_rejection_before_any_negotiation_message_is_refused(api, state):
    # given a request in review without a message to the buyer
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    # when
    response = api(
        DOCUMENTS["afterSaleRequestReject"],
        {"id": request_id(request), "input": {"reason": "OUTSIDE_POLICY"}},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleRequestReject") == [(None, "NEGOTIATION_REQUIRED")]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("-5", ("amount", "AMOUNT_NOT_POSITIVE")),
        ("0", ("amount", "AMOUNT_NOT_POSITIVE")),
        ("50.01", ("amount", "AMOUNT_ABOVE_CEILING")),
        ("99999999999999999999999", ("amount", "AMOUNT_ABOVE_CEILING")),
        ("12.345", ("amount", "AMOUNT_INVALID")),
    ],
)
def test_a_freight_claim_out_of_bounds_is_refused(api, state, amount, expected):
    # given a return waiting for the buyer's parcel
    request = state("awaiting_buyer_return")
    before = snapshot(request)
    # when the buyer claims that amount of freight
    response = api(
        DOCUMENTS["afterSaleReturnFreightClaim"], {"id": request_id(request), "amount": amount}
    )
    # then
    assert errors_of(response, "afterSaleReturnFreightClaim") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("proposal", "expected"),
    [
        ({"amount": "100.01"}, ("amount", "AMOUNT_INCREASE_NOT_ALLOWED")),
        ({"amount": "-1"}, ("amount", "AMOUNT_NOT_POSITIVE")),
        ({"amount": "100"}, (None, "PROPOSAL_EMPTY")),
        ({}, (None, "PROPOSAL_EMPTY")),
        ({"type": "RESHIP"}, ("type", "REASON_NOT_ALLOWED_FOR_TYPE")),
        ({"returnAddress": "a\x00b"}, ("returnAddress", "INVALID")),
    ],
)
def test_a_proposal_the_rules_refuse_changes_nothing(api, state, proposal, expected):
    # given a return of 100.00 in review
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    # when
    response = api(
        DOCUMENTS["afterSaleProposalCreate"],
        {"id": request_id(request), "input": proposal},
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleProposalCreate") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("carrier", "tracking", "expected"),
    [
        ("", "SF1", ("trackingNumber", "TRACKING_REQUIRED")),
        ("SF", "   ", ("trackingNumber", "TRACKING_REQUIRED")),
        ("S" * 129, "SF1", ("carrier", "INVALID")),
        ("SF", "1" * 129, ("trackingNumber", "INVALID")),
        ("SF\x00", "SF1", ("carrier", "INVALID")),
    ],
)
def test_a_return_shipment_needs_a_carrier_and_a_tracking_number(
    api, state, carrier, tracking, expected
):
    # given
    request = state("awaiting_buyer_return")
    before = snapshot(request)
    # when
    response = api(
        DOCUMENTS["afterSaleReturnShipmentSubmit"],
        {"id": request_id(request), "carrier": carrier, "trackingNumber": tracking},
    )
    # then
    assert errors_of(response, "afterSaleReturnShipmentSubmit") == [expected]
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("TEE-GLD-M", ("replacements", "REPLACEMENT_PRICE_MISMATCH")),
        ("CAP-BLK", ("replacements", "REPLACEMENT_NOT_SAME_PRODUCT")),
        ("NO-SUCH-SKU", ("replacements", "REPLACEMENT_NOT_SAME_PRODUCT")),
        (None, ("replacements", "REPLACEMENT_REQUIRED")),
    ],
)
def test_an_exchange_ships_a_variant_of_the_same_product_at_the_same_price(
    api, demo, state, variant, expected
):
    # given an exchange of a tee whose return was received
    request = state("awaiting_replacement_shipment")
    order = demo.orders["delivered"]
    replacements = (
        []
        if variant is None
        else [{"orderLineId": line_id(order, "TEE-RED-M"), "variantId": variant}]
    )
    before = snapshot(request)
    # when the merchant ships that variant
    response = api(
        DOCUMENTS["afterSaleItemsShip"],
        {
            "id": request_id(request),
            "input": {"carrier": "SF", "trackingNumber": "SF9", "replacements": replacements},
        },
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleItemsShip") == [expected]
    assert snapshot(request) == before


def test_an_exchange_ships_another_size_at_the_same_price(api, demo, state):
    # given an exchange of a red M tee whose return was received
    request = state("awaiting_replacement_shipment")
    order = demo.orders["delivered"]
    # when the merchant ships a red L
    response = api(
        DOCUMENTS["afterSaleItemsShip"],
        {
            "id": request_id(request),
            "input": {
                "carrier": "SF",
                "trackingNumber": "SF9",
                "replacements": [
                    {"orderLineId": line_id(order, "TEE-RED-M"), "variantId": "TEE-RED-L"}
                ],
            },
        },
        as_="merchant",
    )
    # then it is on its way to the buyer, with the variant recorded per line
    result = response.data["afterSaleItemsShip"]
    assert (result["errors"], result["afterSaleRequest"]["state"]) == (
        [],
        "AWAITING_BUYER_CONFIRMATION",
    )
    shipment = request.shipments.get(kind="replacement")
    assert shipment.items == [
        {
            "line_id": str(order.lines.get(sku="TEE-RED-M").pk),
            "variant_id": "TEE-RED-L",
            "quantity": 1,
        }
    ]


def test_a_replacement_for_a_malformed_line_id_is_invalid(api, state):
    # given
    request = state("awaiting_replacement_shipment")
    before = snapshot(request)
    # when
    response = api(
        DOCUMENTS["afterSaleItemsShip"],
        {
            "id": request_id(request),
            "input": {
                "carrier": "SF",
                "trackingNumber": "SF9",
                "replacements": [{"orderLineId": "bogus", "variantId": "TEE-RED-L"}],
            },
        },
        as_="merchant",
    )
    # then
    assert errors_of(response, "afterSaleItemsShip") == [("replacements", "INVALID")]
    assert snapshot(request) == before


def test_resubmitting_more_than_is_left_is_refused(api, demo, state):
    # given a rejected return of one tee (two were bought)
    request = state("rejected")
    before = snapshot(request)
    # when the buyer resubmits for three
    response = api(
        DOCUMENTS["afterSaleRequestResubmit"],
        {
            "id": request_id(request),
            "input": {
                "lines": [
                    {"orderLineId": line_id(demo.orders["delivered"], "TEE-RED-M"), "quantity": 3}
                ]
            },
        },
    )
    # then
    assert errors_of(response, "afterSaleRequestResubmit") == [("lines", "QUANTITY_TOO_HIGH")]
    assert snapshot(request) == before


def test_evidence_beyond_the_cap_is_refused(api, state):
    # given a request holding one piece of evidence
    request = state("awaiting_merchant_review")
    before = snapshot(request)
    # when the buyer adds nine more
    response = api(
        DOCUMENTS["afterSaleEvidenceAdd"], {"id": request_id(request), "evidence": [PHOTO] * 9}
    )
    # then
    assert errors_of(response, "afterSaleEvidenceAdd") == [("evidence", "TOO_MUCH_EVIDENCE")]
    assert snapshot(request) == before


def test_resubmitting_when_the_shop_lost_the_order_is_not_found(api, demo, state):
    # given a rejected request whose order the shop no longer has
    request = state("rejected")
    shop.Order.objects.filter(pk=request.order_id).delete()
    before = snapshot(request)
    # when the buyer resubmits
    response = api(DOCUMENTS["afterSaleRequestResubmit"], {"id": request_id(request), "input": {}})
    # then
    assert errors_of(response, "afterSaleRequestResubmit") == [("id", "NOT_FOUND")]
    assert snapshot(request) == before

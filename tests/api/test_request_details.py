"""What a request exposes (spec §6), read back through the API exactly."""

from __future__ import annotations

from decimal import Decimal

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.sandbox.factory import caller_for

from .calls import DOCUMENTS
from .conftest import line_id, request_id

DETAILS = """
query Details($id: ID!) {
  afterSaleRequest(id: $id) {
    type reason state kuaishouStatus attempt description channelSlug beforeShipment
    returnAddress isActive whoseTurn version
    order { ... on AfterSaleOrder { id channelSlug } }
    lines { orderLineId productName variantName productSku itemKind quantity orderedQuantity
            unitPrice { amount currency } amount { amount currency } }
    evidence { kind url text addedBy }
    shipments { kind carrier trackingNumber enteredBy items { orderLineId variantId quantity } }
    moneyMovements { kind method payer attempt status amount { amount currency } }
    timeline { type actor fromState toState note version }
    deadline { defaultOutcome whoseTurn }
    refundCeiling { amount } requestedAmount { amount } refundedAmount { amount }
    compensatedAmount { amount } platformAdvancedAmount { amount }
    proposal { type returnAddress }
    freightClaim { status amount { amount currency } }
  }
}
"""


def test_a_request_shows_everything_that_happened(api, demo, state):
    # given a return whose freight the buyer claimed, then shipped back, with text evidence
    request = state("freight_claimed")
    buyer = caller_for(demo.buyer)
    act.submit_return_shipment(request.pk, buyer, carrier="SF", tracking_number="SF7")
    api(
        DOCUMENTS["afterSaleEvidenceAdd"],
        {"id": request_id(request), "evidence": [{"kind": "TEXT", "text": "Box was open."}]},
    )
    order = demo.orders["delivered"]
    # when the buyer reads it
    details = api(DETAILS, {"id": request_id(request)}).data["afterSaleRequest"]
    # then
    timeline = details.pop("timeline")
    assert details == {
        "type": "RETURN_AND_REFUND",
        "reason": "QUALITY_FUNCTION",
        "state": "AWAITING_MERCHANT_RECEIPT",
        "kuaishouStatus": 40,
        "attempt": 1,
        "description": "",
        "channelSlug": "default-channel",
        "beforeShipment": False,
        "returnAddress": "Returns desk, default-channel warehouse, Hangzhou",
        "isActive": True,
        "whoseTurn": "MERCHANT",
        "version": 4,
        "order": {"id": ids.to_global_id(ids.ORDER, order.pk), "channelSlug": "default-channel"},
        "lines": [
            {
                "orderLineId": line_id(order, "TEE-RED-M"),
                "productName": "Cotton tee",
                "variantName": "Red / M",
                "productSku": "TEE-RED-M",
                "itemKind": "GOODS",
                "quantity": 1,
                "orderedQuantity": 2,
                "unitPrice": {"amount": 100.0, "currency": "CNY"},
                "amount": {"amount": 100.0, "currency": "CNY"},
            }
        ],
        "evidence": [
            {
                "kind": "IMAGE",
                "url": "https://img.example.com/1.jpg",
                "text": None,
                "addedBy": "BUYER",
            },
            {"kind": "TEXT", "url": None, "text": "Box was open.", "addedBy": "BUYER"},
        ],
        "shipments": [
            {
                "kind": "RETURN",
                "carrier": "SF",
                "trackingNumber": "SF7",
                "enteredBy": "BUYER",
                "items": [],
            }
        ],
        "moneyMovements": [],
        "deadline": {"defaultOutcome": "AUTO_REFUND", "whoseTurn": "MERCHANT"},
        "refundCeiling": {"amount": 100.0},
        "requestedAmount": {"amount": 100.0},
        "refundedAmount": {"amount": 0.0},
        "compensatedAmount": {"amount": 0.0},
        "platformAdvancedAmount": {"amount": 0.0},
        "proposal": None,
        "freightClaim": {"status": "CLAIMED", "amount": {"amount": 12.0, "currency": "CNY"}},
    }
    assert [
        (e["type"], e["actor"], e["fromState"], e["toState"], e["version"]) for e in timeline
    ] == [
        ("CREATED", "BUYER", None, "AWAITING_MERCHANT_REVIEW", 0),
        ("APPROVE", "MERCHANT", "AWAITING_MERCHANT_REVIEW", "AWAITING_BUYER_RETURN", 1),
        ("CLAIM_RETURN_FREIGHT", "BUYER", "AWAITING_BUYER_RETURN", "AWAITING_BUYER_RETURN", 2),
        (
            "SUBMIT_RETURN_SHIPMENT",
            "BUYER",
            "AWAITING_BUYER_RETURN",
            "AWAITING_MERCHANT_RECEIPT",
            3,
        ),
        ("ADD_EVIDENCE", "BUYER", "AWAITING_MERCHANT_RECEIPT", "AWAITING_MERCHANT_RECEIPT", 4),
    ]


def test_an_exchange_shows_the_variant_sent_and_a_refund_its_payment(api, demo, state):
    # given an exchange shipped with a red L, and a refund paid
    exchange = state("awaiting_replacement_shipment")
    order = demo.orders["delivered"]
    act.ship_items(
        exchange.pk,
        caller_for(demo.merchant),
        carrier="SF",
        tracking_number="SF8",
        replacements=[(str(order.lines.get(sku="TEE-RED-M").pk), "TEE-RED-L")],
    )
    # when the merchant reads both
    shipped = api(DETAILS, {"id": request_id(exchange)}, as_="merchant").data["afterSaleRequest"]
    # then
    assert [s["items"] for s in shipped["shipments"]] == [
        [],
        [{"orderLineId": line_id(order, "TEE-RED-M"), "variantId": "TEE-RED-L", "quantity": 1}],
    ]
    assert [(s["kind"], s["enteredBy"]) for s in shipped["shipments"]] == [
        ("RETURN", "BUYER"),
        ("REPLACEMENT", "MERCHANT"),
    ]


def test_a_proposal_and_a_payment_read_back(api, demo, state):
    # given a refund-only request that was proposed 80.00, accepted and paid
    request = state("awaiting_merchant_review")
    request.request_type = "refund_only"
    request.save()
    merchant = caller_for(demo.merchant)
    act.propose_change(request.pk, merchant, amount=Decimal("80.00"), return_address="Dock 2")
    proposed = api(DETAILS, {"id": request_id(request)}).data["afterSaleRequest"]
    api(DOCUMENTS["afterSaleProposalAccept"], {"id": request_id(request)})
    # when the buyer reads it again
    paid = api(DETAILS, {"id": request_id(request)}).data["afterSaleRequest"]
    # then
    assert proposed["proposal"] == {"type": "REFUND_ONLY", "returnAddress": "Dock 2"}
    assert (paid["state"], paid["refundedAmount"], paid["isActive"], paid["deadline"]) == (
        "REFUNDED",
        {"amount": 80.0},
        False,
        None,
    )
    assert paid["moneyMovements"] == [
        {
            "kind": "REFUND",
            "method": "REFUND",
            "payer": "MERCHANT",
            "attempt": 1,
            "status": "SUCCEEDED",
            "amount": {"amount": 80.0, "currency": "CNY"},
        }
    ]

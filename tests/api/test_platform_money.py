"""What the paying rulings, appeals and settlements move, through the API: the
buyer's payments, who paid them, the merchant liability ledger, and that the
same idempotency key pays once."""

from __future__ import annotations

from decimal import Decimal

from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.ledger import balance
from saleor_kuai_returns.models import LiabilityEntry, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop

from .calls import DOCUMENTS, mutation
from .conftest import request_id, snapshot

CHANNEL = "default-channel"
MONEY_OF = """
query Money($id: ID!) {
  afterSaleRequest(id: $id) {
    state
    refundedAmount { amount currency }
    compensatedAmount { amount currency }
    platformAdvancedAmount { amount currency }
    moneyMovements { kind method payer status amount { amount currency } }
  }
}
"""


def money(api, request):
    """The request's money as the platform reads it, and the rows behind it."""
    shown = api(MONEY_OF, {"id": request_id(request)}, as_="platform").data["afterSaleRequest"]
    return {
        "shown": shown,
        "ledger": list(
            LiabilityEntry.objects.filter(request=request).values_list("kind", "amount")
        ),
        "payments": list(shop.Payment.objects.values_list("kind", "amount", "status")),
    }


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


def rule(api, name, request, **arguments):
    result = api(DOCUMENTS[name], {"id": request_id(request), **arguments}, as_="platform")
    return result.data[name]


def test_buyer_wins_refund_is_paid_by_the_merchant(api, state):
    # given a dispute over a tee paid 100.00
    request = state("escalated")
    # when the platform rules for the buyer
    result = rule(api, "afterSaleRulingBuyerWinsRefund", request, note="The photos show it.")
    # then the merchant refunded 100.00 and owes the platform nothing
    assert result["errors"] == []
    assert money(api, request) == {
        "shown": {
            "state": "REFUNDED",
            "refundedAmount": cny(100.0),
            "compensatedAmount": cny(0.0),
            "platformAdvancedAmount": cny(0.0),
            "moneyMovements": [
                {
                    "kind": "REFUND",
                    "method": "REFUND",
                    "payer": "MERCHANT",
                    "status": "SUCCEEDED",
                    "amount": cny(100.0),
                }
            ],
        },
        "ledger": [],
        "payments": [("refund", Decimal("100.000"), "succeeded")],
    }


def test_unjustified_rejection_is_refunded_by_the_platform_and_owed_by_the_merchant(api, state):
    # given
    request = state("escalated")
    # when the platform finds the rejection unjustified
    result = rule(api, "afterSaleRulingUnjustifiedRejection", request)
    # then the platform refunded 100.00 first, with its own money (a gift card),
    # and the merchant owes it that
    assert result["errors"] == []
    assert money(api, request) == {
        "shown": {
            "state": "REFUNDED",
            "refundedAmount": cny(100.0),
            "compensatedAmount": cny(0.0),
            "platformAdvancedAmount": cny(100.0),
            "moneyMovements": [
                {
                    "kind": "REFUND",
                    "method": "GIFT_CARD",
                    "payer": "PLATFORM",
                    "status": "SUCCEEDED",
                    "amount": cny(100.0),
                }
            ],
        },
        "ledger": [("platform_refund_first", Decimal("100.000"))],
        "payments": [("gift_card", Decimal("100.000"), "succeeded")],
    }
    assert balance(CHANNEL) == Decimal("100.000")


def test_a_partial_refund_pays_the_amount_ruled(api, state):
    # given
    request = state("escalated")
    # when the platform rules 40.00 of the 100.00 asked
    result = rule(api, "afterSaleRulingPartialRefund", request, amount="40.00")
    # then
    assert result["errors"] == []
    shown = money(api, request)
    assert (shown["shown"]["refundedAmount"], shown["ledger"], shown["payments"]) == (
        cny(40.0),
        [],
        [("refund", Decimal("40.000"), "succeeded")],
    )
    assert [m["payer"] for m in shown["shown"]["moneyMovements"]] == ["MERCHANT"]


def test_a_wrong_item_with_compensation_pays_late_shipment_compensation_charged_to_the_merchant(
    api, demo, state
):
    # given a wrong tee (paid 100.00) on a channel compensating 12 % of what was paid
    demo.channel.policy = {**demo.channel.policy, "late_shipment_rate": "0.12"}
    demo.channel.save()
    request = state("escalated_wrong_item")
    # when the platform confirms it and the buyer asked for compensation
    result = rule(
        api,
        "afterSaleRulingWrongItem",
        request,
        resolution="EXCHANGE",
        compensationRequested=True,
    )
    # then the goods go back at the merchant's cost, and 12.00 is paid as a gift card by the
    # platform, owed by the merchant
    assert (result["errors"], result["afterSaleRequest"]["state"]) == ([], "AWAITING_BUYER_RETURN")
    request.refresh_from_db()
    assert (request.request_type, request.merchant_pays_all_freight) == ("exchange", True)
    assert money(api, request) == {
        "shown": {
            "state": "AWAITING_BUYER_RETURN",
            "refundedAmount": cny(0.0),
            "compensatedAmount": cny(12.0),
            "platformAdvancedAmount": cny(12.0),
            "moneyMovements": [
                {
                    "kind": "LATE_SHIPMENT_COMPENSATION",
                    "method": "GIFT_CARD",
                    "payer": "PLATFORM",
                    "status": "SUCCEEDED",
                    "amount": cny(12.0),
                }
            ],
        },
        "ledger": [("late_shipment_compensation", Decimal("12.000"))],
        "payments": [("gift_card", Decimal("12.000"), "succeeded")],
    }


def test_a_wrong_item_without_compensation_moves_no_money(api, state):
    # given
    request = state("escalated_wrong_item")
    # when the platform confirms it, the buyer asking for nothing
    result = rule(api, "afterSaleRulingWrongItem", request)
    # then the tee goes back for a refund, and nothing is paid yet
    assert (result["errors"], result["afterSaleRequest"]["state"]) == ([], "AWAITING_BUYER_RETURN")
    request.refresh_from_db()
    assert request.request_type == "return_and_refund"
    assert (MoneyMovement.objects.count(), LiabilityEntry.objects.count()) == (0, 0)


def test_a_ruling_repeated_with_its_key_pays_once(api, state):
    # given an unjustified rejection ruled with a key
    request = state("escalated")
    first = rule(api, "afterSaleRulingUnjustifiedRejection", request, idempotencyKey="rule-1")
    after_first = snapshot(request)
    # when the platform's client sends the same call again
    again = rule(api, "afterSaleRulingUnjustifiedRejection", request, idempotencyKey="rule-1")
    # then it answers the request as it is now, and nothing moved again
    assert (first["errors"], first["afterSaleRequest"]["state"]) == ([], "REFUNDING")
    assert (again["errors"], again["afterSaleRequest"]["state"]) == ([], "REFUNDED")
    assert snapshot(request) == after_first
    assert list(LiabilityEntry.objects.values_list("kind", "amount")) == [
        ("platform_refund_first", Decimal("100.000"))
    ]
    assert shop.Payment.objects.count() == 1


def test_a_ruling_key_names_one_request(api, state):
    # given a key the platform used to rule on one dispute
    first = state("escalated")
    rule(api, "afterSaleRulingBuyerWinsRefund", first, idempotencyKey="k")
    other = state("escalated_reship")
    before = snapshot(other)
    # when it sends the key with another dispute
    result = rule(api, "afterSaleRulingBuyerWinsRefund", other, idempotencyKey="k")
    # then
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]
    assert snapshot(other) == before


def test_a_settlement_lowers_the_balance_once_per_key(api, demo, state):
    # given the merchant owes 100.00
    state("ruled")
    arguments = {
        "channel": CHANNEL,
        "amount": "40.00",
        "reference": "Wire 2026-03",
        "idempotencyKey": "wire-1",
    }
    # when the platform records 40.00 paid back, twice with the same key
    first = api(DOCUMENTS["afterSaleSettlementRecord"], arguments, as_="platform").data[
        "afterSaleSettlementRecord"
    ]
    again = api(DOCUMENTS["afterSaleSettlementRecord"], arguments, as_="platform").data[
        "afterSaleSettlementRecord"
    ]
    # then one entry of -40.00, and the merchant owes 60.00
    assert first == again
    assert first == {
        "liabilityEntry": {
            "id": first["liabilityEntry"]["id"],
            "kind": "SETTLEMENT",
            "amount": cny(-40.0),
            "note": "Wire 2026-03",
            "recordedBy": ids.to_global_id(ids.USER, demo.platform.pk),
        },
        "balance": cny(60.0),
        "errors": [],
    }
    assert list(LiabilityEntry.objects.order_by("created_at").values_list("kind", "amount")) == [
        ("platform_refund_first", Decimal("100.000")),
        ("settlement", Decimal("-40.000")),
    ]


def test_an_upheld_appeal_takes_the_charge_back_and_the_buyer_keeps_the_money(api, state):
    # given the merchant appealed an unjustified-rejection ruling (it owes 100.00)
    request = state("appealed")
    appeals = api(
        "query { afterSaleAppeals(first: 5) { edges { node { id } } } }", as_="platform"
    ).data["afterSaleAppeals"]["edges"]
    # when the platform upholds it
    decided = api(
        DOCUMENTS["afterSaleAppealDecide"],
        {"id": appeals[0]["node"]["id"], "upheld": True, "note": "The tee came back worn."},
        as_="platform",
    ).data["afterSaleAppealDecide"]
    # then the charge is taken back; the buyer's refund stays
    assert decided["appeal"]["status"] == "UPHELD"
    assert decided["appeal"]["decisionNote"] == "The tee came back worn."
    assert list(LiabilityEntry.objects.order_by("created_at").values_list("kind", "amount")) == [
        ("platform_refund_first", Decimal("100.000")),
        ("appeal_upheld", Decimal("-100.000")),
    ]
    assert balance(CHANNEL) == Decimal("0")
    assert money(api, request)["shown"]["refundedAmount"] == cny(100.0)
    request.refresh_from_db()
    assert request.ruled_against_merchant is False


def test_a_dismissed_appeal_moves_no_money(api, state):
    # given
    request = state("appealed")
    before = list(LiabilityEntry.objects.values_list("kind", "amount"))
    appeal = api(
        "query { afterSaleAppeals(first: 5) { edges { node { id } } } }", as_="platform"
    ).data["afterSaleAppeals"]["edges"][0]["node"]["id"]
    # when the platform dismisses it
    decided = api(
        mutation("afterSaleAppealDecide", {"id": "ID!", "upheld": "Boolean!"}, "appeal { status }"),
        {"id": appeal, "upheld": False},
        as_="platform",
    ).data["afterSaleAppealDecide"]
    # then the ruling stands
    assert decided == {"appeal": {"status": "DISMISSED"}}
    assert list(LiabilityEntry.objects.values_list("kind", "amount")) == before
    request.refresh_from_db()
    assert request.ruled_against_merchant is True

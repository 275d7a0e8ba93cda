"""The published operations (graphql/operations/): each is valid against the
schema, and the storefront's, the dashboard's and the platform's flows run on
the sandbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from graphql import parse, validate

from saleor_kuai_returns.graphql.schema import build_schema
from saleor_kuai_returns.sandbox import models as shop

from .conftest import PHOTO, line_id, order_id

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
FILES = sorted(OPERATIONS.rglob("*.graphql"))


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


@pytest.fixture
def run(api):
    """Run a published operation; its result must carry no error of any kind."""
    ran = []

    def call(name, variables, *, as_):
        ran.append(name)
        data = api(operation(name), variables, as_=as_).data
        [result] = data.values()
        if isinstance(result, dict) and "errors" in result:
            assert result["errors"] == []
        return result

    call.ran = ran
    return call


# What the platform's flow runs (a dispute from escalation to settlement).
PLATFORM_FLOW = {
    "dashboard/appeal_file",
    "dashboard/arbitration_evidence_submit",
    "platform/appeal_decide",
    "platform/appeals",
    "platform/arbitration_evidence_request",
    "platform/disputes",
    "platform/ledger",
    "platform/ruling_unjustified_rejection",
    "platform/settlement_record",
    "platform/shop_health",
    "storefront/arbitration_evidence_submit",
    "storefront/request_escalate",
}


def test_there_are_operations_for_the_three_flows():
    assert [str(path.relative_to(OPERATIONS)) for path in FILES] == [
        "dashboard/appeal_file.graphql",
        "dashboard/arbitration_evidence_submit.graphql",
        "dashboard/due_for_me.graphql",
        "dashboard/items_ship.graphql",
        "dashboard/negotiation_message_send.graphql",
        "dashboard/proposal_create.graphql",
        "dashboard/receipt_confirm.graphql",
        "dashboard/refund_retry.graphql",
        "dashboard/request_approve.graphql",
        "dashboard/request_reject.graphql",
        "platform/appeal_decide.graphql",
        "platform/appeals.graphql",
        "platform/arbitration_evidence_request.graphql",
        "platform/disputes.graphql",
        "platform/ledger.graphql",
        "platform/ruling_unjustified_rejection.graphql",
        "platform/settlement_record.graphql",
        "platform/shop_health.graphql",
        "storefront/arbitration_evidence_submit.graphql",
        "storefront/arrival_confirm.graphql",
        "storefront/eligibility.graphql",
        "storefront/my_requests.graphql",
        "storefront/request.graphql",
        "storefront/request_cancel.graphql",
        "storefront/request_create.graphql",
        "storefront/request_escalate.graphql",
        "storefront/return_shipment_submit.graphql",
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_operation_is_valid_against_the_schema(path):
    # when the operation is validated
    errors = validate(build_schema(), parse(path.read_text()))
    # then
    assert [error.message for error in errors] == []


def test_the_storefront_and_dashboard_flows_run(run, demo):
    order = demo.orders["delivered"]
    tee = line_id(order, "TEE-RED-M")
    # the buyer checks what may be filed, files a return, and finds it in their list
    eligibility = run("storefront/eligibility", {"orderId": order_id(order)}, as_="buyer")
    assert [line["eligible"] for line in eligibility["lines"]] == [True, True]
    created = run(
        "storefront/request_create",
        {
            "orderId": order_id(order),
            "input": {
                "type": "RETURN_AND_REFUND",
                "reason": "QUALITY_FUNCTION",
                "lines": [{"orderLineId": tee, "quantity": 1}],
                "evidence": [PHOTO],
                "description": "It does not switch on.",
            },
        },
        as_="buyer",
    )["afterSaleRequest"]
    mine = run("storefront/my_requests", {"first": 10}, as_="buyer")
    assert [edge["node"]["id"] for edge in mine["edges"]] == [created["id"]]
    # the merchant finds it in their queue, writes, proposes 80.00; the buyer reads it
    due = run("dashboard/due_for_me", {"first": 10}, as_="merchant")
    assert [edge["node"]["id"] for edge in due["edges"]] == [created["id"]]
    run(
        "dashboard/negotiation_message_send",
        {"id": created["id"], "text": "A video?"},
        as_="merchant",
    )
    proposed = run(
        "dashboard/proposal_create",
        {"id": created["id"], "input": {"amount": "80.00"}},
        as_="merchant",
    )["afterSaleRequest"]
    assert proposed["proposal"]["amount"] == {"amount": 80.0, "currency": "CNY"}
    details = run("storefront/request", {"id": created["id"]}, as_="buyer")
    assert (details["state"], details["availableActions"]) == (
        "PROPOSAL_AWAITING_BUYER",
        ["CANCEL", "ACCEPT_PROPOSAL", "DECLINE_PROPOSAL", "ADD_EVIDENCE"],
    )
    # the buyer withdraws it
    cancelled = run(
        "storefront/request_cancel",
        {"id": created["id"], "version": details["version"]},
        as_="buyer",
    )["afterSaleRequest"]
    assert cancelled["state"] == "CANCELLED"
    # a second return: approved, shipped back, received, refunded
    second = run(
        "storefront/request_create",
        {
            "orderId": order_id(order),
            "input": {
                "type": "RETURN_AND_REFUND",
                "reason": "NO_REASON",
                "lines": [{"orderLineId": tee, "quantity": 2}],
            },
        },
        as_="buyer",
    )["afterSaleRequest"]
    approved = run(
        "dashboard/request_approve",
        {"id": second["id"], "version": 0, "idempotencyKey": "approve-second"},
        as_="merchant",
    )["afterSaleRequest"]
    assert (approved["state"], approved["returnAddress"]) == (
        "AWAITING_BUYER_RETURN",
        "Returns desk, default-channel warehouse, Hangzhou",
    )
    shipped = run(
        "storefront/return_shipment_submit",
        {"id": second["id"], "carrier": "SF Express", "trackingNumber": "SF100", "version": 1},
        as_="buyer",
    )["afterSaleRequest"]
    assert shipped["state"] == "AWAITING_MERCHANT_RECEIPT"
    received = run("dashboard/receipt_confirm", {"id": second["id"], "version": 2}, as_="merchant")[
        "afterSaleRequest"
    ]
    assert received["state"] == "REFUNDING"
    assert run("storefront/request", {"id": second["id"]}, as_="buyer")["refundedAmount"] == {
        "amount": 200.0,
        "currency": "CNY",
    }
    # a reship of the cap: approved, shipped, arrived
    reship = run(
        "storefront/request_create",
        {
            "orderId": order_id(order),
            "input": {
                "type": "RESHIP",
                "reason": "MISSING_ITEMS",
                "lines": [{"orderLineId": line_id(order, "CAP-BLK"), "quantity": 1}],
                "evidence": [PHOTO],
            },
        },
        as_="buyer",
    )["afterSaleRequest"]
    run("dashboard/request_approve", {"id": reship["id"]}, as_="merchant")
    sent = run(
        "dashboard/items_ship",
        {"id": reship["id"], "input": {"carrier": "SF", "trackingNumber": "SF200"}},
        as_="merchant",
    )["afterSaleRequest"]
    assert [(s["kind"], s["trackingNumber"]) for s in sent["shipments"]] == [("RESHIP", "SF200")]
    arrived = run("storefront/arrival_confirm", {"id": reship["id"]}, as_="buyer")
    assert arrived["afterSaleRequest"]["state"] == "COMPLETED"
    # every published operation ran but the rejection and the retry, which follow, and
    # the platform's flow
    assert (
        set(run.ran) | {"dashboard/request_reject", "dashboard/refund_retry"}
        == {str(path.relative_to(OPERATIONS).with_suffix("")) for path in FILES} - PLATFORM_FLOW
    )


def test_the_dashboard_rejects_and_retries_a_refund(run, demo):
    order = demo.orders["delivered"]
    filing = {
        "orderId": order_id(order),
        "input": {
            "type": "REFUND_ONLY",
            "reason": "QUALITY_COLOUR",
            "lines": [{"orderLineId": line_id(order, "TEE-RED-M"), "quantity": 1}],
            "evidence": [PHOTO],
        },
    }
    # a refund the merchant rejects after writing to the buyer
    first = run("storefront/request_create", filing, as_="buyer")["afterSaleRequest"]
    run("dashboard/negotiation_message_send", {"id": first["id"], "text": "Hm?"}, as_="merchant")
    rejected = run(
        "dashboard/request_reject",
        {"id": first["id"], "input": {"reason": "OUTSIDE_POLICY"}},
        as_="merchant",
    )["afterSaleRequest"]
    assert (rejected["state"], rejected["deadline"]["whoseTurn"]) == ("REJECTED", "BUYER")
    # a refund on the cap the payment provider refuses, then retried
    filing["input"]["lines"] = [{"orderLineId": line_id(order, "CAP-BLK"), "quantity": 1}]
    second = run("storefront/request_create", filing, as_="buyer")["afterSaleRequest"]
    demo.channel.refund_mode = shop.RefundMode.FAIL
    demo.channel.save()
    run("dashboard/request_approve", {"id": second["id"]}, as_="merchant")
    assert run("storefront/request", {"id": second["id"]}, as_="buyer")["state"] == "REFUND_FAILED"
    demo.channel.refund_mode = shop.RefundMode.SUCCEED
    demo.channel.save()
    retried = run(
        "dashboard/refund_retry", {"id": second["id"], "idempotencyKey": "retry-1"}, as_="merchant"
    )["afterSaleRequest"]
    assert (retried["state"], [m["attempt"] for m in retried["moneyMovements"]]) == (
        "REFUNDING",
        [1, 2],
    )
    assert run("storefront/request", {"id": second["id"]}, as_="buyer")["state"] == "REFUNDED"


def test_the_platform_flow_runs_from_escalation_to_settlement(run, demo):
    order = demo.orders["delivered"]
    # a return the merchant rejects after writing to the buyer; the buyer escalates
    filed = run(
        "storefront/request_create",
        {
            "orderId": order_id(order),
            "input": {
                "type": "RETURN_AND_REFUND",
                "reason": "QUALITY_FUNCTION",
                "lines": [{"orderLineId": line_id(order, "TEE-RED-M"), "quantity": 1}],
                "evidence": [PHOTO],
            },
        },
        as_="buyer",
    )["afterSaleRequest"]
    run(
        "dashboard/negotiation_message_send",
        {"id": filed["id"], "text": "A video?"},
        as_="merchant",
    )
    run(
        "dashboard/request_reject",
        {"id": filed["id"], "input": {"reason": "NO_QUALITY_ISSUE", "description": "It works."}},
        as_="merchant",
    )
    escalated = run(
        "storefront/request_escalate",
        {"id": filed["id"], "note": "It does not switch on.", "version": 2},
        as_="buyer",
    )["afterSaleRequest"]
    assert (escalated["state"], escalated["deadline"]["whoseTurn"]) == (
        "ARBITRATION_RULING",
        "PLATFORM",
    )
    # the platform finds it among the disputes and asks both sides for evidence
    disputes = run("platform/disputes", {"first": 10}, as_="platform")
    [dispute] = [edge["node"] for edge in disputes["edges"]]
    assert (dispute["id"], dispute["timeline"][-1]["note"]) == (
        filed["id"],
        "It does not switch on.",
    )
    assert "RULE_UNJUSTIFIED_REJECTION" in dispute["availableActions"]
    asked = run(
        "platform/arbitration_evidence_request",
        {"id": filed["id"], "note": "Photos, please.", "version": dispute["version"]},
        as_="platform",
    )["afterSaleRequest"]
    buyer_round = run(
        "storefront/arbitration_evidence_submit",
        {"id": filed["id"], "evidence": [PHOTO], "version": asked["version"]},
        as_="buyer",
    )["afterSaleRequest"]
    merchant_round = run(
        "dashboard/arbitration_evidence_submit",
        {"id": filed["id"], "evidence": [{"kind": "TEXT", "text": "Tested: it works."}]},
        as_="merchant",
    )["afterSaleRequest"]
    assert (asked["state"], buyer_round["state"], merchant_round["state"]) == (
        "ARBITRATION_BUYER_EVIDENCE",
        "ARBITRATION_MERCHANT_EVIDENCE",
        "ARBITRATION_RULING",
    )
    assert [e["addedBy"] for e in merchant_round["evidence"]] == ["BUYER", "BUYER", "MERCHANT"]
    # it rules the rejection unjustified: the platform refunds first
    ruled = run(
        "platform/ruling_unjustified_rejection",
        {"id": filed["id"], "note": "It does not work.", "idempotencyKey": "rule-1"},
        as_="platform",
    )["afterSaleRequest"]
    # the answer is the request as the ruling left it (the payment runs after
    # commit, which this test client runs after the answer)
    assert (ruled["state"], ruled["moneyMovements"]) == (
        "REFUNDING",
        [
            {
                "kind": "REFUND",
                "payer": "PLATFORM",
                "status": "PENDING",
                "amount": {"amount": 100.0, "currency": "CNY"},
            }
        ],
    )
    assert ruled["platformAdvancedAmount"] == {"amount": 0.0, "currency": "CNY"}
    # the merchant appeals; the platform dismisses the appeal
    appeal = run(
        "dashboard/appeal_file", {"id": filed["id"], "reason": "It was worn."}, as_="merchant"
    )["appeal"]
    [listed] = run("platform/appeals", {"first": 10}, as_="platform")["edges"]
    assert (listed["node"]["id"], listed["node"]["request"]["state"]) == (appeal["id"], "REFUNDED")
    decided = run(
        "platform/appeal_decide",
        {"id": appeal["id"], "upheld": False, "note": "The photos show no wear."},
        as_="platform",
    )["appeal"]
    assert decided["status"] == "DISMISSED"
    # the merchant owes the platform 100.00, and settles it
    now = timezone.now()
    period = {"channel": "default-channel", "from": (now - timedelta(days=1)).isoformat()}
    statement = run("platform/ledger", {**period, "to": now.isoformat()}, as_="platform")
    assert [(e["kind"], e["amount"]["amount"]) for e in statement["entries"]] == [
        ("PLATFORM_REFUND_FIRST", 100.0)
    ]
    settled = run(
        "platform/settlement_record",
        {
            "channel": "default-channel",
            "amount": "100.00",
            "reference": "Wire 2026-03",
            "idempotencyKey": "wire-1",
        },
        as_="platform",
    )
    assert settled["balance"] == {"amount": 0.0, "currency": "CNY"}
    # and the shop's health shows the lost dispute
    [channel_row] = run("platform/shop_health", {"channel": "default-channel"}, as_="platform")
    assert (channel_row["requests"], channel_row["disputesLost"]) == (1, 1)
    assert set(run.ran) == PLATFORM_FLOW | {
        "storefront/request_create",
        "dashboard/negotiation_message_send",
        "dashboard/request_reject",
    }

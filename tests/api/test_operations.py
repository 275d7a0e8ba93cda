"""The published operations (graphql/operations/): each is valid against the
schema, and the storefront's and the dashboard's flows run on the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_there_are_operations_for_both_flows():
    assert [str(path.relative_to(OPERATIONS)) for path in FILES] == [
        "dashboard/due_for_me.graphql",
        "dashboard/items_ship.graphql",
        "dashboard/negotiation_message_send.graphql",
        "dashboard/proposal_create.graphql",
        "dashboard/receipt_confirm.graphql",
        "dashboard/refund_retry.graphql",
        "dashboard/request_approve.graphql",
        "dashboard/request_reject.graphql",
        "storefront/arrival_confirm.graphql",
        "storefront/eligibility.graphql",
        "storefront/my_requests.graphql",
        "storefront/request.graphql",
        "storefront/request_cancel.graphql",
        "storefront/request_create.graphql",
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
    # every published operation ran but the rejection and the retry, which follow
    assert set(run.ran) | {"dashboard/request_reject", "dashboard/refund_retry"} == {
        str(path.relative_to(OPERATIONS).with_suffix("")) for path in FILES
    }


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

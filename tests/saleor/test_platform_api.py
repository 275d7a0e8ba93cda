"""The platform's part of the API inside Saleor's own /graphql/: a dispute escalated
by the buyer, ruled by a member of the platform group, refunded first through the
order's transaction, booked in the ledger once the payment app confirms, and seen
in shop health — with Saleor's JWTs and Saleor's own types."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import graphene
import pytest
from django.utils import timezone
from saleor.account.models import Group
from saleor.graphql.tests.fixtures import ApiClient
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order.models import OrderGrantedRefund

from saleor_kuai_returns.app_settings import app_settings
from saleor_kuai_returns.models import AfterSaleRequest, LiabilityEntry, MoneyMovement

from .conftest import line_by_sku, report_refund

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def operation(path):
    return (OPERATIONS / path).read_text()


def call(client, path, variables):
    response = client.post_graphql(operation(path), variables)
    content = get_graphql_content(response)
    (payload,) = content["data"].values()
    return payload


@pytest.fixture
def platform_client(staff_users, permission_manage_orders):
    """A member of the platform permission group (named by the plugin's settings)."""
    member = staff_users[1]
    group = Group.objects.create(name=app_settings.PLATFORM_GROUP)
    group.user_set.add(member)
    return ApiClient(user=member)


@pytest.fixture
def rejected(user_api_client, staff_api_client, merchant, paid_order):
    """A return of one unit (12.30 paid) the merchant rejected after a message."""
    line = line_by_sku(paid_order, "SKU_AA")
    created = call(
        user_api_client,
        "storefront/request_create.graphql",
        {
            "orderId": graphene.Node.to_global_id("Order", paid_order.pk),
            "input": {
                "type": "RETURN_AND_REFUND",
                "reason": "QUALITY_FUNCTION",
                "lines": [
                    {
                        "orderLineId": graphene.Node.to_global_id("OrderLine", line.pk),
                        "quantity": 1,
                    }
                ],
                "evidence": [{"kind": "IMAGE", "url": "https://img.example.com/zip.jpg"}],
            },
        },
    )
    assert created["errors"] == []
    request_id = created["afterSaleRequest"]["id"]
    sent = call(
        staff_api_client,
        "dashboard/negotiation_message_send.graphql",
        {"id": request_id, "text": "Could you send a photo of the zip?"},
    )
    assert sent["errors"] == []
    rejection = call(
        staff_api_client,
        "dashboard/request_reject.graphql",
        {
            "id": request_id,
            "input": {"reason": "NO_QUALITY_ISSUE", "description": "It works in our test."},
        },
    )
    assert (rejection["errors"], rejection["afterSaleRequest"]["state"]) == ([], "REJECTED")
    return request_id


def test_a_dispute_ruled_for_the_buyer_is_refunded_first_and_booked_once_confirmed(
    user_api_client, staff_api_client, app_api_client, platform_client, paid_order, rejected
):
    # given the buyer escalates
    escalated = call(
        user_api_client,
        "storefront/request_escalate.graphql",
        {"id": rejected, "note": "It broke again."},
    )
    assert (escalated["errors"], escalated["afterSaleRequest"]["state"]) == (
        [],
        "ARBITRATION_RULING",
    )
    # the merchant may not rule on its own case
    refused = call(
        staff_api_client, "platform/ruling_unjustified_rejection.graphql", {"id": rejected}
    )
    assert [error["code"] for error in refused["errors"]] == ["PERMISSION_DENIED"]
    assert MoneyMovement.objects.count() == 0
    # when the platform rules the rejection unjustified
    ruled = call(
        platform_client,
        "platform/ruling_unjustified_rejection.graphql",
        {"id": rejected, "note": "The photos show the defect.", "idempotencyKey": "case-1"},
    )
    # then the platform pays first through the order's transaction (the payment is
    # sent after the ruling's transaction commits)
    assert ruled["errors"] == []
    assert ruled["afterSaleRequest"]["state"] == "REFUNDING"
    assert ruled["afterSaleRequest"]["platformAdvancedAmount"] == {
        "amount": 12.3,
        "currency": "USD",
    }
    assert ruled["afterSaleRequest"]["moneyMovements"] == [
        {
            "kind": "REFUND",
            "payer": "PLATFORM",
            "status": "PENDING",
            "amount": {"amount": 12.3, "currency": "USD"},
        }
    ]
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert granted.amount_value == Decimal("12.30")
    assert MoneyMovement.objects.get().status == "requested"
    # nothing is owed before the money went out
    assert LiabilityEntry.objects.count() == 0
    # when the payment app confirms the refund
    report_refund(app_api_client, granted, "PSP-refund-1")
    # then the request is refunded and the merchant owes the platform what it paid
    assert AfterSaleRequest.objects.get().state == "refunded"
    now = timezone.now()
    ledger = call(
        platform_client,
        "platform/ledger.graphql",
        {
            "channel": paid_order.channel.slug,
            "from": (now - timedelta(days=1)).isoformat(),
            "to": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert (ledger["currency"], ledger["paidOut"], ledger["closingBalance"]) == (
        "USD",
        {"amount": 12.3, "currency": "USD"},
        {"amount": 12.3, "currency": "USD"},
    )
    assert [(entry["kind"], entry["amount"]["amount"]) for entry in ledger["entries"]] == [
        ("PLATFORM_REFUND_FIRST", 12.3)
    ]
    # and the lost dispute counts in the channel's shop health
    (health,) = call(
        platform_client,
        "platform/shop_health.graphql",
        {"channel": paid_order.channel.slug, "days": 30},
    )
    assert (health["requests"], health["disputesLost"], health["returnedLines"]) == (1, 1, 1)


def test_a_customer_may_not_read_a_ledger_and_a_channel_without_requests_has_none(
    user_api_client, staff_api_client, merchant, paid_order
):
    now = timezone.now()
    variables = {
        "channel": paid_order.channel.slug,
        "from": (now - timedelta(days=1)).isoformat(),
        "to": now.isoformat(),
    }
    response = user_api_client.post_graphql(operation("platform/ledger.graphql"), variables)
    content = response.json()
    assert content["data"] == {"afterSaleLedger": None}
    assert [error["extensions"]["exception"]["code"] for error in content["errors"]] == [
        "PermissionDenied"
    ]
    # the channel's merchant may read it; no request was ever filed there
    assert call(staff_api_client, "platform/ledger.graphql", variables) is None

"""The platform's part of the API inside Saleor's own /graphql/: a dispute escalated
by the buyer, ruled by a member of the platform group, paid first with the
platform's own money (a Saleor gift card) and booked in the ledger once — or,
when the channel says so, refunded from the order's transaction, which is the
merchant's money and books nothing — and seen in shop health, with Saleor's JWTs
and Saleor's own types."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import graphene
import pytest
from django.utils import timezone
from saleor.account.models import Group
from saleor.giftcard.models import GiftCard
from saleor.graphql.tests.fixtures import ApiClient
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order.models import OrderGrantedRefund
from saleor.plugins.manager import get_plugins_manager

from saleor_kuai_returns.app_settings import app_settings
from saleor_kuai_returns.models import AfterSaleRequest, LiabilityEntry, MoneyMovement
from saleor_kuai_returns.plugin import PLUGIN_ID

from .conftest import audit_findings, line_by_sku, report_refund

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def operation(path):
    return (OPERATIONS / path).read_text()


def call(client, path, variables):
    response = client.post_graphql(operation(path), variables)
    content = get_graphql_content(response)
    (payload,) = content["data"].values()
    return payload


@pytest.fixture
def platform_client(staff_users, permission_manage_orders, permission_manage_payments):
    """A member of the platform's permission group (KUAI_RETURNS_PLATFORM_GROUP),
    which holds the order and payment rights the platform needs."""
    member = staff_users[1]
    group = Group.objects.create(name=app_settings.PLATFORM_GROUP)
    group.permissions.add(permission_manage_orders, permission_manage_payments)
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


def escalate_and_rule(user_api_client, staff_api_client, platform_client, request_id):
    """The buyer escalates; the merchant may not rule on its own case; the
    platform finds the rejection unjustified."""
    escalated = call(
        user_api_client,
        "storefront/request_escalate.graphql",
        {"id": request_id, "note": "It broke again."},
    )
    assert (escalated["errors"], escalated["afterSaleRequest"]["state"]) == (
        [],
        "ARBITRATION_RULING",
    )
    refused = call(
        staff_api_client, "platform/ruling_unjustified_rejection.graphql", {"id": request_id}
    )
    assert [error["code"] for error in refused["errors"]] == ["PERMISSION_DENIED"]
    assert MoneyMovement.objects.count() == 0
    variables = {"id": request_id, "note": "The photos show the defect.", "idempotencyKey": "k-1"}
    return call(platform_client, "platform/ruling_unjustified_rejection.graphql", variables)


def ledger_of(client, channel):
    now = timezone.now()
    return call(
        client,
        "platform/ledger.graphql",
        {
            "channel": channel,
            "from": (now - timedelta(days=1)).isoformat(),
            "to": (now + timedelta(days=1)).isoformat(),
        },
    )


def test_a_dispute_ruled_for_the_buyer_is_paid_first_with_the_platforms_gift_card_once(
    host,
    user_api_client,
    staff_api_client,
    platform_client,
    paid_order,
    customer_user,
    rejected,
):
    # given the order's transaction as the buyer paid it
    item = paid_order.payment_transactions.get()
    charged = (item.charged_value, item.refunded_value)
    # when the buyer escalates and the platform rules the rejection unjustified
    ruled = escalate_and_rule(user_api_client, staff_api_client, platform_client, rejected)
    # then the platform pays first (sent after the ruling's transaction commits)
    assert ruled["errors"] == []
    assert ruled["afterSaleRequest"]["state"] == "REFUNDING"
    assert ruled["afterSaleRequest"]["moneyMovements"] == [
        {
            "kind": "REFUND",
            "payer": "PLATFORM",
            "status": "PENDING",
            "amount": {"amount": 12.3, "currency": "USD"},
        }
    ]
    # with its own money: a gift card for the buyer; the merchant's order is untouched
    card = GiftCard.objects.get()
    assert (card.initial_balance_amount, card.currency, card.assigned_to) == (
        Decimal("12.30"),
        "USD",
        customer_user,
    )
    movement = MoneyMovement.objects.get()
    assert (movement.method, movement.status, movement.provider_reference) == (
        "gift_card",
        "succeeded",
        str(card.pk),
    )
    assert not OrderGrantedRefund.objects.exists()
    item.refresh_from_db()
    assert (item.charged_value, item.refunded_value) == charged
    request = AfterSaleRequest.objects.get()
    assert (request.state, request.refunded_amount, request.platform_advanced_amount) == (
        "refunded",
        Decimal("12.300"),
        Decimal("12.300"),
    )
    # when the platform's client sends the ruling again with the same key
    again = call(
        platform_client,
        "platform/ruling_unjustified_rejection.graphql",
        {"id": rejected, "note": "The photos show the defect.", "idempotencyKey": "k-1"},
    )
    # then nothing is paid twice, and the merchant owes the platform what it paid, once
    assert again["errors"] == []
    assert (GiftCard.objects.count(), MoneyMovement.objects.count()) == (1, 1)
    assert list(LiabilityEntry.objects.values_list("kind", "amount", "movement")) == [
        ("platform_refund_first", Decimal("12.300"), movement.pk)
    ]
    ledger = ledger_of(platform_client, paid_order.channel.slug)
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
    assert audit_findings(host) == []


def test_a_channel_that_pays_the_platforms_refunds_from_the_order_books_no_debt(
    host,
    user_api_client,
    staff_api_client,
    app_api_client,
    platform_client,
    paid_order,
    channel_USD,
    rejected,
):
    # given a channel whose platform refunds come out of the order's payment
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID,
        channel_USD.slug,
        {"active": True, "configuration": [{"name": "platform_payout_method", "value": "refund"}]},
    )
    # when the platform rules for the buyer and the payment app confirms the refund
    ruled = escalate_and_rule(user_api_client, staff_api_client, platform_client, rejected)
    assert [(m["payer"], m["status"]) for m in ruled["afterSaleRequest"]["moneyMovements"]] == [
        ("MERCHANT", "PENDING")
    ]
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.amount_value, granted.user) == (Decimal("12.30"), platform_client.user)
    report_refund(app_api_client, granted, "PSP-refund-1")
    # then the buyer got the merchant's money back once, and the merchant owes nothing more
    request = AfterSaleRequest.objects.get()
    assert (request.state, request.refunded_amount, request.platform_advanced_amount) == (
        "refunded",
        Decimal("12.300"),
        Decimal("0"),
    )
    assert not GiftCard.objects.exists()
    assert not LiabilityEntry.objects.exists()
    assert paid_order.payment_transactions.get().refunded_value == Decimal("12.30")
    assert audit_findings(host) == []


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

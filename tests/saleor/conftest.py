"""Fixtures for the tests that run inside a real Saleor 3.23 (``bin/test-saleor``).

Everywhere else — our own suite in ``.venv`` (``bin/test``) — this folder is
skipped with the reason below. Saleor's fixtures (``fulfilled_order``,
``staff_api_client``, ``app``, …) come from Saleor's root conftest, which
``tests.saleor.bootstrap`` loads.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

HOW_TO_RUN = (
    "run them with bin/test-saleor and SALEOR_PYTHON pointing at the Python of a "
    "Saleor 3.23 environment (README: 'Install into Saleor')"
)

if importlib.util.find_spec("saleor") is None:
    pytest.skip(f"Saleor 3.23 is not importable here; {HOW_TO_RUN}.", allow_module_level=True)
if "saleor_root_conftest" not in sys.modules:
    pytest.skip(
        f"Saleor's test fixtures are not loaded (-p tests.saleor.bootstrap); {HOW_TO_RUN}.",
        allow_module_level=True,
    )

from decimal import Decimal  # noqa: E402

import graphene  # noqa: E402
from django.utils import timezone  # noqa: E402
from prices import Money, TaxedMoney  # noqa: E402
from saleor.account.models import Group  # noqa: E402
from saleor.giftcard.models import GiftCard  # noqa: E402
from saleor.graphql.tests.utils import get_graphql_content  # noqa: E402
from saleor.payment import TransactionAction, TransactionEventType  # noqa: E402
from saleor.payment.models import TransactionEvent  # noqa: E402
from saleor.payment.transaction_item_calculations import (  # noqa: E402
    recalculate_transaction_amounts,
)
from saleor.plugins.manager import get_plugins_manager  # noqa: E402
from saleor.webhook.event_types import WebhookEventSyncType  # noqa: E402

from saleor_kuai_returns.actions.money import pay_movement  # noqa: E402
from saleor_kuai_returns.audit import audit  # noqa: E402
from saleor_kuai_returns.host.base import Caller  # noqa: E402
from saleor_kuai_returns.host.saleor import SaleorHost  # noqa: E402
from saleor_kuai_returns.models import (  # noqa: E402
    AfterSaleRequest,
    AfterSaleRequestLine,
    MoneyMovement,
)

PLUGIN_PATH = "saleor_kuai_returns.plugin.KuaiReturnsPlugin"

REFUND_REPORT = """
mutation RefundReport(
  $id: ID!, $type: TransactionEventTypeEnum!, $amount: PositiveDecimal!, $psp: String!
) {
  transactionEventReport(id: $id, type: $type, amount: $amount, pspReference: $psp) {
    alreadyProcessed
    errors { field code message }
  }
}
"""


@pytest.fixture(autouse=True)
def kuai_in_saleor(settings, setup_dummy_gateways):
    """Saleor's test fixtures load only its dummy payment gateways; ours joins them."""
    settings.PLUGINS = [*settings.PLUGINS, PLUGIN_PATH]
    settings.KUAI_RETURNS_HOST = "saleor_kuai_returns.host.saleor.SaleorHost"


@pytest.fixture
def host():
    return SaleorHost()


@pytest.fixture
def plugins_manager_with_kuai(kuai_in_saleor):
    return get_plugins_manager(allow_replica=False)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what actions schedule after commit (Saleor's test Celery is eager)."""

    def runner(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return runner


@pytest.fixture
def buyer(customer_user):
    return Caller(f"user:{customer_user.pk}", user=customer_user)


@pytest.fixture
def order_staff_group(permission_manage_orders, permission_manage_payments, channel_USD):
    """Saleor's way to give order rights on one channel only — with the right to
    handle payments, which Saleor's own refunds (and ours) require."""
    group = Group.objects.create(name="Orders of main", restricted_access_to_channels=True)
    group.permissions.add(permission_manage_orders, permission_manage_payments)
    group.channels.add(channel_USD)
    return group


@pytest.fixture
def merchant(staff_user, order_staff_group):
    staff_user.groups.add(order_staff_group)
    return Caller(f"user:{staff_user.pk}", user=staff_user)


@pytest.fixture
def platform(staff_users, permission_manage_orders, permission_manage_payments):
    """A member of the platform's group (``KUAI_RETURNS_PLATFORM_GROUP``), which
    holds the order and payment rights the platform needs."""
    member = staff_users[1]
    group = Group.objects.create(name="After-sale platform")
    group.permissions.add(permission_manage_orders, permission_manage_payments)
    group.user_set.add(member)
    return Caller(f"user:{member.pk}", user=member)


@pytest.fixture
def payment_app(app, permission_manage_payments):
    """A payment app that owns the order's transaction and handles refund requests."""
    app.permissions.add(permission_manage_payments)
    webhook = app.webhooks.create(
        name="refunds", is_active=True, target_url="https://payments.example.com/webhooks/"
    )
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)
    return app


@pytest.fixture
def paid_order(fulfilled_order, payment_app, transaction_item_generator):
    """A shipped order paid in full through a Transactions payment app."""
    transaction_item_generator(
        order_id=fulfilled_order.pk,
        app=payment_app,
        charged_value=fulfilled_order.total_gross_amount,
        available_actions=[TransactionAction.REFUND],
        psp_reference="PSP-charge-1",
    )
    return fulfilled_order


@pytest.fixture
def make_request():
    """An after-sale request row on a Saleor order, in the state a test needs."""

    def make(order, lines, *, state="refunding", request_type="refund_only", **fields):
        # What the request may refund: what was paid for its units.
        ceiling = sum(
            (line.total_price_gross_amount * quantity / line.quantity for line, quantity in lines),
            Decimal(0),
        )
        fields.setdefault("refund_ceiling", ceiling)
        fields.setdefault("requested_amount", ceiling)
        request = AfterSaleRequest.objects.create(
            order_id=order.pk,
            channel_slug=order.channel.slug,
            buyer_id=f"user:{order.user_id}" if order.user_id else "",
            currency=order.currency,
            request_type=request_type,
            reason="quality_function",
            state=state,
            **fields,
        )
        for line, quantity in lines:
            AfterSaleRequestLine.objects.create(
                request=request,
                order_line_id=line.pk,
                quantity=quantity,
                currency=order.currency,
                ordered_quantity=line.quantity,
                quantity_shipped=line.quantity_fulfilled,
                total_paid=line.total_price_gross_amount,
                unit_price=line.undiscounted_base_unit_price_amount,
            )
        return request

    return make


@pytest.fixture
def make_movement():
    """A payout attempt as the core writes it (attempts of one payout share the
    key but its last part)."""

    def make(
        request,
        amount,
        *,
        kind="refund",
        method="refund",
        attempt=1,
        payer="merchant",
        requested_by="system",
        liability_kind="",
    ):
        if kind != "late_shipment_compensation":
            # The request's payout, as the decision that pays writes it.
            AfterSaleRequest.objects.filter(pk=request.pk).update(
                payout_amount=Decimal(amount),
                payout_kind=kind,
                payout_payer=payer,
                payout_attempt=attempt,
                payout_method=method,
            )
            request.refresh_from_db()
        return MoneyMovement.objects.create(
            request=request,
            idempotency_key=f"kuai:{request.pk}:payout:{attempt}",
            kind=kind,
            method=method,
            payer=payer,
            amount=Decimal(amount),
            currency=request.currency,
            attempt=attempt,
            requested_by=requested_by,
            liability_kind=liability_kind,
        )

    return make


@pytest.fixture
def pay(host, run_on_commit):
    """The core sending a movement (prepare, send, record), with what it
    schedules after commit; returns the movement's status afterwards."""

    def send(movement):
        return run_on_commit(pay_movement, movement.pk, now=timezone.now(), host=host)

    return send


def audit_findings(host, now=None):
    """What the money audit finds, one line each (none is the goal)."""
    return [str(finding) for finding in audit(now=now or timezone.now(), host=host)]


@pytest.fixture
def gift_card_line(fulfilled_order, gift_card_non_shippable_variant):
    """A 50.00 gift card bought on the shipped order: a line that needs no
    shipping, fulfilled with the card Saleor issued for it."""
    variant = gift_card_non_shippable_variant
    price = TaxedMoney(net=Money("50.00", "USD"), gross=Money("50.00", "USD"))
    line = fulfilled_order.lines.create(
        product_name=str(variant.product),
        variant_name=str(variant),
        product_sku=variant.sku,
        is_shipping_required=False,
        is_gift_card=True,
        quantity=1,
        quantity_fulfilled=1,
        variant=variant,
        unit_price=price,
        total_price=price,
        undiscounted_unit_price=price,
        undiscounted_total_price=price,
        base_unit_price=price.gross,
        undiscounted_base_unit_price=price.gross,
        tax_rate=Decimal(0),
    )
    shipped = fulfilled_order.fulfillments.get().lines.create(order_line=line, quantity=1)
    GiftCard.objects.create(
        code="BOUGHT-ON-ORDER",
        currency="USD",
        initial_balance_amount=Decimal("50.00"),
        current_balance_amount=Decimal("50.00"),
        product=variant.product,
        fulfillment_line=shipped,
    )
    return line


def line_by_sku(order, sku):
    return order.lines.get(product_sku=sku)


def report_refund(app_api_client, granted, psp_reference, event_type="REFUND_SUCCESS"):
    """What the payment app does: answer the refund request webhook (Saleor stores
    its pspReference on the request and counts the amount as pending), then report
    how the refund ended."""
    TransactionEvent.objects.filter(
        related_granted_refund=granted, type=TransactionEventType.REFUND_REQUEST
    ).update(psp_reference=psp_reference, include_in_calculations=True)
    recalculate_transaction_amounts(granted.transaction_item)
    response = app_api_client.post_graphql(
        REFUND_REPORT,
        {
            "id": graphene.Node.to_global_id("TransactionItem", granted.transaction_item.token),
            "type": event_type,
            "amount": str(granted.amount_value),
            "psp": psp_reference,
        },
    )
    return get_graphql_content(response)["data"]["transactionEventReport"]

"""SaleorHost.pay: refunds through Saleor's money paths and gift cards, once per key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from saleor.giftcard import GiftCardEvents
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.payment import ChargeStatus, TransactionEventType, TransactionKind
from saleor.payment.models import TransactionEvent
from saleor.webhook.event_types import WebhookEventSyncType

from .conftest import line_by_sku

# --- Transactions ---------------------------------------------------------------------


def test_a_refund_is_a_granted_refund_and_a_request_on_the_orders_transaction(
    host, paid_order, make_request, make_movement
):
    # given a request refunding one tee (12.30 paid) on an order paid by a payment app
    tee = line_by_sku(paid_order, "SKU_AA")
    request = make_request(paid_order, [(tee, 1)])
    movement = make_movement(request, "12.30")
    item = paid_order.payment_transactions.get()
    # when
    result = host.pay(movement)
    # then Saleor holds a granted refund for the line, pending on the app's answer
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (result.status, result.reference) == ("requested", str(granted.pk))
    assert (granted.amount_value, granted.currency, granted.status) == (
        Decimal("12.30"),
        "USD",
        OrderGrantedRefundStatus.PENDING,
    )
    assert granted.reason == f"After-sale refund [{movement.idempotency_key}]"
    assert granted.transaction_item == item
    assert granted.shipping_costs_included is False
    assert list(granted.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 1)]
    requested = TransactionEvent.objects.get(type=TransactionEventType.REFUND_REQUEST)
    assert (requested.transaction, requested.amount_value, requested.related_granted_refund) == (
        item,
        Decimal("12.30"),
        granted,
    )
    assert paid_order.events.filter(type=OrderEvents.TRANSACTION_REFUND_REQUESTED).count() == 1


def test_the_same_key_never_asks_the_payment_app_twice(
    host, paid_order, make_request, make_movement
):
    # given
    request = make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)])
    movement = make_movement(request, "12.30")
    # when
    first, second = host.pay(movement), host.pay(movement)
    # then
    assert first == second
    assert OrderGrantedRefund.objects.count() == 1
    assert TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count() == 1


def test_a_refund_nobody_handles_fails_and_its_retry_reuses_the_granted_refund(
    host,
    fulfilled_order,
    app,
    permission_manage_payments,
    transaction_item_generator,
    make_request,
    make_movement,
):
    # given an order whose payment app does not handle refund requests (yet)
    transaction_item_generator(
        order_id=fulfilled_order.pk, app=app, charged_value=fulfilled_order.total_gross_amount
    )
    request = make_request(fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_B"), 1)])
    movement = make_movement(request, "24.60")
    # when
    failed = host.pay(movement)
    # then
    granted = OrderGrantedRefund.objects.get()
    assert failed.status == "failed"
    assert failed.error == "No app or plugin is configured to handle payment action requests."
    assert granted.status == OrderGrantedRefundStatus.FAILURE
    # when the app can handle refunds and the task retries with the same key
    app.permissions.add(permission_manage_payments)
    webhook = app.webhooks.create(name="refunds", target_url="https://pay.example.com/")
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)
    retried = host.pay(movement)
    # then the same granted refund is requested again
    granted.refresh_from_db()
    assert (retried.status, retried.reference) == ("requested", str(granted.pk))
    assert OrderGrantedRefund.objects.count() == 1
    assert granted.status == OrderGrantedRefundStatus.PENDING
    assert TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count() == 2


def test_more_than_the_transaction_holds_fails_without_granting(
    host, paid_order, make_request, make_movement
):
    request = make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 3)])
    movement = make_movement(request, "100000.00")
    result = host.pay(movement)
    assert result.status == "failed"
    assert "less than the 100000.00 to refund" in result.error
    assert not OrderGrantedRefund.objects.exists()


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        (TransactionEventType.REFUND_SUCCESS, "succeeded", ""),
        (None, "failed", "an earlier attempt of this refund still awaits the payment app's answer"),
    ],
)
def test_a_retry_never_refunds_what_an_earlier_attempt_got_or_still_awaits(
    host, paid_order, make_request, make_movement, answer, status, error
):
    # given the first attempt requested, and the app's answer (if any) never reached us
    request = make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)])
    host.pay(make_movement(request, "12.30"))
    granted = OrderGrantedRefund.objects.get()
    if answer:
        TransactionEvent.objects.create(
            transaction=granted.transaction_item,
            type=answer,
            amount_value=Decimal("12.30"),
            currency="USD",
            related_granted_refund=granted,
            include_in_calculations=True,
        )
    # when the retry (its own key) pays
    retried = host.pay(make_movement(request, "12.30", attempt=2))
    # then it stands on the first attempt and asks the app for nothing
    assert (retried.status, retried.reference, retried.error) == (status, str(granted.pk), error)
    assert list(OrderGrantedRefund.objects.all()) == [granted]
    assert TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count() == 1


def test_a_retry_after_a_failed_attempt_asks_for_the_money_again(
    host, paid_order, make_request, make_movement
):
    # given the first attempt refused by the payment app
    request = make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)])
    host.pay(make_movement(request, "12.30"))
    first = OrderGrantedRefund.objects.get()
    TransactionEvent.objects.create(
        transaction=first.transaction_item,
        type=TransactionEventType.REFUND_FAILURE,
        amount_value=Decimal("12.30"),
        currency="USD",
        related_granted_refund=first,
    )
    # when
    retried = host.pay(make_movement(request, "12.30", attempt=2))
    # then a second granted refund is requested
    second = OrderGrantedRefund.objects.exclude(pk=first.pk).get()
    assert (retried.status, retried.reference) == ("requested", str(second.pk))
    assert second.reason.endswith(f"[kuai:{request.pk}:refund:2]")
    assert TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count() == 2


def test_an_order_without_payment_cannot_be_refunded(
    host, fulfilled_order, make_request, make_movement
):
    request = make_request(fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)])
    result = host.pay(make_movement(request, "12.30"))
    assert (result.status, result.error) == ("failed", "the order has no payment to refund")


def test_a_successful_refund_report_settles_the_movement(
    host, paid_order, make_request, make_movement, plugins_manager_with_kuai
):
    # given a requested refund the payment app reports as done
    tee = line_by_sku(paid_order, "SKU_AA")
    request = make_request(paid_order, [(tee, 1)], state="cancelled")
    movement = make_movement(request, "12.30")
    assert host.pay(movement).status == "requested"
    movement.status = "requested"
    movement.save(update_fields=["status"])
    granted = OrderGrantedRefund.objects.get()
    TransactionEvent.objects.create(
        transaction=granted.transaction_item,
        type=TransactionEventType.REFUND_SUCCESS,
        amount_value=Decimal("12.30"),
        currency="USD",
        related_granted_refund=granted,
        include_in_calculations=True,
    )
    # when Saleor fires its refund hook
    plugins_manager_with_kuai.order_refunded(paid_order)
    # then the movement is settled and the refunded line shows in the next snapshot
    movement.refresh_from_db()
    assert (movement.status, movement.provider_reference) == ("succeeded", str(granted.pk))
    granted.refresh_from_db()
    granted.status = OrderGrantedRefundStatus.SUCCESS  # what Saleor stores right after
    granted.save(update_fields=["status"])
    line = host.load_order(str(paid_order.pk)).snapshot.lines[str(tee.pk)]
    assert (line.quantity_refunded_shipped, line.amount_refunded) == (1, Decimal("12.30"))


# --- legacy payments -----------------------------------------------------------------


def test_a_legacy_payment_is_refunded_through_its_gateway_once(
    host, payment_txn_captured, make_request, make_movement, run_on_commit
):
    # given an order paid through the legacy Payment API (Saleor's dummy gateway)
    order = payment_txn_captured.order
    mug = line_by_sku(order, "SKU_B")
    request = make_request(order, [(mug, 1)])
    movement = make_movement(request, "24.60")
    # when
    first = run_on_commit(host.pay, movement)
    second = run_on_commit(host.pay, movement)
    # then one refund went through the gateway and the order shows it
    assert first == second
    assert first.status == "succeeded"
    payment_txn_captured.refresh_from_db()
    assert payment_txn_captured.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    assert payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND).count() == 1
    record = order.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert (str(record.pk), record.total_refund_amount) == (first.reference, Decimal("24.60"))
    assert order.events.filter(type=OrderEvents.PAYMENT_REFUNDED).count() == 1
    line = host.load_order(str(order.pk)).snapshot.lines[str(mug.pk)]
    assert line.amount_refunded == Decimal("24.60")


# --- gift cards ------------------------------------------------------------------------


def test_a_late_shipment_gift_card_is_issued_exactly_once_for_its_key(
    host, fulfilled_order, customer_user, staff_user, make_request, make_movement, run_on_commit
):
    # given late-shipment compensation paid as a gift card
    request = make_request(
        fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)], state="reship_overdue"
    )
    movement = make_movement(request, "5.00", kind="late_shipment_compensation", method="gift_card")
    # when the task runs twice (with what it sends after commit: webhook, e-mail)
    first = run_on_commit(host.pay, movement)
    second = run_on_commit(host.pay, movement)
    # then one card, for the buyer only
    card = GiftCard.objects.get()
    assert first == second
    assert (first.status, first.reference) == ("succeeded", str(card.pk))
    assert (card.currency, card.initial_balance_amount, card.current_balance_amount) == (
        "USD",
        Decimal("5.00"),
        Decimal("5.00"),
    )
    assert (card.assigned_to, card.assigned_to_email) == (customer_user, customer_user.email)
    assert card.usage_restriction_reason(staff_user.pk) == "restricted to another customer"
    assert card.usage_restriction_reason(customer_user.pk) is None
    assert card.private_metadata["kuai_returns.idempotency_key"] == movement.idempotency_key
    assert set(card.events.values_list("type", flat=True)) == {
        GiftCardEvents.ISSUED,
        GiftCardEvents.ASSIGNED_TO_USER,
        GiftCardEvents.NOTE_ADDED,
    }

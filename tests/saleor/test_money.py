"""SaleorHost's payments in three steps — prepare (Saleor's record, in our
transaction), send (to the payment provider, outside it), outcome (what Saleor
shows later) — through Saleor's own money paths: granted refunds on Transactions,
legacy payments through their gateway, gift cards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError
from saleor.giftcard import GiftCardEvents
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import Fulfillment, OrderGrantedRefund
from saleor.payment import ChargeStatus, TransactionEventType, TransactionKind
from saleor.payment.models import TransactionEvent
from saleor.webhook.event_types import WebhookEventSyncType

from saleor_kuai_returns.host.base import OrderMoney, PaymentBusy, PaymentResult
from saleor_kuai_returns.host.saleor import SaleorHost, legacy
from saleor_kuai_returns.models import AfterSaleRequest, MoneyMovement

from .conftest import audit_findings, line_by_sku, report_refund


def granted_lines(granted):
    return list(granted.lines.values_list("order_line_id", "quantity"))


def refund_requests():
    return TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count()


def asked(order):
    """How many times Saleor asked the payment app for a refund of the order."""
    return order.events.filter(type=OrderEvents.TRANSACTION_REFUND_REQUESTED).count()


def answer(granted, event_type):
    """The payment app's answer, as transactionEventReport stores it."""
    TransactionEvent.objects.create(
        transaction=granted.transaction_item,
        type=event_type,
        amount_value=granted.amount_value,
        currency=granted.currency,
        related_granted_refund=granted,
        include_in_calculations=True,
    )


# --- Transactions: prepare, send, outcome ---------------------------------------------


def test_prepare_grants_the_refund_and_records_its_request_without_sending_it(
    host, paid_order, merchant, staff_user, make_request, make_movement
):
    # given a refund of one tee (12.30 paid) decided by the merchant
    tee = line_by_sku(paid_order, "SKU_AA")
    movement = make_movement(
        make_request(paid_order, [(tee, 1)]), "12.30", requested_by=merchant.id
    )
    item = paid_order.payment_transactions.get()
    assert host.payment_outcome(movement) is None  # nothing prepared yet
    # when
    with transaction.atomic():
        prepared = host.prepare_payment(movement)
    # then Saleor holds a granted refund of the line, by the merchant, pending
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert prepared == PaymentResult("requested", str(granted.pk))
    assert (granted.amount_value, granted.currency, granted.status) == (
        Decimal("12.30"),
        "USD",
        OrderGrantedRefundStatus.PENDING,
    )
    assert (granted.user, granted.app) == (staff_user, None)
    assert granted.reason == f"After-sale refund [{movement.idempotency_key}]"
    assert (granted.transaction_item, granted.shipping_costs_included) == (item, False)
    assert granted_lines(granted) == [(tee.pk, 1)]
    requested = TransactionEvent.objects.get(type=TransactionEventType.REFUND_REQUEST)
    assert (
        requested.transaction,
        requested.amount_value,
        requested.related_granted_refund,
        requested.user,
    ) == (item, Decimal("12.30"), granted, staff_user)
    # and nothing was asked of the payment app yet
    assert asked(paid_order) == 0
    movement.provider_reference = prepared.reference
    assert host.payment_outcome(movement) == PaymentResult("requested", str(granted.pk))


def test_send_asks_the_payment_app_with_the_prepared_request_and_its_author(
    host, paid_order, merchant, staff_user, make_request, make_movement
):
    # given a prepared refund
    tee = line_by_sku(paid_order, "SKU_AA")
    movement = make_movement(
        make_request(paid_order, [(tee, 1)]), "12.30", requested_by=merchant.id
    )
    movement.provider_reference = host.prepare_payment(movement).reference
    # when
    sent = host.send_payment(movement)
    # then Saleor asked the app once, as the merchant, with the one refund request
    granted = OrderGrantedRefund.objects.get()
    assert sent == PaymentResult("requested", str(granted.pk))
    event = paid_order.events.get(type=OrderEvents.TRANSACTION_REFUND_REQUESTED)
    assert (event.user, event.app) == (staff_user, None)
    assert refund_requests() == 1


@pytest.mark.parametrize(
    ("events", "outcome"),
    [
        ([], None),
        ([TransactionEventType.REFUND_REQUEST], ("requested", "")),
        (
            [TransactionEventType.REFUND_REQUEST, TransactionEventType.REFUND_SUCCESS],
            ("succeeded", ""),
        ),
        (
            [TransactionEventType.REFUND_REQUEST, TransactionEventType.REFUND_FAILURE],
            ("failed", "the payment app reported the refund failed"),
        ),
        (
            [
                TransactionEventType.REFUND_REQUEST,
                TransactionEventType.REFUND_SUCCESS,
                TransactionEventType.REFUND_REVERSE,
            ],
            ("failed", "the payment app reversed the refund"),
        ),
    ],
)
def test_the_outcome_is_the_granted_refunds_last_refund_event(
    host, paid_order, make_request, make_movement, events, outcome
):
    # given a granted refund of ours and the refund events Saleor recorded for it
    movement = make_movement(
        make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)]), "12.30"
    )
    granted = paid_order.granted_refunds.create(
        amount_value=Decimal("12.30"),
        currency="USD",
        transaction_item=paid_order.payment_transactions.get(),
    )
    for event_type in events:
        answer(granted, event_type)
    movement.provider_reference = str(granted.pk)
    # then
    expected = outcome and PaymentResult(outcome[0], str(granted.pk), outcome[1])
    assert host.payment_outcome(movement) == expected
    # and a reference Saleor does not know is no outcome
    movement.provider_reference = str(granted.pk + 1000)
    assert host.payment_outcome(movement) is None


def test_the_same_movement_paid_twice_asks_the_payment_app_once(
    pay, paid_order, make_request, make_movement
):
    # given
    movement = make_movement(
        make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)]), "12.30"
    )
    # when
    statuses = (pay(movement), pay(movement))
    # then
    granted = OrderGrantedRefund.objects.get()
    movement.refresh_from_db()
    assert statuses == ("requested", "requested")
    assert (movement.status, movement.provider_reference) == ("requested", str(granted.pk))
    assert (refund_requests(), asked(paid_order)) == (1, 1)


def test_a_prepared_refund_never_sent_is_sent_by_the_next_run(
    pay, paid_order, make_request, make_movement, monkeypatch
):
    # given a run that prepared the refund, then could not reach the broker that
    # carries Saleor's request to the app (or died there)
    movement = make_movement(
        make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)]), "12.30"
    )

    def broker_down(self, movement):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as down:
        down.setattr(SaleorHost, "send_payment", broker_down)
        with pytest.raises(OperationalError):
            pay(movement)
    movement.refresh_from_db()
    assert (movement.status, asked(paid_order)) == ("sending", 0)
    # when the sweeper's resend runs it
    status = pay(movement)
    # then the app is asked, with the refund prepared before: nothing is granted twice
    granted = OrderGrantedRefund.objects.get()
    movement.refresh_from_db()
    assert (status, movement.provider_reference) == ("requested", str(granted.pk))
    assert (refund_requests(), asked(paid_order)) == (1, 1)


def test_a_refund_nobody_handles_fails_and_the_next_attempt_refunds_the_same_units(
    pay,
    fulfilled_order,
    app,
    permission_manage_payments,
    transaction_item_generator,
    make_request,
    make_movement,
):
    # given an order whose payment app does not handle refund requests (yet), and
    # a refund of both mugs (49.20)
    transaction_item_generator(
        order_id=fulfilled_order.pk, app=app, charged_value=fulfilled_order.total_gross_amount
    )
    mug = line_by_sku(fulfilled_order, "SKU_B")
    request = make_request(fulfilled_order, [(mug, 2)])
    first = make_movement(request, "49.20")
    # when
    status = pay(first)
    # then Saleor refused; the granted refund shows it failed
    first.refresh_from_db()
    failed = OrderGrantedRefund.objects.get()
    assert (status, first.error) == (
        "failed",
        "No app or plugin is configured to handle payment action requests.",
    )
    assert failed.status == OrderGrantedRefundStatus.FAILURE
    # when the app handles refunds and the payout's next attempt runs
    app.permissions.add(permission_manage_payments)
    webhook = app.webhooks.create(name="refunds", target_url="https://pay.example.com/")
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)
    second = make_movement(request, "49.20", attempt=2)
    # then its granted refund carries the mugs: the failed one refunded none of them
    assert pay(second) == "requested"
    granted = OrderGrantedRefund.objects.exclude(pk=failed.pk).get()
    assert granted_lines(granted) == [(mug.pk, 2)]
    assert (granted.status, refund_requests()) == (OrderGrantedRefundStatus.PENDING, 2)


def test_more_than_the_transaction_holds_fails_without_granting(
    pay, fulfilled_order, payment_app, transaction_item_generator, make_request, make_movement
):
    # given an order of which the payment app charged only 10.00
    transaction_item_generator(
        order_id=fulfilled_order.pk, app=payment_app, charged_value=Decimal("10.00")
    )
    movement = make_movement(
        make_request(fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)]), "12.30"
    )
    # when
    status = pay(movement)
    # then
    movement.refresh_from_db()
    assert (status, movement.provider_reference, movement.error) == (
        "failed",
        "",
        "the order's transactions hold 10.00 USD, less than the 12.30 to refund",
    )
    assert (OrderGrantedRefund.objects.count(), refund_requests()) == (0, 0)


def test_an_order_without_payment_cannot_be_refunded(
    pay, fulfilled_order, make_request, make_movement
):
    movement = make_movement(
        make_request(fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)]), "12.30"
    )
    assert pay(movement) == "failed"
    movement.refresh_from_db()
    assert movement.error == "the order has no payment to refund"
    assert not OrderGrantedRefund.objects.exists()


@pytest.mark.parametrize(
    ("answered", "first"),
    [(TransactionEventType.REFUND_SUCCESS, "succeeded"), (None, "requested")],
)
def test_a_retry_never_pays_what_an_earlier_attempt_got_or_still_awaits(
    host, pay, paid_order, make_request, make_movement, answered, first
):
    # given the first attempt requested, and the app's answer (if any) never reached us
    request = make_request(paid_order, [(line_by_sku(paid_order, "SKU_AA"), 1)])
    attempt_1 = make_movement(request, "12.30")
    pay(attempt_1)
    granted = OrderGrantedRefund.objects.get()
    if answered:
        answer(granted, answered)
    # when the payout's next attempt runs
    status = pay(make_movement(request, "12.30", attempt=2))
    # then it sends nothing: the first carries the payout, found by its reference
    attempt_1.refresh_from_db()
    assert (status, attempt_1.status) == ("superseded", first)
    assert list(OrderGrantedRefund.objects.all()) == [granted]
    assert (refund_requests(), asked(paid_order)) == (1, 1)
    assert audit_findings(host) == []


def test_the_payment_apps_answer_settles_the_movement_by_its_granted_refund(
    host, pay, paid_order, make_request, make_movement, plugins_manager_with_kuai
):
    # given a requested refund the payment app reports as done
    tee = line_by_sku(paid_order, "SKU_AA")
    request = make_request(paid_order, [(tee, 1)])
    movement = make_movement(request, "12.30")
    pay(movement)
    granted = OrderGrantedRefund.objects.get()
    answer(granted, TransactionEventType.REFUND_SUCCESS)
    # when Saleor fires its refund hook
    plugins_manager_with_kuai.order_refunded(paid_order)
    # then the movement and the request are settled
    movement.refresh_from_db()
    request.refresh_from_db()
    assert (movement.status, movement.provider_reference) == ("succeeded", str(granted.pk))
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))
    # and the refunded line shows in the next snapshot once Saleor stored the status
    granted.status = OrderGrantedRefundStatus.SUCCESS
    granted.save(update_fields=["status"])
    line = host.load_order(str(paid_order.pk)).snapshot.lines[str(tee.pk)]
    assert (line.quantity_refunded_shipped, line.amount_refunded) == (1, Decimal("12.30"))
    assert audit_findings(host) == []


def test_order_hooks_on_an_order_without_our_refunds_cost_one_query(
    paid_order, plugins_manager_with_kuai, django_assert_num_queries
):
    from saleor_kuai_returns.host.saleor import settle_granted_refunds

    with django_assert_num_queries(1):
        assert settle_granted_refunds(paid_order.pk) == 0


def test_order_money_shows_what_the_buyer_paid_and_got_back_by_any_path(
    host, pay, paid_order, make_request, make_movement, app_api_client
):
    # given our refund of a tee, confirmed by the payment app
    tee = line_by_sku(paid_order, "SKU_AA")
    movement = make_movement(make_request(paid_order, [(tee, 1)]), "12.30")
    pay(movement)
    granted = OrderGrantedRefund.objects.get()
    report_refund(app_api_client, granted, "PSP-1")
    # when
    money = host.order_money(str(paid_order.pk))
    # then what was charged stays paid; what went back is refunded, by our reference
    assert money == OrderMoney(
        currency="USD",
        paid=paid_order.total_gross_amount,
        refunded=Decimal("12.30"),
        by_reference={str(granted.pk): Decimal("12.300")},
    )


# --- legacy payments ------------------------------------------------------------------


@pytest.fixture
def legacy_order(fulfilled_order, payment_txn_captured):
    """A shipped order paid through the legacy Payment API (Saleor's dummy gateway)."""
    return fulfilled_order


def test_a_legacy_payment_is_refunded_through_its_gateway_once(
    host, pay, legacy_order, payment_txn_captured, merchant, staff_user, make_request, make_movement
):
    # given a refund of one mug (24.60)
    mug = line_by_sku(legacy_order, "SKU_B")
    request = make_request(legacy_order, [(mug, 1)])
    movement = make_movement(request, "24.60", requested_by=merchant.id)
    watermark = payment_txn_captured.transactions.get().pk
    # when
    statuses = (pay(movement), pay(movement))
    # then one refund went through the gateway and the order shows it once
    movement.refresh_from_db()
    assert statuses == ("succeeded", "succeeded")
    assert movement.provider_reference == f"legacy:{payment_txn_captured.pk}:{watermark}"
    payment_txn_captured.refresh_from_db()
    assert payment_txn_captured.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    assert payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND).count() == 1
    record = legacy_order.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert record.total_refund_amount == Decimal("24.60")
    assert record.private_metadata == {
        "kuai_returns.idempotency_key": movement.idempotency_key,
        "kuai_returns.refund_lines": {str(mug.pk): 1},
    }
    refunded = legacy_order.events.get(type=OrderEvents.PAYMENT_REFUNDED)
    assert (refunded.user, refunded.app) == (staff_user, None)
    line = host.load_order(str(legacy_order.pk)).snapshot.lines[str(mug.pk)]
    assert (line.quantity_refunded_shipped, line.amount_refunded) == (1, Decimal("24.60"))
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("24.600"))
    assert host.order_money(str(legacy_order.pk)) == OrderMoney(
        currency="USD",
        paid=payment_txn_captured.total,
        refunded=Decimal("24.60"),
        by_reference={movement.provider_reference: Decimal("24.600")},
    )
    assert audit_findings(host) == []


def test_a_legacy_refund_the_gateway_made_before_a_crash_is_found_not_made_again(
    host, pay, legacy_order, payment_txn_captured, make_request, make_movement, monkeypatch
):
    # given a run whose worker died after the gateway refunded, before the order
    # recorded it
    mug = line_by_sku(legacy_order, "SKU_B")
    movement = make_movement(make_request(legacy_order, [(mug, 1)]), "24.60")

    def killed(movement, payment):
        raise SystemExit("worker killed")

    with monkeypatch.context() as crash:
        crash.setattr(legacy, "record_refund", killed)
        with pytest.raises(SystemExit):
            pay(movement)
    movement.refresh_from_db()
    assert movement.status == "sending"
    assert not legacy_order.fulfillments.filter(status=FulfillmentStatus.REFUNDED).exists()
    # when the next run asks Saleor what became of it
    status = pay(movement)
    # then the gateway's refund is found and recorded: nothing is refunded again
    assert status == "succeeded"
    assert payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND).count() == 1
    assert legacy_order.fulfillments.filter(status=FulfillmentStatus.REFUNDED).count() == 1
    assert legacy_order.events.filter(type=OrderEvents.PAYMENT_REFUNDED).count() == 1
    assert audit_findings(host) == []


def test_a_legacy_refund_the_gateway_refuses_fails_and_shows_as_failed(
    host, pay, legacy_order, payment_txn_captured, make_request, make_movement
):
    # given a refund of more than the payment still holds after a staff refund
    mug = line_by_sku(legacy_order, "SKU_B")
    payment_txn_captured.captured_amount = Decimal("10.00")
    payment_txn_captured.save(update_fields=["captured_amount"])
    movement = make_movement(make_request(legacy_order, [(mug, 1)]), "24.60")
    # when
    status = pay(movement)
    # then nothing went through the gateway and nothing is recorded on the order
    movement.refresh_from_db()
    assert (status, movement.error) == (
        "failed",
        "the order's payment holds 10.00 USD, less than the 24.60 to refund",
    )
    assert not payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND).exists()
    assert not legacy_order.fulfillments.filter(status=FulfillmentStatus.REFUNDED).exists()


def test_one_legacy_refund_at_a_time_per_payment(
    host, pay, legacy_order, payment_txn_captured, make_request, make_movement, monkeypatch
):
    # given a refund of a mug half-way (prepared, not yet refunded: its run died)
    mug, tee = line_by_sku(legacy_order, "SKU_B"), line_by_sku(legacy_order, "SKU_AA")
    mug_refund = make_movement(make_request(legacy_order, [(mug, 1)]), "24.60")

    def killed(movement):
        raise SystemExit("worker killed")

    with monkeypatch.context() as crash:
        crash.setattr(legacy, "send", killed)
        with pytest.raises(SystemExit):
            pay(mug_refund)
    tee_refund = make_movement(make_request(legacy_order, [(tee, 1)]), "12.30")
    # when a refund of a tee on the same payment is sent
    with pytest.raises(PaymentBusy):
        pay(tee_refund)
    # then it waits, unprepared, until the mug's is done
    tee_refund.refresh_from_db()
    assert (tee_refund.status, tee_refund.provider_reference) == ("pending", "")
    assert pay(mug_refund) == "succeeded"
    assert pay(tee_refund) == "succeeded"
    refunds = payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND)
    assert sorted(refunds.values_list("amount", flat=True)) == [Decimal("12.30"), Decimal("24.60")]
    assert audit_findings(host) == []


# --- gift cards -------------------------------------------------------------------------


def test_a_late_shipment_gift_card_is_issued_once_for_the_buyer_only(
    host, pay, fulfilled_order, customer_user, staff_user, make_request, make_movement
):
    # given late-shipment compensation paid as a gift card
    request = make_request(
        fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)], state="reship_overdue"
    )
    movement = make_movement(
        request,
        "5.00",
        kind="late_shipment_compensation",
        method="gift_card",
        payer="platform",
        liability_kind="late_shipment_compensation",
    )
    # when its payment runs twice (with what it sends after commit: webhook, e-mail)
    statuses = (pay(movement), pay(movement))
    # then one card, for the buyer only
    card = GiftCard.objects.get()
    movement.refresh_from_db()
    assert statuses == ("succeeded", "succeeded")
    assert movement.provider_reference == str(card.pk)
    assert host.payment_outcome(movement) == PaymentResult("succeeded", str(card.pk))
    assert (card.currency, card.initial_balance_amount, card.current_balance_amount) == (
        "USD",
        Decimal("5.00"),
        Decimal("5.00"),
    )
    assert (card.assigned_to, card.assigned_to_email) == (customer_user, customer_user.email)
    assert card.usage_restriction_reason(staff_user.pk) == "restricted to another customer"
    assert card.usage_restriction_reason(customer_user.pk) is None
    assert card.private_metadata == {
        "kuai_returns.idempotency_key": movement.idempotency_key,
        "kuai_returns.order_id": str(fulfilled_order.pk),
    }
    assert set(card.events.values_list("type", flat=True)) == {
        GiftCardEvents.ISSUED,
        GiftCardEvents.ASSIGNED_TO_USER,
        GiftCardEvents.NOTE_ADDED,
    }
    request.refresh_from_db()
    assert (request.compensated_amount, request.platform_advanced_amount) == (
        Decimal("5.000"),
        Decimal("5.000"),
    )
    assert (
        fulfilled_order.granted_refunds.count(),
        Fulfillment.objects.filter(order=fulfilled_order).count(),
    ) == (0, 1)
    assert audit_findings(host) == []


@pytest.mark.parametrize(
    ("account", "error"),
    [
        ("deleted", "the buyer's account no longer exists"),
        ("deactivated", "the buyer's account is deactivated"),
    ],
)
def test_no_gift_card_for_a_buyer_without_an_account(
    pay, fulfilled_order, customer_user, make_request, make_movement, account, error
):
    # given
    request = make_request(fulfilled_order, [(line_by_sku(fulfilled_order, "SKU_AA"), 1)])
    movement = make_movement(request, "12.30", method="gift_card", payer="platform")
    if account == "deleted":
        customer_user.delete()
    else:
        customer_user.is_active = False
        customer_user.save(update_fields=["is_active"])
    # when
    status = pay(movement)
    # then
    movement.refresh_from_db()
    assert (status, movement.error, movement.provider_reference) == ("failed", error, "")
    assert not GiftCard.objects.exists()
    assert AfterSaleRequest.objects.get().state == "refund_failed"
    assert MoneyMovement.objects.count() == 1

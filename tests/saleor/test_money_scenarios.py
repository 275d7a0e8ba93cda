"""Issue 9's money findings inside a real Saleor, one scenario each, told through
our actions, the sweeper, Saleor's own GraphQL and the payment app's answers:
what the buyer got, what Saleor refunded, what the ledger booked. After each,
the money audit finds nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import graphene
import pytest
from freezegun import freeze_time
from kombu.exceptions import OperationalError
from saleor.giftcard.models import GiftCard
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order import FulfillmentStatus, OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.payment import TransactionEventType, TransactionKind, gateway
from saleor.payment.models import TransactionEvent
from saleor.warehouse.models import Stock

from saleor_kuai_returns.actions import follow_ups
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.arbitration import escalate, rule_unjustified_rejection
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import ErrorCode, NewRequest, Reason, RejectionReason, RequestType
from saleor_kuai_returns.domain.errors import NotEligible, TransitionNotAllowed
from saleor_kuai_returns.host.saleor import legacy
from saleor_kuai_returns.models import (
    EvidenceKind,
    FollowUp,
    LiabilityEntry,
    MoneyMovement,
)
from saleor_kuai_returns.tasks import sweep_deadlines

from .conftest import audit_findings, line_by_sku, report_refund

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/broken.jpg")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

GRANT_REFUND_UPDATE = """
mutation Edit($id: ID!, $input: OrderGrantRefundUpdateInput!) {
  orderGrantRefundUpdate(id: $id, input: $input) {
    grantedRefund { reason status }
    errors { field code message }
  }
}
"""
GRANT_REFUND_CREATE = """
mutation Grant($id: ID!, $input: OrderGrantRefundCreateInput!) {
  orderGrantRefundCreate(id: $id, input: $input) {
    grantedRefund { id }
    errors { field code message }
  }
}
"""
REFUND_GRANTED = """
mutation Refund($id: ID!, $granted: ID!) {
  transactionRequestRefundForGrantedRefund(id: $id, grantedRefundId: $granted) {
    errors { field code message }
  }
}
"""


@pytest.fixture(autouse=True)
def audited(host):
    """After every scenario the money audit finds nothing."""
    yield
    assert audit_findings(host) == []


def file(order, buyer, lines, request_type=RequestType.REFUND_ONLY, run_on_commit=None):
    new = NewRequest(
        request_type,
        Reason.QUALITY_FUNCTION,
        lines=tuple((str(line.pk), quantity) for line, quantity in lines),
    )
    return run_on_commit(create_request, str(order.pk), buyer, new, evidence=[PHOTO])


def sweep(moment, run_on_commit):
    with freeze_time(moment):
        run_on_commit(sweep_deadlines.delay)


def gid(type_name, pk):
    return graphene.Node.to_global_id(type_name, pk)


def refund_requests():
    return TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count()


def line_now(host, order, line):
    return host.load_order(str(order.pk)).snapshot.lines[str(line.pk)]


# --- 1. a declined first attempt does not hide the paid retry ----------------------------


def test_a_declined_first_refund_does_not_hide_the_paid_retry(
    host, paid_order, buyer, merchant, run_on_commit, app_api_client
):
    # given a refund of both mugs (49.20), approved, which the payment app declines
    mug = line_by_sku(paid_order, "SKU_B")
    request = file(paid_order, buyer, [(mug, 2)], run_on_commit=run_on_commit)
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    declined = OrderGrantedRefund.objects.get()
    report_refund(app_api_client, declined, "PSP-1", "REFUND_FAILURE")
    request.refresh_from_db()
    assert request.state == "refund_failed"
    # when the merchant retries and the app pays
    run_on_commit(act.retry_refund, request.pk, merchant)
    paid = OrderGrantedRefund.objects.exclude(pk=declined.pk).get()
    report_refund(app_api_client, paid, "PSP-2")
    # then the retry's granted refund carries the mugs, and the order shows them refunded
    assert list(paid.lines.values_list("order_line_id", "quantity")) == [(mug.pk, 2)]
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("49.200"))
    line = line_now(host, paid_order, mug)
    assert (line.quantity_refunded_shipped, line.amount_refunded) == (2, Decimal("49.20"))
    # and a new request for a mug is refused: nothing is left to refund
    with pytest.raises(NotEligible) as refused:
        file(paid_order, buyer, [(mug, 1)], run_on_commit=run_on_commit)
    assert refused.value.code is ErrorCode.NOTHING_LEFT
    assert paid_order.payment_transactions.get().refunded_value == Decimal("49.20")
    assert list(MoneyMovement.objects.values_list("attempt", "status")) == [
        (1, "failed"),
        (2, "succeeded"),
    ]


# --- 2. legacy payments: a refund made before a crash is never made again -----------------


def test_a_legacy_refund_paid_before_a_crash_is_found_by_the_retry_and_not_paid_again(
    host,
    fulfilled_order,
    payment_txn_captured,
    buyer,
    merchant,
    run_on_commit,
    monkeypatch,
):
    # given a shipped order paid through the legacy Payment API (Saleor's dummy
    # gateway), and a refund of a mug whose worker dies after the gateway refunded
    # and before the order recorded it
    mug = line_by_sku(fulfilled_order, "SKU_B")
    request = file(fulfilled_order, buyer, [(mug, 1)], run_on_commit=run_on_commit)
    real_record = legacy.record_refund

    def killed(movement, payment):
        monkeypatch.setattr(legacy, "record_refund", real_record)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(legacy, "record_refund", killed)
    with freeze_time(request.created_at):
        run_on_commit(act.approve_request, request.pk, merchant, version=0)
    # and the broker down for days: nothing resends the first attempt
    monkeypatch.setattr(follow_ups, "send", lambda ids: 0)
    attempt_1 = MoneyMovement.objects.get()
    assert attempt_1.status == "sending"
    # when the refund deadline shows it failed and the retry's deadline retries it
    sweep(request.created_at + 73 * HOUR, run_on_commit)
    request.refresh_from_db()
    assert request.state == "refund_failed"
    sweep(request.created_at + 98 * HOUR, run_on_commit)
    attempt_2 = MoneyMovement.objects.get(attempt=2)
    (row,) = FollowUp.objects.filter(movement=attempt_2)
    now = request.created_at + 98 * HOUR
    assert run_on_commit(follow_ups.run, row.pk, now=now, host=host) == "done"
    # then the retry pays nothing: the first attempt's refund is found at Saleor
    attempt_1.refresh_from_db()
    attempt_2.refresh_from_db()
    assert (attempt_1.status, attempt_2.status) == ("succeeded", "superseded")
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("24.600"))
    refunds = payment_txn_captured.transactions.filter(kind=TransactionKind.REFUND)
    assert list(refunds.values_list("amount", "is_success")) == [(Decimal("24.60"), True)]
    assert fulfilled_order.fulfillments.filter(status=FulfillmentStatus.REFUNDED).count() == 1
    assert fulfilled_order.events.filter(type=OrderEvents.PAYMENT_REFUNDED).count() == 1
    # when the broker is back and the first attempt's follow-up runs at last
    monkeypatch.undo()
    sweep(request.created_at + 99 * HOUR, run_on_commit)
    # then nothing more
    assert refunds.count() == 1


# --- 3. staff edit the granted refund's reason -------------------------------------------


def test_a_refund_whose_reason_staff_edited_still_settles_and_is_never_paid_again(
    host, paid_order, buyer, merchant, staff_api_client, run_on_commit, app_api_client
):
    # given an approved refund of a tee waiting for the payment app
    tee = line_by_sku(paid_order, "SKU_AA")
    request = file(paid_order, buyer, [(tee, 1)], run_on_commit=run_on_commit)
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    granted = OrderGrantedRefund.objects.get()
    # when staff edit its reason in the dashboard
    response = staff_api_client.post_graphql(
        GRANT_REFUND_UPDATE,
        {"id": gid("OrderGrantedRefund", granted.pk), "input": {"reason": "Goodwill, per call"}},
    )
    assert get_graphql_content(response)["data"]["orderGrantRefundUpdate"] == {
        "grantedRefund": {"reason": "Goodwill, per call", "status": "PENDING"},
        "errors": [],
    }
    # and the payment app confirms the refund
    report_refund(app_api_client, granted, "PSP-1")
    # then the refund settles our movement all the same
    request.refresh_from_db()
    movement = MoneyMovement.objects.get()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))
    assert (movement.status, movement.provider_reference) == ("succeeded", str(granted.pk))
    # and no later deadline pays it again
    for days in (4, 5, 12):
        sweep(request.created_at + days * DAY, run_on_commit)
    assert list(OrderGrantedRefund.objects.all()) == [granted]
    assert refund_requests() == 1
    assert paid_order.payment_transactions.get().refunded_value == Decimal("12.30")


def test_an_edited_refund_whose_answer_never_arrived_is_found_by_the_retry(
    host, paid_order, buyer, merchant, staff_api_client, run_on_commit
):
    # given an approved refund whose reason staff edited, and whose payment app
    # answer never reached the plugin's hooks
    tee = line_by_sku(paid_order, "SKU_AA")
    request = file(paid_order, buyer, [(tee, 1)], run_on_commit=run_on_commit)
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    granted = OrderGrantedRefund.objects.get()
    staff_api_client.post_graphql(
        GRANT_REFUND_UPDATE,
        {"id": gid("OrderGrantedRefund", granted.pk), "input": {"reason": "Edited"}},
    )
    TransactionEvent.objects.create(
        transaction=granted.transaction_item,
        type=TransactionEventType.REFUND_SUCCESS,
        amount_value=granted.amount_value,
        currency="USD",
        related_granted_refund=granted,
        include_in_calculations=True,
    )
    # when the refund deadline shows it failed and the retry runs
    sweep(request.created_at + 73 * HOUR, run_on_commit)
    sweep(request.created_at + 98 * HOUR, run_on_commit)
    # then the retry finds the first refund by its reference and pays nothing
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))
    assert list(MoneyMovement.objects.values_list("attempt", "status")) == [
        (1, "succeeded"),
        (2, "superseded"),
    ]
    assert (OrderGrantedRefund.objects.count(), refund_requests()) == (1, 1)


# --- 4 and 13. the platform pays with its own money, booked once ---------------------------


def rejected_and_escalated(order, buyer, merchant, run_on_commit, line):
    request = file(order, buyer, [(line, 1)], RequestType.RETURN_AND_REFUND, run_on_commit)
    run_on_commit(act.send_negotiation_message, request.pk, merchant, "A photo of the zip?")
    run_on_commit(
        act.reject_request,
        request.pk,
        merchant,
        reason=RejectionReason.NO_QUALITY_ISSUE,
        description="It works here.",
    )
    run_on_commit(escalate, request.pk, buyer, note="It broke again.")
    return request


def test_a_platform_gift_card_refused_once_is_paid_by_the_retry_and_owed_once(
    host, paid_order, buyer, merchant, platform, customer_user, run_on_commit
):
    # given a dispute the platform rules for the buyer while the buyer's account
    # is deactivated: its gift card cannot be issued
    tee = line_by_sku(paid_order, "SKU_AA")
    request = rejected_and_escalated(paid_order, buyer, merchant, run_on_commit, tee)
    customer_user.is_active = False
    customer_user.save(update_fields=["is_active"])
    charged = paid_order.payment_transactions.get().charged_value
    run_on_commit(rule_unjustified_rejection, request.pk, platform)
    request.refresh_from_db()
    assert request.state == "refund_failed"
    assert (GiftCard.objects.count(), LiabilityEntry.objects.count()) == (0, 0)
    # when the account is active again and the retry's deadline passes
    customer_user.is_active = True
    customer_user.save(update_fields=["is_active"])
    sweep(request.deadline_at, run_on_commit)
    # then one gift card, one debt of the merchant, and the order's payment untouched
    request.refresh_from_db()
    card = GiftCard.objects.get()
    assert (request.state, request.platform_advanced_amount) == ("refunded", Decimal("12.300"))
    assert (card.initial_balance_amount, card.assigned_to) == (Decimal("12.30"), customer_user)
    assert list(MoneyMovement.objects.values_list("attempt", "method", "status")) == [
        (1, "gift_card", "failed"),
        (2, "gift_card", "succeeded"),
    ]
    assert list(LiabilityEntry.objects.values_list("kind", "amount")) == [
        ("platform_refund_first", Decimal("12.300"))
    ]
    assert not OrderGrantedRefund.objects.exists()
    assert paid_order.payment_transactions.get().charged_value == charged


# --- 6. a refund prepared and never sent is sent -------------------------------------------


def test_a_refund_the_broker_lost_at_send_is_asked_for_again_by_the_sweeper(
    host, paid_order, buyer, merchant, run_on_commit, app_api_client, monkeypatch
):
    # given an approval whose refund request could not reach the broker that
    # carries it to the payment app
    tee = line_by_sku(paid_order, "SKU_AA")
    request = file(paid_order, buyer, [(tee, 1)], run_on_commit=run_on_commit)
    real = gateway.request_refund_action

    def broker_down(**kwargs):
        monkeypatch.setattr(gateway, "request_refund_action", real)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(gateway, "request_refund_action", broker_down)
    with freeze_time(request.created_at):
        run_on_commit(act.approve_request, request.pk, merchant, version=0)
    movement = MoneyMovement.objects.get()
    assert movement.status == "sending"
    assert not paid_order.events.filter(type=OrderEvents.TRANSACTION_REFUND_REQUESTED).exists()
    # when the sweeper runs a few minutes later
    sweep(request.created_at + timedelta(minutes=10), run_on_commit)
    # then the payment app is asked, for the refund prepared before
    movement.refresh_from_db()
    granted = OrderGrantedRefund.objects.get()
    assert (movement.status, movement.provider_reference) == ("requested", str(granted.pk))
    assert paid_order.events.filter(type=OrderEvents.TRANSACTION_REFUND_REQUESTED).count() == 1
    assert refund_requests() == 1
    # and its answer settles the request
    report_refund(app_api_client, granted, "PSP-1")
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))


# --- 8. a line refunded from the dashboard meanwhile -----------------------------------------


def refund_from_the_dashboard(client, app_client, order, line, quantity):
    """Staff grant a refund of the line in the dashboard and send it to the
    payment app, which confirms it."""
    item = order.payment_transactions.get()
    response = client.post_graphql(
        GRANT_REFUND_CREATE,
        {
            "id": gid("Order", order.pk),
            "input": {
                "lines": [{"id": gid("OrderLine", line.pk), "quantity": quantity}],
                "transactionId": gid("TransactionItem", item.token),
                "reason": "Refunded on the phone",
            },
        },
    )
    created = get_graphql_content(response)["data"]["orderGrantRefundCreate"]
    assert created["errors"] == []
    _, pk = graphene.Node.from_global_id(created["grantedRefund"]["id"])
    granted = OrderGrantedRefund.objects.get(pk=pk)
    response = client.post_graphql(
        REFUND_GRANTED,
        {"id": gid("TransactionItem", item.token), "granted": gid("OrderGrantedRefund", pk)},
    )
    assert get_graphql_content(response)["data"]["transactionRequestRefundForGrantedRefund"] == {
        "errors": []
    }
    report_refund(app_client, granted, f"PSP-staff-{pk}")
    granted.refresh_from_db()
    assert granted.status == OrderGrantedRefundStatus.SUCCESS
    return granted


def test_a_line_refunded_from_the_dashboard_meanwhile_is_not_refunded_again(
    host, paid_order, buyer, merchant, staff_api_client, app_api_client, run_on_commit
):
    # given a refund request for both mugs, and staff refunding them from the dashboard
    mug = line_by_sku(paid_order, "SKU_B")
    request = file(paid_order, buyer, [(mug, 2)], run_on_commit=run_on_commit)
    refund_from_the_dashboard(staff_api_client, app_api_client, paid_order, mug, 2)
    # when the review deadline approves the request
    sweep(request.deadline_at, run_on_commit)
    # then nothing more is paid: the request ends refunded with nothing of its own
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("0"))
    assert list(MoneyMovement.objects.values_list("status", "amount", "note")) == [
        (
            "not_needed",
            Decimal("49.200"),
            "nothing paid: the shop had already refunded these units (49.20 USD)",
        )
    ]
    assert (OrderGrantedRefund.objects.count(), refund_requests()) == (1, 1)
    assert paid_order.payment_transactions.get().refunded_value == Decimal("49.20")


def test_a_line_partly_refunded_from_the_dashboard_meanwhile_is_refunded_the_rest(
    host, paid_order, buyer, merchant, staff_api_client, app_api_client, run_on_commit
):
    # given a refund request for all three tees (36.90), one refunded from the dashboard
    tee = line_by_sku(paid_order, "SKU_AA")
    request = file(paid_order, buyer, [(tee, 3)], run_on_commit=run_on_commit)
    staff = refund_from_the_dashboard(staff_api_client, app_api_client, paid_order, tee, 1)
    # when the review deadline approves the request and the app pays it
    sweep(request.deadline_at, run_on_commit)
    ours = OrderGrantedRefund.objects.exclude(pk=staff.pk).get()
    with freeze_time(request.deadline_at + HOUR):
        report_refund(app_api_client, ours, "PSP-1")
    # then the payment was capped at what was left
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("24.600"))
    assert (ours.amount_value, list(ours.lines.values_list("quantity", flat=True))) == (
        Decimal("24.60"),
        [2],
    )
    assert list(MoneyMovement.objects.values_list("status", "amount", "note")) == [
        (
            "succeeded",
            Decimal("24.600"),
            "capped from 36.90 to 24.60 USD: the shop refunded some of these units meanwhile",
        )
    ]
    assert paid_order.payment_transactions.get().refunded_value == Decimal("36.90")


# --- 12. the return recorded at the refund, restocked at arrival ----------------------------


def test_an_auto_refund_after_the_buyer_shipped_records_the_return_and_restocks_on_arrival(
    host, paid_order, buyer, merchant, run_on_commit, app_api_client
):
    # given a return of a tee the buyer shipped back, which the merchant never confirms
    tee = line_by_sku(paid_order, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    before = stock.quantity
    request = file(paid_order, buyer, [(tee, 1)], RequestType.RETURN_AND_REFUND, run_on_commit)
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    run_on_commit(
        act.submit_return_shipment, request.pk, buyer, carrier="SF", tracking_number="SF1"
    )
    request.refresh_from_db()
    due = request.deadline_at
    # when the receipt deadline refunds the buyer, and the app confirms
    sweep(due, run_on_commit)
    with freeze_time(due + HOUR):
        report_refund(app_api_client, OrderGrantedRefund.objects.get(), "PSP-1")
    # then the order shows the tee returned, and the stock is unchanged
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))
    returned = paid_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert list(returned.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 1)]
    stock.refresh_from_db()
    assert stock.quantity == before
    # when the parcel arrives and the merchant confirms it, twice
    with freeze_time(due + 2 * HOUR):
        run_on_commit(act.confirm_receipt, request.pk, merchant)
        with pytest.raises(TransitionNotAllowed, match="confirm_receipt is not possible"):
            run_on_commit(act.confirm_receipt, request.pk, merchant)
    # then the tee is back in stock once, and the order still shows one return
    stock.refresh_from_db()
    assert stock.quantity == before + 1
    assert paid_order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1
    assert paid_order.payment_transactions.get().refunded_value == Decimal("12.30")


@pytest.mark.parametrize(
    ("request_type", "spent", "code"),
    [
        (RequestType.RETURN_AND_REFUND, False, ErrorCode.SHIPPING_NOT_REQUIRED),
        (RequestType.EXCHANGE, False, ErrorCode.SHIPPING_NOT_REQUIRED),
        (RequestType.REFUND_ONLY, True, ErrorCode.GIFT_CARD_USED),
    ],
)
def test_a_gift_card_line_may_be_refunded_only_and_not_once_spent(
    paid_order, gift_card_line, buyer, run_on_commit, request_type, spent, code
):
    # given a gift card bought on the order
    if spent:
        GiftCard.objects.filter(fulfillment_line__order_line=gift_card_line).update(
            current_balance_amount=Decimal("10.00")
        )
    # when the buyer files
    with pytest.raises(NotEligible) as refused:
        file(paid_order, buyer, [(gift_card_line, 1)], request_type, run_on_commit)
    # then
    assert refused.value.code is code
    assert not MoneyMovement.objects.exists()


def test_an_unspent_gift_card_line_may_be_refunded(
    paid_order, gift_card_line, buyer, run_on_commit
):
    request = file(paid_order, buyer, [(gift_card_line, 1)], run_on_commit=run_on_commit)
    assert (request.state, request.refund_ceiling) == (
        "awaiting_merchant_review",
        Decimal("50.000"),
    )

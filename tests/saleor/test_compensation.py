"""Compensation inside Saleor: the platform pays the buyer with its own money (a
Saleor gift card, by default) once, and the merchant owes it that amount once;
a channel may have it paid from the order's transaction instead (the merchant's
own money: nothing is owed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time
from saleor.account.models import Group
from saleor.giftcard.models import GiftCard
from saleor.order import OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.plugins.manager import get_plugins_manager

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.ledger import balance
from saleor_kuai_returns.models import EvidenceKind, LiabilityEntry, MoneyMovement
from saleor_kuai_returns.plugin import PLUGIN_ID
from saleor_kuai_returns.tasks import sweep_deadlines

from .conftest import audit_findings, line_by_sku, report_refund

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/open-box.jpg")


def reship_approved(order, lines, buyer, merchant, run_on_commit):
    """The buyer reports missing items, the merchant agrees to send them."""
    new = NewRequest(
        RequestType.RESHIP,
        Reason.MISSING_ITEMS,
        lines=tuple((str(line.pk), quantity) for line, quantity in lines),
    )
    request = run_on_commit(create_request, str(order.pk), buyer, new, evidence=[PHOTO])
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    request.refresh_from_db()
    assert request.state == "awaiting_reship"
    return request


def granted_refund_lines(granted):
    return sorted(granted.lines.values_list("order_line_id", "quantity"))


# --- priority compensation --------------------------------------------------------------


def test_cannot_reship_pays_priority_compensation_with_the_platforms_gift_card_once(
    host, pay, paid_order, buyer, merchant, customer_user, run_on_commit
):
    # given a missing tee (12.30 paid) the merchant agreed to reship
    tee = line_by_sku(paid_order, "SKU_AA")
    request = reship_approved(paid_order, [(tee, 1)], buyer, merchant, run_on_commit)
    item = paid_order.payment_transactions.get()
    charged = item.charged_value
    # when the merchant declares it cannot reship
    run_on_commit(act.declare_cannot_reship, request.pk, merchant, version=1)
    # then the platform pays what the tee cost with a gift card of its own
    request.refresh_from_db()
    assert (request.state, request.compensated_amount, request.platform_advanced_amount) == (
        "refunded",
        Decimal("12.300"),
        Decimal("12.300"),
    )
    movement = MoneyMovement.objects.get()
    card = GiftCard.objects.get()
    assert (movement.kind, movement.method, movement.payer, movement.amount) == (
        "priority_compensation",
        "gift_card",
        "platform",
        Decimal("12.300"),
    )
    assert (movement.status, movement.provider_reference) == ("succeeded", str(card.pk))
    assert (card.initial_balance_amount, card.assigned_to) == (Decimal("12.30"), customer_user)
    # the order's transaction is not touched: the merchant is not charged twice
    assert not OrderGrantedRefund.objects.exists()
    item.refresh_from_db()
    assert item.charged_value == charged
    # and the merchant owes the platform the amount, once
    entry = LiabilityEntry.objects.get()
    assert (entry.channel_slug, entry.kind, entry.amount, entry.currency) == (
        "main",
        "priority_compensation",
        Decimal("12.300"),
        "USD",
    )
    assert (entry.request_id, entry.movement) == (request.pk, movement)
    # when the payment runs again (its follow-up delivered twice)
    pay(movement)
    # then
    assert (GiftCard.objects.count(), LiabilityEntry.objects.count()) == (1, 1)
    assert balance("main") == Decimal("12.300")
    assert audit_findings(host) == []


def test_priority_compensation_paid_from_the_order_pays_declared_prices_and_owes_nothing(
    host, paid_order, buyer, merchant, channel_USD, run_on_commit, app_api_client
):
    # given a channel that pays the platform's payouts from the order's payment,
    # and the tee an accessory declared at 4.50, the mug a gift declared at 8.00
    # on their variants (paid 12.30 and 24.60 a unit)
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID,
        channel_USD.slug,
        {"active": True, "configuration": [{"name": "platform_payout_method", "value": "refund"}]},
    )
    tee, mug = line_by_sku(paid_order, "SKU_AA"), line_by_sku(paid_order, "SKU_B")
    tee.variant.store_value_in_metadata(
        {"kuai_returns.item_kind": "accessory", "kuai_returns.declared_price": "4.50"}
    )
    tee.variant.save(update_fields=["metadata"])
    mug.variant.store_value_in_metadata(
        {"kuai_returns.item_kind": "gift", "kuai_returns.declared_price": "8"}
    )
    mug.variant.save(update_fields=["metadata"])
    request = reship_approved(paid_order, [(tee, 2), (mug, 1)], buyer, merchant, run_on_commit)
    # when
    run_on_commit(act.declare_cannot_reship, request.pk, merchant, version=1)
    # then 2 × 4.50 + 8.00, not the 49.20 paid for those units, as a granted refund
    assert sorted(request.lines.values_list("item_kind", "declared_unit_price")) == [
        ("accessory", Decimal("4.500")),
        ("gift", Decimal("8.000")),
    ]
    movement = MoneyMovement.objects.get()
    assert (movement.amount, movement.method, movement.payer) == (
        Decimal("17.000"),
        "refund",
        "merchant",
    )
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.amount_value, granted.status, granted.reason) == (
        Decimal("17.00"),
        OrderGrantedRefundStatus.PENDING,
        f"After-sale priority compensation [{movement.idempotency_key}]",
    )
    assert granted_refund_lines(granted) == sorted([(tee.pk, 2), (mug.pk, 1)])
    # when the payment app confirms it
    report_refund(app_api_client, granted, "PSP-comp-1")
    # then the buyer is paid from the order, and the merchant owes no one
    request.refresh_from_db()
    assert (request.state, request.compensated_amount, request.platform_advanced_amount) == (
        "refunded",
        Decimal("17.000"),
        Decimal("0"),
    )
    assert (GiftCard.objects.count(), LiabilityEntry.objects.count()) == (0, 0)
    assert audit_findings(host) == []


def test_a_merchant_of_another_channel_cannot_declare_and_nothing_is_paid(
    paid_order,
    buyer,
    merchant,
    staff_user,
    permission_manage_orders,
    channel_PLN,
    run_on_commit,
):
    # given a reship awaiting the merchant, and the staff member moved to the
    # order rights of another channel meanwhile
    tee = line_by_sku(paid_order, "SKU_AA")
    request = reship_approved(paid_order, [(tee, 1)], buyer, merchant, run_on_commit)
    other = Group.objects.create(name="Orders of PLN", restricted_access_to_channels=True)
    other.permissions.add(permission_manage_orders)
    other.channels.add(channel_PLN)
    staff_user.groups.set([other])
    # when
    with pytest.raises(ActionError) as refused:
        run_on_commit(act.declare_cannot_reship, request.pk, merchant, version=1)
    # then
    assert refused.value.code is ActionErrorCode.PERMISSION_DENIED
    request.refresh_from_db()
    assert (request.state, request.version) == ("awaiting_reship", 1)
    assert not MoneyMovement.objects.exists()
    assert not OrderGrantedRefund.objects.exists()
    assert not LiabilityEntry.objects.exists()


# --- late shipment ------------------------------------------------------------------------


def test_a_late_reship_issues_one_gift_card_and_books_the_liability(
    host, pay, paid_order, buyer, merchant, customer_user, run_on_commit
):
    # given a missing tee (12.30 paid) the merchant agreed to reship within 24 h
    tee = line_by_sku(paid_order, "SKU_AA")
    request = reship_approved(paid_order, [(tee, 1)], buyer, merchant, run_on_commit)
    due = request.deadline_at
    # when the deadline passes without a shipment, and beat runs the sweeper twice
    with freeze_time(due):
        run_on_commit(sweep_deadlines.delay)
        run_on_commit(sweep_deadlines.delay)
    # then the buyer got 5 % of 12.30, raised to the 5.00 minimum, as a gift card
    request.refresh_from_db()
    assert (request.state, request.late_shipment_compensated) == ("reship_overdue", True)
    assert (request.compensated_amount, request.platform_advanced_amount) == (
        Decimal("5.000"),
        Decimal("5.000"),
    )
    movement = MoneyMovement.objects.get()
    assert (movement.kind, movement.method, movement.status, movement.amount) == (
        "late_shipment_compensation",
        "gift_card",
        "succeeded",
        Decimal("5.000"),
    )
    card = GiftCard.objects.get()
    assert movement.provider_reference == str(card.pk)
    assert (card.initial_balance_amount, card.currency, card.assigned_to) == (
        Decimal("5.00"),
        "USD",
        customer_user,
    )
    # and nothing was refunded on the order
    assert not OrderGrantedRefund.objects.exists()
    # and the merchant owes the platform the card's value, once
    entry = LiabilityEntry.objects.get()
    assert (entry.kind, entry.amount, entry.movement) == (
        "late_shipment_compensation",
        Decimal("5.000"),
        movement,
    )
    # when the payment runs again (its follow-up delivered twice)
    pay(movement)
    # then
    assert (GiftCard.objects.count(), LiabilityEntry.objects.count()) == (1, 1)
    assert balance("main") == Decimal("5.000")
    assert audit_findings(host) == []


def test_a_reship_sent_in_time_compensates_nothing(paid_order, buyer, merchant, run_on_commit):
    # given
    tee = line_by_sku(paid_order, "SKU_AA")
    request = reship_approved(paid_order, [(tee, 1)], buyer, merchant, run_on_commit)
    due = request.deadline_at
    # when the merchant ships a second before the deadline
    with freeze_time(due - timedelta(seconds=1)):
        run_on_commit(
            act.ship_items, request.pk, merchant, carrier="SF Express", tracking_number="SF42"
        )
    with freeze_time(due):
        run_on_commit(sweep_deadlines.delay)
    # then
    request.refresh_from_db()
    assert request.state == "awaiting_buyer_confirmation"
    assert (MoneyMovement.objects.count(), GiftCard.objects.count()) == (0, 0)
    assert not LiabilityEntry.objects.exists()

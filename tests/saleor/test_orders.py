"""SaleorHost reads Saleor orders as the rules need them, and knows who may act."""

from __future__ import annotations

from decimal import Decimal

import pytest
from saleor.account.models import Group
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentLineData, OrderGrantedRefundStatus
from saleor.order.actions import create_fulfillments_for_returned_products
from saleor.order.models import OrderGrantedRefundLine
from saleor.plugins.manager import get_plugins_manager

from saleor_kuai_returns.domain import Actor, ItemKind
from saleor_kuai_returns.host.base import SYSTEM_CALLER, Caller, OrderNotFound

from .conftest import line_by_sku

# --- load_order ----------------------------------------------------------------


def test_a_shipped_order_becomes_the_rules_snapshot(host, fulfilled_order, customer_user):
    # given
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    fulfillment = fulfilled_order.fulfillments.get()
    # when
    loaded = host.load_order(str(fulfilled_order.pk))
    # then
    assert (loaded.order_id, loaded.channel_slug, loaded.buyer_id) == (
        str(fulfilled_order.pk),
        "main",
        f"user:{customer_user.pk}",
    )
    assert loaded.snapshot.currency == "USD"
    assert loaded.snapshot.shipping_paid == fulfilled_order.shipping_price_gross_amount
    line = loaded.snapshot.lines[str(tee.pk)]
    assert (line.quantity, line.quantity_shipped) == (3, 3)
    assert (line.quantity_refunded_shipped, line.quantity_refunded_unshipped) == (0, 0)
    assert line.total_paid == Decimal("36.90")
    # the catalogue price as listed in the channel (10.00), not 12.30 with tax
    assert line.unit_price == tee.variant.channel_listings.get().price_amount == Decimal("10")
    assert line.amount_refunded == Decimal(0)
    assert line.delivered_at == fulfillment.created_at
    assert line.product_type == tee.variant.product.product_type.slug
    assert (line.item_kind, line.declared_unit_price) == (ItemKind.GOODS, None)
    assert loaded.line_labels[str(tee.pk)] == (tee.product_name, tee.variant_name, "SKU_AA")


def test_an_unshipped_order_has_nothing_shipped_or_delivered(host, order_with_lines):
    # when
    loaded = host.load_order(str(order_with_lines.pk))
    # then
    assert {
        (line.quantity_shipped, line.delivered_at) for line in loaded.snapshot.lines.values()
    } == {(0, None)}


def test_accessories_and_gifts_come_from_variant_then_product_metadata(host, fulfilled_order):
    # given a variant marked as an accessory, and a product marked as a gift
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    tee.variant.store_value_in_metadata(
        {"kuai_returns.item_kind": "accessory", "kuai_returns.declared_price": "4.5"}
    )
    tee.variant.save(update_fields=["metadata"])
    mug = line_by_sku(fulfilled_order, "SKU_B")
    mug.variant.product.store_value_in_metadata({"kuai_returns.item_kind": "gift"})
    mug.variant.product.save(update_fields=["metadata"])
    # when
    lines = host.load_order(str(fulfilled_order.pk)).snapshot.lines
    # then
    assert (lines[str(tee.pk)].item_kind, lines[str(tee.pk)].declared_unit_price) == (
        ItemKind.ACCESSORY,
        Decimal("4.50"),
    )
    assert (lines[str(mug.pk)].item_kind, lines[str(mug.pk)].declared_unit_price) == (
        ItemKind.GIFT,
        None,
    )


def test_a_saleor_return_counts_as_returned_after_shipment(host, fulfilled_order, site_settings):
    # given staff returned one tee through Saleor's own return
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    shipped = tee.fulfillment_lines.get()
    create_fulfillments_for_returned_products(
        None,
        None,
        fulfilled_order,
        None,
        [],
        [FulfillmentLineData(line=shipped, quantity=1)],
        get_plugins_manager(allow_replica=False),
        site_settings,
    )
    # when
    line = host.load_order(str(fulfilled_order.pk)).snapshot.lines[str(tee.pk)]
    # then
    assert (line.quantity_shipped, line.quantity_refunded_shipped) == (3, 1)
    assert line.available_shipped == 2


def test_successful_granted_refunds_count_units_and_money(host, fulfilled_order):
    # given a granted refund of one tee that the payment app confirmed, and one pending
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    for status in (OrderGrantedRefundStatus.SUCCESS, OrderGrantedRefundStatus.PENDING):
        granted = fulfilled_order.granted_refunds.create(
            amount_value=Decimal("12.30"), currency="USD", status=status
        )
        OrderGrantedRefundLine.objects.create(granted_refund=granted, order_line=tee, quantity=1)
    # when
    line = host.load_order(str(fulfilled_order.pk)).snapshot.lines[str(tee.pk)]
    # then only the confirmed one counts
    assert (line.quantity_refunded_shipped, line.amount_refunded) == (1, Decimal("12.30"))


def test_a_gift_card_line_needs_no_shipping_and_shows_when_its_card_was_used(
    host, fulfilled_order, gift_card_line
):
    # given a gift card bought on the order, untouched
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    lines = host.load_order(str(fulfilled_order.pk)).snapshot.lines
    assert (
        lines[str(gift_card_line.pk)].needs_shipping,
        lines[str(gift_card_line.pk)].gift_card_used,
    ) == (
        False,
        False,
    )
    assert (lines[str(tee.pk)].needs_shipping, lines[str(tee.pk)].gift_card_used) == (True, False)
    # when the buyer spends some of it
    GiftCard.objects.filter(fulfillment_line__order_line=gift_card_line).update(
        current_balance_amount=Decimal("49.99")
    )
    # then
    lines = host.load_order(str(fulfilled_order.pk)).snapshot.lines
    assert lines[str(gift_card_line.pk)].gift_card_used is True
    assert lines[str(tee.pk)].gift_card_used is False


def test_shipping_refunded_by_a_granted_refund_or_a_refunded_fulfillment(host, order_with_lines):
    # given nothing refunded
    shipping = order_with_lines.shipping_price_gross_amount
    assert host.load_order(str(order_with_lines.pk)).snapshot.shipping_refunded == Decimal(0)
    # when a successful granted refund includes the shipping, and a pending one too
    for status in (OrderGrantedRefundStatus.SUCCESS, OrderGrantedRefundStatus.PENDING):
        order_with_lines.granted_refunds.create(
            amount_value=shipping, currency="USD", status=status, shipping_costs_included=True
        )
    # then the successful one counts, up to the shipping paid
    snapshot = host.load_order(str(order_with_lines.pk)).snapshot
    assert (snapshot.shipping_paid, snapshot.shipping_refunded) == (shipping, shipping)
    assert shipping > 0


def test_unknown_draft_and_malformed_orders_are_not_found(host, draft_order):
    for order_id in (str(draft_order.pk), "00000000-0000-0000-0000-000000000000", "x"):
        with pytest.raises(OrderNotFound):
            host.load_order(order_id)


# --- may_act -------------------------------------------------------------------------


def test_the_buyer_acts_on_their_own_order_only(host, buyer, customer_user, staff_user):
    owner = f"user:{customer_user.pk}"
    assert host.may_act(buyer, Actor.BUYER, "main", owner) is True
    assert host.may_act(buyer, Actor.BUYER, "main", f"user:{staff_user.pk}") is False
    assert host.may_act(buyer, Actor.BUYER, "main", "") is False  # a guest order
    customer_user.is_active = False
    assert host.may_act(buyer, Actor.BUYER, "main", owner) is False


def test_merchants_need_order_rights_on_the_orders_channel(
    host, merchant, staff_user, order_staff_group, permission_manage_orders, channel_PLN
):
    # a group restricted to the main channel
    assert host.may_act(merchant, Actor.MERCHANT, "main", "") is True
    assert host.may_act(merchant, Actor.MERCHANT, channel_PLN.slug, "") is False
    # without MANAGE_ORDERS nothing
    order_staff_group.permissions.remove(permission_manage_orders)
    assert host.may_act(_fresh(staff_user), Actor.MERCHANT, "main", "") is False
    # a group with every channel
    everywhere = Group.objects.create(name="All orders", restricted_access_to_channels=False)
    everywhere.permissions.add(permission_manage_orders)
    staff_user.groups.add(everywhere)
    assert host.may_act(_fresh(staff_user), Actor.MERCHANT, channel_PLN.slug, "") is True
    # the buyer is no merchant
    assert host.may_act(merchant, Actor.BUYER, "main", "user:0") is False


def test_customers_are_never_merchants(host, buyer, customer_user, permission_manage_orders):
    customer_user.user_permissions.add(permission_manage_orders)
    assert host.may_act(_fresh(customer_user), Actor.MERCHANT, "main", "") is False


def test_apps_with_order_rights_act_as_merchant_on_every_channel(
    host, app, permission_manage_orders
):
    assert host.may_act(_app_caller(app), Actor.MERCHANT, "main", "") is False
    app.permissions.add(permission_manage_orders)
    assert host.may_act(_app_caller(app), Actor.MERCHANT, "main", "") is True
    assert host.may_act(_app_caller(app), Actor.PLATFORM, "main", "") is False


def test_the_platform_is_the_settings_group_only_with_order_and_payment_rights(
    host, staff_user, permission_manage_orders, permission_manage_payments, settings
):
    # given a member of a group named as the setting says, without any permission
    platform = Group.objects.create(name="After-sale platform")
    staff_user.groups.add(platform)
    # then the name alone makes nobody the platform
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "main", "") is False
    platform.permissions.add(permission_manage_orders)
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "main", "") is False
    # when the group holds both order and payment rights
    platform.permissions.add(permission_manage_payments)
    # then its staff are the platform, on every channel
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "main", "") is True
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "c-pln", "") is True
    # and when the deployment names another group, only that one counts
    settings.KUAI_RETURNS_PLATFORM_GROUP = "Arbiters"
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "main", "") is False


def test_customers_and_inactive_staff_are_never_the_platform(
    host, staff_user, customer_user, permission_manage_orders, permission_manage_payments
):
    platform = Group.objects.create(name="After-sale platform")
    platform.permissions.add(permission_manage_orders, permission_manage_payments)
    customer_user.groups.add(platform)
    staff_user.groups.add(platform)
    staff_user.is_active = False
    staff_user.save(update_fields=["is_active"])
    assert host.may_act(_fresh(customer_user), Actor.PLATFORM, "main", "") is False
    assert host.may_act(_fresh(staff_user), Actor.PLATFORM, "main", "") is False


# --- may_move_money ------------------------------------------------------------------


def test_moving_money_needs_handle_payments_on_the_orders_channel(
    host,
    staff_user,
    order_staff_group,
    permission_manage_orders,
    permission_manage_payments,
    channel_PLN,
):
    # given a merchant of the main channel who may handle payments
    staff_user.groups.add(order_staff_group)
    assert host.may_move_money(_fresh(staff_user), "main") is True
    assert host.may_move_money(_fresh(staff_user), channel_PLN.slug) is False
    # when the group loses HANDLE_PAYMENTS, order rights alone do not pay anyone
    order_staff_group.permissions.remove(permission_manage_payments)
    assert host.may_move_money(_fresh(staff_user), "main") is False
    assert host.may_act(_fresh(staff_user), Actor.MERCHANT, "main", "") is True


def test_apps_move_money_with_handle_payments_and_the_system_always(
    host, app, permission_manage_orders, permission_manage_payments, buyer
):
    app.permissions.add(permission_manage_orders)
    assert host.may_move_money(_app_caller(app), "main") is False
    app.permissions.add(permission_manage_payments)
    assert host.may_move_money(_app_caller(app), "main") is True
    assert host.may_move_money(SYSTEM_CALLER, "main") is True
    assert host.may_move_money(buyer, "main") is False
    # a caller known by its id alone (as tasks pass it) is looked up
    assert host.may_move_money(Caller(f"app:{app.pk}"), "main") is True


def test_only_the_system_caller_acts_as_the_system(host, buyer):
    assert host.may_act(SYSTEM_CALLER, Actor.SYSTEM, "main", "") is True
    assert host.may_act(buyer, Actor.SYSTEM, "main", "") is False


def _fresh(user):
    """A user object without Django's cached permissions."""
    fresh = type(user).objects.get(pk=user.pk)
    return Caller(f"user:{fresh.pk}", user=fresh)


def _app_caller(app):
    """An app object without its cached permissions."""
    fresh = type(app).objects.get(pk=app.pk)
    return Caller(f"app:{fresh.pk}", app=fresh)

"""SaleorHost's side of shop health: each line's product, and orders placed and
lines shipped in a window, counted from Saleor's orders and fulfillments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.order import FulfillmentLineData, FulfillmentStatus, OrderStatus
from saleor.order.actions import create_fulfillments_for_returned_products
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_kuai_returns.host.base import SalesCounts

from .conftest import line_by_sku


@pytest.fixture
def window():
    until = timezone.now() + timedelta(minutes=1)
    return until - timedelta(days=30), until


@pytest.fixture
def products(order_with_lines):
    """The tee's and the mug's products, as the host names them."""
    tee = line_by_sku(order_with_lines, "SKU_AA").variant
    mug = line_by_sku(order_with_lines, "SKU_B").variant
    return str(tee.product_id), str(mug.product_id)


def place_order(order_generator, order_lines_generator, variants, *, status, created_at=None):
    order = order_generator(status=status)
    order_lines_generator(order, variants, [10] * len(variants), [1] * len(variants))
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
    return order


# --- line_products -----------------------------------------------------------------


def test_each_line_names_the_product_of_its_variant(host, order_with_lines, products):
    # given
    tee, mug = line_by_sku(order_with_lines, "SKU_AA"), line_by_sku(order_with_lines, "SKU_B")
    # when
    loaded = host.load_order(str(order_with_lines.pk))
    # then
    assert loaded.line_products == {str(tee.pk): products[0], str(mug.pk): products[1]}


def test_a_line_whose_variant_was_deleted_names_no_product(host, order_with_lines, products):
    # given the mug's variant deleted from the catalogue (Saleor keeps the line)
    mug = line_by_sku(order_with_lines, "SKU_B")
    mug.variant.delete()
    # when
    loaded = host.load_order(str(order_with_lines.pk))
    # then
    assert loaded.line_products[str(mug.pk)] == ""
    assert loaded.line_products[str(line_by_sku(order_with_lines, "SKU_AA").pk)] == products[0]


# --- sales_counts ------------------------------------------------------------------


def test_orders_placed_in_the_window_and_their_shipped_lines(
    host,
    fulfilled_order,
    products,
    order_generator,
    order_lines_generator,
    channel_PLN,
    window,
    django_assert_num_queries,
):
    # given the shipped order (a tee line and a mug line), an unshipped tee order
    # and a cancelled one, and orders that do not count: never placed, lapsed,
    # before the window, at its end, or of another channel
    since, until = window
    tee_variant = line_by_sku(fulfilled_order, "SKU_AA").variant
    place_order(
        order_generator, order_lines_generator, [tee_variant], status=OrderStatus.UNFULFILLED
    )
    place_order(order_generator, order_lines_generator, [tee_variant], status=OrderStatus.CANCELED)
    for status in (OrderStatus.DRAFT, OrderStatus.UNCONFIRMED, OrderStatus.EXPIRED):
        place_order(order_generator, order_lines_generator, [tee_variant], status=status)
    for created_at in (since - timedelta(microseconds=1), until):
        place_order(
            order_generator,
            order_lines_generator,
            [tee_variant],
            status=OrderStatus.FULFILLED,
            created_at=created_at,
        )
    order_generator(channel=channel_PLN, currency="PLN")
    # when
    with django_assert_num_queries(2):
        counts = host.sales_counts("main", since, until)
    # then
    tee, mug = products
    assert counts == SalesCounts(
        orders=3,
        lines_shipped=2,
        orders_by_product={tee: 3, mug: 1},
        lines_shipped_by_product={tee: 1, mug: 1},
    )


def test_the_window_starts_at_since(
    host, order_generator, order_lines_generator, order_with_lines, products, window
):
    # given an order placed at the very start of the window
    since, until = window
    mug_variant = line_by_sku(order_with_lines, "SKU_B").variant
    Order.objects.filter(pk=order_with_lines.pk).update(created_at=since - timedelta(days=1))
    place_order(
        order_generator,
        order_lines_generator,
        [mug_variant],
        status=OrderStatus.UNFULFILLED,
        created_at=since,
    )
    # when
    counts = host.sales_counts("main", since, until)
    # then
    assert counts == SalesCounts(1, 0, {products[1]: 1}, {products[1]: 0})


def test_lines_returned_after_shipping_still_count_as_shipped(
    host, fulfilled_order, products, site_settings, window
):
    # given every tee returned through Saleor's own return: Saleor moves the
    # units to a RETURNED fulfillment and deletes the emptied FULFILLED line
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    create_fulfillments_for_returned_products(
        None,
        None,
        fulfilled_order,
        None,
        [],
        [FulfillmentLineData(line=tee.fulfillment_lines.get(), quantity=3)],
        get_plugins_manager(allow_replica=False),
        site_settings,
    )
    assert list(tee.fulfillment_lines.values_list("fulfillment__status", "quantity")) == [
        (FulfillmentStatus.RETURNED, 3)
    ]
    # when
    counts = host.sales_counts("main", *window)
    # then the shipped tee is still in the denominator of its return
    assert counts.lines_shipped == 2
    assert counts.lines_shipped_by_product == {products[0]: 1, products[1]: 1}


def test_units_refunded_before_shipping_and_awaiting_approval_did_not_ship(
    host, order_with_lines, products, window
):
    # given the tees refunded before they shipped (Saleor moves them, without a
    # stock, to a REFUNDED fulfillment) and the mugs awaiting fulfillment approval
    tee, mug = line_by_sku(order_with_lines, "SKU_AA"), line_by_sku(order_with_lines, "SKU_B")
    refunded = order_with_lines.fulfillments.create(status=FulfillmentStatus.REFUNDED)
    refunded.lines.create(order_line=tee, quantity=3, stock=None)
    waiting = order_with_lines.fulfillments.create(status=FulfillmentStatus.WAITING_FOR_APPROVAL)
    waiting.lines.create(order_line=mug, quantity=2, stock=mug.allocations.get().stock)
    # when
    counts = host.sales_counts("main", *window)
    # then
    assert counts == SalesCounts(1, 0, {products[0]: 1, products[1]: 1}, dict.fromkeys(products, 0))


def test_a_line_whose_variant_was_deleted_counts_in_the_totals_only(
    host, fulfilled_order, products, window
):
    # given
    line_by_sku(fulfilled_order, "SKU_B").variant.delete()
    # when
    counts = host.sales_counts("main", *window)
    # then
    assert counts == SalesCounts(1, 2, {products[0]: 1}, {products[0]: 1})

"""The shop's side of shop health: orders placed and order lines shipped in a
window, from Saleor's orders and fulfillments in two aggregate queries.

- placed: orders of the channel created in ``[since, until)`` that a buyer
  placed and that stand (not drafts, not awaiting confirmation, not expired
  unpaid checkouts), as Saleor's own order counts leave those out;
- shipped: a line of such an order with units in a ``FULFILLED`` fulfillment,
  or units that shipped and came back since (returned, replaced or refunded
  fulfillment lines that left a warehouse, i.e. hold a stock). Saleor moves
  returned units out of the ``FULFILLED`` fulfillment, deleting the line there
  when none is left: without the second half a fully returned line would drop
  out of the return rate's denominator while its return stays in the numerator;
- per product: the variant's product (as ``HostOrder.line_products``); a line
  whose variant was deleted counts in the totals only.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from saleor.order import FulfillmentStatus, OrderStatus
from saleor.order.models import FulfillmentLine, Order, OrderLine

from ..base import SalesCounts

# Orders that were never placed, or lapsed before they counted as a sale.
_NOT_PLACED = (OrderStatus.DRAFT, OrderStatus.UNCONFIRMED, OrderStatus.EXPIRED)
# Fulfillments that hold units after they shipped, when a stock says they did.
_BACK_AFTER_SHIPPING = (
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
    FulfillmentStatus.REFUNDED,
)


def sales_counts(channel_slug: str, since: datetime, until: datetime) -> SalesCounts:
    orders = Order.objects.exclude(status__in=_NOT_PLACED).filter(
        channel__slug=channel_slug, created_at__gte=since, created_at__lt=until
    )
    shipped_units = FulfillmentLine.objects.filter(order_line=OuterRef("pk")).filter(
        Q(fulfillment__status=FulfillmentStatus.FULFILLED)
        | Q(fulfillment__status__in=_BACK_AFTER_SHIPPING, stock__isnull=False)
    )
    per_product = (
        OrderLine.objects.filter(order__in=orders)
        .annotate(shipped=Exists(shipped_units))
        .values("variant__product_id")
        .annotate(
            orders=Count("order_id", distinct=True),
            lines_shipped=Count("id", filter=Q(shipped=True)),
        )
        .order_by()
    )
    orders_by_product: dict[str, int] = {}
    lines_shipped_by_product: dict[str, int] = {}
    lines_shipped = 0
    for row in per_product:
        lines_shipped += row["lines_shipped"]
        product_id = row["variant__product_id"]
        if product_id is None:
            continue
        orders_by_product[str(product_id)] = row["orders"]
        lines_shipped_by_product[str(product_id)] = row["lines_shipped"]
    return SalesCounts(
        orders=orders.count(),
        lines_shipped=lines_shipped,
        orders_by_product=orders_by_product,
        lines_shipped_by_product=lines_shipped_by_product,
    )

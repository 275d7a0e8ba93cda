"""Goods coming back and units that will not ship, through Saleor's own order
actions. Each marks the fulfillment it creates with the request id (and a
restock with a flag), under the order's row lock, so a task that runs again —
or two follow-ups of one decision running at once — finds its work done.

- ``record_return``: the request's shipped units move into a ``RETURNED``
  fulfillment (no refund: the money moves separately), so the merchant's order
  page shows them returned as soon as the refund is decided;
- ``restock_return``: the goods arrived; the units of that fulfillment go back
  into the warehouses they shipped from (Saleor's return does not restock);
- ``release_unshipped``: before shipment, the refunded units move into a
  ``REFUNDED`` fulfillment, in the transaction that records the payment, so
  they are never both refunded and shipped.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from saleor.order import FulfillmentLineData, FulfillmentStatus
from saleor.order.actions import (
    create_fulfillments_for_returned_products,
    create_refund_fulfillment,
)
from saleor.order.fetch import OrderLineInfo
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import Fulfillment, FulfillmentLine, Order, OrderLine
from saleor.plugins.manager import get_plugins_manager
from saleor.site.models import Site
from saleor.warehouse.management import increase_stock

from ...models import AfterSaleRequest
from .keys import RELEASE_FOR_KEY, RESTOCKED_KEY, RETURN_FOR_KEY

logger = logging.getLogger(__name__)


def record_return(request: AfterSaleRequest) -> None:
    """A returned fulfillment for the request's shipped units, once."""
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is not None:
            _returned(order, request)


def restock_return(request: AfterSaleRequest) -> None:
    """The request's returned units back into stock, once; the return is
    recorded first when that was not done yet."""
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None:
            return
        returned = _returned(order, request)
        if returned is None or returned.get_value_from_private_metadata(RESTOCKED_KEY):
            return
        for line in returned.lines.select_related("order_line", "stock__warehouse").order_by("pk"):
            if line.stock is None or line.order_line.variant_id is None:
                logger.warning("Returned units of line %s not restocked", line.order_line_id)
                continue
            increase_stock(line.order_line, line.stock.warehouse, line.quantity, allocate=False)
        returned.store_value_in_private_metadata({RESTOCKED_KEY: "true"})
        returned.save(update_fields=["private_metadata"])


def _returned(order: Order, request: AfterSaleRequest) -> Fulfillment | None:
    """Under the order's lock: the request's returned fulfillment, created from
    its shipped units when there is none yet; ``None`` when nothing shipped is
    left to return (Saleor's own return took them, say)."""
    existing = _marked(order, RETURN_FOR_KEY, request)
    if existing is not None:
        return existing
    wanted = {str(item.order_line_id): item.quantity for item in request.lines.all()}
    shipped = (
        FulfillmentLine.objects.filter(
            fulfillment__order=order,
            fulfillment__status=FulfillmentStatus.FULFILLED,
            order_line_id__in=list(wanted),
        )
        .select_related("fulfillment")
        .order_by("fulfillment__created_at", "pk")
    )
    to_return: list[FulfillmentLineData] = []
    for line in shipped:
        units = min(line.quantity, wanted.get(str(line.order_line_id), 0))
        if units > 0:
            to_return.append(FulfillmentLineData(line=line, quantity=units))
            wanted[str(line.order_line_id)] -= units
    if not to_return:
        logger.info("Request %s: no shipped units left to return", request.pk)
        return None
    returned, _, _ = create_fulfillments_for_returned_products(
        user=None,
        app=None,
        order=order,
        payment=None,
        order_lines=[],
        fulfillment_lines=to_return,
        manager=get_plugins_manager(allow_replica=False),
        site_settings=Site.objects.get_current().settings,
        refund=False,
        reason=f"After-sale request {request.pk}",
    )
    _mark(returned, {RETURN_FOR_KEY: str(request.pk)})
    return returned


def release_unshipped(
    order: Order,
    request: AfterSaleRequest,
    *,
    amount: Decimal,
    paid_with_gift_card: bool,
    user: Any,
    app: Any,
) -> str:
    """Under the order's lock, in the transaction that records the refund: the
    request's units move into a refunded fulfillment, as Saleor's own "refund
    unfulfilled products" does — they leave the unfulfilled quantity (nobody can
    ship them) and their allocation is released. Returns why not, writing
    nothing, when the merchant fulfilled some of them meanwhile; ``""`` when
    done, now or by an earlier attempt of the payout.

    The fulfillment shows the amount the order's payment gives back (0 for a
    gift card: the platform's money); the order snapshot takes what was
    refunded from the refund's own record, not from this fulfillment, so a
    payment that fails leaves the units for the payout's next attempt."""
    if _marked(order, RELEASE_FOR_KEY, request) is not None:
        return ""
    wanted = {str(item.order_line_id): item.quantity for item in request.lines.all()}
    lines = {
        str(line.pk): line for line in OrderLine.objects.filter(order=order, pk__in=list(wanted))
    }
    infos = []
    for line_id, units in sorted(wanted.items()):
        line = lines.get(line_id)
        if line is None:
            return f"order line {line_id} is no longer on the order"
        left = line.quantity - line.quantity_fulfilled
        if left < units:
            return (
                f"{line.product_sku or line.product_name}: {units} unit(s) to refund before "
                f"shipment, but only {max(0, left)} left unshipped (the merchant fulfilled them "
                "meanwhile: the buyer may file a return instead)"
            )
        infos.append(OrderLineInfo(line=line, quantity=units))
    released = create_refund_fulfillment(
        user,
        app,
        order,
        None,
        infos,
        [],
        get_plugins_manager(allow_replica=False),
        Site.objects.get_current().settings,
        amount=Decimal(0) if paid_with_gift_card else amount,
    )
    _mark(released, {RELEASE_FOR_KEY: str(request.pk)})
    return ""


def _marked(order: Order, key: str, request: AfterSaleRequest) -> Fulfillment | None:
    return order.fulfillments.filter(private_metadata__contains={key: str(request.pk)}).first()


def _mark(fulfillment: Fulfillment, values: dict[str, str]) -> None:
    fulfillment.store_value_in_private_metadata(values)
    fulfillment.save(update_fields=["private_metadata"])

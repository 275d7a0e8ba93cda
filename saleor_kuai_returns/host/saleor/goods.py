"""Goods coming back and units that will not ship, through Saleor's own order
actions; each marks the fulfillment it creates with the request id, so a task
that runs again finds its work done."""

from __future__ import annotations

import logging

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
from .keys import RELEASE_FOR_KEY, RETURN_FOR_KEY

logger = logging.getLogger(__name__)


def record_return(request: AfterSaleRequest) -> None:
    """A returned fulfillment for the request's units (no refund: the money
    moves separately), then the units go back into the warehouse they were
    shipped from — Saleor's return does not restock."""
    wanted = {str(item.order_line_id): item.quantity for item in request.lines.all()}
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None or _marked(order, RETURN_FOR_KEY, request):
            return
        shipped = (
            FulfillmentLine.objects.filter(
                fulfillment__order=order,
                fulfillment__status=FulfillmentStatus.FULFILLED,
                order_line_id__in=list(wanted),
            )
            .select_related("fulfillment", "order_line__variant", "stock__warehouse")
            .order_by("fulfillment__created_at", "pk")
        )
        to_return: list[tuple[FulfillmentLine, int]] = []
        for line in shipped:
            units = min(line.quantity, wanted.get(str(line.order_line_id), 0))
            if units > 0:
                to_return.append((line, units))
                wanted[str(line.order_line_id)] -= units
        if not to_return:
            logger.info("Request %s: no shipped units left to return", request.pk)
            return
        restock = [(line.order_line, line.stock, units) for line, units in to_return]
        returned, _, _ = create_fulfillments_for_returned_products(
            user=None,
            app=None,
            order=order,
            payment=None,
            order_lines=[],
            fulfillment_lines=[
                FulfillmentLineData(line=line, quantity=units) for line, units in to_return
            ],
            manager=get_plugins_manager(allow_replica=False),
            site_settings=Site.objects.get_current().settings,
            refund=False,
            reason=f"After-sale request {request.pk}",
        )
        _mark(returned, RETURN_FOR_KEY, request)
        for order_line, stock, units in restock:
            if stock is None or order_line.variant_id is None:
                logger.warning("Returned units of line %s not restocked", order_line.pk)
                continue
            increase_stock(order_line, stock.warehouse, units, allocate=False)


def release_unshipped(request: AfterSaleRequest) -> None:
    """The refunded units move into a refunded fulfillment, as Saleor's own
    "refund unfulfilled products" does: they leave the unfulfilled quantity
    (so nobody can ship them) and their stock allocation is released."""
    wanted = {str(item.order_line_id): item.quantity for item in request.lines.all()}
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None or _marked(order, RELEASE_FOR_KEY, request):
            return
        infos = []
        for line in OrderLine.objects.filter(order=order, pk__in=list(wanted)).order_by("pk"):
            units = min(wanted[str(line.pk)], line.quantity - line.quantity_fulfilled)
            if units > 0:
                infos.append(OrderLineInfo(line=line, quantity=units))
        if not infos:
            return
        released = create_refund_fulfillment(
            None,
            None,
            order,
            None,
            infos,
            [],
            get_plugins_manager(allow_replica=False),
            Site.objects.get_current().settings,
            amount=request.payout_amount,
        )
        _mark(released, RELEASE_FOR_KEY, request)


def _marked(order: Order, key: str, request: AfterSaleRequest) -> bool:
    return order.fulfillments.filter(private_metadata__contains={key: str(request.pk)}).exists()


def _mark(fulfillment: Fulfillment, key: str, request: AfterSaleRequest) -> None:
    fulfillment.store_value_in_private_metadata({key: str(request.pk)})
    fulfillment.save(update_fields=["private_metadata"])

"""The host port on Saleor 3.23: orders, rights, money and stock through Saleor's
own models and actions.

How Saleor's data maps to the rules' snapshot (``load_order``):

- paid for a line: ``total_price_gross_amount`` (all units, after discounts and
  with tax); the catalogue unit price (to match exchange variants) is
  ``undiscounted_unit_price_gross_amount``; shipping paid is
  ``shipping_price_gross_amount``;
- shipped: ``quantity_fulfilled`` minus units waiting for approval and units
  that left the order without shipping (lines of refunded/returned fulfillments
  with no stock: Saleor moves unfulfilled units there when it refunds them);
- refunded or returned after shipment: units in ``REFUNDED``, ``RETURNED``,
  ``REFUNDED_AND_RETURNED`` and ``REPLACED`` fulfillments, or the units of
  successful granted refunds (and of our own legacy refunds), whichever is
  larger — a unit returned and refunded appears in both;
- refunded amount per line: successful granted refunds (and our legacy refunds)
  spread over their lines in line order, each line up to what was paid for the
  units; refunded fulfillments' units at the price paid; the larger of the two;
- delivered: Saleor records no delivery, so the newest ``FULFILLED`` fulfillment
  holding the line counts as its delivery (``created_at``);
- product type: the slug of the line's ``product_type_id`` (else the variant's);
- accessories and gifts: metadata ``kuai_returns.item_kind`` (``goods``,
  ``accessory``, ``gift``) and ``kuai_returns.declared_price`` (the product page
  price, a decimal in the order's currency), read from the variant, then the
  product; a Saleor gift line (``is_gift``) is a gift.

Money (``pay``): an order paid through Transactions gets an ``OrderGrantedRefund``
whose ``reason`` ends with ``[<idempotency key>]`` and a refund request on its
charged transaction; the payment app answers later, which reaches
``settle_granted_refunds`` through the plugin's order hooks. A legacy ``Payment``
order is refunded through ``gateway.refund`` and marked with a refunded
fulfillment carrying the key. A gift card carries the key in its private metadata.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from saleor.account.models import User
from saleor.app.models import App
from saleor.core.db.connection import allow_writer
from saleor.core.utils.promo_code import generate_promo_code
from saleor.giftcard import events as gift_card_events
from saleor.giftcard.const import GIFT_CARD_PAYMENT_GATEWAY_ID
from saleor.giftcard.models import GiftCard
from saleor.giftcard.notifications import send_gift_card_notification
from saleor.giftcard.utils import calculate_expiry_date
from saleor.order import FulfillmentLineData, FulfillmentStatus, OrderGrantedRefundStatus
from saleor.order import events as order_events
from saleor.order.actions import (
    create_fulfillments_for_returned_products,
    create_refund_fulfillment,
    order_refunded,
)
from saleor.order.fetch import OrderLineInfo
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderGrantedRefund,
    OrderGrantedRefundLine,
    OrderLine,
)
from saleor.order.utils import calculate_order_granted_refund_status, update_order_charge_data
from saleor.payment import PaymentError, TransactionEventType, gateway
from saleor.payment.models import TransactionEvent
from saleor.permission.enums import OrderPermissions
from saleor.plugins.manager import get_plugins_manager
from saleor.product.models import ProductType
from saleor.site.models import Site
from saleor.warehouse.management import increase_stock
from saleor.warehouse.models import Warehouse

from ..app_settings import app_settings
from ..domain import Actor, ItemKind, LineSnapshot, OrderSnapshot, Policy
from ..domain.money import quantize
from ..domain.policy import PayoutMethod
from ..models import AfterSaleRequest, MoneyMovement, MovementKind, MovementStatus
from ..plugin import PLATFORM_GROUP, RETURN_ADDRESS, channel_configuration
from ..policy_config import policy_from_config
from .base import Caller, Host, HostOrder, OrderNotFound, PaymentResult

logger = logging.getLogger(__name__)

# Variant (then product) metadata keys of accessories and gifts.
ITEM_KIND_KEY = "kuai_returns.item_kind"
DECLARED_PRICE_KEY = "kuai_returns.declared_price"
# Private metadata we write on Saleor rows, so every write happens once.
IDEMPOTENCY_KEY = "kuai_returns.idempotency_key"  # gift cards, legacy refunds
REFUND_LINES_KEY = "kuai_returns.refund_lines"  # legacy refunds: {line id: units}
RETURN_FOR_KEY = "kuai_returns.return_for"  # returned fulfillment: the request id
RELEASE_FOR_KEY = "kuai_returns.release_for"  # refunded unshipped units: the request id

_KEY_IN_REASON = re.compile(r"\[(kuai:[^\]]+)\]$")
_LEFT_WITHOUT_SHIPPING = {
    FulfillmentStatus.REFUNDED,
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
}
_MONEY_BACK = {FulfillmentStatus.REFUNDED, FulfillmentStatus.REFUNDED_AND_RETURNED}


def refund_reason(movement: MoneyMovement) -> str:
    """The granted refund's reason: readable in the dashboard, ending with the key."""
    label = movement.kind.replace("_", " ")
    return f"After-sale {label} [{movement.idempotency_key}]"


class SaleorHost(Host):
    # --- reading ------------------------------------------------------------

    def load_order(self, order_id: str) -> HostOrder:
        try:
            order = Order.objects.non_draft().select_related("channel").get(pk=order_id)
        except (Order.DoesNotExist, ValueError, ValidationError):
            raise OrderNotFound(order_id) from None
        lines = list(order.lines.select_related("variant__product").order_by("pk"))
        facts = _LineFacts.collect(order, lines)
        type_slugs = dict(
            ProductType.objects.filter(
                pk__in={_product_type_id(line) for line in lines} - {None}
            ).values_list("pk", "slug")
        )
        snapshot = OrderSnapshot(
            currency=order.currency,
            shipping_paid=order.shipping_price_gross_amount,
            lines={
                str(line.pk): _line_snapshot(line, order.currency, facts, type_slugs)
                for line in lines
            },
        )
        return HostOrder(
            order_id=str(order.pk),
            channel_slug=order.channel.slug,
            buyer_id=f"user:{order.user_id}" if order.user_id else "",
            snapshot=snapshot,
            line_labels={
                str(line.pk): (line.product_name, line.variant_name, line.product_sku or "")
                for line in lines
            },
        )

    def may_act(self, caller: Caller, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
        if actor is Actor.SYSTEM:
            return caller.is_system
        if actor is Actor.MERCHANT and caller.app is not None:
            # Apps reach every channel in Saleor; order rights are enough.
            app = caller.app
            return bool(app.is_active and app.has_perm(OrderPermissions.MANAGE_ORDERS))
        user = caller.user
        if user is None or not user.is_active:
            return False
        if actor is Actor.BUYER:
            return bool(buyer_id) and buyer_id == f"user:{user.pk}"
        if not user.is_staff:
            return False
        if actor is Actor.PLATFORM:
            group = channel_configuration(channel_slug).get(PLATFORM_GROUP) or (
                app_settings.PLATFORM_GROUP
            )
            return user.groups.filter(name=group).exists()
        return user.has_perm(OrderPermissions.MANAGE_ORDERS) and _reaches_channel(
            user, channel_slug
        )

    def policy_for(self, channel_slug: str) -> Policy:
        values = channel_configuration(channel_slug)
        try:
            return policy_from_config(values)
        except ValueError as error:
            # The form refuses bad values; one written around it must not stop
            # the sweeper for every channel, so the spec's defaults apply.
            logger.error("Channel %s has an invalid after-sale policy: %s", channel_slug, error)
            return policy_from_config({})

    def return_address(self, channel_slug: str) -> str:
        configured = channel_configuration(channel_slug).get(RETURN_ADDRESS)
        if configured and str(configured).strip():
            return str(configured).strip()
        warehouse = (
            Warehouse.objects.filter(channelwarehouse__channel__slug=channel_slug)
            .select_related("address")
            .order_by("channelwarehouse__sort_order", "channelwarehouse__pk")
            .first()
        )
        return _format_warehouse(warehouse) if warehouse else ""

    # --- money --------------------------------------------------------------

    def pay(self, movement: MoneyMovement) -> PaymentResult:
        if movement.method == PayoutMethod.GIFT_CARD:
            return _issue_gift_card(movement)
        return _refund(movement)

    # --- goods --------------------------------------------------------------

    def record_return(self, request: AfterSaleRequest) -> None:
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

    def release_unshipped(self, request: AfterSaleRequest) -> None:
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

    # --- timeline and database -----------------------------------------------

    def add_order_note(self, order_id: str, message: str, caller: Caller) -> None:
        order = Order.objects.select_related("user").filter(pk=order_id).first()
        if order is None:
            logger.warning("No order %s for the after-sale note %r", order_id, message)
            return
        user, app = _requestor(caller)
        order_events.order_note_added_event(order=order, user=user, app=app, message=message)

    def writer(self) -> AbstractContextManager[object]:
        return allow_writer()


# --- load_order ------------------------------------------------------------------


class _LineFacts:
    """Per order line: what Saleor's fulfillments and refunds say about it."""

    def __init__(self) -> None:
        self.delivered_at: dict[str, datetime] = {}
        self.awaiting: dict[str, int] = defaultdict(int)
        self.left_unshipped: dict[str, int] = defaultdict(int)
        self.back_after_shipping: dict[str, int] = defaultdict(int)
        self.refunded_units: dict[str, int] = defaultdict(int)  # by granted/legacy refunds
        self.refunded_by_refunds: dict[str, Decimal] = defaultdict(Decimal)
        self.refunded_by_fulfillments: dict[str, Decimal] = defaultdict(Decimal)

    @classmethod
    def collect(cls, order: Order, lines: list[OrderLine]) -> _LineFacts:
        facts = cls()
        by_id = {str(line.pk): line for line in lines}
        shipping = order.shipping_price_gross_amount
        for fulfillment in order.fulfillments.prefetch_related("lines"):
            status = fulfillment.status
            for item in fulfillment.lines.all():
                line_id = str(item.order_line_id)
                if status == FulfillmentStatus.FULFILLED:
                    known = facts.delivered_at.get(line_id)
                    if known is None or fulfillment.created_at > known:
                        facts.delivered_at[line_id] = fulfillment.created_at
                elif status == FulfillmentStatus.WAITING_FOR_APPROVAL:
                    facts.awaiting[line_id] += item.quantity
                elif status in _LEFT_WITHOUT_SHIPPING:
                    if item.stock_id is None:
                        facts.left_unshipped[line_id] += item.quantity
                    else:
                        facts.back_after_shipping[line_id] += item.quantity
                if status in _MONEY_BACK and line_id in by_id:
                    facts.refunded_by_fulfillments[line_id] += _paid_share(
                        by_id[line_id], item.quantity
                    )
            legacy = (fulfillment.private_metadata or {}).get(REFUND_LINES_KEY)
            if status == FulfillmentStatus.REFUNDED and isinstance(legacy, dict):
                units = [(key, int(value)) for key, value in legacy.items() if key in by_id]
                facts._add_refund(fulfillment.total_refund_amount or Decimal(0), units, by_id)
        granted = OrderGrantedRefund.objects.filter(
            order=order, status=OrderGrantedRefundStatus.SUCCESS
        ).prefetch_related("lines")
        for refund in granted:
            amount = refund.amount_value
            if refund.shipping_costs_included:
                amount -= min(amount, shipping)
            units = [(str(item.order_line_id), item.quantity) for item in refund.lines.all()]
            facts._add_refund(amount, units, by_id)
        return facts

    def _add_refund(
        self, amount: Decimal, units: Iterable[tuple[str, int]], by_id: dict[str, OrderLine]
    ) -> None:
        for line_id, share in spread_over_lines(amount, units, by_id).items():
            self.refunded_by_refunds[line_id] += share
        for line_id, quantity in units:
            self.refunded_units[line_id] += quantity


def spread_over_lines(
    amount: Decimal, units: Iterable[tuple[str, int]], by_id: dict[str, OrderLine]
) -> dict[str, Decimal]:
    """A refund over its lines in line order, each up to what its units cost; the
    last line takes the rest up to its total (units are priced cumulatively, so a
    unit may cost a cent more than the even share)."""
    shares: dict[str, Decimal] = {}
    known = [(line_id, quantity) for line_id, quantity in sorted(units) if line_id in by_id]
    left = amount
    for index, (line_id, quantity) in enumerate(known):
        line = by_id[line_id]
        last = index == len(known) - 1
        cap = line.total_price_gross_amount if last else _paid_share(line, quantity)
        share = max(Decimal(0), min(left, cap))
        if share:
            shares[line_id] = share
            left -= share
    return shares


def _paid_share(line: OrderLine, quantity: int) -> Decimal:
    if line.quantity <= 0:
        return Decimal(0)
    return quantize(line.total_price_gross_amount * quantity / line.quantity, line.currency)


def _line_snapshot(
    line: OrderLine, currency: str, facts: _LineFacts, type_slugs: dict[int | None, str]
) -> LineSnapshot:
    line_id = str(line.pk)
    unshipped_gone = facts.left_unshipped[line_id]
    shipped = max(0, line.quantity_fulfilled - facts.awaiting[line_id] - unshipped_gone)
    back = max(facts.back_after_shipping[line_id], facts.refunded_units[line_id] - unshipped_gone)
    item_kind, declared = _item_kind(line, currency)
    return LineSnapshot(
        line_id=line_id,
        currency=currency,
        quantity=line.quantity,
        total_paid=line.total_price_gross_amount,
        unit_price=line.undiscounted_unit_price_gross_amount,
        quantity_shipped=shipped,
        quantity_refunded_shipped=min(shipped, max(0, back)),
        quantity_refunded_unshipped=unshipped_gone,
        amount_refunded=min(
            line.total_price_gross_amount,
            max(facts.refunded_by_refunds[line_id], facts.refunded_by_fulfillments[line_id]),
        ),
        delivered_at=facts.delivered_at.get(line_id),
        product_type=type_slugs.get(_product_type_id(line)),
        item_kind=item_kind,
        declared_unit_price=declared,
    )


def _product_type_id(line: OrderLine) -> int | None:
    """Saleor copies the product type onto the line when the order is placed; the
    variant's current one serves when it did not (orders created by hand)."""
    if line.product_type_id:
        return int(line.product_type_id)
    return line.variant.product.product_type_id if line.variant else None


def _item_kind(line: OrderLine, currency: str) -> tuple[ItemKind, Decimal | None]:
    variant = line.variant
    sources = [variant.metadata, variant.product.metadata] if variant else []
    raw_kind = next((meta[ITEM_KIND_KEY] for meta in sources if ITEM_KIND_KEY in meta), None)
    raw_price = next(
        (meta[DECLARED_PRICE_KEY] for meta in sources if DECLARED_PRICE_KEY in meta), None
    )
    try:
        kind = ItemKind(str(raw_kind).strip().lower()) if raw_kind else None
    except ValueError:
        logger.warning("Line %s: unknown %s %r", line.pk, ITEM_KIND_KEY, raw_kind)
        kind = None
    if kind is None:
        kind = ItemKind.GIFT if line.is_gift else ItemKind.GOODS
    declared = None
    if raw_price not in (None, ""):
        try:
            declared = quantize(Decimal(str(raw_price).strip()), currency)
        except (InvalidOperation, ValueError, ArithmeticError):
            logger.warning("Line %s: bad %s %r", line.pk, DECLARED_PRICE_KEY, raw_price)
    return kind, declared


# --- may_act, return_address, notes ------------------------------------------------


def _reaches_channel(user: User, channel_slug: str) -> bool:
    """Saleor's channel access: a group without channel restriction reaches every
    channel; a restricted group only its own channels."""
    return user.groups.filter(
        Q(restricted_access_to_channels=False) | Q(channels__slug=channel_slug)
    ).exists()


def _format_warehouse(warehouse: Warehouse) -> str:
    address = warehouse.address
    parts = [
        warehouse.name,
        address.company_name,
        address.street_address_1,
        address.street_address_2,
        " ".join(part for part in (address.postal_code, address.city) if part),
        address.city_area,
        address.country_area,
        address.country.name if address.country else "",
    ]
    return "\n".join(part for part in parts if part)


def _requestor(caller: Caller) -> tuple[Any, Any]:
    """The user or app behind a caller id ("user:<pk>", "app:<pk>", "system")."""
    if caller.user is not None or caller.app is not None:
        return caller.user, caller.app
    kind, _, pk = caller.id.partition(":")
    if kind == "user" and pk.isdigit():
        return User.objects.filter(pk=int(pk)).first(), None
    if kind == "app" and pk.isdigit():
        return None, App.objects.filter(pk=int(pk)).first()
    return None, None


def _marked(order: Order, key: str, request: AfterSaleRequest) -> bool:
    return order.fulfillments.filter(private_metadata__contains={key: str(request.pk)}).exists()


def _mark(fulfillment: Fulfillment, key: str, request: AfterSaleRequest) -> None:
    fulfillment.store_value_in_private_metadata({key: str(request.pk)})
    fulfillment.save(update_fields=["private_metadata"])


# --- pay -----------------------------------------------------------------------------


def _refund(movement: MoneyMovement) -> PaymentResult:
    request = movement.request
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None:
            return PaymentResult("failed", error=f"order {request.order_id} no longer exists")
        if not order.payment_transactions.exists():
            if order.payments.exists():
                return _refund_legacy_payment(order, movement)
            return PaymentResult("failed", error="the order has no payment to refund")
        claimed = _claim_granted_refund(order, movement)
    if isinstance(claimed, PaymentResult):
        return claimed
    granted, request_event = claimed
    return _request_refund(order, granted, request_event)


def _request_refund(
    order: Order, granted: OrderGrantedRefund, request_event: TransactionEvent
) -> PaymentResult:
    """Ask the transaction's owner for the money, outside our lock: the payment
    app answers later (``transactionEventReport``), a gift card at once."""
    # Imported here: saleor.giftcard.gateway imports Saleor's GraphQL layer, which
    # imports it back (a cycle when it is the first of the two to load).
    from saleor.giftcard.gateway import refund_gift_card_transaction

    item = granted.transaction_item
    try:
        if item.app_identifier == GIFT_CARD_PAYMENT_GATEWAY_ID:
            refund_gift_card_transaction(item, request_event)
        else:
            gateway.request_refund_action(
                transaction=item,
                manager=get_plugins_manager(allow_replica=False),
                refund_value=request_event.amount_value,
                request_event=request_event,
                channel_slug=order.channel.slug,
                user=None,
                app=None,
                granted_refund=granted,
            )
    except PaymentError as error:
        calculate_order_granted_refund_status(granted)
        return PaymentResult("failed", str(granted.pk), str(error))
    calculate_order_granted_refund_status(granted)
    return _granted_refund_result(granted)


def _claim_granted_refund(
    order: Order, movement: MoneyMovement
) -> PaymentResult | tuple[OrderGrantedRefund, TransactionEvent]:
    """Under the order's lock: find or create the movement's granted refund and
    record the refund request, so a second call for the same key finds it
    pending instead of asking the payment app again."""
    key = movement.idempotency_key
    granted = (
        order.granted_refunds.select_related("transaction_item")
        .filter(reason__endswith=f"[{key}]")
        .first()
    )
    if granted is not None and granted.status in (
        OrderGrantedRefundStatus.SUCCESS,
        OrderGrantedRefundStatus.PENDING,
    ):
        return _granted_refund_result(granted)
    if granted is None:
        item = order.payment_transactions.order_by("-charged_value", "-created_at").first()
        if item is None or item.charged_value < movement.amount:
            charged = item.charged_value if item else Decimal(0)
            return PaymentResult(
                "failed",
                error=f"the order's transactions hold {charged} {order.currency}, "
                f"less than the {movement.amount} to refund",
            )
        granted = order.granted_refunds.create(
            amount_value=movement.amount,
            currency=order.currency,
            reason=refund_reason(movement),
            transaction_item=item,
            shipping_costs_included=_refunds_shipping(order, movement),
        )
        OrderGrantedRefundLine.objects.bulk_create(
            OrderGrantedRefundLine(granted_refund=granted, order_line_id=line_id, quantity=units)
            for line_id, units in _grantable_units(order, movement)
        )
        update_order_charge_data(order)
    item = granted.transaction_item
    if item is None or item.charged_value < granted.amount_value:
        # As Saleor's own "refund for granted refund" refuses: never less than granted.
        return PaymentResult(
            "failed", str(granted.pk), "the granted refund's transaction no longer holds it"
        )
    request_event = TransactionEvent.objects.create(
        transaction=item,
        type=TransactionEventType.REFUND_REQUEST,
        amount_value=granted.amount_value,
        currency=item.currency,
        idempotency_key=str(uuid.uuid4()),
        message=granted.reason[:512],
        app_identifier=item.app_identifier
        if item.app_identifier == GIFT_CARD_PAYMENT_GATEWAY_ID
        else None,
        related_granted_refund=granted,
    )
    calculate_order_granted_refund_status(granted)
    return granted, request_event


def _granted_refund_result(granted: OrderGrantedRefund) -> PaymentResult:
    status = {
        OrderGrantedRefundStatus.SUCCESS: "succeeded",
        OrderGrantedRefundStatus.FAILURE: "failed",
    }.get(granted.status, "requested")
    error = "the payment app reported the refund failed" if status == "failed" else ""
    return PaymentResult(status, str(granted.pk), error)


def _refund_lines(movement: MoneyMovement) -> list[tuple[str, int]]:
    """The order lines a payout refunds (compensation beyond refunds has none)."""
    if movement.kind not in (MovementKind.REFUND, MovementKind.PRIORITY_COMPENSATION):
        return []
    return [(str(item.order_line_id), item.quantity) for item in movement.request.lines.all()]


def _grantable_units(order: Order, movement: MoneyMovement) -> list[tuple[str, int]]:
    """Granted refund lines may never exceed a line's quantity over all grants."""
    granted: dict[str, int] = defaultdict(int)
    for line_id, quantity in OrderGrantedRefundLine.objects.filter(
        granted_refund__order=order
    ).values_list("order_line_id", "quantity"):
        granted[str(line_id)] += quantity
    quantities = {
        str(pk): quantity
        for pk, quantity in order.lines.values_list("pk", "quantity")  # one query
    }
    result = []
    for line_id, units in _refund_lines(movement):
        left = quantities.get(line_id, 0) - granted[line_id]
        if min(units, left) > 0:
            result.append((line_id, min(units, left)))
    return result


def _refunds_shipping(order: Order, movement: MoneyMovement) -> bool:
    return (
        movement.kind == MovementKind.REFUND
        and movement.request.whole_order_before_shipment
        and not order.granted_refunds.filter(shipping_costs_included=True).exists()
    )


def _refund_legacy_payment(order: Order, movement: MoneyMovement) -> PaymentResult:
    """Inside the order's lock: refund through the payment gateway once per key."""
    key = movement.idempotency_key
    done = order.fulfillments.filter(private_metadata__contains={IDEMPOTENCY_KEY: key}).first()
    if done is not None:
        return PaymentResult("succeeded", str(done.pk))
    payment = order.get_last_payment()
    manager = get_plugins_manager(allow_replica=False)
    try:
        gateway.refund(payment, manager, order.channel.slug, amount=movement.amount)
    except PaymentError as error:
        return PaymentResult("failed", error=str(error))
    payment.refresh_from_db()
    order_refunded(order, None, None, movement.amount, payment, manager)
    record = Fulfillment.objects.create(
        order=order,
        status=FulfillmentStatus.REFUNDED,
        total_refund_amount=movement.amount,
        private_metadata={
            IDEMPOTENCY_KEY: key,
            REFUND_LINES_KEY: dict(_refund_lines(movement)),
        },
    )
    return PaymentResult("succeeded", str(record.pk))


def _issue_gift_card(movement: MoneyMovement) -> PaymentResult:
    """A gift card in the order's currency, usable only by the buyer; once per key."""
    request = movement.request
    key = movement.idempotency_key
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None:
            return PaymentResult("failed", error=f"order {request.order_id} no longer exists")
        existing = GiftCard.objects.filter(private_metadata__contains={IDEMPOTENCY_KEY: key})
        card = existing.first()
        if card is not None:
            return PaymentResult("succeeded", str(card.pk))
        buyer, _ = _requestor(Caller(request.buyer_id))
        if buyer is None:
            return PaymentResult("failed", error="the buyer's account no longer exists")
        site_settings = Site.objects.get_current().settings
        card = GiftCard.objects.create(
            code=generate_promo_code(),
            currency=movement.currency,
            initial_balance_amount=movement.amount,
            current_balance_amount=movement.amount,
            assigned_to=buyer,
            assigned_to_email=buyer.email,
            expiry_date=calculate_expiry_date(site_settings),
            private_metadata={IDEMPOTENCY_KEY: key, "kuai_returns.order_id": str(order.pk)},
        )
        gift_card_events.gift_card_issued_event(gift_card=card, user=None, app=None)
        gift_card_events.gift_card_assigned_event(
            gift_card=card, previous_user_id=None, previous_email=None, user=None, app=None
        )
        gift_card_events.gift_card_note_added_event(
            gift_card=card,
            user=None,
            app=None,
            message=f"Late-shipment compensation for order #{order.number}.",
        )
        manager = get_plugins_manager(allow_replica=False)
        channel_slug = order.channel.slug
        transaction.on_commit(lambda: manager.gift_card_created(card))
        transaction.on_commit(
            lambda: send_gift_card_notification(
                None, None, buyer, buyer.email, card, manager, channel_slug, resending=False
            )
        )
    return PaymentResult("succeeded", str(card.pk))


# --- the order hooks -----------------------------------------------------------------


def settle_granted_refunds(order_id: object, *, now: datetime | None = None) -> int:
    """Move our money movements whose granted refund the payment app answered.

    Saleor calls the order hooks before it stores the granted refund's new
    status, so the status is worked out from the transaction events here. One
    query when the order has no granted refund of ours (``order_updated`` is frequent).
    Returns how many movements were settled.
    """
    from ..actions.money import confirm_movement
    from . import get_host

    answers: dict[str, tuple[bool, str]] = {}
    for granted in OrderGrantedRefund.objects.filter(order_id=order_id, reason__contains="[kuai:"):
        match = _KEY_IN_REASON.search(granted.reason)
        if match is None:
            continue
        calculate_order_granted_refund_status(granted, with_save=False)
        if granted.status == OrderGrantedRefundStatus.SUCCESS:
            answers[match.group(1)] = (True, str(granted.pk))
        elif granted.status == OrderGrantedRefundStatus.FAILURE:
            answers[match.group(1)] = (False, str(granted.pk))
    waiting = MoneyMovement.objects.filter(
        idempotency_key__in=list(answers),
        status__in=[MovementStatus.PENDING, MovementStatus.REQUESTED],
    ).values_list("idempotency_key", flat=True)
    host = get_host()
    settled = 0
    with host.writer():
        for key in list(waiting):
            succeeded, reference = answers[key]
            confirm_movement(
                key,
                succeeded=succeeded,
                now=now or timezone.now(),
                host=host,
                reference=reference,
            )
            settled += 1
    return settled

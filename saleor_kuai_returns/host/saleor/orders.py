"""Saleor orders as the rules see them (``load_order``), and our notes on them.

How Saleor's data maps to the rules' snapshot:

- paid for a line: ``total_price_gross_amount`` (all units, after discounts and
  with tax); shipping paid is ``shipping_price_gross_amount``;
- the catalogue unit price (to match exchange variants):
  ``undiscounted_base_unit_price_amount``, which Saleor copies from the variant's
  channel listing (``price_amount``) when the line is created — the price as the
  shop entered it, before promotions and before tax is added, so that a
  variant's listing compares with it whatever the channel's tax settings;
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
- product (shop health per product): the variant's product id, empty once the
  variant is deleted (Saleor keeps the line, its variant becomes null);
- accessories and gifts: metadata ``kuai_returns.item_kind`` (``goods``,
  ``accessory``, ``gift``) and ``kuai_returns.declared_price`` (the product page
  price, a decimal in the order's currency), read from the variant, then the
  product; a Saleor gift line (``is_gift``) is a gift;
- needs shipping: ``is_shipping_required`` (gift cards, digital goods: no);
  a gift card bought on the line was used when one of its cards
  (``GiftCard.fulfillment_line``) holds less than it was issued with;
- shipping refunded: successful granted refunds that include shipping (up to
  the shipping paid), and refunded fulfillments' ``shipping_refund_amount``;
- units we released before shipment (our refunded fulfillment, marked
  ``kuai_returns.release_for``) left the order without shipping; they count as
  refunded only as far as a refund that reached the buyer covers them (a
  successful granted refund, our legacy refund): a release whose payment failed
  leaves them for the next attempt to pay, and one the platform paid with a gift
  card is counted from our own records (``actions.create.with_history``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import F
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderGrantedRefundStatus
from saleor.order import events as order_events
from saleor.order.models import Order, OrderGrantedRefund, OrderLine
from saleor.product.models import ProductType

from ...domain import ItemKind, LineSnapshot, OrderSnapshot
from ...domain.money import quantize
from ...models import MoneyMovement, MovementKind
from ..base import Caller, HostOrder, OrderNotFound
from .access import requestor
from .keys import DECLARED_PRICE_KEY, ITEM_KIND_KEY, REFUND_LINES_KEY, RELEASE_FOR_KEY

logger = logging.getLogger(__name__)

_LEFT_WITHOUT_SHIPPING = {
    FulfillmentStatus.REFUNDED,
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
}
_MONEY_BACK = {FulfillmentStatus.REFUNDED, FulfillmentStatus.REFUNDED_AND_RETURNED}


def load_order(order_id: str) -> HostOrder:
    """A placed (non-draft) order and every line as the rules need them."""
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
        shipping_refunded=min(order.shipping_price_gross_amount, facts.shipping_refunded),
        lines={
            str(line.pk): _line_snapshot(line, order.currency, facts, type_slugs) for line in lines
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
        # The product behind the variant bought; a deleted variant leaves none.
        line_products={
            str(line.pk): str(line.variant.product_id) if line.variant else "" for line in lines
        },
    )


def refund_lines(movement: MoneyMovement) -> list[tuple[str, int]]:
    """The order lines a payout refunds, ``(line id, units)``; compensation
    beyond refunds (late shipment) refunds none."""
    if movement.kind not in (MovementKind.REFUND, MovementKind.PRIORITY_COMPENSATION):
        return []
    return [(str(item.order_line_id), item.quantity) for item in movement.request.lines.all()]


def add_order_note(order_id: str, message: str, caller: Caller) -> None:
    """A NOTE_ADDED event: the only kind of our events the dashboard renders."""
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None:
        logger.warning("No order %s for the after-sale note %r", order_id, message)
        return
    user, app = requestor(caller)
    order_events.order_note_added_event(order=order, user=user, app=app, message=message)


class _LineFacts:
    """Per order line: what Saleor's fulfillments and refunds say about it."""

    def __init__(self) -> None:
        self.delivered_at: dict[str, datetime] = {}
        self.awaiting: dict[str, int] = defaultdict(int)
        self.left_unshipped: dict[str, int] = defaultdict(int)
        self.released_by_us: dict[str, int] = defaultdict(int)  # of left_unshipped
        self.back_after_shipping: dict[str, int] = defaultdict(int)
        self.refunded_units: dict[str, int] = defaultdict(int)  # by granted/legacy refunds
        self.refunded_by_refunds: dict[str, Decimal] = defaultdict(Decimal)
        self.refunded_by_fulfillments: dict[str, Decimal] = defaultdict(Decimal)
        self.gift_cards_used: set[str] = set()
        self.shipping_refunded = Decimal(0)

    @classmethod
    def collect(cls, order: Order, lines: list[OrderLine]) -> _LineFacts:
        facts = cls()
        by_id = {str(line.pk): line for line in lines}
        shipping = order.shipping_price_gross_amount
        for fulfillment in order.fulfillments.prefetch_related("lines"):
            status = fulfillment.status
            # Our release before shipment: its money is the refund's own record.
            ours = RELEASE_FOR_KEY in (fulfillment.private_metadata or {})
            if status in _MONEY_BACK:
                facts.shipping_refunded += fulfillment.shipping_refund_amount or Decimal(0)
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
                        if ours:
                            facts.released_by_us[line_id] += item.quantity
                    else:
                        facts.back_after_shipping[line_id] += item.quantity
                if status in _MONEY_BACK and line_id in by_id and not ours:
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
                facts.shipping_refunded += min(amount, shipping)
                amount -= min(amount, shipping)
            units = [(str(item.order_line_id), item.quantity) for item in refund.lines.all()]
            facts._add_refund(amount, units, by_id)
        facts.gift_cards_used = {
            str(line_id)
            for line_id in GiftCard.objects.filter(
                fulfillment_line__order_line__in=lines,
                current_balance_amount__lt=F("initial_balance_amount"),
            ).values_list("fulfillment_line__order_line_id", flat=True)
        }
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
    released = facts.released_by_us[line_id]
    refunded_unshipped = unshipped_gone - released + min(released, facts.refunded_units[line_id])
    back = max(
        facts.back_after_shipping[line_id], facts.refunded_units[line_id] - refunded_unshipped
    )
    item_kind, declared = _item_kind(line, currency)
    return LineSnapshot(
        line_id=line_id,
        currency=currency,
        quantity=line.quantity,
        total_paid=line.total_price_gross_amount,
        unit_price=line.undiscounted_base_unit_price_amount,
        quantity_shipped=shipped,
        quantity_refunded_shipped=min(shipped, max(0, back)),
        quantity_refunded_unshipped=refunded_unshipped,
        amount_refunded=min(
            line.total_price_gross_amount,
            max(facts.refunded_by_refunds[line_id], facts.refunded_by_fulfillments[line_id]),
        ),
        delivered_at=facts.delivered_at.get(line_id),
        product_type=type_slugs.get(_product_type_id(line)),
        item_kind=item_kind,
        declared_unit_price=declared,
        needs_shipping=line.is_shipping_required,
        gift_card_used=line_id in facts.gift_cards_used,
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

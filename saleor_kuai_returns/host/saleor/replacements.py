"""Goods the merchant sends — an exchange's replacement, missing items reshipped —
through Saleor's replace path.

Saleor records goods sent again for an order as a draft order with origin
``REISSUE`` whose ``original`` is the order (``create_replace_order``, what its
"return and replace" does). The merchant completes that draft in the dashboard
to allocate and fulfil it, as for any replacement in Saleor. Our shipment's id in
the draft's private metadata makes the write happen once; the original order
gets Saleor's ORDER_REPLACEMENT_CREATED event (a link to the draft) and a
NOTE_ADDED event with the carrier, the tracking number and the draft's number.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from saleor.core.utils.translations import get_translation
from saleor.order import OrderOrigin
from saleor.order import events as order_events
from saleor.order.actions import create_replace_order
from saleor.order.fetch import OrderLineInfo
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import Order, OrderLine
from saleor.product.models import ProductVariant, ProductVariantChannelListing

from ...domain.commands import Replacement
from ...models import AfterSaleRequest, Shipment, ShipmentKind
from ..base import Caller
from .access import requestor
from .keys import SHIPMENT_KEY

# ProductVariant's primary key is a PostgreSQL integer: a larger number names no
# variant, and must not reach a query.
_MAX_PK = 2**31 - 1


class GoodsNotRecorded(RuntimeError):
    """Saleor could not record a shipment; nothing of it was written."""


def describe_replacements(
    order_id: str, choices: Sequence[tuple[str, str]]
) -> tuple[Replacement, ...]:
    """Each chosen variant's catalogue price in the order's channel (its listing's
    ``price_amount``: the same terms as the line's ``unit_price`` in the snapshot)
    and whether it is a variant of the product the line bought. Four queries."""
    order_pk = _uuid_or_none(order_id)
    channel_id = (
        Order.objects.filter(pk=order_pk).values_list("channel_id", flat=True).first()
        if order_pk
        else None
    )
    bought: dict[str, int | None] = {}
    if channel_id is not None:
        line_pks = {key for line_id, _ in choices if (key := _uuid_or_none(line_id))}
        rows = OrderLine.objects.filter(order_id=order_pk, pk__in=line_pks)
        bought = {str(pk): product for pk, product in rows.values_list("pk", "variant__product")}
    pks = {found for _, variant_id in choices if (found := variant_pk(variant_id)) is not None}
    products = dict(ProductVariant.objects.filter(pk__in=pks).values_list("pk", "product_id"))
    prices: dict[int, Decimal | None] = {}
    if channel_id is not None:
        listings = ProductVariantChannelListing.objects.filter(
            variant_id__in=pks, channel_id=channel_id
        )
        prices = dict(listings.values_list("variant_id", "price_amount"))
    described = []
    for line_id, variant_id in choices:
        pk = variant_pk(variant_id)
        product = bought.get(_uuid_or_none(line_id) or "")
        described.append(
            Replacement(
                line_id=line_id,
                variant_id=variant_id,
                # None: not listed in the channel, or listed without a price.
                unit_price=prices.get(pk) if pk is not None else None,
                same_product=product is not None and products.get(pk) == product,
            )
        )
    return tuple(described)


def send_goods(request: AfterSaleRequest, shipment: Shipment) -> str:
    """The draft order recording the shipment (its id); ``GoodsNotRecorded`` when
    a line or a variant is gone. One transaction: all of it or nothing."""
    with transaction.atomic():
        order = order_qs_select_for_update().filter(pk=request.order_id).first()
        if order is None:
            raise GoodsNotRecorded(f"order {request.order_id} no longer exists")
        done = Order.objects.filter(
            original=order,
            origin=OrderOrigin.REISSUE,
            private_metadata__contains={SHIPMENT_KEY: str(shipment.pk)},
        ).first()
        if done is not None:
            return str(done.pk)
        infos = _lines_to_send(order, request, shipment)
        user, app = requestor(Caller(shipment.entered_by_id))
        draft = create_replace_order(user, app, order, infos, [])
        # As Saleor's own replace does: the order's timeline links to the draft.
        order_events.order_replacement_created(
            original_order=order, replace_order=draft, user=user, app=app
        )
        draft.store_value_in_private_metadata({SHIPMENT_KEY: str(shipment.pk)})
        draft.save(update_fields=["private_metadata"])
        sent = "; ".join(_sent_line(info) for info in infos)
        order_events.order_note_added_event(
            order=order,
            user=user,
            app=app,
            message=(
                f"After-sale {_label(shipment)} sent with {shipment.carrier}, tracking "
                f"number {shipment.tracking_number}: {sent}. Draft order #{draft.number} "
                "records it."
            ),
        )
    return str(draft.pk)


def variant_pk(variant_id: str) -> int | None:
    """A variant's pk from Saleor's global ID ("ProductVariant:<pk>" in base64)
    or from the pk itself; ``None`` when it names no variant."""
    text = str(variant_id).strip()
    if not text.isdigit():
        try:
            decoded = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return None
        kind, _, text = decoded.partition(":")
        if kind != "ProductVariant" or not text.isdigit():
            return None
    pk = int(text)
    return pk if 0 < pk <= _MAX_PK else None


def _lines_to_send(
    order: Order, request: AfterSaleRequest, shipment: Shipment
) -> list[OrderLineInfo]:
    """The request's lines and quantities; an exchange's lines carry the chosen
    variant. The line objects are changed in memory only: Saleor copies them
    into the draft and never saves them back."""
    wanted = list(request.lines.order_by("order_line_id"))
    lines = OrderLine.objects.filter(
        order=order, pk__in=[item.order_line_id for item in wanted]
    ).in_bulk()
    chosen: dict[str, str] = {}
    if shipment.kind == ShipmentKind.REPLACEMENT:
        chosen = {str(item["line_id"]): str(item["variant_id"]) for item in shipment.items}
    variants = ProductVariant.objects.select_related("product").in_bulk(
        [pk for pk in map(variant_pk, chosen.values()) if pk is not None]
    )
    infos = []
    for item in wanted:
        line = lines.get(item.order_line_id)
        if line is None:
            raise GoodsNotRecorded(f"order line {item.order_line_id} no longer exists")
        if shipment.kind == ShipmentKind.REPLACEMENT:
            variant = variants.get(variant_pk(chosen.get(str(line.pk), "")) or 0)
            if variant is None:
                raise GoodsNotRecorded(f"no variant to send for order line {line.pk}")
            _carry_variant(line, variant, order.language_code)
        infos.append(OrderLineInfo(line=line, quantity=item.quantity))
    return infos


def _carry_variant(line: OrderLine, variant: ProductVariant, language_code: str) -> None:
    """The line as Saleor would have written it for the variant; the prices stay,
    since an exchange's variant has the line's catalogue price."""
    line.variant = variant
    line.product_name = str(variant.product)
    line.variant_name = str(variant)
    line.product_sku = variant.sku
    line.product_variant_id = variant.get_global_id()
    # Saleor stores a translation only where it differs from the name.
    translated = get_translation(variant, language_code).name or ""
    line.translated_variant_name = "" if translated == line.variant_name else translated


def _sent_line(info: OrderLineInfo) -> str:
    line = info.line
    name = " / ".join(part for part in (line.product_name, line.variant_name) if part)
    return f"{info.quantity} × {name}" + (f", SKU {line.product_sku}" if line.product_sku else "")


def _label(shipment: Shipment) -> str:
    return "replacement" if shipment.kind == ShipmentKind.REPLACEMENT else "reship"


def _uuid_or_none(value: str) -> str | None:
    """The value as a UUID primary key, or ``None``: a malformed id finds
    nothing instead of failing the query."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None

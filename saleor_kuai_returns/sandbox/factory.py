"""Demo data for the sandbox: a channel, people with their roles, and orders in
the shapes after-sale service meets (delivered, unshipped, with a free gift)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from ..domain.kinds import ItemKind
from ..host.base import Caller
from . import models as shop

User = get_user_model()


@dataclass(frozen=True)
class LineSpec:
    sku: str
    product_name: str
    quantity: int
    total_paid: str
    unit_price: str | None = None
    shipped: int | None = None  # default: all units shipped
    product_type: str = "apparel"
    item_kind: ItemKind = ItemKind.GOODS
    declared_unit_price: str | None = None
    variant_name: str = ""
    is_shipping_required: bool = True


@dataclass
class Demo:
    channel: shop.Channel
    other_channel: shop.Channel
    buyer: AbstractUser
    other_buyer: AbstractUser
    merchant: AbstractUser
    other_merchant: AbstractUser
    clerk: AbstractUser  # staff without order rights
    platform: AbstractUser
    orders: dict[str, shop.Order] = field(default_factory=dict)


def caller_for(user: AbstractUser) -> Caller:
    return Caller(f"user:{user.pk}", user=user)


def make_channel(slug: str, currency: str = "CNY", **fields: object) -> shop.Channel:
    channel, _ = shop.Channel.objects.get_or_create(
        slug=slug,
        defaults={
            "name": slug.replace("-", " ").title(),
            "currency": currency,
            "return_address": f"Returns desk, {slug} warehouse, Hangzhou",
            **fields,
        },
    )
    return channel


def make_user(email: str, *, staff: bool = False) -> AbstractUser:
    user, _ = User.objects.get_or_create(
        username=email, defaults={"email": email, "is_staff": staff}
    )
    return user


def make_staff(
    email: str,
    *,
    channels: list[shop.Channel],
    manage_orders: bool = True,
    platform: bool = False,
    handle_payments: bool | None = None,
) -> AbstractUser:
    """A staff member; order rights come with payment rights unless told
    otherwise (as Saleor's default staff groups give both), and so does the
    platform role."""
    user = make_user(email, staff=True)
    pays = (manage_orders or platform) if handle_payments is None else handle_payments
    staff, _ = shop.Staff.objects.get_or_create(
        user=user,
        defaults={"manage_orders": manage_orders, "is_platform": platform, "handle_payments": pays},
    )
    staff.channels.set(channels)
    return user


def make_order(
    channel: shop.Channel,
    user: AbstractUser | None,
    lines: list[LineSpec],
    *,
    shipping: str = "10.00",
    delivered_at: datetime | None = None,
) -> shop.Order:
    order = shop.Order.objects.create(
        channel=channel, user=user, currency=channel.currency, shipping_paid=Decimal(shipping)
    )
    for spec in lines:
        shipped = spec.quantity if spec.shipped is None else spec.shipped
        total = Decimal(spec.total_paid)
        shop.OrderLine.objects.create(
            order=order,
            product_name=spec.product_name,
            variant_name=spec.variant_name,
            sku=spec.sku,
            product_type=spec.product_type,
            item_kind=spec.item_kind,
            declared_unit_price=Decimal(spec.declared_unit_price)
            if spec.declared_unit_price
            else None,
            quantity=spec.quantity,
            quantity_shipped=shipped,
            unit_price=Decimal(spec.unit_price) if spec.unit_price else total / spec.quantity,
            total_paid=total,
            delivered_at=delivered_at if shipped else None,
            is_shipping_required=spec.is_shipping_required,
        )
        shop.Stock.objects.get_or_create(sku=spec.sku, defaults={"quantity": 10})
        make_variant(spec.sku, spec.product_name, spec.variant_name, total / spec.quantity)
    return order


def make_variant(sku: str, product_name: str, name: str, unit_price: Decimal) -> shop.Variant:
    variant, _ = shop.Variant.objects.get_or_create(
        sku=sku, defaults={"product_name": product_name, "name": name, "unit_price": unit_price}
    )
    shop.Stock.objects.get_or_create(sku=sku, defaults={"quantity": 10})
    return variant


def token_for(user: AbstractUser) -> str:
    """The user's sandbox API token (made once, kept)."""
    token = shop.ApiToken.objects.filter(user=user).first()
    if token is None:
        token = shop.ApiToken.objects.create(user=user, key=secrets.token_urlsafe(24))
    return token.key


def make_demo(now: datetime) -> Demo:
    """Everything the demo and the tests start from."""
    channel = make_channel("default-channel")
    other = make_channel("other-channel")
    demo = Demo(
        channel=channel,
        other_channel=other,
        buyer=make_user("buyer@example.com"),
        other_buyer=make_user("other.buyer@example.com"),
        merchant=make_staff("merchant@example.com", channels=[channel]),
        other_merchant=make_staff("merchant@other.example.com", channels=[other]),
        clerk=make_staff("clerk@example.com", channels=[channel], manage_orders=False),
        platform=make_staff(
            "platform@example.com", channels=[], manage_orders=False, platform=True
        ),
    )
    delivered = now - timedelta(days=2)
    demo.orders["delivered"] = make_order(
        channel,
        demo.buyer,
        [
            LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00", variant_name="Red / M"),
            LineSpec("CAP-BLK", "Baseball cap", 1, "59.90", variant_name="Black"),
        ],
        delivered_at=delivered,
    )
    demo.orders["unshipped"] = make_order(
        channel, demo.buyer, [LineSpec("MUG-WHT", "Ceramic mug", 2, "80.00", shipped=0)]
    )
    demo.orders["with_gift"] = make_order(
        channel,
        demo.buyer,
        [
            LineSpec("KETTLE-1", "Electric kettle", 1, "299.00", product_type="appliance"),
            LineSpec(
                "KETTLE-GIFT",
                "Tea sampler (gift)",
                1,
                "0.00",
                unit_price="0.00",
                item_kind=ItemKind.GIFT,
                declared_unit_price="39.90",
            ),
        ],
        delivered_at=delivered,
    )
    # What an exchange of the tee may send: another size at the same price, or not.
    make_variant("TEE-RED-L", "Cotton tee", "Red / L", Decimal("100.00"))
    make_variant("TEE-GLD-M", "Cotton tee", "Gold / M", Decimal("130.00"))
    return demo

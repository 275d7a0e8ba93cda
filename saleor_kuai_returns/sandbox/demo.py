"""The demo server's data: loaded once into an empty database, then kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from . import models as shop
from .factory import make_demo, token_for


@dataclass(frozen=True)
class Role:
    attribute: str  # the person's attribute on ``factory.Demo``
    label: str
    username: str
    does: str


ROLES = (
    Role("buyer", "buyer", "buyer@example.com", "owns the demo orders below"),
    Role("other_buyer", "other buyer", "other.buyer@example.com", "owns no order of those"),
    Role("merchant", "merchant", "merchant@example.com", "manages orders of default-channel"),
    Role(
        "other_merchant",
        "other merchant",
        "merchant@other.example.com",
        "manages orders of other-channel only",
    ),
    Role("clerk", "clerk", "clerk@example.com", "staff of default-channel without order rights"),
    Role("platform", "platform", "platform@example.com", "arbitrates in every channel"),
)


@dataclass(frozen=True)
class Person:
    role: Role
    token: str


@dataclass(frozen=True)
class DemoLine:
    line_id: str
    sku: str
    quantity: int
    shipped: int


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    channel: str
    lines: tuple[DemoLine, ...]


@dataclass(frozen=True)
class LoadedDemo:
    created: bool  # loaded now, not by an earlier start
    people: tuple[Person, ...]
    orders: tuple[DemoOrder, ...]  # the buyer's


def load_demo(now: datetime) -> LoadedDemo:
    """Load the demo unless the database has it already; the people's tokens
    and the buyer's orders either way."""
    users = get_user_model().objects
    with transaction.atomic():
        created = not users.filter(username=ROLES[0].username).exists()
        if created:
            make_demo(now)
        people = tuple(Person(role, token_for(users.get(username=role.username))) for role in ROLES)
    orders = shop.Order.objects.filter(user__username=ROLES[0].username).order_by("created_at")
    return LoadedDemo(
        created=created,
        people=people,
        orders=tuple(
            DemoOrder(
                order_id=str(order.pk),
                channel=order.channel.slug,
                lines=tuple(
                    DemoLine(str(line.pk), line.sku, line.quantity, line.quantity_shipped)
                    for line in order.lines.all()
                ),
            )
            for order in orders.select_related("channel").prefetch_related("lines")
        ),
    )

"""Payouts as Saleor gift cards: the platform's own money (or late-shipment
compensation), usable by the buyer only.

A gift card is the payment itself: it is issued in the transaction that records
our movement (``prepare``), with the movement's key in its private metadata as a
second guard, so no run — repeated, or resumed after a crash — issues two.
"""

from __future__ import annotations

from django.db import transaction
from saleor.core.utils.promo_code import generate_promo_code
from saleor.giftcard import events as gift_card_events
from saleor.giftcard.models import GiftCard
from saleor.giftcard.notifications import send_gift_card_notification
from saleor.giftcard.utils import calculate_expiry_date
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager
from saleor.site.models import Site

from ...models import MoneyMovement, MovementKind
from ..base import Caller, PaymentResult
from .access import requestor
from .goods import release_unshipped
from .keys import IDEMPOTENCY_KEY, ORDER_ID_KEY

_WHAT = {
    MovementKind.REFUND: "After-sale refund",
    MovementKind.PRIORITY_COMPENSATION: "Priority compensation for missing items",
    MovementKind.LATE_SHIPMENT_COMPENSATION: "Late-shipment compensation",
}


def prepare(order: Order, movement: MoneyMovement) -> PaymentResult:
    """Under the order's lock: issue the card (and, before shipment, release the
    refunded units), or say why not, writing nothing."""
    key = movement.idempotency_key
    card = GiftCard.objects.filter(private_metadata__contains={IDEMPOTENCY_KEY: key}).first()
    if card is not None:
        return PaymentResult("succeeded", str(card.pk))
    request = movement.request
    buyer, _ = requestor(Caller(request.buyer_id))
    if buyer is None:
        return PaymentResult("failed", error="the buyer's account no longer exists")
    if not buyer.is_active:
        return PaymentResult("failed", error="the buyer's account is deactivated")
    user, app = requestor(Caller(movement.requested_by))
    if request.before_shipment and movement.kind == MovementKind.REFUND:
        refused = release_unshipped(
            order, request, amount=movement.amount, paid_with_gift_card=True, user=user, app=app
        )
        if refused:
            return PaymentResult("failed", error=refused)
    card = GiftCard.objects.create(
        code=generate_promo_code(),
        currency=movement.currency,
        initial_balance_amount=movement.amount,
        current_balance_amount=movement.amount,
        assigned_to=buyer,
        assigned_to_email=buyer.email,
        expiry_date=calculate_expiry_date(Site.objects.get_current().settings),
        private_metadata={IDEMPOTENCY_KEY: key, ORDER_ID_KEY: str(order.pk)},
    )
    gift_card_events.gift_card_issued_event(gift_card=card, user=user, app=app)
    gift_card_events.gift_card_assigned_event(
        gift_card=card, previous_user_id=None, previous_email=None, user=user, app=app
    )
    gift_card_events.gift_card_note_added_event(
        gift_card=card,
        user=user,
        app=app,
        message=f"{_WHAT[MovementKind(movement.kind)]} for order #{order.number}.",
    )
    manager = get_plugins_manager(allow_replica=False)
    channel_slug = order.channel.slug
    transaction.on_commit(lambda: manager.gift_card_created(card))
    transaction.on_commit(
        lambda: send_gift_card_notification(
            user, app, buyer, buyer.email, card, manager, channel_slug, resending=False
        )
    )
    return PaymentResult("succeeded", str(card.pk))


def outcome(movement: MoneyMovement) -> PaymentResult | None:
    """A card that exists reached the buyer; none was issued otherwise."""
    reference = movement.provider_reference
    if not reference.isdigit():
        return None
    card = GiftCard.objects.filter(
        pk=int(reference), private_metadata__contains={IDEMPOTENCY_KEY: movement.idempotency_key}
    ).first()
    return PaymentResult("succeeded", reference) if card is not None else None

"""Money to the buyer through Saleor's own paths, once per idempotency key.

An order paid through Transactions gets an ``OrderGrantedRefund`` whose
``reason`` ends with ``[<idempotency key>]`` and a refund request on its charged
transaction; the payment app answers later, which reaches
``settle_granted_refunds`` through the plugin's order hooks. A legacy ``Payment``
order is refunded through ``gateway.refund`` and marked with a refunded
fulfillment carrying the key. A gift card carries the key in its private metadata.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from saleor.core.utils.promo_code import generate_promo_code
from saleor.giftcard import events as gift_card_events
from saleor.giftcard.const import GIFT_CARD_PAYMENT_GATEWAY_ID
from saleor.giftcard.models import GiftCard
from saleor.giftcard.notifications import send_gift_card_notification
from saleor.giftcard.utils import calculate_expiry_date
from saleor.order import FulfillmentStatus, OrderGrantedRefundStatus
from saleor.order.actions import order_refunded
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import (
    Fulfillment,
    Order,
    OrderGrantedRefund,
    OrderGrantedRefundLine,
)
from saleor.order.utils import calculate_order_granted_refund_status, update_order_charge_data
from saleor.payment import PaymentError, TransactionEventType, gateway
from saleor.payment.models import TransactionEvent
from saleor.plugins.manager import get_plugins_manager
from saleor.site.models import Site

from ...domain.policy import PayoutMethod
from ...models import MoneyMovement, MovementKind, MovementStatus
from ..base import Caller, PaymentResult
from .access import requestor
from .keys import IDEMPOTENCY_KEY, REFUND_LINES_KEY

_KEY_IN_REASON = re.compile(r"\[(kuai:[^\]]+)\]$")


def refund_reason(movement: MoneyMovement) -> str:
    """The granted refund's reason: readable in the dashboard, ending with the key."""
    label = movement.kind.replace("_", " ")
    return f"After-sale {label} [{movement.idempotency_key}]"


def pay(movement: MoneyMovement) -> PaymentResult:
    """A gift card or a refund through the order's payment, per the movement's method."""
    if movement.method == PayoutMethod.GIFT_CARD:
        return _issue_gift_card(movement)
    return _refund(movement)


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
        earlier = _earlier_attempt(order, movement)
        if earlier is not None:
            return earlier
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


def _earlier_attempt(order: Order, movement: MoneyMovement) -> PaymentResult | None:
    """A retried payout whose earlier attempt the payment app confirmed, or is
    still handling, must not be paid again.

    A retry follows ``refund_failed``, which the refund deadline also reaches
    when the app's answer never got to us (the plugin switched off on the
    channel, so Saleor calls none of its hooks; a hook that failed). Each attempt
    has its own key, so the key alone would refund the buyer twice."""
    key, attempt = movement.idempotency_key, movement.attempt
    if attempt <= 1 or not key.endswith(f":{attempt}"):
        return None
    family = key[: -len(str(attempt))]  # "kuai:<request>:payout:"
    earlier = order.granted_refunds.filter(reason__contains=f"[{family}").exclude(
        reason__endswith=f"[{key}]"
    )
    for granted in earlier.order_by("created_at"):
        # Saleor stores the status after it calls the hooks; work it out here too.
        calculate_order_granted_refund_status(granted, with_save=False)
        if granted.status == OrderGrantedRefundStatus.SUCCESS:
            return PaymentResult("succeeded", str(granted.pk))
        if granted.status == OrderGrantedRefundStatus.PENDING:
            return PaymentResult(
                "failed",
                str(granted.pk),
                "an earlier attempt of this refund still awaits the payment app's answer",
            )
    return None


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
        buyer, _ = requestor(Caller(request.buyer_id))
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


def settle_granted_refunds(order_id: object, *, now: datetime | None = None) -> int:
    """Move our money movements whose granted refund the payment app answered.

    Saleor calls the order hooks before it stores the granted refund's new
    status, so the status is worked out from the transaction events here. One
    query when the order has no granted refund of ours (``order_updated`` is frequent).
    Returns how many movements were settled.
    """
    from ...actions.money import confirm_movement
    from .. import get_host

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

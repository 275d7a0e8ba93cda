"""Refunds of orders paid through Transactions: an ``OrderGrantedRefund`` (with
its lines) and a ``REFUND_REQUEST`` on the order's charged transaction, written
in our transaction (``prepare``); the request is sent to the transaction's owner
outside it (``send``), which answers later through ``transactionEventReport``.

The granted refund's primary key is our movement's ``provider_reference``: the
only link between the two. Its ``reason`` is for people (staff may edit it in
the dashboard) and is never read back. What became of the refund is worked out
from its transaction events (``outcome``), as Saleor itself does.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from saleor.giftcard.const import GIFT_CARD_PAYMENT_GATEWAY_ID
from saleor.order import OrderGrantedRefundStatus
from saleor.order.models import Order, OrderGrantedRefund, OrderGrantedRefundLine
from saleor.order.utils import calculate_order_granted_refund_status, update_order_charge_data
from saleor.payment import PaymentError, TransactionEventType, gateway
from saleor.payment.models import TransactionEvent
from saleor.plugins.manager import get_plugins_manager

from ...domain.money import quantize
from ...models import MoneyMovement, MovementKind
from ..base import Caller, PaymentResult
from .access import requestor
from .goods import release_unshipped
from .orders import refund_lines

_REFUND_EVENTS = [
    TransactionEventType.REFUND_REQUEST,
    TransactionEventType.REFUND_SUCCESS,
    TransactionEventType.REFUND_REVERSE,
    TransactionEventType.REFUND_FAILURE,
]


def refund_reason(movement: MoneyMovement) -> str:
    """The granted refund's reason, for the dashboard only."""
    label = movement.kind.replace("_", " ")
    return f"After-sale {label} [{movement.idempotency_key}]"


def prepare(order: Order, movement: MoneyMovement) -> PaymentResult:
    """Under the order's lock: the granted refund and its refund request (and,
    before shipment, the refunded units released), or why not, writing nothing."""
    item = order.payment_transactions.order_by("-charged_value", "-created_at").first()
    if item is None or item.charged_value < movement.amount:
        charged = quantize(item.charged_value if item else Decimal(0), order.currency)
        return PaymentResult(
            "failed",
            error=f"the order's transactions hold {charged} {order.currency}, "
            f"less than the {quantize(movement.amount, order.currency)} to refund",
        )
    request = movement.request
    user, app = requestor(Caller(movement.requested_by))
    if request.before_shipment and movement.kind == MovementKind.REFUND:
        refused = release_unshipped(
            order, request, amount=movement.amount, paid_with_gift_card=False, user=user, app=app
        )
        if refused:
            return PaymentResult("failed", error=refused)
    granted = order.granted_refunds.create(
        amount_value=movement.amount,
        currency=order.currency,
        reason=refund_reason(movement),
        transaction_item=item,
        shipping_costs_included=_refunds_shipping(order, movement),
        user=user,
        app=app,
    )
    OrderGrantedRefundLine.objects.bulk_create(
        OrderGrantedRefundLine(granted_refund=granted, order_line_id=line_id, quantity=units)
        for line_id, units in _grantable_units(order, movement)
    )
    update_order_charge_data(order)
    TransactionEvent.objects.create(
        transaction=item,
        type=TransactionEventType.REFUND_REQUEST,
        amount_value=granted.amount_value,
        currency=item.currency,
        idempotency_key=str(uuid.uuid4()),
        message=granted.reason[:512],
        user=user,
        app=app,
        app_identifier=GIFT_CARD_PAYMENT_GATEWAY_ID if _paid_by_gift_card(granted) else None,
        related_granted_refund=granted,
    )
    calculate_order_granted_refund_status(granted)
    return PaymentResult("requested", str(granted.pk))


def send(movement: MoneyMovement) -> PaymentResult:
    """Ask the transaction's owner for the money: the payment app answers later,
    Saleor's gift card gateway at once. Called again, it asks again with the same
    refund request (the app may tell them apart by its id); a refund already
    answered is not asked for again."""
    # Imported here: saleor.giftcard.gateway imports Saleor's GraphQL layer, which
    # imports it back (a cycle when it is the first of the two to load).
    from saleor.giftcard.gateway import refund_gift_card_transaction

    granted = _granted(movement)
    if granted is None:
        return PaymentResult("failed", movement.provider_reference, "the granted refund is gone")
    answered = _result(granted)
    if answered is None:
        return PaymentResult("failed", str(granted.pk), "no refund was requested for it")
    if answered.status != "requested":
        return answered
    request_event = granted.transaction_events.filter(
        type=TransactionEventType.REFUND_REQUEST
    ).latest("created_at", "pk")
    item = granted.transaction_item
    user, app = requestor(Caller(movement.requested_by))
    try:
        if _paid_by_gift_card(granted):
            # The card's balance and the refund's events commit together: a run
            # that dies half-way leaves neither.
            with transaction.atomic():
                refund_gift_card_transaction(item, request_event, user=user, app=app)
        else:
            gateway.request_refund_action(
                transaction=item,
                manager=get_plugins_manager(allow_replica=False),
                refund_value=request_event.amount_value,
                request_event=request_event,
                channel_slug=granted.order.channel.slug,
                user=user,
                app=app,
                granted_refund=granted,
            )
    except PaymentError as error:
        calculate_order_granted_refund_status(granted)
        return PaymentResult("failed", str(granted.pk), str(error))
    calculate_order_granted_refund_status(granted)
    return _result(granted) or PaymentResult("requested", str(granted.pk))


def outcome(movement: MoneyMovement) -> PaymentResult | None:
    """The granted refund's state from its events; ``None`` when there is no
    granted refund of ours or no refund was ever requested for it."""
    granted = _granted(movement)
    if granted is None:
        return None
    return _result(granted)


def _granted(movement: MoneyMovement) -> OrderGrantedRefund | None:
    reference = movement.provider_reference
    if not reference.isdigit():
        return None
    return (
        OrderGrantedRefund.objects.select_related("transaction_item", "order__channel")
        .filter(pk=int(reference), order_id=movement.request.order_id)
        .first()
    )


def _result(granted: OrderGrantedRefund) -> PaymentResult | None:
    """What the payment app made of the refund, from the granted refund's last
    refund event (Saleor stores the status only after the hooks it calls);
    ``None`` before any was requested."""
    last = (
        granted.transaction_events.filter(
            transaction_id=granted.transaction_item_id, type__in=_REFUND_EVENTS
        )
        .order_by("created_at", "pk")
        .last()
    )
    reference = str(granted.pk)
    if last is None:
        return None
    calculate_order_granted_refund_status(granted, with_save=False)
    if granted.status == OrderGrantedRefundStatus.SUCCESS:
        return PaymentResult("succeeded", reference)
    if granted.status == OrderGrantedRefundStatus.PENDING:
        return PaymentResult("requested", reference)
    if granted.status == OrderGrantedRefundStatus.FAILURE:
        why = last.message or "the payment app reported the refund failed"
        return PaymentResult("failed", reference, why)
    return PaymentResult("failed", reference, "the payment app reversed the refund")


def _paid_by_gift_card(granted: OrderGrantedRefund) -> bool:
    item = granted.transaction_item
    return item is not None and item.app_identifier == GIFT_CARD_PAYMENT_GATEWAY_ID


def _grantable_units(order: Order, movement: MoneyMovement) -> list[tuple[str, int]]:
    """Granted refund lines never exceed a line's quantity over the order's
    grants — not counting grants whose refund failed: their units went back to
    nobody, and a later attempt refunds them."""
    granted: dict[str, int] = defaultdict(int)
    for refund in _standing_grants(order):
        for line in refund.lines.all():
            granted[str(line.order_line_id)] += line.quantity
    quantities = {str(pk): quantity for pk, quantity in order.lines.values_list("pk", "quantity")}
    result = []
    for line_id, units in refund_lines(movement):
        left = quantities.get(line_id, 0) - granted[line_id]
        if min(units, left) > 0:
            result.append((line_id, min(units, left)))
    return result


def _refunds_shipping(order: Order, movement: MoneyMovement) -> bool:
    return (
        movement.kind == MovementKind.REFUND
        and movement.request.whole_order_before_shipment
        and not any(refund.shipping_costs_included for refund in _standing_grants(order))
    )


def _standing_grants(order: Order) -> list[OrderGrantedRefund]:
    """The order's granted refunds, with their lines, but those whose refund
    failed (their status worked out from their events, as for ``outcome``)."""
    standing = []
    for refund in order.granted_refunds.prefetch_related("lines").order_by("pk"):
        calculate_order_granted_refund_status(refund, with_save=False)
        if refund.status != OrderGrantedRefundStatus.FAILURE:
            standing.append(refund)
    return standing

"""Refunds of orders paid through Saleor's legacy ``Payment`` API.

``gateway.refund`` takes no key of ours, and Saleor commits its ``Transaction``
row itself; so it is never called inside a transaction of ours, and what it did
is found afterwards in Saleor's own rows:

- ``prepare`` (our transaction) records a watermark,
  ``legacy:<payment pk>:<highest Transaction pk of the payment, or 0>``: a
  refund ``Transaction`` above it belongs to this movement. One such refund may
  be on its way per payment (``PaymentBusy`` otherwise), so none is mistaken
  for another's;
- ``send`` calls the gateway, then records the refund on the order (Saleor's
  ``order_refunded`` and a ``REFUNDED`` fulfillment carrying our key and lines,
  which the order snapshot reads), once;
- ``outcome`` reads that fulfillment, else the refund ``Transaction`` above the
  watermark for the movement's amount — and records it on the order when a run
  died between the gateway's answer and that record.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from saleor.order import FulfillmentStatus
from saleor.order.actions import order_refunded
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import Fulfillment, Order
from saleor.payment import PaymentError, TransactionKind, gateway
from saleor.payment.models import Payment, Transaction
from saleor.plugins.manager import get_plugins_manager

from ...domain.money import quantize
from ...models import MoneyMovement, MovementKind, MovementStatus
from ..base import Caller, PaymentBusy, PaymentResult
from .access import requestor
from .goods import release_unshipped
from .keys import IDEMPOTENCY_KEY, REFUND_LINES_KEY
from .orders import refund_lines, spread_over_lines

PREFIX = "legacy:"


def prepare(order: Order, payment: Payment, movement: MoneyMovement) -> PaymentResult:
    """Under the order's lock: the watermark (and, before shipment, the refunded
    units released), or why not, writing nothing."""
    busy = (
        MoneyMovement.objects.filter(
            status=MovementStatus.SENDING,
            provider_reference__startswith=f"{PREFIX}{payment.pk}:",
        )
        .exclude(pk=movement.pk)
        .exists()
    )
    if busy:
        raise PaymentBusy(f"another refund of payment {payment.pk} is on its way")
    if payment.captured_amount < movement.amount:
        held, amount = (
            quantize(value, order.currency) for value in (payment.captured_amount, movement.amount)
        )
        return PaymentResult(
            "failed",
            error=f"the order's payment holds {held} {order.currency}, less than the {amount} "
            "to refund",
        )
    request = movement.request
    if request.before_shipment and movement.kind == MovementKind.REFUND:
        user, app = requestor(Caller(movement.requested_by))
        refused = release_unshipped(
            order, request, amount=movement.amount, paid_with_gift_card=False, user=user, app=app
        )
        if refused:
            return PaymentResult("failed", error=refused)
    watermark = payment.transactions.aggregate(top=Max("pk"))["top"] or 0
    return PaymentResult("requested", f"{PREFIX}{payment.pk}:{watermark}")


def send(movement: MoneyMovement) -> PaymentResult:
    """Refund through the payment's gateway — unless the shop already shows this
    movement's refund — then record it on the order."""
    known = outcome(movement)
    if known is not None:
        return known
    payment = _payment(movement)
    if payment is None:
        return PaymentResult("failed", movement.provider_reference, "the payment is gone")
    try:
        gateway.refund(
            payment,
            get_plugins_manager(allow_replica=False),
            payment.order.channel.slug,
            amount=movement.amount,
        )
    except PaymentError as error:
        return PaymentResult("failed", movement.provider_reference, str(error))
    record_refund(movement, payment)
    return PaymentResult("succeeded", movement.provider_reference)


def outcome(movement: MoneyMovement, *, record: bool = True) -> PaymentResult | None:
    """What the shop shows of the movement's refund. ``record``: a refund the
    gateway made that the order does not show yet is recorded now."""
    reference = movement.provider_reference
    if _marker(movement.request.order_id, movement.idempotency_key) is not None:
        return PaymentResult("succeeded", reference)
    parsed = _parse(reference)
    if parsed is None:
        return None
    payment_pk, watermark = parsed
    above = Transaction.objects.filter(
        payment_id=payment_pk, pk__gt=watermark, kind=TransactionKind.REFUND
    ).order_by("pk")
    if above.filter(is_success=True, amount=movement.amount).exists():
        payment = _payment(movement)
        if record and payment is not None:
            record_refund(movement, payment)
        return PaymentResult("succeeded", reference)
    refused = above.filter(is_success=False).last()
    if refused is not None:
        return PaymentResult("failed", reference, refused.error or "the gateway refused the refund")
    return None


def record_refund(movement: MoneyMovement, payment: Payment) -> None:
    """The gateway's refund on the order: Saleor's own refund event, mail and
    hooks (with the decision's author), and our marker fulfillment — once."""
    with transaction.atomic():
        order = (
            order_qs_select_for_update().select_related("channel").get(pk=movement.request.order_id)
        )
        if _marker(order.pk, movement.idempotency_key) is not None:
            return
        user, app = requestor(Caller(movement.requested_by))
        payment.refresh_from_db()
        amount = movement.amount
        order_refunded(order, user, app, amount, payment, get_plugins_manager(allow_replica=False))
        units = refund_lines(movement)
        Fulfillment.objects.create(
            order=order,
            status=FulfillmentStatus.REFUNDED,
            total_refund_amount=amount,
            shipping_refund_amount=_shipping_share(order, movement, units) or None,
            private_metadata={
                IDEMPOTENCY_KEY: movement.idempotency_key,
                REFUND_LINES_KEY: dict(units),
            },
        )


def _shipping_share(order: Order, movement: MoneyMovement, units: list[tuple[str, int]]) -> Decimal:
    """A refund of the whole order before shipment pays its shipping too: what
    is left of the amount after its lines, up to the shipping paid."""
    if not movement.request.whole_order_before_shipment:
        return Decimal(0)
    by_id = {str(line.pk): line for line in order.lines.all()}
    lines = sum(spread_over_lines(movement.amount, units, by_id).values(), Decimal(0))
    return min(order.shipping_price_gross_amount, max(Decimal(0), movement.amount - lines))


def _marker(order_id: object, key: str) -> Fulfillment | None:
    return Fulfillment.objects.filter(
        order_id=order_id,
        status=FulfillmentStatus.REFUNDED,
        private_metadata__contains={IDEMPOTENCY_KEY: key},
    ).first()


def _payment(movement: MoneyMovement) -> Payment | None:
    parsed = _parse(movement.provider_reference)
    if parsed is None:
        return None
    return (
        Payment.objects.select_related("order__channel")
        .filter(pk=parsed[0], order_id=movement.request.order_id)
        .first()
    )


def _parse(reference: str) -> tuple[int, int] | None:
    """``legacy:<payment pk>:<watermark>`` → the two numbers."""
    if not reference.startswith(PREFIX):
        return None
    payment_pk, _, watermark = reference.removeprefix(PREFIX).partition(":")
    if not (payment_pk.isdigit() and watermark.isdigit()):
        return None
    return int(payment_pk), int(watermark)

"""Money to the buyer through Saleor's own paths, in the port's three steps
(``prepare_payment``, ``send_payment``, ``payment_outcome``), by the movement's
method and the order's way of paying:

- a gift card (``gift_cards``): issued in ``prepare``; it is the payment;
- an order paid through Transactions (``granted_refunds``): a granted refund
  and its refund request in ``prepare``, sent to the payment app in ``send``;
- an order paid through the legacy Payment API (``legacy``): a watermark in
  ``prepare``, ``gateway.refund`` in ``send``.

A movement's ``provider_reference`` — the granted refund's pk, the gift card's
pk, or ``legacy:<payment>:<watermark>`` — is the only link to Saleor's record:
``settle_granted_refunds`` (the plugin's order hooks) and ``order_money`` (the
audit) go by it alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from saleor.order.lock_objects import order_qs_select_for_update
from saleor.order.models import Order
from saleor.payment import TransactionKind

from ...domain.policy import PayoutMethod
from ...models import MoneyMovement, MovementStatus
from ..base import OrderMoney, PaymentResult
from . import gift_cards, granted_refunds, legacy

# Statuses of a movement a payment app's late answer may still settle.
_AWAITING = [MovementStatus.PENDING, MovementStatus.SENDING, MovementStatus.REQUESTED]


def prepare_payment(movement: MoneyMovement) -> PaymentResult:
    """Saleor's record of the payment, under the order's row lock, in the
    caller's transaction (see ``Host.prepare_payment``)."""
    request = movement.request
    order = (
        order_qs_select_for_update().select_related("channel").filter(pk=request.order_id).first()
    )
    if order is None:
        return PaymentResult("failed", error=f"order {request.order_id} no longer exists")
    if movement.method == PayoutMethod.GIFT_CARD:
        return gift_cards.prepare(order, movement)
    if order.payment_transactions.exists():
        return granted_refunds.prepare(order, movement)
    payment = order.get_last_payment()
    if payment is not None:
        return legacy.prepare(order, payment, movement)
    return PaymentResult("failed", error="the order has no payment to refund")


def send_payment(movement: MoneyMovement) -> PaymentResult:
    """Hand the prepared payment to the payment provider (see ``Host.send_payment``)."""
    if movement.method == PayoutMethod.GIFT_CARD:
        return gift_cards.outcome(movement) or PaymentResult(
            "failed", movement.provider_reference, "the gift card is gone"
        )
    if movement.provider_reference.startswith(legacy.PREFIX):
        return legacy.send(movement)
    return granted_refunds.send(movement)


def payment_outcome(movement: MoneyMovement, *, record: bool = True) -> PaymentResult | None:
    """What Saleor shows of the movement's payment, by its reference alone (see
    ``Host.payment_outcome``). ``record``: a legacy refund the gateway made that
    the order does not show yet is recorded on it now."""
    if not movement.provider_reference:
        return None
    if movement.method == PayoutMethod.GIFT_CARD:
        return gift_cards.outcome(movement)
    if movement.provider_reference.startswith(legacy.PREFIX):
        return legacy.outcome(movement, record=record)
    found = granted_refunds.outcome(movement)
    # Refunds of legacy orders before the watermark existed were referred to by
    # their marker fulfillment.
    return found if found is not None else legacy.outcome(movement, record=record)


def settle_granted_refunds(order_id: object, *, now: datetime | None = None) -> int:
    """Record the payment app's answers for the order's movements still
    awaiting one, found by their reference, never by the granted refund's
    reason (staff may edit it). One query when the order has none (the plugin
    calls this on every ``order_updated``). Returns how many were settled."""
    from ...actions.money import record_payment_result
    from .. import get_host

    waiting = list(
        MoneyMovement.objects.filter(request__order_id=order_id, status__in=_AWAITING)
        .exclude(provider_reference="")
        .select_related("request")
        .order_by("created_at", "pk")
    )
    if not waiting:
        return 0
    host = get_host()
    settled = 0
    with host.writer():
        for movement in waiting:
            outcome = host.payment_outcome(movement)
            if outcome is None or outcome.status == "requested":
                continue
            record_payment_result(movement.pk, outcome, now=now or timezone.now(), host=host)
            settled += 1
    return settled


def order_money(order_id: str) -> OrderMoney:
    """What the buyer paid on the order and what went back by any path:
    Transactions (charged, refunded — granted refunds included) and legacy
    payments (captured, refunded by the gateway). Gift cards we issued are the
    platform's money, not the order's; they show only in ``by_reference``."""
    order = Order.objects.get(pk=order_id)
    paid = refunded = Decimal(0)
    for item in order.payment_transactions.all():
        paid += item.charged_value + item.refunded_value + item.refund_pending_value
        refunded += item.refunded_value
    for payment in order.payments.all():
        back = payment.transactions.filter(kind=TransactionKind.REFUND, is_success=True).aggregate(
            total=Sum("amount")
        )["total"] or Decimal(0)
        paid += payment.captured_amount + back
        refunded += back
    by_reference = {}
    for movement in (
        MoneyMovement.objects.filter(request__order_id=order.pk)
        .exclude(provider_reference="")
        .select_related("request")
    ):
        outcome = payment_outcome(movement, record=False)
        if outcome is not None and outcome.status == "succeeded":
            by_reference[movement.provider_reference] = movement.amount
    return OrderMoney(order.currency, paid, refunded, by_reference)

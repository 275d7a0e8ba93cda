"""The host port on the sandbox shop's tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..domain import Actor, ItemKind, LineSnapshot, OrderSnapshot, Policy
from ..domain.commands import Replacement
from ..domain.money import paid_for_units
from ..domain.policy import PayoutMethod
from ..models import AfterSaleRequest, MoneyMovement, MovementKind, Shipment, ShipmentKind
from ..policy_config import policy_from_config
from ..sandbox import models as shop
from ..sandbox.clock import at_speed
from .base import (
    ANONYMOUS,
    Caller,
    Host,
    HostOrder,
    OrderMoney,
    OrderNotFound,
    PaymentResult,
    SalesCounts,
)


def buyer_id_of(order: shop.Order) -> str:
    return f"user:{order.user_id}" if order.user_id else ""


class SandboxHost(Host):
    def load_order(self, order_id: str) -> HostOrder:
        try:
            order = shop.Order.objects.select_related("channel").get(pk=order_id)
        except (shop.Order.DoesNotExist, ValueError):
            raise OrderNotFound(order_id) from None
        lines = list(order.lines.all())
        snapshot = OrderSnapshot(
            currency=order.currency,
            shipping_paid=order.shipping_paid,
            shipping_refunded=order.shipping_refunded,
            lines={str(line.id): _snapshot(line, order.currency) for line in lines},
        )
        return HostOrder(
            order_id=str(order.id),
            channel_slug=order.channel.slug,
            buyer_id=buyer_id_of(order),
            snapshot=snapshot,
            line_labels={
                str(line.id): (line.product_name, line.variant_name, line.sku) for line in lines
            },
            # The sandbox has no product table: a product is its name.
            line_products={str(line.id): line.product_name for line in lines},
        )

    def sales_counts(self, channel_slug: str, since: datetime, until: datetime) -> SalesCounts:
        """Orders placed in the window, and their lines that shipped."""
        orders = shop.Order.objects.filter(
            channel__slug=channel_slug, created_at__gte=since, created_at__lt=until
        )
        lines = shop.OrderLine.objects.filter(order__in=orders)
        by_product = lines.values("product_name").annotate(
            orders=Count("order_id", distinct=True),
            shipped=Count("id", filter=Q(quantity_shipped__gt=0)),
        )
        return SalesCounts(
            orders=orders.count(),
            lines_shipped=lines.filter(quantity_shipped__gt=0).count(),
            orders_by_product={row["product_name"]: row["orders"] for row in by_product},
            lines_shipped_by_product={row["product_name"]: row["shipped"] for row in by_product},
        )

    def caller_from_context(self, context: Any) -> Caller:
        """The sandbox's API view puts the user of a valid bearer token on the request."""
        user = getattr(context, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return ANONYMOUS
        return Caller(f"user:{user.pk}", user=user)

    def visible_channels(self, caller: Caller) -> frozenset[str] | None:
        user = caller.user
        staff = shop.Staff.objects.filter(user=user).first() if user is not None else None
        if staff is None or not user.is_staff or not user.is_active:
            return frozenset()
        if staff.is_platform:
            return None
        if not staff.manage_orders:
            return frozenset()
        return frozenset(staff.channels.values_list("slug", flat=True))

    def may_act(self, caller: Caller, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
        if actor is Actor.SYSTEM:
            return caller.is_system
        user = caller.user
        if user is None or not user.is_active:
            return False
        if actor is Actor.BUYER:
            return bool(buyer_id) and caller.id == buyer_id
        staff = shop.Staff.objects.filter(user=user).first()
        if staff is None or not user.is_staff:
            return False
        if actor is Actor.PLATFORM:
            return staff.is_platform
        return staff.manage_orders and staff.channels.filter(slug=channel_slug).exists()

    def policy_for(self, channel_slug: str) -> Policy:
        values = shop.Channel.objects.filter(slug=channel_slug).values_list("policy", flat=True)
        policy = policy_from_config(values.first() or {})
        # The demo server may run the sandbox's time faster (serve --speed).
        return at_speed(policy, getattr(settings, "KUAI_SANDBOX_TIME_SPEED", 1))

    def after_sale_enabled(self, channel_slug: str) -> bool:
        enabled = shop.Channel.objects.filter(slug=channel_slug).values_list(
            "after_sale_enabled", flat=True
        )
        return bool(enabled.first())

    def return_address(self, channel_slug: str) -> str:
        address = shop.Channel.objects.filter(slug=channel_slug).values_list(
            "return_address", flat=True
        )
        return address.first() or ""

    def may_move_money(self, caller: Caller, channel_slug: str) -> bool:
        if caller.is_system:
            return True
        user = caller.user
        staff = shop.Staff.objects.filter(user=user).first() if user is not None else None
        return staff is not None and user.is_active and staff.handle_payments

    # --- money ------------------------------------------------------------------
    #
    # A Payment row is the shop's record of a payment: written "prepared" in the
    # caller's transaction, then sent to the channel's pretend payment provider
    # (its ``refund_mode``). Its order lines show the refund once it succeeded.

    def prepare_payment(self, movement: MoneyMovement) -> PaymentResult:
        request = movement.request
        order = (
            shop.Order.objects.select_for_update()
            .select_related("channel")
            .get(pk=request.order_id)
        )
        gift_card = movement.method == PayoutMethod.GIFT_CARD
        existing = shop.Payment.objects.filter(idempotency_key=movement.idempotency_key).first()
        if existing is not None:
            return self._result(existing)
        releases = request.before_shipment and movement.kind == MovementKind.REFUND
        if releases and (refused := self._release_unshipped(request)):
            return PaymentResult("failed", error=refused)
        status = "prepared"
        if gift_card:
            # The shop issues a gift card itself: prepared is paid — unless the
            # channel refuses them (to show a platform payment failing).
            refuses = order.channel.gift_card_mode == shop.RefundMode.FAIL
            status = "failed" if refuses else "succeeded"
        payment = shop.Payment.objects.create(
            order=order,
            idempotency_key=movement.idempotency_key,
            kind="gift_card" if gift_card else "refund",
            amount=movement.amount,
            currency=movement.currency,
            status=status,
            author=movement.requested_by,
        )
        return self._result(payment)

    def send_payment(self, movement: MoneyMovement) -> PaymentResult:
        with transaction.atomic():
            payment = shop.Payment.objects.select_for_update().get(
                pk=int(movement.provider_reference)
            )
            if payment.status != "prepared":  # sent before: the same answer again
                return self._result(payment)
            mode = shop.RefundMode(payment.order.channel.refund_mode)
            payment.status = {
                shop.RefundMode.SUCCEED: "succeeded",
                shop.RefundMode.PENDING: "requested",
                shop.RefundMode.FAIL: "failed",
            }[mode]
            payment.save(update_fields=["status"])
            if payment.status == "succeeded":
                self._refund_lines(movement.request, movement, payment.amount)
        return self._result(payment)

    def payment_outcome(self, movement: MoneyMovement) -> PaymentResult | None:
        payment = shop.Payment.objects.filter(idempotency_key=movement.idempotency_key).first()
        if payment is None or payment.status == "prepared":
            return None
        return self._result(payment)

    def order_money(self, order_id: str) -> OrderMoney:
        order = shop.Order.objects.get(pk=order_id)
        lines = order.lines.all()
        succeeded = {
            str(payment.pk): payment.amount for payment in order.payments.filter(status="succeeded")
        }
        refunds = order.payments.filter(status="succeeded", kind="refund")
        return OrderMoney(
            currency=order.currency,
            paid=sum((line.total_paid for line in lines), order.shipping_paid),
            refunded=sum((payment.amount for payment in refunds), Decimal(0))
            + _refunded_outside(order, lines, refunds),
            by_reference=succeeded,
        )

    def confirm(self, payment_id: int, succeeded: bool) -> shop.Payment:
        """The sandbox's 'payment app' answers a pending refund, and tells the
        after-sale app as Saleor's refund hooks do: in the same transaction; an
        answer repeated, or one for a payment already answered, changes nothing."""
        from ..actions.money import confirm_movement

        with transaction.atomic():
            payment = shop.Payment.objects.select_for_update().get(pk=payment_id)
            if payment.status == "requested":
                payment.status = "succeeded" if succeeded else "failed"
                payment.save(update_fields=["status"])
                movement = MoneyMovement.objects.select_related("request").get(
                    idempotency_key=payment.idempotency_key
                )
                if succeeded:
                    self._refund_lines(movement.request, movement, payment.amount)
            confirm_movement(
                payment.idempotency_key,
                succeeded=payment.status == "succeeded",
                now=timezone.now(),
                host=self,
                reference=str(payment.pk),
            )
        return payment

    @staticmethod
    def _result(payment: shop.Payment) -> PaymentResult:
        status = "requested" if payment.status == "prepared" else payment.status
        error = (
            f"the sandbox channel refuses {payment.kind.replace('_', ' ')}s"
            if status == "failed"
            else ""
        )
        return PaymentResult(status, str(payment.pk), error)

    def _release_unshipped(self, request: AfterSaleRequest) -> str:
        """Before shipment: the refunded units leave what may ship, or — when the
        merchant shipped them meanwhile — nothing is paid."""
        for item in request.lines.all():
            line = shop.OrderLine.objects.select_for_update().get(pk=item.order_line_id)
            left = line.quantity - line.quantity_shipped - line.quantity_refunded_unshipped
            if left < item.quantity:
                return (
                    f"{line.sku}: {item.quantity} unit(s) to refund before shipment, but only "
                    f"{max(0, left)} left unshipped (shipped meanwhile: the buyer may file a "
                    "return instead)"
                )
        shop.OrderNote.objects.create(
            order_id=request.order_id,
            author="system",
            message="Unshipped units released: they will not ship.",
        )
        return ""

    def _refund_lines(
        self, request: AfterSaleRequest, movement: MoneyMovement, amount: Decimal
    ) -> None:
        """Book a refund paid through the order on its lines, each up to what it
        was paid; compensation beyond the goods (late shipment) books none, and
        neither does a gift card (the platform's money, not the order's)."""
        if movement.kind == MovementKind.LATE_SHIPMENT_COMPENSATION:
            return
        if movement.method == PayoutMethod.GIFT_CARD:
            return
        left = amount
        for item in request.lines.all():
            line = shop.OrderLine.objects.select_for_update().get(pk=item.order_line_id)
            share = min(
                left, paid_for_units(_snapshot(line, request.currency).payment, item.quantity)
            )
            left -= share
            units = (
                "quantity_refunded_unshipped"
                if request.before_shipment
                else ("quantity_refunded_shipped")
            )
            shop.OrderLine.objects.filter(pk=line.pk).update(
                amount_refunded=F("amount_refunded") + share,
                **{units: F(units) + item.quantity},
            )
        if left > 0 and request.whole_order_before_shipment:
            shop.Order.objects.filter(pk=request.order_id).update(
                shipping_refunded=F("shipping_refunded") + left
            )

    # --- goods --------------------------------------------------------------------

    def record_return(self, request: AfterSaleRequest) -> None:
        _, created = shop.ReturnedGoods.objects.get_or_create(
            request_id=request.pk, defaults={"order_id": request.order_id}
        )
        if created:
            what = ", ".join(
                f"{item.quantity} × {item.product_sku or item.order_line_id}"
                for item in request.lines.all()
            )
            shop.OrderNote.objects.create(
                order_id=request.order_id, author="system", message=f"Return recorded: {what}."
            )

    def restock_return(self, request: AfterSaleRequest) -> None:
        with transaction.atomic():
            self.record_return(request)
            returned = shop.ReturnedGoods.objects.select_for_update().get(request_id=request.pk)
            if returned.restocked_at is not None:
                return
            for item in request.lines.all():
                line = shop.OrderLine.objects.get(pk=item.order_line_id)
                stock, _ = shop.Stock.objects.get_or_create(sku=line.sku)
                shop.Stock.objects.filter(pk=stock.pk).update(
                    quantity=F("quantity") + item.quantity
                )
            returned.restocked_at = timezone.now()
            returned.save(update_fields=["restocked_at"])

    def describe_replacements(
        self, order_id: str, choices: Sequence[tuple[str, str]]
    ) -> tuple[Replacement, ...]:
        lines = {
            str(line.pk): line
            for line in shop.OrderLine.objects.filter(
                order_id=order_id, pk__in=[_uuid_or_none(line_id) for line_id, _ in choices]
            )
        }
        variants = shop.Variant.objects.in_bulk([sku for _, sku in choices], field_name="sku")
        described = []
        for line_id, sku in choices:
            line, variant = lines.get(line_id), variants.get(sku)
            same = line is not None and variant is not None
            described.append(
                Replacement(
                    line_id=line_id,
                    variant_id=sku,
                    unit_price=variant.unit_price if variant else None,
                    same_product=same and variant.product_name == line.product_name,  # type: ignore[union-attr]
                )
            )
        return tuple(described)

    def send_goods(self, request: AfterSaleRequest, shipment: Shipment) -> str:
        """Take the goods out of stock and note the shipment on the order."""
        if shipment.kind == ShipmentKind.REPLACEMENT:
            sent = [(item["variant_id"], item["quantity"]) for item in shipment.items]
        else:
            skus = dict(
                shop.OrderLine.objects.filter(
                    pk__in=[line.order_line_id for line in request.lines.all()]
                ).values_list("pk", "sku")
            )
            sent = [(skus[line.order_line_id], line.quantity) for line in request.lines.all()]
        with transaction.atomic():
            for sku, quantity in sent:
                stock, _ = shop.Stock.objects.get_or_create(sku=sku)
                shop.Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") - quantity)
            what = ", ".join(f"{quantity} × {sku}" for sku, quantity in sent)
            note = shop.OrderNote.objects.create(
                order_id=request.order_id,
                author="system",
                message=(
                    f"{str(shipment.kind).capitalize()} sent: {what} "
                    f"({shipment.carrier} {shipment.tracking_number})."
                ),
            )
        return f"note:{note.pk}"

    def add_order_note(self, order_id: str, message: str, caller: Caller) -> None:
        shop.OrderNote.objects.create(order_id=order_id, author=caller.id, message=message)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _snapshot(line: shop.OrderLine, currency: str) -> LineSnapshot:
    """A sandbox order line as the rules see it."""
    return LineSnapshot(
        line_id=str(line.id),
        currency=currency,
        quantity=line.quantity,
        total_paid=line.total_paid,
        unit_price=line.unit_price,
        quantity_shipped=line.quantity_shipped,
        quantity_refunded_shipped=line.quantity_refunded_shipped,
        quantity_refunded_unshipped=line.quantity_refunded_unshipped,
        amount_refunded=line.amount_refunded,
        delivered_at=line.delivered_at,
        product_type=line.product_type or None,
        item_kind=ItemKind(line.item_kind),
        declared_unit_price=line.declared_unit_price,
        needs_shipping=line.is_shipping_required,
        gift_card_used=line.gift_card_used,
    )


def _refunded_outside(order: shop.Order, lines: Sequence[shop.OrderLine], refunds: Any) -> Decimal:
    """Refunds the shop's staff booked on the lines by hand (no payment row):
    what the lines show refunded beyond the refunds paid through the sandbox."""
    on_lines = sum((line.amount_refunded for line in lines), order.shipping_refunded)
    paid = sum((payment.amount for payment in refunds), Decimal(0))
    return max(Decimal(0), on_lines - paid)

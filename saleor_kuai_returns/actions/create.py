"""A buyer files a request: eligibility on a fresh order snapshot, then rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from ..conversion import apply_view, snapshot_fields
from ..domain import Actor, ErrorCode, NewRequest, NotEligible, OrderSnapshot, open_request
from ..domain.kinds import Event, Reason
from ..domain.money import spread_refund
from ..domain.policy import PayoutMethod
from ..domain.request import LineSnapshot
from ..events import request_created_event
from ..host import get_host
from ..host.base import Caller, Host, HostOrder, OrderNotFound
from ..models import (
    AfterSaleRequest,
    AfterSaleRequestLine,
    Evidence,
    EvidenceKind,
    MoneyMovement,
    MovementKind,
    MovementStatus,
)
from .errors import ActionError, ActionErrorCode
from .follow_ups import add_notes


@dataclass(frozen=True)
class EvidenceItem:
    kind: EvidenceKind
    url: str = ""
    text: str = ""


def with_history(order: HostOrder) -> OrderSnapshot:
    """The host's order plus what our own tables know of each line: an active
    request, the attempts so far, reasons the merchant already won on, and what
    the platform paid for its units with its own money (a gift card: the shop's
    order does not show it as refunded)."""
    line_ids = list(order.snapshot.lines)
    rows = AfterSaleRequestLine.objects.filter(order_line_id__in=line_ids)
    active = {
        str(line_id)
        for line_id in rows.filter(is_active=True).values_list("order_line_id", flat=True)
    }
    attempts = {
        str(line_id): int(total)
        for line_id, total in rows.values("order_line_id")
        .annotate(total=Sum("request__attempt"))
        .values_list("order_line_id", "total")
    }
    ruled: dict[str, set[Reason]] = defaultdict(set)
    for line_id, reason in rows.filter(
        request__timeline__event=Event.RULE_MERCHANT_WINS.value
    ).values_list("order_line_id", "request__reason"):
        ruled[str(line_id)].add(Reason(reason))
    lines = {
        line_id: replace(
            line,
            has_active_request=line_id in active,
            attempts=attempts.get(line_id, 0),
            reasons_ruled_for_merchant=frozenset(ruled.get(line_id, set())),
        )
        for line_id, line in order.snapshot.lines.items()
    }
    return replace(order.snapshot, lines=_paid_by_platform(order.order_id, lines))


def _paid_by_platform(order_id: str, lines: dict[str, LineSnapshot]) -> dict[str, LineSnapshot]:
    """Count the units the platform refunded or compensated with a gift card as
    refunded, so that no later request pays them again."""
    paid = MoneyMovement.objects.filter(
        request__order_id=order_id,
        kind__in=[MovementKind.REFUND, MovementKind.PRIORITY_COMPENSATION],
        method=PayoutMethod.GIFT_CARD,
        status=MovementStatus.SUCCEEDED,
    ).select_related("request")
    for movement in paid:
        request = movement.request
        units = [
            (str(item.order_line_id), item.quantity)
            for item in request.lines.all()
            if str(item.order_line_id) in lines
        ]
        shares = spread_refund(
            movement.amount,
            [(line_id, lines[line_id].payment, quantity) for line_id, quantity in units],
        )
        field = (
            "quantity_refunded_unshipped"
            if request.before_shipment
            else "quantity_refunded_shipped"
        )
        for line_id, quantity in units:
            line = lines[line_id]
            lines[line_id] = replace(
                line,
                amount_refunded=line.amount_refunded + shares.get(line_id, Decimal(0)),
                **{field: getattr(line, field) + quantity},
            )
    return lines


def create_request(
    order_id: str,
    caller: Caller,
    new: NewRequest,
    *,
    evidence: Sequence[EvidenceItem] = (),
    now: datetime | None = None,
    host: Host | None = None,
) -> AfterSaleRequest:
    """File a request on an order; ``NotEligible`` says which rule refused."""
    host = host or get_host()
    now = now or timezone.now()
    try:
        order = host.load_order(order_id)
    except OrderNotFound:
        raise ActionError(ActionErrorCode.NOT_FOUND, f"no order {order_id}") from None
    if not host.may_act(caller, Actor.BUYER, order.channel_slug, order.buyer_id):
        raise ActionError(ActionErrorCode.PERMISSION_DENIED, "only the order's buyer may file")
    if not host.after_sale_enabled(order.channel_slug):
        raise ActionError(
            ActionErrorCode.AFTER_SALE_DISABLED,
            f"after-sale service is switched off on channel {order.channel_slug}",
        )
    new = replace(new, evidence_count=len(evidence))
    view = open_request(new, with_history(order), now, host.policy_for(order.channel_slug))
    request = AfterSaleRequest(
        order_id=order.order_id,
        channel_slug=order.channel_slug,
        buyer_id=order.buyer_id,
        created_at=now,
    )
    apply_view(request, view)
    try:
        with transaction.atomic():
            request.save()
            AfterSaleRequestLine.objects.bulk_create(
                AfterSaleRequestLine(
                    request=request,
                    quantity=line.quantity,
                    product_id=order.line_products.get(line.snapshot.line_id, ""),
                    product_name=order.line_labels.get(line.snapshot.line_id, ("", "", ""))[0],
                    variant_name=order.line_labels.get(line.snapshot.line_id, ("", "", ""))[1],
                    product_sku=order.line_labels.get(line.snapshot.line_id, ("", "", ""))[2],
                    **snapshot_fields(line.snapshot),
                )
                for line in view.lines
            )
            Evidence.objects.bulk_create(
                Evidence(
                    request=request,
                    created_at=now,
                    actor_kind=Actor.BUYER.value,
                    actor_id=caller.id,
                    kind=item.kind,
                    url=item.url,
                    text=item.text,
                )
                for item in evidence
            )
            request_created_event(request, caller, new.description)
            message = f"After-sale request filed: {view.request_type.value.replace('_', ' ')}."
            add_notes([(order.order_id, message, caller.id)], now=now)
    except IntegrityError as error:
        # Two filings raced for the same line: the partial unique index decided.
        if "kuai_one_active_request_per_line" in str(error):
            raise NotEligible(ErrorCode.ACTIVE_REQUEST_EXISTS) from None
        raise
    return request

"""Small builders for domain tests: an order, its lines, a filed request."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    LineSnapshot,
    NewRequest,
    OrderSnapshot,
    Policy,
    Reason,
    RequestType,
    RequestView,
    open_request,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DELIVERED = NOW - timedelta(days=2)


def line(
    line_id: str = "line-1",
    *,
    quantity: int = 2,
    total_paid: str = "200.00",
    unit_price: str | None = None,
    shipped: int | None = None,
    currency: str = "CNY",
    delivered_at: datetime | None = DELIVERED,
    **fields: object,
) -> LineSnapshot:
    """A delivered line (all units shipped) unless told otherwise."""
    paid = Decimal(total_paid)
    return LineSnapshot(
        line_id=line_id,
        currency=currency,
        quantity=quantity,
        total_paid=paid,
        unit_price=Decimal(unit_price) if unit_price else paid / quantity,
        quantity_shipped=quantity if shipped is None else shipped,
        delivered_at=delivered_at if (shipped is None or shipped) else None,
        **fields,  # type: ignore[arg-type]
    )


def order(*lines: LineSnapshot, shipping: str = "10.00", currency: str = "CNY") -> OrderSnapshot:
    lines = lines or (line(),)
    return OrderSnapshot(
        currency=currency,
        lines={item.line_id: item for item in lines},
        shipping_paid=Decimal(shipping),
    )


def new_request(
    request_type: RequestType = RequestType.RETURN_AND_REFUND,
    reason: Reason = Reason.QUALITY_FUNCTION,
    lines: tuple[tuple[str, int], ...] = (("line-1", 1),),
    **fields: object,
) -> NewRequest:
    fields.setdefault("evidence_count", 1)
    return NewRequest(request_type=request_type, reason=reason, lines=lines, **fields)  # type: ignore[arg-type]


def filed(
    request_type: RequestType = RequestType.RETURN_AND_REFUND,
    reason: Reason = Reason.QUALITY_FUNCTION,
    *,
    the_order: OrderSnapshot | None = None,
    lines: tuple[tuple[str, int], ...] = (("line-1", 1),),
    now: datetime = NOW,
    policy: Policy = DEFAULT_POLICY,
    **fields: object,
) -> RequestView:
    """A request just filed on a delivered two-unit line paid 200.00 CNY."""
    return open_request(
        new_request(request_type, reason, lines, **fields),
        the_order or order(),
        now,
        policy,
    )


def at_state(view: RequestView, **changes: object) -> RequestView:
    return replace(view, **changes)  # type: ignore[arg-type]

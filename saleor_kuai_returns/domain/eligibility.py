"""Eligibility (spec §2): who may file what, on which line, how much, and when.

Checked when a request is created and again when it is resubmitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .errors import ErrorCode, NotEligible
from .kinds import REASON_RULES, Reason, ReasonCategory, RequestType
from .money import (
    MissingItem,
    check_refund_amount,
    priority_compensation,
    request_refund_ceiling,
)
from .policy import Policy
from .request import LineSnapshot, RequestLine


@dataclass(frozen=True)
class OrderSnapshot:
    """The host order as the rules need it: every line, the shipping paid."""

    currency: str
    lines: Mapping[str, LineSnapshot]
    shipping_paid: Decimal = Decimal(0)
    shipping_refunded: Decimal = Decimal(0)


@dataclass(frozen=True)
class NewRequest:
    """What the buyer files (or refiles): one type and reason, some lines."""

    request_type: RequestType
    reason: Reason
    lines: tuple[tuple[str, int], ...]  # (line_id, quantity)
    requested_amount: Decimal | None = None  # defaults to the ceiling
    evidence_count: int = 0
    description: str = ""
    # For a line partly shipped: the request covers the units not yet shipped
    # (refund only, the whole remainder). Lines with nothing shipped are
    # always treated so.
    unshipped: bool = False


@dataclass(frozen=True)
class Admission:
    """A request that passed eligibility, with what the rules derived."""

    lines: tuple[RequestLine, ...]
    before_shipment: bool
    whole_order_before_shipment: bool
    refund_ceiling: Decimal
    requested_amount: Decimal


def after_sale_window(line: LineSnapshot, reason: Reason, policy: Policy) -> timedelta:
    """No-reason requests get the no-reason window; every other reason the quality one."""
    windows = policy.windows_for(line.product_type)
    if REASON_RULES[reason].category is ReasonCategory.BUYER:
        assert windows.no_reason is not None
        return windows.no_reason
    assert windows.quality is not None
    return windows.quality


def window_closes_at(line: LineSnapshot, reason: Reason, policy: Policy) -> datetime | None:
    """When the after-sale window closes; ``None`` while the line is undelivered."""
    if line.delivered_at is None:
        return None
    return line.delivered_at + after_sale_window(line, reason, policy)


def check_shipping_needed(line: LineSnapshot, request_type: RequestType) -> ErrorCode | None:
    """Spec §2: lines that need no shipping (gift cards, digital goods) may be
    refunded only, never returned, exchanged or reshipped."""
    if not line.needs_shipping and request_type is not RequestType.REFUND_ONLY:
        return ErrorCode.SHIPPING_NOT_REQUIRED
    return None


def check_evidence(count: int, text: str, policy: Policy) -> ErrorCode | None:
    if count < 0:
        return ErrorCode.INVALID_COUNT
    if count > policy.max_evidence_items:
        return ErrorCode.TOO_MUCH_EVIDENCE
    if len(text) > policy.max_text_length:
        return ErrorCode.TEXT_TOO_LONG
    return None


def check_line(
    line: LineSnapshot,
    request_type: RequestType,
    reason: Reason,
    quantity: int,
    now: datetime,
    policy: Policy,
    *,
    attempt: int,
    resubmission: bool = False,
    unshipped: bool = False,
) -> ErrorCode | None:
    """Why this line cannot be filed as asked, or ``None``.

    ``attempt`` is the number this filing would have (creations and
    resubmissions of the line, counted together).
    """
    if quantity < 1:
        return ErrorCode.QUANTITY_INVALID
    if line.gift_card_used:
        return ErrorCode.GIFT_CARD_USED
    if error := check_shipping_needed(line, request_type):
        return error
    if line.has_active_request and not resubmission:
        return ErrorCode.ACTIVE_REQUEST_EXISTS
    if attempt > policy.attempt_cap:
        return ErrorCode.ATTEMPT_CAP_REACHED
    if reason in line.reasons_ruled_for_merchant:
        return ErrorCode.REASON_ALREADY_RULED
    rule = REASON_RULES[reason]
    if request_type not in rule.allowed_types:
        return ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE
    if line.available_shipped > 0 and not unshipped:
        if quantity > line.available_shipped:
            return ErrorCode.QUANTITY_TOO_HIGH
        closes_at = window_closes_at(line, reason, policy)
        if closes_at is not None and now >= closes_at:
            return ErrorCode.WINDOW_CLOSED
        allowed = policy.windows_for(line.product_type).no_reason_allowed
        if rule.category is ReasonCategory.BUYER and not allowed:
            return ErrorCode.NO_REASON_NOT_ALLOWED
        return None
    if line.available_unshipped == 0:
        return ErrorCode.NOTHING_LEFT
    if quantity > line.available_unshipped:
        return ErrorCode.QUANTITY_TOO_HIGH
    if request_type is not RequestType.REFUND_ONLY:
        return ErrorCode.TYPE_REQUIRES_SHIPMENT
    if not rule.allowed_before_shipment:
        return ErrorCode.REASON_REQUIRES_SHIPMENT
    if quantity != line.available_unshipped:
        return ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED
    return None


def admit(
    new: NewRequest,
    order: OrderSnapshot,
    now: datetime,
    policy: Policy,
    *,
    attempt: int | None = None,
) -> Admission:
    """Check a filing against every rule of spec §2; raise ``NotEligible``.

    ``attempt`` is given for a resubmission (the request's next attempt number);
    a new request counts from each line's earlier attempts.
    """
    if not new.lines:
        raise NotEligible(ErrorCode.NO_LINES)
    line_ids = [line_id for line_id, _ in new.lines]
    if len(set(line_ids)) != len(line_ids):
        raise NotEligible(ErrorCode.DUPLICATE_LINE)
    if error := check_evidence(new.evidence_count, new.description, policy):
        raise NotEligible(error)
    admitted: list[RequestLine] = []
    for line_id, quantity in new.lines:
        line = order.lines.get(line_id)
        if line is None:
            raise NotEligible(ErrorCode.UNKNOWN_LINE, f"no line {line_id!r} on this order")
        if line.currency != order.currency:
            raise NotEligible(ErrorCode.CURRENCY_MISMATCH)
        number = attempt if attempt is not None else line.attempts + 1
        error = check_line(
            line,
            new.request_type,
            new.reason,
            quantity,
            now,
            policy,
            attempt=number,
            resubmission=attempt is not None,
            unshipped=new.unshipped,
        )
        if error:
            raise NotEligible(error, f"line {line_id!r}: {error.value.replace('_', ' ')}")
        admitted.append(RequestLine(snapshot=line, quantity=quantity))
    modes = {new.unshipped or line.snapshot.available_shipped == 0 for line in admitted}
    if len(modes) > 1:
        raise NotEligible(ErrorCode.MIXED_SHIPMENT_STATE)
    before_shipment = modes == {True}
    if REASON_RULES[new.reason].evidence_required and new.evidence_count == 0:
        raise NotEligible(ErrorCode.EVIDENCE_REQUIRED)
    whole_order = before_shipment and _covers_whole_unshipped_order(admitted, order)
    ceiling = request_ceiling(
        new.request_type, admitted, order.currency, order.shipping_paid, whole_order
    )
    requested = ceiling if new.requested_amount is None else new.requested_amount
    if error := check_requested_amount(
        new.request_type, new.requested_amount, ceiling, order.currency
    ):
        raise NotEligible(error, f"asked {requested}, at most {ceiling} {order.currency}")
    return Admission(
        lines=tuple(admitted),
        before_shipment=before_shipment,
        whole_order_before_shipment=whole_order,
        refund_ceiling=ceiling,
        requested_amount=requested,
    )


def check_requested_amount(
    request_type: RequestType, requested: Decimal | None, ceiling: Decimal, currency: str
) -> ErrorCode | None:
    """The amount asked (the ceiling when not given) must be positive and within
    the ceiling. A missing free gift without a declared price is worth nothing,
    yet the buyer may still ask for it to be reshipped."""
    if request_type is RequestType.RESHIP and requested is None:
        return None
    return check_refund_amount(ceiling if requested is None else requested, ceiling, currency)


def request_ceiling(
    request_type: RequestType,
    admitted: Iterable[RequestLine],
    currency: str,
    shipping_paid: Decimal = Decimal(0),
    whole_order: bool = False,
) -> Decimal:
    """What the request can pay at most: for missing items their priority
    compensation value (spec §5), otherwise what was paid (and shipping when the
    whole order is refunded before shipment)."""
    if request_type is RequestType.RESHIP:
        return priority_compensation(
            (
                MissingItem(
                    kind=line.snapshot.item_kind,
                    units=line.quantity,
                    payment=line.snapshot.payment,
                    declared_unit_price=line.snapshot.declared_unit_price,
                )
                for line in admitted
            ),
            currency,
        )
    return request_refund_ceiling(
        ((line.snapshot.payment, line.quantity) for line in admitted),
        currency,
        shipping_paid=shipping_paid,
        whole_order_before_shipment=whole_order,
    )


def _covers_whole_unshipped_order(admitted: list[RequestLine], order: OrderSnapshot) -> bool:
    if any(line.quantity_shipped for line in order.lines.values()):
        return False
    requested = {line.snapshot.line_id: line.quantity for line in admitted}
    return all(
        requested.get(line_id, 0) == line.available_unshipped
        for line_id, line in order.lines.items()
    )


@dataclass(frozen=True)
class TypeOption:
    request_type: RequestType
    reasons: tuple[Reason, ...]
    max_quantity: int
    max_refund: Decimal
    unshipped: bool = False  # covers the units not yet shipped


@dataclass(frozen=True)
class LineEligibility:
    """For an eligibility query: what may be filed on a line right now."""

    line_id: str
    options: tuple[TypeOption, ...]
    not_eligible_because: ErrorCode | None


def line_eligibility(line: LineSnapshot, now: datetime, policy: Policy) -> LineEligibility:
    """Every (type, reason) the buyer may file now, with the quantity and refund
    caps — the same rules ``admit`` applies, for the whole available quantity."""
    modes = [
        (unshipped, quantity)
        for unshipped, quantity in (
            (False, line.available_shipped),
            (True, line.available_unshipped),
        )
        if quantity
    ]
    if not modes:
        return LineEligibility(line.line_id, (), ErrorCode.NOTHING_LEFT)
    options: list[TypeOption] = []
    first_error: ErrorCode | None = None
    for unshipped, quantity in modes:
        for request_type in RequestType:
            ceiling = request_ceiling(
                request_type, [RequestLine(snapshot=line, quantity=quantity)], line.currency
            )
            amount_error = check_requested_amount(request_type, None, ceiling, line.currency)
            reasons: list[Reason] = []
            for reason in Reason:
                error = (
                    check_line(
                        line,
                        request_type,
                        reason,
                        quantity,
                        now,
                        policy,
                        attempt=line.attempts + 1,
                        unshipped=unshipped,
                    )
                    or amount_error
                )
                if error is None:
                    reasons.append(reason)
                elif first_error is None or _rank(error) < _rank(first_error):
                    first_error = error
            if reasons:
                options.append(
                    TypeOption(request_type, tuple(reasons), quantity, ceiling, unshipped)
                )
    return LineEligibility(
        line_id=line.line_id,
        options=tuple(options),
        not_eligible_because=None if options else first_error,
    )


def _rank(error: ErrorCode) -> int:
    return _PRIORITY.get(error, len(_PRIORITY))


# When no option is open, report the cause that concerns the whole line first.
_PRIORITY: dict[ErrorCode, int] = {
    code: rank
    for rank, code in enumerate(
        [
            ErrorCode.QUANTITY_INVALID,
            ErrorCode.GIFT_CARD_USED,
            ErrorCode.ACTIVE_REQUEST_EXISTS,
            ErrorCode.ATTEMPT_CAP_REACHED,
            ErrorCode.QUANTITY_TOO_HIGH,
            ErrorCode.WINDOW_CLOSED,
            ErrorCode.NO_REASON_NOT_ALLOWED,
            ErrorCode.REASON_ALREADY_RULED,
            ErrorCode.TYPE_REQUIRES_SHIPMENT,
            ErrorCode.REASON_REQUIRES_SHIPMENT,
            ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE,
            ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED,
        ]
    )
}

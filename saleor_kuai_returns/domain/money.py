"""Money rules (spec §5): Decimal amounts in the order's currency.

Every amount is rounded to its currency's precision. Refund ceilings never
exceed what was paid; compensation follows the spec's formulas exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import ErrorCode, MoneyError
from .kinds import ItemKind
from .policy import Policy

# ISO 4217 minor units for the currencies that do not use two decimals.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def currency_precision(currency: str) -> int:
    """Decimal places of a currency (ISO 4217); two unless listed otherwise."""
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise MoneyError(ErrorCode.CURRENCY_MISMATCH, f"not a currency code: {currency!r}")
    return _MINOR_UNITS.get(currency, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's precision."""
    exponent = Decimal(1).scaleb(-currency_precision(currency))
    if not amount.is_finite():
        raise MoneyError(ErrorCode.AMOUNT_INVALID, f"not an amount: {amount}")
    try:
        return amount.quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise MoneyError(ErrorCode.AMOUNT_INVALID, f"not an amount: {amount}") from error


def check_amount(amount: Decimal, currency: str) -> ErrorCode | None:
    """An amount must be finite and use at most the currency's decimal places."""
    if not amount.is_finite():
        return ErrorCode.AMOUNT_INVALID
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite amounts have an integer exponent
    if exponent < -currency_precision(currency):
        return ErrorCode.AMOUNT_INVALID
    return None


def parse_amount(amount: Decimal | str | int, currency: str) -> Decimal:
    """An amount from input: finite, not negative, at most the currency's precision."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise MoneyError(ErrorCode.AMOUNT_INVALID, f"not an amount: {amount!r}") from error
    if not value.is_finite():
        raise MoneyError(ErrorCode.AMOUNT_INVALID, f"not an amount: {amount!r}")
    if value < 0:
        raise MoneyError(ErrorCode.AMOUNT_NOT_POSITIVE, f"negative amount: {amount!r}")
    if check_amount(value, currency):
        raise MoneyError(
            ErrorCode.AMOUNT_INVALID,
            f"{currency} has {currency_precision(currency)} decimal places: {amount}",
        )
    return quantize(abs(value), currency)  # abs: "-0" is zero


@dataclass(frozen=True)
class LinePayment:
    """What was paid for one order line and what was already given back."""

    currency: str
    quantity: int
    total_paid: Decimal  # all units, after discounts
    quantity_refunded: int = 0
    amount_refunded: Decimal = Decimal(0)


def paid_for_units(payment: LinePayment, units: int) -> Decimal:
    """What the buyer paid for ``units`` more units of the line.

    Units are priced cumulatively — unit k costs round(total × k / qty) minus
    round(total × (k-1) / qty) — so refunding a line unit by unit adds up to
    exactly its total, with no cent lost to rounding.
    """
    if payment.quantity <= 0:
        return Decimal(0)
    done = payment.quantity_refunded
    upto = min(payment.quantity, done + units)
    before = quantize(payment.total_paid * done / payment.quantity, payment.currency)
    after = quantize(payment.total_paid * upto / payment.quantity, payment.currency)
    return after - before


def spread_refund(
    amount: Decimal, lines: Iterable[tuple[str, LinePayment, int]]
) -> dict[str, Decimal]:
    """A refund of ``amount`` over its lines ``(line id, payment, units)`` in the
    order given, each up to what its units cost; what is left after the last
    line stays unspread (shipping, freight)."""
    shares: dict[str, Decimal] = {}
    left = amount
    for line_id, payment, units in lines:
        share = max(Decimal(0), min(left, paid_for_units(payment, units)))
        if share:
            shares[line_id] = share
            left -= share
    return shares


def line_refund_ceiling(payment: LinePayment, units: int) -> Decimal:
    """Spec §5: paid for the refunded units, minus what the line already got back."""
    remaining = payment.total_paid - payment.amount_refunded
    already_counted = (
        quantize(
            payment.total_paid * payment.quantity_refunded / payment.quantity, payment.currency
        )
        if payment.quantity
        else Decimal(0)
    )
    # Money refunded beyond the units' share (e.g. an earlier partial refund
    # without units) is taken off too.
    excess = max(Decimal(0), payment.amount_refunded - already_counted)
    ceiling = paid_for_units(payment, units) - excess
    return quantize(max(Decimal(0), min(ceiling, remaining)), payment.currency)


def request_refund_ceiling(
    lines: Iterable[tuple[LinePayment, int]],
    currency: str,
    *,
    shipping_paid: Decimal = Decimal(0),
    whole_order_before_shipment: bool = False,
) -> Decimal:
    """The most a request may refund: its lines, plus outbound shipping only when
    the whole order is refunded before anything shipped (spec §5)."""
    total = Decimal(0)
    for payment, units in lines:
        if payment.currency != currency:
            raise MoneyError(ErrorCode.CURRENCY_MISMATCH, f"{payment.currency} ≠ {currency}")
        total += line_refund_ceiling(payment, units)
    if whole_order_before_shipment:
        total += shipping_paid
    return quantize(total, currency)


def payout_ceiling(
    lines: Iterable[tuple[LinePayment, int]],
    currency: str,
    *,
    shipping_left: Decimal = Decimal(0),
    whole_order_before_shipment: bool = False,
    freight: Decimal = Decimal(0),
) -> Decimal:
    """The most a refund may pay when it is sent (spec §5, checked again at
    payout): its units' ceiling on the shop's figures *now* — units and amounts
    the shop refunded meanwhile (from its dashboard, say) are no longer there to
    refund — outbound shipping while it is unrefunded, and the return freight
    the merchant owes the buyer on top."""
    goods = request_refund_ceiling(
        lines,
        currency,
        shipping_paid=max(Decimal(0), shipping_left),
        whole_order_before_shipment=whole_order_before_shipment,
    )
    return quantize(goods + freight, currency)


def capped_payout(amount: Decimal, ceiling: Decimal) -> Decimal:
    """What a refund decided as ``amount`` pays when at most ``ceiling`` is left."""
    return max(Decimal(0), min(amount, ceiling))


def check_refund_amount(
    amount: Decimal, ceiling: Decimal, currency: str | None = None
) -> ErrorCode | None:
    if currency and (error := check_amount(amount, currency)):
        return error
    if amount <= 0:
        return ErrorCode.AMOUNT_NOT_POSITIVE
    if amount > ceiling:
        return ErrorCode.AMOUNT_ABOVE_CEILING
    return None


def check_negotiated_amount(
    current: Decimal, proposed: Decimal, currency: str | None = None
) -> ErrorCode | None:
    """A negotiated amount may only go down (spec §5)."""
    if currency and (error := check_amount(proposed, currency)):
        return error
    if proposed <= 0:
        return ErrorCode.AMOUNT_NOT_POSITIVE
    if proposed > current:
        return ErrorCode.AMOUNT_INCREASE_NOT_ALLOWED
    return None


@dataclass(frozen=True)
class MissingItem:
    """An item the buyer did not receive, for priority compensation."""

    kind: ItemKind
    units: int
    payment: LinePayment
    declared_unit_price: Decimal | None = None  # product page price of accessories/gifts


def priority_compensation(items: Iterable[MissingItem], currency: str) -> Decimal:
    """Spec §5 (SEED): accessories and gifts at their declared price, goods at
    the amount actually paid for them. An accessory or gift without a declared
    price falls back to what was paid for it."""
    total = Decimal(0)
    for item in items:
        if item.kind is ItemKind.GOODS or item.declared_unit_price is None:
            total += line_refund_ceiling(item.payment, item.units)
        else:
            total += item.declared_unit_price * item.units
    return quantize(total, currency)


def late_shipment_compensation(paid: Decimal, currency: str, policy: Policy) -> Decimal:
    """clamp(rate × paid, minimum, maximum), in the channel's currency."""
    raw = policy.late_shipment_rate * paid
    clamped = min(max(raw, policy.late_shipment_minimum), policy.late_shipment_maximum)
    return quantize(clamped, currency)


def check_freight_claim(
    amount: Decimal, policy: Policy, currency: str | None = None
) -> ErrorCode | None:
    """A merchant-liable return freight claim: positive and within the cap."""
    if currency and (error := check_amount(amount, currency)):
        return error
    if amount <= 0:
        return ErrorCode.AMOUNT_NOT_POSITIVE
    if amount > policy.return_freight_maximum:
        return ErrorCode.AMOUNT_ABOVE_CEILING
    return None

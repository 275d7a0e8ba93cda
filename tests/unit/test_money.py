"""Money rules (spec §5): precision, parsing, refund ceilings and compensation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_kuai_returns.domain import DEFAULT_POLICY, ErrorCode, ItemKind, MoneyError, Policy
from saleor_kuai_returns.domain.money import (
    LinePayment,
    MissingItem,
    check_freight_claim,
    check_negotiated_amount,
    check_refund_amount,
    currency_precision,
    late_shipment_compensation,
    line_refund_ceiling,
    paid_for_units,
    parse_amount,
    priority_compensation,
    quantize,
    request_refund_ceiling,
)


def payment(
    total_paid: str = "200.00",
    quantity: int = 2,
    *,
    currency: str = "CNY",
    quantity_refunded: int = 0,
    amount_refunded: str = "0",
) -> LinePayment:
    return LinePayment(
        currency=currency,
        quantity=quantity,
        total_paid=Decimal(total_paid),
        quantity_refunded=quantity_refunded,
        amount_refunded=Decimal(amount_refunded),
    )


# Currency precision


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("CNY", 2),
        ("USD", 2),
        ("EUR", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("CLF", 4),
    ],
)
def test_currency_precision(currency, places):
    # when
    precision = currency_precision(currency)
    # then
    assert precision == places


@pytest.mark.parametrize("currency", ["", "CN", "CNYY", "cny", "Cny", "C1Y", "¥¥¥", "RMB "])
def test_bad_currency_code_is_refused(currency):
    # when
    with pytest.raises(MoneyError) as error:
        currency_precision(currency)
    # then
    assert error.value.code is ErrorCode.CURRENCY_MISMATCH


# Rounding


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "CNY", "0.01"),
        ("0.004", "CNY", "0.00"),
        ("1.125", "CNY", "1.13"),  # half up, not half even
        ("1.135", "CNY", "1.14"),
        ("-0.005", "CNY", "-0.01"),  # away from zero
        ("10", "CNY", "10.00"),
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("2.4999", "JPY", "2"),
        ("0.0005", "KWD", "0.001"),
        ("0.0004", "KWD", "0.000"),
    ],
)
def test_quantize_rounds_half_up_to_the_currency_precision(amount, currency, expected):
    # when
    result = quantize(Decimal(amount), currency)
    # then
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "1E+30"])
def test_quantize_refuses_what_cannot_be_an_amount(amount):
    # when
    with pytest.raises(MoneyError) as error:
        quantize(Decimal(amount), "CNY")
    # then
    assert error.value.code is ErrorCode.AMOUNT_INVALID


# Parsing input


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.34", "CNY", "12.34"),
        ("12.3", "CNY", "12.30"),
        ("12", "CNY", "12.00"),
        (12, "CNY", "12.00"),
        (Decimal("0.01"), "CNY", "0.01"),
        ("0", "CNY", "0.00"),
        ("12.340", "CNY", "12.34"),  # trailing zeros are not extra precision
        ("1500", "JPY", "1500"),
        ("1.234", "KWD", "1.234"),
    ],
)
def test_parse_amount_accepts_and_quantizes(amount, currency, expected):
    # when
    result = parse_amount(amount, currency)
    # then
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("amount", ["-0.01", "-1", -1, Decimal("-100.00")])
def test_parse_amount_rejects_negative(amount):
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount(amount, "CNY")
    # then
    assert error.value.code is ErrorCode.AMOUNT_NOT_POSITIVE


@pytest.mark.parametrize("amount", ["NaN", "-NaN", "sNaN", Decimal("NaN")])
def test_parse_amount_rejects_nan(amount):
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount(amount, "CNY")
    # then
    assert error.value.code is ErrorCode.AMOUNT_INVALID


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "inf", Decimal("Infinity")])
def test_parse_amount_rejects_infinity(amount):
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount(amount, "CNY")
    # then
    assert error.value.code is ErrorCode.AMOUNT_INVALID


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.001", "CNY"), ("0.005", "CNY"), ("1.5", "JPY"), ("100.01", "JPY"), ("1.0001", "KWD")],
)
def test_parse_amount_rejects_more_decimals_than_the_currency_has(amount, currency):
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount(amount, currency)
    # then
    assert error.value.code is ErrorCode.AMOUNT_INVALID
    assert f"{currency} has {currency_precision(currency)} decimal places" in error.value.message


@pytest.mark.parametrize(
    "amount", ["", "abc", "1,00", "12.3.4", "¥12", "12 CNY", "0x10", "1E+30", None]
)
def test_parse_amount_rejects_garbage(amount):
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount(amount, "CNY")
    # then
    assert error.value.code is ErrorCode.AMOUNT_INVALID


def test_parse_amount_rejects_a_bad_currency():
    # when
    with pytest.raises(MoneyError) as error:
        parse_amount("1.00", "cny")
    # then
    assert error.value.code is ErrorCode.CURRENCY_MISMATCH


# What was paid for some units


def test_paid_for_units_allocates_cumulatively_without_losing_a_cent():
    # given 100.00 paid for three units
    line = payment("100.00", 3)
    # when the units are priced one after the other
    first = paid_for_units(line, 1)
    second = paid_for_units(payment("100.00", 3, quantity_refunded=1), 1)
    third = paid_for_units(payment("100.00", 3, quantity_refunded=2), 1)
    # then
    assert (first, second, third) == (Decimal("33.33"), Decimal("33.34"), Decimal("33.33"))
    assert first + second + third == Decimal("100.00")


@pytest.mark.parametrize(
    ("quantity_refunded", "units", "expected"),
    [(0, 1, "33.33"), (0, 2, "66.67"), (0, 3, "100.00"), (1, 2, "66.67"), (2, 1, "33.33")],
)
def test_paid_for_units_of_several_units(quantity_refunded, units, expected):
    # given
    line = payment("100.00", 3, quantity_refunded=quantity_refunded)
    # when
    paid = paid_for_units(line, units)
    # then
    assert paid == Decimal(expected)


def test_paid_for_units_never_goes_beyond_the_ordered_quantity():
    # given two of three units already refunded
    line = payment("100.00", 3, quantity_refunded=2)
    # when five more units are asked for
    paid = paid_for_units(line, 5)
    # then only the last unit counts
    assert paid == Decimal("33.33")


def test_paid_for_units_in_a_currency_without_decimals():
    # given 100 JPY for three units
    # when
    units = [
        paid_for_units(payment("100", 3, currency="JPY", quantity_refunded=k), 1) for k in range(3)
    ]
    # then
    assert units == [Decimal(33), Decimal(34), Decimal(33)]
    assert sum(units) == Decimal(100)


def test_paid_for_units_of_an_empty_line_is_zero():
    # given
    line = payment("0.00", 0)
    # when
    paid = paid_for_units(line, 1)
    # then
    assert paid == Decimal(0)


# Refund ceiling of a line


def test_line_refund_ceiling_without_earlier_refunds():
    # given
    line = payment("200.00", 2)
    # when
    ceilings = (line_refund_ceiling(line, 1), line_refund_ceiling(line, 2))
    # then
    assert ceilings == (Decimal("100.00"), Decimal("200.00"))
    assert str(ceilings[0]) == "100.00"


def test_line_refund_ceiling_after_earlier_unit_refunds():
    # given one of three units refunded at its price
    line = payment("100.00", 3, quantity_refunded=1, amount_refunded="33.33")
    # when
    ceiling = line_refund_ceiling(line, 2)
    # then
    assert ceiling == Decimal("66.67")


def test_line_refund_ceiling_after_an_earlier_partial_refund_without_units():
    # given 30.00 given back earlier without any unit
    line = payment("200.00", 2, amount_refunded="30.00")
    # when
    one_unit = line_refund_ceiling(line, 1)
    both_units = line_refund_ceiling(line, 2)
    # then the earlier money is taken off what the units cost
    assert one_unit == Decimal("70.00")
    assert both_units == Decimal("170.00")


def test_line_refund_ceiling_after_a_unit_refund_plus_an_extra_partial_refund():
    # given one unit refunded (100.00) and 20.00 more given back later
    line = payment("200.00", 2, quantity_refunded=1, amount_refunded="120.00")
    # when
    ceiling = line_refund_ceiling(line, 1)
    # then exactly what remains of the line
    assert ceiling == Decimal("80.00")
    assert ceiling == line.total_paid - line.amount_refunded


def test_line_refund_ceiling_is_never_negative():
    # given a partial refund larger than one unit's price
    line = payment("200.00", 2, amount_refunded="150.00")
    # when
    ceiling = line_refund_ceiling(line, 1)
    # then
    assert ceiling == Decimal("0.00")


def test_line_refund_ceiling_of_a_fully_refunded_line_is_zero():
    # given
    line = payment("200.00", 2, quantity_refunded=2, amount_refunded="200.00")
    # when
    ceiling = line_refund_ceiling(line, 1)
    # then
    assert ceiling == Decimal("0.00")


def test_line_refund_ceiling_is_never_above_what_remains():
    # given 190.00 of 200.00 already given back without units
    line = payment("200.00", 2, amount_refunded="190.00")
    # when
    ceiling = line_refund_ceiling(line, 2)
    # then
    assert ceiling == Decimal("10.00")
    assert ceiling == line.total_paid - line.amount_refunded


def test_line_refund_ceiling_when_more_was_given_back_than_paid():
    # given an over-refund recorded by the host
    line = payment("200.00", 2, amount_refunded="250.00")
    # when
    ceiling = line_refund_ceiling(line, 2)
    # then
    assert ceiling == Decimal("0.00")


# Refund ceiling of a request


def test_request_refund_ceiling_sums_its_lines_without_shipping():
    # given
    lines = [(payment("200.00", 2), 1), (payment("100.00", 3), 2)]
    # when
    ceiling = request_refund_ceiling(lines, "CNY", shipping_paid=Decimal("10.00"))
    # then
    assert ceiling == Decimal("166.67")


def test_request_refund_ceiling_includes_shipping_for_the_whole_order_before_shipment():
    # given
    lines = [(payment("200.00", 2), 2), (payment("100.00", 3), 3)]
    # when
    ceiling = request_refund_ceiling(
        lines, "CNY", shipping_paid=Decimal("10.00"), whole_order_before_shipment=True
    )
    # then
    assert ceiling == Decimal("310.00")


def test_request_refund_ceiling_without_shipping_paid():
    # given
    lines = [(payment("200.00", 2), 2)]
    # when
    ceiling = request_refund_ceiling(lines, "CNY", whole_order_before_shipment=True)
    # then
    assert ceiling == Decimal("200.00")


def test_request_refund_ceiling_refuses_a_line_in_another_currency():
    # given
    lines = [(payment("200.00", 2), 1), (payment("1000", 2, currency="JPY"), 1)]
    # when
    with pytest.raises(MoneyError) as error:
        request_refund_ceiling(lines, "CNY")
    # then
    assert error.value.code is ErrorCode.CURRENCY_MISMATCH


# Amount checks


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("-0.01", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0.00", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0.01", None),
        ("99.99", None),
        ("100.00", None),
        ("100.01", ErrorCode.AMOUNT_ABOVE_CEILING),
    ],
)
def test_check_refund_amount_at_its_boundaries(amount, expected):
    # when
    error = check_refund_amount(Decimal(amount), Decimal("100.00"))
    # then
    assert error == expected


@pytest.mark.parametrize(
    ("proposed", "expected"),
    [
        ("-0.01", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0.01", None),
        ("79.99", None),
        ("80.00", None),
        ("80.01", ErrorCode.AMOUNT_INCREASE_NOT_ALLOWED),
    ],
)
def test_check_negotiated_amount_may_only_go_down(proposed, expected):
    # when
    error = check_negotiated_amount(Decimal("80.00"), Decimal(proposed))
    # then
    assert error == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("-5.00", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0.01", None),
        ("50.00", None),
        ("50.01", ErrorCode.AMOUNT_ABOVE_CEILING),
    ],
)
def test_check_freight_claim_against_the_default_cap(amount, expected):
    # when
    error = check_freight_claim(Decimal(amount), DEFAULT_POLICY)
    # then
    assert error == expected


@pytest.mark.parametrize(
    ("amount", "expected"), [("20.00", None), ("20.01", ErrorCode.AMOUNT_ABOVE_CEILING)]
)
def test_check_freight_claim_against_a_channel_cap(amount, expected):
    # given
    policy = Policy(return_freight_maximum=Decimal("20.00"))
    # when
    error = check_freight_claim(Decimal(amount), policy)
    # then
    assert error == expected


# Priority compensation for missing items (SEED)


def test_priority_compensation_pays_missing_goods_at_the_price_paid():
    # given a unit of a line of three paid 100.00, with a higher product page price
    item = MissingItem(
        kind=ItemKind.GOODS,
        units=1,
        payment=payment("100.00", 3),
        declared_unit_price=Decimal("50.00"),
    )
    # when
    amount = priority_compensation([item], "CNY")
    # then
    assert amount == Decimal("33.33")


def test_priority_compensation_pays_goods_net_of_earlier_refunds():
    # given
    item = MissingItem(
        kind=ItemKind.GOODS, units=1, payment=payment("200.00", 2, amount_refunded="30.00")
    )
    # when
    amount = priority_compensation([item], "CNY")
    # then
    assert amount == Decimal("70.00")


@pytest.mark.parametrize("kind", [ItemKind.ACCESSORY, ItemKind.GIFT])
def test_priority_compensation_pays_accessories_and_gifts_at_the_declared_price(kind):
    # given an item that cost the buyer nothing but is declared at 12.50 a unit
    item = MissingItem(
        kind=kind, units=2, payment=payment("0.00", 2), declared_unit_price=Decimal("12.50")
    )
    # when
    amount = priority_compensation([item], "CNY")
    # then
    assert amount == Decimal("25.00")


def test_priority_compensation_sums_every_missing_item():
    # given
    items = [
        MissingItem(kind=ItemKind.GOODS, units=2, payment=payment("100.00", 3)),
        MissingItem(
            kind=ItemKind.ACCESSORY,
            units=1,
            payment=payment("0.00", 1),
            declared_unit_price=Decimal("9.90"),
        ),
        MissingItem(
            kind=ItemKind.GIFT,
            units=3,
            payment=payment("0.00", 3),
            declared_unit_price=Decimal("1.99"),
        ),
    ]
    # when
    amount = priority_compensation(items, "CNY")
    # then 66.67 + 9.90 + 5.97
    assert amount == Decimal("82.54")


def test_priority_compensation_rounds_to_the_currency():
    # given
    item = MissingItem(
        kind=ItemKind.ACCESSORY,
        units=1,
        payment=payment("0", 1, currency="JPY"),
        declared_unit_price=Decimal("99.5"),
    )
    # when
    amount = priority_compensation([item], "JPY")
    # then
    assert amount == Decimal(100)
    assert str(amount) == "100"


def test_priority_compensation_for_nothing_is_zero():
    # when
    amount = priority_compensation([], "CNY")
    # then
    assert amount == Decimal("0.00")


@pytest.mark.parametrize("kind", [ItemKind.ACCESSORY, ItemKind.GIFT])
def test_priority_compensation_without_a_declared_price_falls_back_to_the_price_paid(kind):
    # given an accessory or gift sold at 30.00 for two units, with no product page price
    item = MissingItem(kind=kind, units=1, payment=payment("30.00", 2))
    # when
    amount = priority_compensation([item], "CNY")
    # then
    assert amount == Decimal("15.00")


def test_priority_compensation_for_a_free_gift_without_a_declared_price_is_zero():
    # given
    item = MissingItem(kind=ItemKind.GIFT, units=1, payment=payment("0.00", 1))
    # when
    amount = priority_compensation([item], "CNY")
    # then
    assert amount == Decimal("0.00")


# Late-shipment compensation: clamp(rate × paid, minimum, maximum)


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        ("0.00", "5.00"),
        ("50.00", "5.00"),  # 2.50 → minimum
        ("99.99", "5.00"),  # 4.9995 → minimum
        ("100.00", "5.00"),  # exactly at the minimum
        ("100.10", "5.01"),  # 5.005, half up
        ("200.00", "10.00"),
        ("599.99", "30.00"),  # 29.9995, rounds up to the maximum
        ("600.00", "30.00"),  # exactly at the maximum
        ("1000.00", "30.00"),  # 50.00 → maximum
    ],
)
def test_late_shipment_compensation_under_the_default_policy(paid, expected):
    # when
    amount = late_shipment_compensation(Decimal(paid), "CNY", DEFAULT_POLICY)
    # then
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        ("50", "5"),
        ("110", "6"),  # 5.5, half up
        ("200", "10"),
        ("1000", "30"),
    ],
)
def test_late_shipment_compensation_in_yen_under_the_default_policy(paid, expected):
    # when
    amount = late_shipment_compensation(Decimal(paid), "JPY", DEFAULT_POLICY)
    # then
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        ("5000", "500"),  # 250 → minimum
        ("10000", "500"),  # exactly at the minimum
        ("12345", "617"),  # 617.25
        ("12350", "618"),  # 617.5, half up
        ("60000", "3000"),  # exactly at the maximum
        ("100000", "3000"),  # 5000 → maximum
    ],
)
def test_late_shipment_compensation_in_yen_with_a_yen_policy(paid, expected):
    # given
    policy = Policy(late_shipment_minimum=Decimal(500), late_shipment_maximum=Decimal(3000))
    # when
    amount = late_shipment_compensation(Decimal(paid), "JPY", policy)
    # then
    assert amount == Decimal(expected)
    assert str(amount) == expected


def test_late_shipment_compensation_with_a_channel_rate():
    # given
    policy = Policy(late_shipment_rate=Decimal("0.10"))
    # when
    amount = late_shipment_compensation(Decimal("200.00"), "CNY", policy)
    # then
    assert amount == Decimal("20.00")


# Properties

TOTALS = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
QUANTITIES = st.integers(min_value=1, max_value=50)


def _refund_in_chunks(line: LinePayment, chunks: list[int]) -> list[Decimal]:
    """Refund the chunks one after the other, as the host would record them."""
    ceilings = []
    for chunk in chunks:
        ceiling = line_refund_ceiling(line, chunk)
        assert ceiling >= 0
        assert ceiling <= line.total_paid - line.amount_refunded
        ceilings.append(ceiling)
        line = LinePayment(
            currency=line.currency,
            quantity=line.quantity,
            total_paid=line.total_paid,
            quantity_refunded=line.quantity_refunded + chunk,
            amount_refunded=line.amount_refunded + ceiling,
        )
    return ceilings


@st.composite
def chunked(draw: st.DrawFn, quantity: int) -> list[int]:
    chunks = []
    left = quantity
    while left:
        chunk = draw(st.integers(min_value=1, max_value=left))
        chunks.append(chunk)
        left -= chunk
    return chunks


@given(total=TOTALS, quantity=QUANTITIES)
def test_refunding_unit_by_unit_adds_up_to_the_total(total, quantity):
    # given
    line = LinePayment(currency="CNY", quantity=quantity, total_paid=total)
    # when
    ceilings = _refund_in_chunks(line, [1] * quantity)
    # then
    assert sum(ceilings) == total
    assert max(abs(ceiling - total / quantity) for ceiling in ceilings) <= Decimal("0.01")


@given(data=st.data(), total=TOTALS, quantity=QUANTITIES)
def test_refunding_in_random_chunks_adds_up_to_the_total(data, total, quantity):
    # given
    line = LinePayment(currency="CNY", quantity=quantity, total_paid=total)
    chunks = data.draw(chunked(quantity))
    # when
    ceilings = _refund_in_chunks(line, chunks)
    # then
    assert sum(ceilings) == total
    assert min(ceilings) >= 0


@given(data=st.data(), total=TOTALS, quantity=QUANTITIES)
def test_an_earlier_partial_refund_is_never_paid_twice(data, total, quantity):
    # given some money given back earlier without units
    partial = data.draw(
        st.decimals(min_value=0, max_value=total, places=2, allow_nan=False, allow_infinity=False)
    )
    line = LinePayment(currency="CNY", quantity=quantity, total_paid=total, amount_refunded=partial)
    chunks = data.draw(chunked(quantity))
    # when
    ceilings = _refund_in_chunks(line, chunks)
    # then
    assert sum(ceilings) + partial == total
    assert min(ceilings) >= 0


def test_parse_amount_reads_negative_zero_as_zero():
    # when
    result = parse_amount("-0", "CNY")
    # then
    assert str(result) == "0.00"
    assert result.is_signed() is False


@pytest.mark.parametrize(
    ("check", "args"),
    [
        (check_refund_amount, (Decimal("10.005"), Decimal("100.00"), "CNY")),
        (check_negotiated_amount, (Decimal("100.00"), Decimal("10.005"), "CNY")),
        (
            check_freight_claim,
            (Decimal("10.5"), Policy(return_freight_maximum=Decimal("50")), "JPY"),
        ),
        (check_refund_amount, (Decimal("NaN"), Decimal("100.00"), "CNY")),
    ],
)
def test_amount_checks_refuse_more_decimals_than_the_currency_has(check, args):
    assert check(*args) is ErrorCode.AMOUNT_INVALID

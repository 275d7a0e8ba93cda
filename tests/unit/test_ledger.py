"""The settlement rule at its boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import ErrorCode
from saleor_kuai_returns.domain.errors import MoneyError
from saleor_kuai_returns.domain.ledger import check_settlement


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.01", "CNY", Decimal("0.01")),
        ("100.00", "CNY", Decimal("100.00")),
        ("100", "CNY", Decimal("100.00")),
        ("100", "JPY", Decimal("100")),
        ("99.999", "KWD", Decimal("99.999")),
    ],
)
def test_a_settlement_up_to_the_balance_is_accepted(amount, currency, expected):
    settled = check_settlement(Decimal(amount), currency, Decimal("100.000"))
    assert (settled, str(settled)) == (expected, str(expected))


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("100.01", "CNY", ErrorCode.AMOUNT_ABOVE_CEILING),
        ("100.001", "KWD", ErrorCode.AMOUNT_ABOVE_CEILING),
        ("0", "CNY", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("-5.00", "CNY", ErrorCode.AMOUNT_NOT_POSITIVE),
        ("0.001", "CNY", ErrorCode.AMOUNT_INVALID),
        ("1.5", "JPY", ErrorCode.AMOUNT_INVALID),
        ("NaN", "CNY", ErrorCode.AMOUNT_INVALID),
        ("Infinity", "CNY", ErrorCode.AMOUNT_INVALID),
    ],
)
def test_a_settlement_that_is_malformed_not_positive_or_above_the_balance_is_refused(
    amount, currency, code
):
    with pytest.raises(MoneyError) as refused:
        check_settlement(Decimal(amount), currency, Decimal("100.000"))
    assert refused.value.code is code

"""The merchant liability ledger's one rule of its own (spec §5): a settlement
pays back what the merchant owes the platform on a channel — a positive amount
in the channel's currency, never more than the balance."""

from __future__ import annotations

from decimal import Decimal

from .errors import ErrorCode, MoneyError
from .money import check_amount, quantize


def check_settlement(amount: Decimal, currency: str, balance: Decimal) -> Decimal:
    """The settlement's amount, rounded to the currency; ``MoneyError`` when it is
    malformed, not positive, or above what the merchant owes."""
    code = check_amount(amount, currency)
    if code is not None:
        raise MoneyError(code, f"not an amount in {currency}: {amount}")
    if amount <= 0:
        raise MoneyError(ErrorCode.AMOUNT_NOT_POSITIVE, "a settlement must be positive")
    if amount > balance:
        raise MoneyError(
            ErrorCode.AMOUNT_ABOVE_CEILING,
            f"the merchant owes {balance} {currency}; a settlement of {amount} is more",
        )
    return quantize(amount, currency)

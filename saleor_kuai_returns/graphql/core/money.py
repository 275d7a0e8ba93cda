"""Amounts as Saleor shows them: a currency and an amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import graphene

from ...domain.money import quantize
from .shop import money_type


@dataclass(frozen=True)
class MoneyValue:
    """What a money field resolves to, for our ``Money`` and Saleor's alike."""

    amount: Decimal
    currency: str


class Money(graphene.ObjectType):
    currency = graphene.String(required=True, description="Currency code (ISO 4217).")
    amount = graphene.Float(
        required=True, description="Amount of money, rounded to the currency's precision."
    )

    class Meta:
        description = "Represents an amount of money in a specific currency."

    @staticmethod
    def resolve_amount(root: MoneyValue, _info: Any) -> float:
        return float(quantize(root.amount, root.currency))


def money_field(description: str, *, source: str | None = None, required: bool = True) -> Any:
    """A money field; with ``source``, the amount is that attribute of the object
    in the object's ``currency`` (no resolver of its own needed)."""
    resolver = None
    if source is not None:

        def resolver(root: Any, _info: Any) -> MoneyValue:
            return MoneyValue(getattr(root, source), root.currency)

    return graphene.Field(
        lambda: money_type(), required=required, description=description, resolver=resolver
    )

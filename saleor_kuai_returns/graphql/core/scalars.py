"""The API's own scalars, used where the host names none (the sandbox). They
behave like Saleor's scalars of the same names: input that is not a value
of the scalar is refused by GraphQL's validation, never by a server error."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from typing import Any

import graphene
from graphql.language import ast


class DateTime(graphene.Scalar):
    """An instant, as an ISO 8601 string with its UTC offset (naive input is read as UTC)."""

    @staticmethod
    def serialize(value: datetime) -> str:
        return value.isoformat()

    @classmethod
    def parse_literal(cls, node: Any) -> datetime | None:
        if isinstance(node, ast.StringValue):
            return cls.parse_value(node.value)
        return None

    @staticmethod
    def parse_value(value: Any) -> datetime | None:
        if not isinstance(value, str):
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Decimal(graphene.Scalar):
    """A decimal number, given as a number or a string (``"12.50"``)."""

    @staticmethod
    def serialize(value: decimal.Decimal) -> float:
        return float(value)

    @classmethod
    def parse_literal(cls, node: Any) -> decimal.Decimal | None:
        if isinstance(node, ast.IntValue | ast.FloatValue | ast.StringValue):
            return cls.parse_value(node.value)
        return None

    @staticmethod
    def parse_value(value: Any) -> decimal.Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            parsed = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None

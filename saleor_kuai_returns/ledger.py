"""Reading the merchant liability ledger: balances and statements per channel.

Entries are written in two places only: a platform payment that succeeded
(``actions.money``) and a settlement (``actions.ledger``). So the ledger always
sums to what the platform paid out less what merchants paid back.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from django.db import connections
from django.db.models import QuerySet, Sum

from .models import LiabilityEntry

ZERO = Decimal("0")


def entries_of(channel_slug: str) -> QuerySet[LiabilityEntry]:
    return LiabilityEntry.objects.filter(channel_slug=channel_slug)


def money_sum(entries: QuerySet[Any], field: str = "amount") -> Decimal:
    """The exact sum of a money column. PostgreSQL adds ``numeric`` exactly;
    SQLite (the sandbox's default) would add them as floating point (100.00
    read back as 99.9999999999977), so there the rows are added as ``Decimal``."""
    if connections[entries.db].vendor == "postgresql":
        return entries.aggregate(total=Sum(field))["total"] or ZERO
    return sum(entries.values_list(field, flat=True), ZERO)


def balance(channel_slug: str, *, before: datetime | None = None) -> Decimal:
    """What the merchants of the channel owe the platform (optionally, as it
    stood just before ``before``)."""
    entries = entries_of(channel_slug)
    if before is not None:
        entries = entries.filter(created_at__lt=before)
    return money_sum(entries)


def channel_currency(channel_slug: str) -> str:
    """The currency of the channel's entries (a channel has one); empty when none."""
    return entries_of(channel_slug).values_list("currency", flat=True).first() or ""


@dataclass(frozen=True)
class Statement:
    channel_slug: str
    currency: str
    start: datetime
    end: datetime
    opening_balance: Decimal
    entries: list[LiabilityEntry]
    closing_balance: Decimal
    # Of the period: what the platform paid out, what merchants settled.
    paid_out: Decimal
    settled: Decimal


def statement(channel_slug: str, start: datetime, end: datetime) -> Statement:
    """The entries of ``[start, end)`` with the balance before and after: three
    queries at any size (two sums and the entries)."""
    opening = balance(channel_slug, before=start)
    period = entries_of(channel_slug).filter(created_at__gte=start, created_at__lt=end)
    entries = list(period.select_related("movement").order_by("created_at", "id"))
    paid_out = money_sum(period.filter(amount__gt=0))
    settled = -money_sum(period.filter(amount__lt=0))
    return Statement(
        channel_slug=channel_slug,
        currency=channel_currency(channel_slug),
        start=start,
        end=end,
        opening_balance=opening,
        entries=entries,
        closing_balance=opening + paid_out - settled,
        paid_out=paid_out,
        settled=settled,
    )


CSV_COLUMNS = [
    "created_at",
    "channel",
    "kind",
    "amount",
    "currency",
    "balance",
    "request_id",
    "payment_reference",
    "recorded_by",
    "note",
]


def write_csv(statement: Statement, out: TextIO) -> None:
    """One row per entry with the running balance, between an opening and a
    closing row, in a layout spreadsheets and accounting imports read."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    running = statement.opening_balance
    start = statement.start.isoformat()
    writer.writerow(
        [start, statement.channel_slug, "opening_balance", "", statement.currency, running]
        + [""] * 4
    )
    for entry in statement.entries:
        running += entry.amount
        writer.writerow(
            [
                entry.created_at.isoformat(),
                entry.channel_slug,
                entry.kind,
                entry.amount,
                entry.currency,
                running,
                entry.request_id or "",
                entry.movement.provider_reference if entry.movement else "",
                entry.recorded_by,
                entry.note,
            ]
        )
    writer.writerow(
        [
            statement.end.isoformat(),
            statement.channel_slug,
            "closing_balance",
            "",
            statement.currency,
            statement.closing_balance,
        ]
        + [""] * 4
    )

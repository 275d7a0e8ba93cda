"""Cursor pagination over a sorted queryset (keyset, as Saleor's connections):
a cursor is the sort value and the id of a row, so a page costs one query
whatever its position, and rows added meanwhile never shift a page."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from graphql import GraphQLError

MAX_PAGE_SIZE = 100
SORT_KEY = "_sort_key"


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    query: QuerySet[Any]  # the filtered rows, for the total count


def encode_cursor(value: datetime, pk: object) -> str:
    return base64.b64encode(json.dumps([value.isoformat(), str(pk)]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        value, pk = json.loads(base64.b64decode(cursor, validate=True))
        moment, key = datetime.fromisoformat(value), uuid.UUID(pk)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise GraphQLError(f"Received cursor is invalid: {cursor!r}.")
    return moment, key


def page_size(first: int | None, last: int | None) -> int:
    if (first is None) == (last is None):
        raise GraphQLError("Give exactly one of `first` and `last` to paginate.")
    size = first if first is not None else last
    assert size is not None
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise GraphQLError(f"`first` and `last` must be between 0 and {MAX_PAGE_SIZE}.")
    return size


def _beyond(cursor: str, ascending: bool) -> Q:
    """Rows after ``cursor`` in the order (value, id), ascending or descending."""
    value, pk = decode_cursor(cursor)
    op = "gt" if ascending else "lt"
    return Q(**{f"{SORT_KEY}__{op}": value}) | Q(**{SORT_KEY: value, f"pk__{op}": pk})


def paginate(
    query: QuerySet[Any],
    *,
    descending: bool,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """``query`` must be annotated with ``SORT_KEY`` (a non-null datetime)."""
    size = page_size(first, last)
    ascending = not descending
    window = query
    if after:
        window = window.filter(_beyond(after, ascending))
    if before:
        window = window.filter(_beyond(before, not ascending))
    forward = first is not None
    up = ascending if forward else not ascending
    ordering = (SORT_KEY, "pk") if up else (f"-{SORT_KEY}", "-pk")
    rows = list(window.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    return Page(
        rows=rows,
        cursors=[encode_cursor(getattr(row, SORT_KEY), row.pk) for row in rows],
        has_next_page=more if forward else bool(before),
        has_previous_page=bool(after) if forward else more,
        query=query,
    )

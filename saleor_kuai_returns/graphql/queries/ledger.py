"""``afterSaleLedger``: a channel's merchant liability statement over a period."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db.models import prefetch_related_objects
from graphql import GraphQLError

from ...ledger import Statement, statement
from ...models import AfterSaleRequest as RequestRow
from ..core.viewer import viewer_of
from .requests import RELATED


def resolve_ledger(info: Any, channel: str, start: datetime, end: datetime) -> Statement | None:
    """The platform reads every channel's ledger, a merchant its channels'; ``None``
    for a channel that never had an after-sale request (it never owed anything)."""
    viewer = viewer_of(info)
    viewer.require_channel(channel)
    if start >= end:
        raise GraphQLError("`from` must be before `to`.")
    found = statement(channel, start, end)
    if not found.currency:
        # No entry yet: the channel's currency is its requests'.
        currency = (
            RequestRow.objects.filter(channel_slug=channel)
            .values_list("currency", flat=True)
            .first()
        )
        if currency is None:
            return None
        found = replace(found, currency=currency)
    # The entries' requests with what they show, in a few queries at any size.
    prefetch_related_objects(found.entries, "request", *(f"request__{r}" for r in RELATED))
    return found

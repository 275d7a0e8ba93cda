"""``afterSaleShopHealth``: spec §7's metrics of a channel and its products."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from graphql import GraphQLError

from ...health import Health, channel_health, product_health
from ..core.viewer import viewer_of

# The spec's windows are 30 and 90 days; a year bounds what one call may count.
MAX_DAYS = 365


DEFAULT_DAYS = 30


def resolve_shop_health(
    info: Any, channel: str, days: int | None, by_product: bool | None
) -> list[Health]:
    """The channel's row first, then (when asked) one per product that had a
    request in the window, the worst return rate first. An explicit null is
    the default, as when the argument is left out."""
    viewer = viewer_of(info)
    viewer.require_channel(channel)
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise GraphQLError(f"`days` must be between 1 and {MAX_DAYS}.")
    now, window = timezone.now(), timedelta(days=days)
    rows = [channel_health(channel, window, now, viewer.host)]
    if by_product:
        rows += product_health(channel, window, now, viewer.host)
    return rows

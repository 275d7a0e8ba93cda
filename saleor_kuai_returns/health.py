"""Shop health (spec §7) with SQL aggregates: one query for a channel's counters
and one per-product grouping, whatever the number of requests.

Counted over the requests filed in the window (a cohort): how many of them
ended as returns, were ruled against the merchant, ran out a merchant deadline,
and how long the merchant took to first answer. The denominators — orders and
shipped lines of the same window — come from the shop (``Host.sales_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)

from .domain.health import RETURN_OUTCOMES, RETURN_TYPES, rate
from .host.base import Host
from .models import AfterSaleRequest, AfterSaleRequestLine

_RETURNED = Q(
    request__state__in=sorted(RETURN_OUTCOMES),
    request__request_type__in=sorted(RETURN_TYPES),
    request__before_shipment=False,
)
_RESPONSE_TIME = ExpressionWrapper(
    F("first_merchant_response_at") - F("created_at"), output_field=DurationField()
)


@dataclass(frozen=True)
class Health:
    channel_slug: str
    product_id: str  # empty: the whole channel
    since: datetime
    until: datetime
    orders: int
    lines_shipped: int
    requests: int
    returned_lines: int
    disputes_lost: int
    merchant_timeouts: int
    average_first_response: timedelta | None

    @property
    def return_rate(self) -> Decimal | None:
        return rate(self.returned_lines, self.lines_shipped)

    @property
    def dispute_rate(self) -> Decimal | None:
        return rate(self.disputes_lost, self.orders)

    @property
    def merchant_timeout_rate(self) -> Decimal | None:
        return rate(self.merchant_timeouts, self.requests)


def filed_in(channel_slug: str, since: datetime, until: datetime) -> QuerySet[AfterSaleRequest]:
    return AfterSaleRequest.objects.filter(
        channel_slug=channel_slug, created_at__gte=since, created_at__lt=until
    )


def lines_filed_in(
    channel_slug: str, since: datetime, until: datetime
) -> QuerySet[AfterSaleRequestLine]:
    """The lines of the requests filed in the window (one join, on the same index)."""
    return AfterSaleRequestLine.objects.filter(
        request__channel_slug=channel_slug,
        request__created_at__gte=since,
        request__created_at__lt=until,
    )


def channel_health(channel_slug: str, window: timedelta, now: datetime, host: Host) -> Health:
    since = now - window
    requests = filed_in(channel_slug, since, now)
    counters = requests.aggregate(
        requests=Count("id"),
        disputes_lost=Count("id", filter=Q(ruled_against_merchant=True)),
        merchant_timeouts=Count("id", filter=Q(merchant_timeouts__gt=0)),
        average_first_response=Avg(_RESPONSE_TIME),
    )
    returned = lines_filed_in(channel_slug, since, now).filter(_RETURNED).count()
    sales = host.sales_counts(channel_slug, since, now)
    return Health(
        channel_slug=channel_slug,
        product_id="",
        since=since,
        until=now,
        orders=sales.orders,
        lines_shipped=sales.lines_shipped,
        returned_lines=returned,
        **counters,
    )


def product_health(channel_slug: str, window: timedelta, now: datetime, host: Host) -> list[Health]:
    """One row per product that had a request in the window, worst return rate first."""
    since = now - window
    rows = (
        lines_filed_in(channel_slug, since, now)
        .values("product_id")
        .annotate(
            requests=Count("request_id", distinct=True),
            returned_lines=Count("id", filter=_RETURNED),
            disputes_lost=Count(
                "request_id", filter=Q(request__ruled_against_merchant=True), distinct=True
            ),
            merchant_timeouts=Count(
                "request_id", filter=Q(request__merchant_timeouts__gt=0), distinct=True
            ),
            average_first_response=Avg(
                ExpressionWrapper(
                    F("request__first_merchant_response_at") - F("request__created_at"),
                    output_field=DurationField(),
                )
            ),
        )
    )
    sales = host.sales_counts(channel_slug, since, now)
    found = [
        Health(
            channel_slug=channel_slug,
            since=since,
            until=now,
            orders=sales.orders_by_product.get(row["product_id"], 0),
            lines_shipped=sales.lines_shipped_by_product.get(row["product_id"], 0),
            **row,
        )
        for row in rows
    ]
    return sorted(found, key=lambda h: (-(h.return_rate or 0), h.product_id))

"""``manage.py kuai_returns_health``: shop health of a channel as CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...domain.health import WINDOWS
from ...health import Health, channel_health, product_health
from ...host import get_host

COLUMNS = [
    "channel",
    "product_id",
    "window_days",
    "orders",
    "lines_shipped",
    "requests",
    "returned_lines",
    "return_rate",
    "disputes_lost",
    "dispute_rate",
    "merchant_timeouts",
    "merchant_timeout_rate",
    "average_first_response_hours",
]


def _row(health: Health, days: int) -> list[object]:
    response = health.average_first_response
    return [
        health.channel_slug,
        health.product_id,
        days,
        health.orders,
        health.lines_shipped,
        health.requests,
        health.returned_lines,
        "" if health.return_rate is None else health.return_rate,
        health.disputes_lost,
        "" if health.dispute_rate is None else health.dispute_rate,
        health.merchant_timeouts,
        "" if health.merchant_timeout_rate is None else health.merchant_timeout_rate,
        "" if response is None else f"{response / timedelta(hours=1):.2f}",
    ]


class Command(BaseCommand):
    help = (
        "Print a channel's shop health (return, dispute and merchant timeout rates, "
        "average first response) over the last 30 and 90 days as CSV; rates are "
        "fractions with four places, empty when there is nothing to divide by."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--channel", required=True, help="The channel's slug.")
        parser.add_argument(
            "--by-product", action="store_true", help="One row per product as well."
        )
        parser.add_argument(
            "--days",
            type=int,
            action="append",
            help="A window in days (repeatable); default 30 and 90.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        windows = [timedelta(days=d) for d in options["days"]] if options["days"] else list(WINDOWS)
        if any(window.days <= 0 for window in windows):
            raise CommandError("--days must be positive")
        host, now = get_host(), timezone.now()
        writer = csv.writer(self.stdout)
        writer.writerow(COLUMNS)
        for window in windows:
            writer.writerow(
                _row(channel_health(options["channel"], window, now, host), window.days)
            )
            if options["by_product"]:
                for health in product_health(options["channel"], window, now, host):
                    writer.writerow(_row(health, window.days))

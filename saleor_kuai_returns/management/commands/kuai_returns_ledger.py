"""``manage.py kuai_returns_ledger``: a channel's liability statement as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...ledger import statement, write_csv


def _day(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Print a channel's merchant liability statement for a period as CSV: the "
        "opening balance, every entry (platform payments, settlements) with the "
        "running balance, and the closing balance. Days are UTC; --to is inclusive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--channel", required=True, help="The channel's slug.")
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _day(options["start"])
        end = _day(options["end"]) + timedelta(days=1)
        if end <= start:
            raise CommandError("--to must not be before --from")
        result = statement(options["channel"], start, end)
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                write_csv(result, out)
        else:
            write_csv(result, self.stdout)
        self.stderr.write(
            f"{result.channel_slug}: opening {result.opening_balance} {result.currency}, "
            f"paid out {result.paid_out}, settled {result.settled}, "
            f"closing {result.closing_balance} ({len(result.entries)} entries)"
        )

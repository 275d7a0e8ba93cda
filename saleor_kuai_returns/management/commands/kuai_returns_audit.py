"""``manage.py kuai_returns_audit``: check the money against the shop's records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ...audit import audit, counts
from ...host import get_host


class Command(BaseCommand):
    help = (
        "Check that every after-sale payout reached the buyer at most once (by the shop's own "
        "records), that requests, orders and the liability ledger agree, and that no payment "
        "or follow-up is stuck. Prints one line per finding; exits with 1 when there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--channel", help="Only this channel's requests and ledger.")

    def handle(self, *args: Any, **options: Any) -> None:
        host = get_host()
        channel = options.get("channel")
        with host.writer():  # Saleor routes a task's reads; the audit reads the primary
            findings = audit(now=timezone.now(), host=host, channel_slug=channel)
            looked_at = counts(channel)
        for finding in findings:
            self.stdout.write(str(finding))
        summary = ", ".join(f"{count} {what}" for what, count in looked_at.items())
        verdict = f"{len(findings)} finding(s)" if findings else "no findings"
        self.stderr.write(f"Audited {summary}: {verdict}.")
        if findings:
            raise SystemExit(1)

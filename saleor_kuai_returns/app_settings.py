"""The app's Django settings, read lazily so ``override_settings`` works.

Every setting is prefixed ``KUAI_RETURNS_``; each property documents its default.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


class AppSettings:
    prefix = "KUAI_RETURNS_"

    def _get(self, name: str, default: object) -> object:
        return getattr(settings, self.prefix + name, default)

    @property
    def HOST(self) -> str:
        """Dotted path of the host port implementation: the Saleor host in a Saleor
        shop, the sandbox host in the demo and the tests."""
        return str(self._get("HOST", "saleor_kuai_returns.host.saleor.SaleorHost"))

    @property
    def SWEEP_INTERVAL(self) -> timedelta:
        """How often Celery beat runs the deadline sweeper (default one minute)."""
        value = self._get("SWEEP_INTERVAL", timedelta(minutes=1))
        assert isinstance(value, timedelta)
        return value

    @property
    def SWEEP_BATCH_SIZE(self) -> int:
        """Due requests one sweeper run claims and expires in one transaction: this
        many row locks held at once, and their rows and lines in memory (a few KB
        each)."""
        return int(self._get("SWEEP_BATCH_SIZE", 500))  # type: ignore[call-overload]

    @property
    def FOLLOW_UP_LEASE(self) -> timedelta:
        """How long one run of a follow-up (a payment, a return, order notes) holds
        it (default five minutes): longer than any shop or payment call takes.
        A run that died is taken up again by the sweeper once its lease is over,
        and a follow-up whose task was lost (the broker was down at commit) once
        that much time passed since its decision."""
        value = self._get("FOLLOW_UP_LEASE", timedelta(minutes=5))
        assert isinstance(value, timedelta)
        return value

    @property
    def FOLLOW_UP_MAX_RUNS(self) -> int:
        """Runs of a follow-up that raised (the shop or the database away) before
        it is given up and left to the audit; between runs the wait doubles
        from 30 s up to an hour (default 12: about six hours in all)."""
        return int(self._get("FOLLOW_UP_MAX_RUNS", 12))  # type: ignore[call-overload]

    @property
    def FOLLOW_UP_BUSY_DELAY(self) -> timedelta:
        """How long a follow-up waits when the shop could not take it yet (another
        payment of the same order half-way through), without counting a failure."""
        value = self._get("FOLLOW_UP_BUSY_DELAY", timedelta(seconds=30))
        assert isinstance(value, timedelta)
        return value

    @property
    def SWEEP_RETRY_DELAY(self) -> timedelta:
        """How long a request whose default outcome raised waits before the
        sweeper tries it again (default ten minutes), so that broken rows never
        hold back the due requests behind them."""
        value = self._get("SWEEP_RETRY_DELAY", timedelta(minutes=10))
        assert isinstance(value, timedelta)
        return value

    @property
    def GRAPHQL(self) -> bool:
        """Whether Saleor's own ``/graphql/`` serves the after-sale API next to
        Saleor's (default ``True``). Read once, at start-up: Saleor has no hook
        for it, so the app rebuilds Saleor's schema with its fields mixed in.
        Turn it off to serve Saleor's schema untouched (the API is then
        reachable nowhere in Saleor)."""
        return bool(self._get("GRAPHQL", True))

    @property
    def PLATFORM_GROUP(self) -> str:
        """Name of the Saleor permission group whose staff act as the platform
        (arbitration, rulings, refunds it pays first). The group must hold
        ``MANAGE_ORDERS`` and ``HANDLE_PAYMENTS``; without them nobody is the
        platform. A Django setting on purpose: who is the platform is the
        deployment's decision, not a plugin form's."""
        return str(self._get("PLATFORM_GROUP", "After-sale platform"))


app_settings = AppSettings()

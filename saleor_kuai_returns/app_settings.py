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
    def REFUND_MAX_RETRIES(self) -> int:
        """Retries of a refund task (with exponential backoff) before the request
        shows ``refund_failed``."""
        return int(self._get("REFUND_MAX_RETRIES", 5))  # type: ignore[call-overload]

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
        (arbitration); the plugin configuration overrides it per deployment."""
        return str(self._get("PLATFORM_GROUP", "After-sale platform"))


app_settings = AppSettings()

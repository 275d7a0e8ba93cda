"""System checks with stable ids (``kuai_returns.E001`` …)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from .app_settings import app_settings


@register()
def check_migrations_module(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Error]:
    """The migrations live at the repository's top level and are installed as
    ``saleor_kuai_returns.migrations``; without them no table would exist."""
    try:
        importlib.import_module("saleor_kuai_returns.migrations")
    except ImportError as error:
        return [
            Error(
                "saleor_kuai_returns.migrations cannot be imported.",
                hint=f"Reinstall the package (pip install saleor-kuai-returns); {error}.",
                id="kuai_returns.E001",
            )
        ]
    return []


@register()
def check_host(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Error]:
    try:
        import_string(app_settings.HOST)
    except ImportError as error:
        return [
            Error(
                f"KUAI_RETURNS_HOST = {app_settings.HOST!r} cannot be imported.",
                hint=f"Point it at a host class, e.g. the sandbox or Saleor host; {error}.",
                id="kuai_returns.E002",
            )
        ]
    return []


@register(Tags.database)
def check_platform_group(
    app_configs: Sequence[Any] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[Warning]:
    """Inside Saleor: a group named ``KUAI_RETURNS_PLATFORM_GROUP`` without
    ``MANAGE_ORDERS`` and ``HANDLE_PAYMENTS`` makes nobody the platform, which
    is easy to miss. Reads the database, so it runs only when checks are given
    one (``migrate``, ``check --database default``)."""
    if not databases or not apps.is_installed("saleor.account"):
        return []
    from .host.saleor.access import platform_group_lacks

    lacks = platform_group_lacks()
    if not lacks:
        return []
    return [
        Warning(
            f"The platform's permission group {app_settings.PLATFORM_GROUP!r} lacks "
            f"{', '.join(lacks)}: nobody acts as the platform (arbitration, rulings).",
            hint="Give the group both MANAGE_ORDERS and HANDLE_PAYMENTS in the dashboard "
            "(Configuration → Permission groups), or point KUAI_RETURNS_PLATFORM_GROUP at "
            "a group that has them.",
            id="kuai_returns.W003",
        )
    ]

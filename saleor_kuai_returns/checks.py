"""System checks with stable ids (``kuai_returns.E001`` …)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from django.core.checks import Error, register
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

"""The host port: the only place that knows which shop the app runs in."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from ..app_settings import app_settings
from .base import Caller, Host, HostOrder, NotPermitted, OrderNotFound, PaymentResult

__all__ = [
    "Caller",
    "Host",
    "HostOrder",
    "NotPermitted",
    "OrderNotFound",
    "PaymentResult",
    "get_host",
]


@cache
def _load(path: str) -> Host:
    host: Host = import_string(path)()
    return host


def get_host() -> Host:
    """The configured host (``KUAI_RETURNS_HOST``)."""
    return _load(app_settings.HOST)

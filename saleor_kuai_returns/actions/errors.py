"""Errors of the actions layer; domain refusals pass through as they are."""

from __future__ import annotations

from enum import StrEnum

from ..domain.errors import DomainError


class ActionErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    STALE_VERSION = "stale_version"
    STATE_CHANGED = "state_changed"
    AFTER_SALE_DISABLED = "after_sale_disabled"


class ActionError(DomainError):
    """Raised by actions for what is not a rule of the spec: unknown ids,
    missing rights, a version or state that moved on."""

    def __init__(self, code: ActionErrorCode, message: str = "") -> None:
        self.code = code  # type: ignore[assignment]
        self.message = message or code.value.replace("_", " ")
        Exception.__init__(self, f"{code.value}: {self.message}")

"""Sandbox hosts that kill their own process once, at one chosen instant: the
crash a worker meets when its machine dies there.

Selected with ``KUAI_RETURNS_HOST`` in a worker's settings module; the crash
happens once, when the file named by ``KUAI_FAULT_CRASH_MARKER`` exists (it is
removed first, so the worker that takes over runs normally). Everything else is
the real sandbox host.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from saleor_kuai_returns.host.base import Caller, PaymentResult
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import MoneyMovement


def _crash_once() -> bool:
    """Whether this is the run that crashes (the marker is taken)."""
    marker = Path(settings.KUAI_FAULT_CRASH_MARKER)
    try:
        marker.unlink()
    except FileNotFoundError:
        return False
    return True


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DiesAfterPaying(SandboxHost):
    """The provider paid; the worker dies before the result is recorded."""

    def send_payment(self, movement: MoneyMovement) -> PaymentResult:
        result = super().send_payment(movement)
        if _crash_once():
            _die()
        return result


class DiesBeforeSending(SandboxHost):
    """The payment is prepared and committed; the worker dies before sending it."""

    def send_payment(self, movement: MoneyMovement) -> PaymentResult:
        if _crash_once():
            _die()
        return super().send_payment(movement)


class DiesAfterWritingNotes(SandboxHost):
    """The shop committed the order notes; the worker dies before the follow-up
    is marked done."""

    def add_order_note(self, order_id: str, message: str, caller: Caller) -> None:
        super().add_order_note(order_id, message, caller)
        if _crash_once():
            transaction.on_commit(_die)

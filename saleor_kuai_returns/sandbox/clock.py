"""Sandbox time that runs faster than the wall clock (``serve --speed``).

The sandbox host hands the rules a policy whose durations are divided by the
speed, so a deadline that is 48 h away under the real policy is one minute away
at speed 2880, and the sweeper applies its default outcome when that minute has
passed. Nothing else changes: counts, amounts and options stay as they are.

The after-sale windows (no-reason and quality, counted from delivery) keep their
length: they count from deliveries that happened before the server started (the
demo's orders were delivered two days before it loaded), and divided they would
close every demo order before anyone could file a request.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta
from typing import Any

from ..domain import Policy

WINDOWS_FROM_DELIVERY = frozenset({"no_reason_window", "quality_window"})


def at_speed(policy: Policy, speed: float) -> Policy:
    """``policy`` as seen by a sandbox whose time runs ``speed`` times faster."""
    if speed <= 0:
        raise ValueError(f"the sandbox's time speed must be positive, not {speed}")
    if speed == 1:
        return policy
    faster: dict[str, Any] = {
        item.name: value / speed
        for item in fields(policy)
        if item.name not in WINDOWS_FROM_DELIVERY
        and isinstance(value := getattr(policy, item.name), timedelta)
    }
    return replace(policy, **faster)

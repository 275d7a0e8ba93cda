"""The sweeper's entry in Celery beat's schedule (Saleor's beat syncs the
settings' dict into its database scheduler)."""

from __future__ import annotations

from django.conf import settings

from .app_settings import app_settings

BEAT_ENTRY = "kuai-returns-sweep-deadlines"


def register_beat_entry() -> None:
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if schedule is None:
        return
    interval = app_settings.SWEEP_INTERVAL
    schedule.setdefault(
        BEAT_ENTRY,
        {
            "task": "kuai_returns.sweep_deadlines",
            "schedule": interval,
            # A sweep that could not start within its interval is superseded by the next.
            "options": {"expires": interval.total_seconds()},
        },
    )

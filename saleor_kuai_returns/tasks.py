"""Celery tasks: thin; each computes ``now`` and calls a function that takes it."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .app_settings import app_settings
from .host import get_host


@shared_task(name="kuai_returns.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> int:
    """Apply every due default outcome, one batch per task, and send again the
    follow-ups that linger (a lost task, a killed worker, a backoff that ended).

    Chains while batches come back full (a short batch means nothing more is
    due, or the rest is held by other workers); stops when a full batch expired
    nothing (all broken rows, logged and tried again later)."""
    from .actions.follow_ups import due_follow_ups, send
    from .sweeper import sweep_batch

    host = get_host()
    batch_size = app_settings.SWEEP_BATCH_SIZE
    now = timezone.now()
    with host.writer():
        batch = sweep_batch(now, batch_size=batch_size, host=host)
        lingering = due_follow_ups(now, batch_size)
    send(lingering)
    if batch.claimed >= batch_size and batch.expired:
        sweep_deadlines.delay()
    return batch.expired


@shared_task(name="kuai_returns.run_follow_up", ignore_result=True)
def run_follow_up(follow_up_id: str) -> str:
    """Do one piece of follow-up work (pay, record a return, send goods, write
    order notes). Its row keeps its retries and backoff: a failure here is
    recorded there, and the sweeper sends it again when its time comes."""
    from .actions.follow_ups import run

    host = get_host()
    with host.writer():
        return run(follow_up_id, now=timezone.now(), host=host)

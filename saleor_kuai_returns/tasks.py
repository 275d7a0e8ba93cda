"""Celery tasks: thin; each computes ``now`` and calls a function that takes it."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from .app_settings import app_settings
from .host import get_host
from .host.base import Caller

# How many due requests one sweep claims: a batch is one transaction holding this
# many row locks and their lines in memory (a few KB each).
SWEEP_BATCH_SIZE = 500


@shared_task(name="kuai_returns.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> int:
    """Apply every due default outcome; chain while batches come back full."""
    from .sweeper import expire_due

    host = get_host()
    with host.writer():
        done = expire_due(timezone.now(), batch_size=app_settings.SWEEP_BATCH_SIZE, host=host)
    if done >= app_settings.SWEEP_BATCH_SIZE:
        sweep_deadlines.delay()
    return done


@shared_task(
    bind=True,
    name="kuai_returns.pay_money_movement",
    ignore_result=True,
    max_retries=None,
)
def pay_money_movement(self: Any, movement_id: str) -> str:
    """Send one money movement; retry with exponential backoff while the
    provider refuses; after the last failure the request shows refund_failed."""
    from .actions.money import PaymentRetry, pay_movement

    host = get_host()
    try:
        with host.writer():
            return pay_movement(
                movement_id,
                now=timezone.now(),
                host=host,
                final_attempt=self.request.retries >= app_settings.REFUND_MAX_RETRIES,
            )
    except PaymentRetry as retry:
        raise self.retry(countdown=min(2**self.request.retries * 30, 3600)) from retry


@shared_task(name="kuai_returns.record_return", ignore_result=True)
def record_return(request_id: str) -> None:
    from .models import AfterSaleRequest

    host = get_host()
    with host.writer():
        host.record_return(AfterSaleRequest.objects.get(pk=request_id))


@shared_task(name="kuai_returns.release_unshipped", ignore_result=True)
def release_unshipped(request_id: str) -> None:
    from .models import AfterSaleRequest

    host = get_host()
    with host.writer():
        host.release_unshipped(AfterSaleRequest.objects.get(pk=request_id))


@shared_task(name="kuai_returns.add_order_note", ignore_result=True)
def add_order_note(order_id: str, message: str, caller_id: str) -> None:
    host = get_host()
    with host.writer():
        host.add_order_note(order_id, message, Caller(caller_id))

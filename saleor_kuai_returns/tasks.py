"""Celery tasks: thin; each computes ``now`` and calls a function that takes it."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .app_settings import app_settings
from .host import get_host
from .host.base import Caller


@shared_task(name="kuai_returns.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> int:
    """Apply every due default outcome, one batch per task; chain while batches
    come back full (a short batch means nothing more is due, or the rest is held
    by other workers), stop when a full batch expired nothing (all broken rows,
    logged: beat tries again at its next tick)."""
    from .sweeper import sweep_batch

    host = get_host()
    batch_size = app_settings.SWEEP_BATCH_SIZE
    with host.writer():
        batch = sweep_batch(timezone.now(), batch_size=batch_size, host=host)
    if batch.claimed >= batch_size and batch.expired:
        sweep_deadlines.delay()
    return batch.expired


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


@shared_task(
    name="kuai_returns.send_goods",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def send_goods(request_id: str) -> int:
    """Record on the order the goods the merchant sent, once per shipment; the
    shop refusing (a variant deleted meanwhile, the database away) is retried
    with backoff, and a repeat finds recorded shipments done."""
    from .actions.goods import send_pending_goods

    host = get_host()
    with host.writer():
        return send_pending_goods(request_id, host=host)


@shared_task(name="kuai_returns.add_order_notes", ignore_result=True)
def add_order_notes(notes: list[tuple[str, str, str]]) -> None:
    """The order notes of a batch of transitions, ``(order id, message, caller id)``
    each: one message per sweeper batch instead of one per request."""
    host = get_host()
    with host.writer(), transaction.atomic():
        for order_id, message, caller_id in notes:
            host.add_order_note(order_id, message, Caller(caller_id))

"""Money leaving for the buyer: one payment per movement, recorded exactly once.

The host's payment call carries the movement's idempotency key, so a repeated
task (a retry, a worker killed half-way) never pays twice; the movement's row
lock makes sure its result is recorded once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..domain import Actor
from ..domain import commands as c
from ..domain.states import PAYOUT_STATES, State
from ..host.base import SYSTEM_CALLER, Host, PaymentResult
from ..lock_objects import money_movement_qs_select_for_update
from ..models import (
    AfterSaleRequest,
    LiabilityEntry,
    MoneyMovement,
    MovementKind,
    MovementStatus,
)
from .core import execute

PAYOUT_KINDS = {MovementKind.REFUND, MovementKind.PRIORITY_COMPENSATION}
DONE = {MovementStatus.SUCCEEDED, MovementStatus.FAILED}


class PaymentRetry(Exception):
    """The provider refused; the task retries with backoff."""


def pay_movement(movement_id: str, *, now: datetime, host: Host, final_attempt: bool) -> str:
    """Send one movement through the host and record what came back."""
    movement = MoneyMovement.objects.select_related("request").get(pk=movement_id)
    if movement.status in DONE or movement.status == MovementStatus.REQUESTED:
        return movement.status
    result = host.pay(movement)
    if result.status == "failed" and not final_attempt:
        MoneyMovement.objects.filter(pk=movement.pk).update(error=result.error)
        raise PaymentRetry(result.error)
    return record_payment_result(movement.pk, result, now=now, host=host)


def confirm_movement(
    idempotency_key: str, *, succeeded: bool, now: datetime, host: Host, reference: str = ""
) -> str:
    """The payment provider's later answer (a payment app, a refund hook)."""
    movement = MoneyMovement.objects.get(idempotency_key=idempotency_key)
    status = "succeeded" if succeeded else "failed"
    return record_payment_result(
        movement.pk,
        PaymentResult(status, reference or movement.provider_reference),
        now=now,
        host=host,
    )


def record_payment_result(
    movement_pk: object, result: PaymentResult, *, now: datetime, host: Host
) -> str:
    with transaction.atomic():
        movement = money_movement_qs_select_for_update().get(pk=movement_pk)
        if movement.status in DONE:
            return movement.status
        movement.provider_reference = result.reference or movement.provider_reference
        movement.error = result.error
        movement.status = {
            "succeeded": MovementStatus.SUCCEEDED,
            "requested": MovementStatus.REQUESTED,
            "failed": MovementStatus.FAILED,
        }[result.status]
        movement.save(update_fields=["status", "provider_reference", "error", "updated_at"])
        if movement.liability_kind and movement.status == MovementStatus.SUCCEEDED:
            _book_liability(movement)
        if movement.kind in PAYOUT_KINDS and movement.status in DONE:
            _settle_payout(movement, now=now, host=host)
    return movement.status


def _book_liability(movement: MoneyMovement) -> None:
    """The platform's payment went through: the merchant owes it the amount. The
    movement's row lock and the entry's unique key make this happen once."""
    LiabilityEntry.objects.create(
        channel_slug=movement.request.channel_slug,
        request_id=movement.request_id,
        movement=movement,
        kind=movement.liability_kind,
        amount=movement.amount,
        currency=movement.currency,
        idempotency_key=f"{movement.idempotency_key}:liability",
    )


def _settle_payout(movement: MoneyMovement, *, now: datetime, host: Host) -> None:
    """Tell the request its payout ended — if this movement is its current one."""
    request = AfterSaleRequest.objects.get(pk=movement.request_id)
    current = request.state in PAYOUT_STATES and request.payout_attempt == movement.attempt
    if not current:
        return
    succeeded = movement.status == MovementStatus.SUCCEEDED
    if not succeeded and request.state != State.REFUNDING:
        return
    command = c.RefundSucceeded() if succeeded else c.RefundFailed()
    execute(request.pk, command, Actor.SYSTEM, SYSTEM_CALLER, now=now, host=host)

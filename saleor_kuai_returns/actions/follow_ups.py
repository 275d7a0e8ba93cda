"""The transactional outbox: what the shop must do after a decision.

A decision writes a ``FollowUp`` row per piece of work in its own transaction;
after commit one task per row is sent to the broker. Nothing is lost when that
send fails (the broker is down) or a worker dies half-way: the sweeper sends
again every row whose time has come (``due_follow_ups``). A run holds its row by
moving ``next_attempt_at`` a lease ahead, so two runs never do the same work at
once, and a run that died is taken up again when the lease ends. Every handler
is idempotent: running one twice does its work once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..app_settings import app_settings
from ..host.base import Caller, Host, PaymentBusy
from ..models import AfterSaleRequest, FollowUp, FollowUpKind, MoneyMovement

logger = logging.getLogger(__name__)

Note = tuple[str, str, str]  # (order id, message, caller id)


class RunAgain(Exception):
    """A handler's work cannot be done yet (the shop is busy): try again later,
    without counting it as a failure."""


def new_follow_up(
    kind: FollowUpKind,
    *,
    now: datetime,
    request: AfterSaleRequest | None = None,
    movement: MoneyMovement | None = None,
    payload: list[Any] | None = None,
) -> FollowUp:
    """An unsaved row; the sweeper takes it up once a lease passed without a
    run (the task sent after commit normally runs it long before)."""
    return FollowUp(
        kind=kind,
        request=request,
        movement=movement,
        payload=payload or [],
        created_at=now,
        next_attempt_at=now + app_settings.FOLLOW_UP_LEASE,
    )


def add_notes(notes: Sequence[Note], *, now: datetime | None = None) -> FollowUp | None:
    """Order notes as one follow-up, written in the caller's transaction and
    sent after commit."""
    if not notes:
        return None
    row = new_follow_up(FollowUpKind.ORDER_NOTES, now=now or timezone.now(), payload=list(notes))
    row.save()
    send_after_commit([row.pk])
    return row


def send_after_commit(ids: Iterable[object]) -> None:
    """After the transaction commits, one task per follow-up. A broker error is
    logged and swallowed: the row waits for the sweeper."""
    pending = [str(pk) for pk in ids]
    if pending:
        transaction.on_commit(lambda: send(pending))


def send(ids: Sequence[str]) -> int:
    """Queue one task per follow-up; returns how many were queued."""
    from .. import tasks

    queued = 0
    for pk in ids:
        try:
            tasks.run_follow_up.delay(pk)
        except Exception:  # the broker is away: the sweeper sends it later
            logger.warning("Follow-up %s not queued (broker error); the sweeper resends it", pk)
            continue
        queued += 1
    return queued


def due_follow_ups(now: datetime, limit: int) -> list[str]:
    """Open follow-ups whose time has come: never run, or their last run's
    lease or backoff is over."""
    return [
        str(pk)
        for pk in FollowUp.objects.filter(
            done_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]


def claim(pk: object, now: datetime) -> FollowUp | None:
    """Hold the row for one run, or ``None`` when it is done, given up, or held
    by another run whose lease is not over. A row never run may be taken at
    once (that is the task sent after commit)."""
    held = FollowUp.objects.filter(
        Q(attempts=0) | Q(next_attempt_at__lte=now),
        pk=pk,
        done_at__isnull=True,
        failed_at__isnull=True,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + app_settings.FOLLOW_UP_LEASE)
    if not held:
        return None
    return FollowUp.objects.select_related("request", "movement").get(pk=pk)


def run(pk: object, *, now: datetime, host: Host) -> str:
    """Run one follow-up once; returns ``done``, ``again`` (later), ``failed``
    (given up) or ``skipped`` (nothing to run now)."""
    row = claim(pk, now)
    if row is None:
        return "skipped"
    try:
        HANDLERS[FollowUpKind(row.kind)](row, now, host)
    except (RunAgain, PaymentBusy) as wait:
        # Not a failure: the work waits its turn.
        FollowUp.objects.filter(pk=row.pk).update(
            next_attempt_at=now + app_settings.FOLLOW_UP_BUSY_DELAY, last_error=str(wait)
        )
        return "again"
    except Exception as error:
        failures = row.failures + 1
        logger.exception("Follow-up %s (%s) failed, failure %s", row.pk, row.kind, failures)
        given_up = failures >= app_settings.FOLLOW_UP_MAX_RUNS
        FollowUp.objects.filter(pk=row.pk).update(
            failures=failures,
            last_error=repr(error),
            failed_at=now if given_up else None,
            next_attempt_at=now + backoff(failures),
        )
        return "failed" if given_up else "again"
    FollowUp.objects.filter(pk=row.pk).update(done_at=now)
    return "done"


def reopen(movement: MoneyMovement, now: datetime) -> None:
    """Run a movement's payment follow-up again (resend a payment a crash left
    prepared and unsent), or write one when it has none."""
    reopened = FollowUp.objects.filter(movement=movement, kind=FollowUpKind.PAY).update(
        done_at=None, failed_at=None, next_attempt_at=now, attempts=0, failures=0
    )
    ids = list(
        FollowUp.objects.filter(movement=movement, kind=FollowUpKind.PAY).values_list(
            "pk", flat=True
        )
    )
    if not reopened:
        row = new_follow_up(FollowUpKind.PAY, now=now, request=movement.request, movement=movement)
        row.save()
        ids = [row.pk]
    send_after_commit(ids)


def backoff(failures: int) -> timedelta:
    """30 s, doubling per failed run, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(0, failures - 1), 3600))


# --- handlers: one per kind, each idempotent -------------------------------------------


def _pay(row: FollowUp, now: datetime, host: Host) -> None:
    from .money import pay_movement

    assert row.movement_id is not None
    pay_movement(row.movement_id, now=now, host=host)


def _record_return(row: FollowUp, now: datetime, host: Host) -> None:
    assert row.request is not None
    host.record_return(row.request)


def _restock_return(row: FollowUp, now: datetime, host: Host) -> None:
    assert row.request is not None
    host.restock_return(row.request)


def _send_goods(row: FollowUp, now: datetime, host: Host) -> None:
    from .goods import send_pending_goods

    assert row.request_id is not None
    send_pending_goods(str(row.request_id), host=host)


def _order_notes(row: FollowUp, now: datetime, host: Host) -> None:
    # The notes of one decision or one sweeper batch, and the row marked done, in
    # one transaction: a run that dies after writing them leaves neither, so the
    # next run writes each note once.
    with transaction.atomic():
        for order_id, message, caller_id in row.payload:
            host.add_order_note(order_id, message, Caller(caller_id))
        FollowUp.objects.filter(pk=row.pk).update(done_at=now)


HANDLERS: dict[FollowUpKind, Callable[[FollowUp, datetime, Host], None]] = {
    FollowUpKind.PAY: _pay,
    FollowUpKind.RECORD_RETURN: _record_return,
    FollowUpKind.RESTOCK_RETURN: _restock_return,
    FollowUpKind.SEND_GOODS: _send_goods,
    FollowUpKind.ORDER_NOTES: _order_notes,
}

"""Money leaving for the buyer: every payout reaches the buyer at most once.

A payout is one or more attempts (``MoneyMovement`` rows sharing a family key,
``kuai:<request>:payout``); each attempt has its own idempotency key. Sending an
attempt (``pay_movement``, run by its follow-up) goes:

1. under the request's and the movement's row locks: if an earlier attempt of
   the payout reached the buyer or is still with the provider, this attempt is
   *superseded* and sends nothing (the earlier one is sent again when a crash
   left it unsent); else the amount is capped by what the shop refunded
   meanwhile; the shop records the payment (``Host.prepare_payment``) and the
   movement its reference, ``sending``, in one transaction;
2. outside any transaction: the shop hands it to the payment provider
   (``Host.send_payment``);
3. the answer is recorded (``record_payment_result``), now or when the provider
   reports later (``confirm_movement``); a repeated or late answer changes
   nothing once the movement is final.

A run killed anywhere is taken up by the sweeper: a movement still ``pending``
starts again at 1; one ``sending`` asks the shop what became of it and resends
the same request when it never left. Nothing is ever prepared twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from ..conversion import to_view
from ..domain import Actor
from ..domain import commands as c
from ..domain.payout import check_payout
from ..domain.request import Payer, PayoutKind
from ..domain.states import TERMINAL_STATES, State
from ..host.base import SYSTEM_CALLER, Host, PaymentResult
from ..lock_objects import money_movement_qs_select_for_update, request_qs_select_for_update
from ..models import (
    FINAL_MOVEMENT_STATUSES,
    AfterSaleRequest,
    Appeal,
    FollowUp,
    FollowUpKind,
    LiabilityEntry,
    MoneyMovement,
    MovementKind,
    MovementStatus,
)
from . import follow_ups
from .core import LATE_SHIPMENT_FAMILY, execute, movement_key

logger = logging.getLogger(__name__)

PAYOUT_KINDS = {MovementKind.REFUND, MovementKind.PRIORITY_COMPENSATION}
# Statuses of an attempt that may still reach the buyer.
OPEN = {MovementStatus.PENDING, MovementStatus.SENDING, MovementStatus.REQUESTED}
_STATUS = {
    "succeeded": MovementStatus.SUCCEEDED,
    "requested": MovementStatus.REQUESTED,
    "failed": MovementStatus.FAILED,
}


def pay_movement(movement_id: object, *, now: datetime, host: Host) -> str:
    """Send one movement (steps 1–3 above); returns its status afterwards."""
    with transaction.atomic():
        request, movement = _lock(movement_id)
        if movement.status in FINAL_MOVEMENT_STATUSES:
            return movement.status
        if movement.status == MovementStatus.REQUESTED:
            # The provider has it: its answer comes through the shop. Read it in
            # case that answer was missed (a hook that failed).
            outcome = host.payment_outcome(movement)
            if outcome is not None and outcome.status != "requested":
                _record(request, movement, outcome, now=now, host=host)
            return movement.status
        if movement.status == MovementStatus.SENDING:
            outcome = host.payment_outcome(movement)
            if outcome is not None and outcome.status != "requested":
                _record(request, movement, outcome, now=now, host=host)
                return movement.status
            # Prepared by a run that died before it knew the provider's answer:
            # send the same request again (below).
        elif not _prepare(request, movement, now=now, host=host):
            return movement.status
    result = host.send_payment(movement)
    return record_payment_result(movement.pk, result, now=now, host=host)


def _prepare(
    request: AfterSaleRequest, movement: MoneyMovement, *, now: datetime, host: Host
) -> bool:
    """Step 1 for a pending attempt; ``True`` when there is something to send."""
    if _defer_to_earlier_attempt(request, movement, now=now, host=host):
        return False
    if movement.kind in PAYOUT_KINDS:
        check = check_payout(
            to_view(request, list(request.lines.all())),
            movement.amount,
            PayoutKind(movement.kind),
            _order_now(request, host),
        )
        if check.capped:
            movement.note = check.explain(movement.currency)
            if check.nothing_left:
                movement.status = MovementStatus.NOT_NEEDED
                movement.save(update_fields=["status", "note", "updated_at"])
                _settle(request, movement, paid=Decimal(0), now=now, host=host)
                return False
            movement.amount = check.payable
            movement.save(update_fields=["amount", "note", "updated_at"])
    prepared = host.prepare_payment(movement)
    if prepared.status != "requested":  # refused, or paid already (a gift card)
        _record(request, movement, prepared, now=now, host=host)
        return False
    movement.provider_reference = prepared.reference
    movement.status = MovementStatus.SENDING
    movement.save(update_fields=["provider_reference", "status", "updated_at"])
    return True


def _defer_to_earlier_attempt(
    request: AfterSaleRequest, movement: MoneyMovement, *, now: datetime, host: Host
) -> bool:
    """Whether an earlier attempt of the same payout carries it: it reached the
    buyer (the payout is settled with it), or it may still reach them. Only
    when every earlier attempt is known to have failed is this one sent. The
    shop is asked every time: a provider's late answer may have reached it and
    not us.

    An earlier attempt that may still pay is sent again when a crash left it
    unsent; one the payment app holds unanswered is asked again only on a
    person's retry (staff judged the app lost it) — the deadline's own retries
    never repeat a request the app may be working on."""
    earlier = [
        (other, host.payment_outcome(other))
        for other in MoneyMovement.objects.select_for_update()
        .filter(
            request=request,
            idempotency_key__startswith=f"{movement.family}:",
            attempt__lt=movement.attempt,
        )
        .exclude(status__in=[MovementStatus.SUPERSEDED, MovementStatus.NOT_NEEDED])
        .order_by("attempt")
    ]
    for other, outcome in earlier:
        if other.status == MovementStatus.SUCCEEDED:
            _supersede(movement, f"attempt {other.attempt} reached the buyer")
            _settle(request, other, paid=other.amount, now=now, host=host)
            return True
        if outcome is not None and outcome.status == "succeeded":
            _supersede(movement, f"attempt {other.attempt} reached the buyer")
            _record(request, other, outcome, now=now, host=host)
            return True
    for other, outcome in earlier:
        if other.status not in OPEN:
            continue
        if outcome is not None and outcome.status == "failed":
            _record(request, other, outcome, now=now, host=host)
            continue
        if _held_by_a_run(other, now):
            raise follow_ups.RunAgain(f"attempt {other.attempt} is being sent")
        _supersede(movement, f"attempt {other.attempt} is still with the payment provider")
        unsent = other.status != MovementStatus.REQUESTED
        if unsent or movement.requested_by != SYSTEM_CALLER.id:
            if not unsent:
                other.status = MovementStatus.SENDING  # to be asked again
                other.save(update_fields=["status", "updated_at"])
            follow_ups.reopen(other, now)
        return True
    return False


def _held_by_a_run(movement: MoneyMovement, now: datetime) -> bool:
    """A run of the movement's own follow-up is under way (its lease not over)."""
    return FollowUp.objects.filter(
        movement=movement,
        kind=FollowUpKind.PAY,
        done_at__isnull=True,
        failed_at__isnull=True,
        attempts__gt=0,
        next_attempt_at__gt=now,
    ).exists()


def _supersede(movement: MoneyMovement, why: str) -> None:
    movement.status = MovementStatus.SUPERSEDED
    movement.note = f"not sent: {why}"
    movement.save(update_fields=["status", "note", "updated_at"])


def _order_now(request: AfterSaleRequest, host: Host):  # type: ignore[no-untyped-def]
    from .create import with_history

    return with_history(host.load_order(str(request.order_id)))


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
    """Record what the shop answered for a movement, once. A final movement
    changes no more — except that a failure the provider turns into a success
    later is a success: the money reached the buyer."""
    with transaction.atomic():
        request, movement = _lock(movement_pk)
        _record(request, movement, result, now=now, host=host)
    return movement.status


def _record(
    request: AfterSaleRequest,
    movement: MoneyMovement,
    result: PaymentResult,
    *,
    now: datetime,
    host: Host,
) -> None:
    status = _STATUS[result.status]
    late_success = movement.status == MovementStatus.FAILED and status == MovementStatus.SUCCEEDED
    if movement.status in FINAL_MOVEMENT_STATUSES and not late_success:
        return
    if movement.status == MovementStatus.REQUESTED and status == MovementStatus.REQUESTED:
        return
    movement.provider_reference = result.reference or movement.provider_reference
    movement.error = result.error
    movement.status = status
    movement.save(update_fields=["status", "provider_reference", "error", "updated_at"])
    if status == MovementStatus.SUCCEEDED:
        if movement.liability_kind:
            _book_liability(request, movement, now)
        if movement.kind in PAYOUT_KINDS:
            _settle(request, movement, paid=movement.amount, now=now, host=host)
        else:
            _compensation_paid(request, movement)
    elif status == MovementStatus.FAILED:
        if movement.kind in PAYOUT_KINDS:
            _payout_attempt_failed(request, movement, now=now, host=host)
        else:
            _retry_compensation(request, movement, now=now, host=host)


def _settle(
    request: AfterSaleRequest,
    movement: MoneyMovement,
    *,
    paid: Decimal,
    now: datetime,
    host: Host,
) -> None:
    """An attempt of the request's payout reached the buyer (or nothing was left
    to pay): the request is refunded, whichever attempt it was — also when its
    payout went on hold and the platform is arbitrating it (the rules end the
    case then)."""
    if request.payout_amount is None or request.state in TERMINAL_STATES:
        # Never expected: a request ends only once its payout is settled.
        logger.error(
            "Request %s (%s): payout attempt %s reached the buyer with no payout open",
            request.pk,
            request.state,
            movement.attempt,
        )
        return
    command = c.RefundSucceeded(amount=paid, by_platform=movement.payer == Payer.PLATFORM)
    _system(request, command, now=now, host=host, note=movement.note)


def _payout_attempt_failed(
    request: AfterSaleRequest, movement: MoneyMovement, *, now: datetime, host: Host
) -> None:
    """The request shows the refund failed once no attempt of its payout can
    still reach the buyer."""
    if request.state != State.REFUNDING:
        return
    still_open = MoneyMovement.objects.filter(
        request=request,
        idempotency_key__startswith=f"{movement.family}:",
        status__in=list(OPEN),
    ).exists()
    if not still_open:
        _system(request, c.RefundFailed(), now=now, host=host, note=movement.error)


def _system(
    request: AfterSaleRequest, command: c.Command, *, now: datetime, host: Host, note: str = ""
) -> None:
    # The request row is locked by this transaction: it cannot have moved on.
    execute(request.pk, command, Actor.SYSTEM, SYSTEM_CALLER, now=now, host=host, note=note)


def _compensation_paid(request: AfterSaleRequest, movement: MoneyMovement) -> None:
    """Late-shipment compensation counts once it reached the buyer."""
    platform = movement.payer == Payer.PLATFORM
    AfterSaleRequest.objects.filter(pk=request.pk).update(
        compensated_amount=F("compensated_amount") + movement.amount,
        platform_advanced_amount=F("platform_advanced_amount")
        + (movement.amount if platform else 0),
    )
    how = "a gift card" if movement.method == "gift_card" else "a refund"
    follow_ups.add_notes(
        [
            (
                str(request.order_id),
                f"Late-shipment compensation paid: {movement.amount} {movement.currency} as {how}.",
                "system",
            )
        ]
    )


def _retry_compensation(
    request: AfterSaleRequest, movement: MoneyMovement, *, now: datetime, host: Host
) -> None:
    """A refused late-shipment compensation is tried again after the channel's
    ``refund_retry``, as a payout is, up to ``refund_max_attempts``; after that
    it stays failed for staff (the audit lists it)."""
    policy = host.policy_for(request.channel_slug)
    if movement.attempt >= policy.refund_max_attempts:
        return
    again = MoneyMovement.objects.create(
        request=request,
        idempotency_key=movement_key(request, LATE_SHIPMENT_FAMILY, movement.attempt + 1),
        kind=movement.kind,
        method=movement.method,
        payer=movement.payer,
        amount=movement.amount,
        currency=movement.currency,
        attempt=movement.attempt + 1,
        requested_by="system",
        liability_kind=movement.liability_kind,
    )
    row = follow_ups.new_follow_up(FollowUpKind.PAY, now=now, request=request, movement=again)
    row.next_attempt_at = now + policy.refund_retry
    row.save()


def _book_liability(request: AfterSaleRequest, movement: MoneyMovement, now: datetime) -> None:
    """The platform's own money reached the buyer: the merchant owes it the
    amount — once per payout, whichever attempt paid. A case whose appeal was
    upheld owes nothing: what is booked now is taken straight back."""
    key = f"{movement.family}:liability"
    if LiabilityEntry.objects.filter(idempotency_key=key).exists():
        return
    entry = LiabilityEntry.objects.create(
        created_at=now,
        channel_slug=request.channel_slug,
        request=request,
        movement=movement,
        kind=movement.liability_kind,
        amount=movement.amount,
        currency=movement.currency,
        idempotency_key=key,
    )
    upheld = Appeal.objects.filter(request=request, status="upheld").order_by("decided_at").last()
    if upheld is not None:
        from .appeals import reverse_charges

        reverse_charges(request, upheld, now, reason=entry)


def _lock(movement_pk: object) -> tuple[AfterSaleRequest, MoneyMovement]:
    """The movement's request, then the movement: the order every action takes."""
    request_id = (
        MoneyMovement.objects.filter(pk=movement_pk).values_list("request_id", flat=True).get()
    )
    request = request_qs_select_for_update().get(pk=request_id)
    movement = money_movement_qs_select_for_update().select_related("request").get(pk=movement_pk)
    return request, movement

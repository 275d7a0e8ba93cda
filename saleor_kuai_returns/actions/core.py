"""How every action runs: lock, re-check, decide, save, record, then side
effects after commit.

``stage()`` turns one accepted decision into the rows to write; ``execute()``
does that for one request under its row lock; the sweeper does it for a whole
batch with bulk writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..bulk import insert_rows, update_rows
from ..conversion import apply_view, to_view
from ..domain import Actor, Decision, Policy, decide
from ..domain import commands as c
from ..domain.effects import (
    Effect,
    OpenGoodsRecovery,
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
    ReleaseUnshippedQuantity,
    RestockReturnedItems,
    SendGoods,
)
from ..domain.health import marks
from ..domain.policy import PayoutMethod
from ..domain.request import PayoutKind
from ..domain.states import TERMINAL_STATES, State
from ..events import describe, transition_event
from ..host import get_host
from ..host.base import Caller, Host
from ..lock_objects import request_qs_select_for_update
from ..models import (
    AfterSaleRequest,
    AfterSaleRequestLine,
    MoneyMovement,
    MovementKind,
    TimelineEvent,
)
from .errors import ActionError, ActionErrorCode

REQUEST_FIELDS = [
    f.name
    for f in AfterSaleRequest._meta.concrete_fields
    if f.name not in {"id", "created_at", "order_id", "channel_slug", "buyer_id"}
]


@dataclass
class Staged:
    """What one decision writes, and what runs after commit."""

    request: AfterSaleRequest
    decision: Decision
    event: TimelineEvent
    movements: list[MoneyMovement] = field(default_factory=list)
    # Order notes as (order id, message, caller id): a batch sends them in one task.
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    # The request's columns the decision changed: the only ones written back.
    changed: frozenset[str] = frozenset()
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def ends_request(self) -> bool:
        return self.decision.target in TERMINAL_STATES


def movement_key(request: AfterSaleRequest, kind: str, attempt: int = 1) -> str:
    return f"kuai:{request.id}:{kind}:{attempt}"


def stage(
    request: AfterSaleRequest,
    lines: list[AfterSaleRequestLine],
    command: c.Command,
    actor: Actor,
    caller: Caller,
    now: datetime,
    host: Host,
    *,
    note: str = "",
    policy: Policy | None = None,
) -> Staged:
    """Ask the rules; on success update ``request`` in memory and stage its rows."""
    policy = policy or host.policy_for(request.channel_slug)
    decision = decide(to_view(request, lines), command, actor, now, policy)
    before = request.__dict__.copy()
    apply_view(request, decision.view)
    _mark_health(request, decision)
    staged = Staged(request, decision, transition_event(request, decision, caller, note))
    after = request.__dict__
    staged.changed = frozenset(name for name in REQUEST_FIELDS if after[name] != before[name])
    for effect in decision.effects:
        _stage_effect(staged, effect)
    staged.notes.append((str(request.order_id), describe(decision), caller.id))
    return staged


def _mark_health(request: AfterSaleRequest, decision: Decision) -> None:
    found = marks(
        decision, merchant_responded_before=request.first_merchant_response_at is not None
    )
    if found.first_merchant_response:
        request.first_merchant_response_at = decision.at
    if found.ruled_against_merchant:
        request.ruled_against_merchant = True
    if found.merchant_timeout:
        request.merchant_timeouts += 1


def _stage_effect(staged: Staged, effect: Effect) -> None:
    request = staged.request
    if isinstance(effect, PayBuyer):
        kind = (
            MovementKind.REFUND
            if effect.kind is PayoutKind.REFUND
            else MovementKind.PRIORITY_COMPENSATION
        )
        staged.movements.append(
            MoneyMovement(
                request=request,
                idempotency_key=movement_key(request, "payout", effect.attempt),
                kind=kind,
                method=PayoutMethod.REFUND,
                payer=effect.payer.value,
                amount=effect.amount,
                currency=request.currency,
                attempt=effect.attempt,
            )
        )
    elif isinstance(effect, PayLateShipmentCompensation):
        staged.movements.append(
            MoneyMovement(
                request=request,
                idempotency_key=movement_key(request, "late_shipment"),
                kind=MovementKind.LATE_SHIPMENT_COMPENSATION,
                method=effect.method.value,
                payer="platform",
                amount=effect.amount,
                currency=request.currency,
            )
        )
    elif isinstance(effect, RecordLiability):
        # It follows the platform's payment it belongs to; the ledger entry is
        # written when that payment succeeds (``money.record_payment_result``).
        staged.movements[-1].liability_kind = effect.kind.value
    elif isinstance(effect, RestockReturnedItems):
        staged.after_commit.append(lambda: _dispatch("record_return", str(request.id)))
    elif isinstance(effect, ReleaseUnshippedQuantity):
        staged.after_commit.append(lambda: _dispatch("release_unshipped", str(request.id)))
    elif isinstance(effect, SendGoods):
        staged.after_commit.append(lambda: _dispatch("send_goods", str(request.id)))
    elif isinstance(effect, OpenGoodsRecovery):
        message = "Goods recovery: the merchant recovers the goods from the buyer itself."
        staged.notes.append((str(request.order_id), message, "system"))
    # BlockReasonForLines needs no row: the ruling's timeline event is the record.


def _dispatch(task_name: str, *args: object) -> None:
    from celery.exceptions import Retry

    from .. import tasks

    try:
        getattr(tasks, task_name).delay(*args)
    except Retry as retry:
        # Only in-process (eager) tasks get here: Celery hands the retry back
        # instead of scheduling it. Run the retries now, without the backoff,
        # so the outcome (paid, or refund_failed) is recorded as a worker would.
        while retry.sig is not None:
            try:
                retry.sig.apply(throw=True)
                break
            except Retry as again:
                retry = again


def write(staged: list[Staged]) -> None:
    """Save a batch of decisions with the same handful of queries at any batch
    size; after commit, one task per money movement and one for all order notes."""
    if not staged:
        return
    requests = [item.request for item in staged]
    now = timezone.now()
    for request in requests:
        request.updated_at = now
    # The request row is locked and was read in this transaction: a column no
    # decision changed holds its value already.
    changed = [name for name in REQUEST_FIELDS if any(name in item.changed for item in staged)]
    update_rows(AfterSaleRequest, requests, [*changed, "updated_at"])
    insert_rows(TimelineEvent, [item.event for item in staged])
    movements = [movement for item in staged for movement in item.movements]
    if movements:
        MoneyMovement.objects.bulk_create(movements)
    ended = [item.request.pk for item in staged if item.ends_request]
    if ended:
        AfterSaleRequestLine.objects.filter(request_id__in=ended).update(is_active=False)
    notes = [note for item in staged for note in item.notes]
    if notes:
        transaction.on_commit(lambda: _dispatch("add_order_notes", notes))
    for item in staged:
        for movement in item.movements:
            movement_id = str(movement.pk)
            transaction.on_commit(lambda m=movement_id: _dispatch("pay_money_movement", m))
        for callback in item.after_commit:
            transaction.on_commit(callback)


def request_uuid(request_id: object) -> uuid.UUID:
    """A request id as given by a caller; anything malformed is simply not found."""
    if isinstance(request_id, uuid.UUID):
        return request_id
    try:
        return uuid.UUID(str(request_id))
    except ValueError:
        raise ActionError(
            ActionErrorCode.NOT_FOUND, f"no after-sale request {request_id}"
        ) from None


def lock_request(request_id: object) -> AfterSaleRequest:
    try:
        return request_qs_select_for_update().get(pk=request_uuid(request_id))
    except AfterSaleRequest.DoesNotExist:
        raise ActionError(
            ActionErrorCode.NOT_FOUND, f"no after-sale request {request_id}"
        ) from None


def authorize(host: Host, caller: Caller, actor: Actor, request: AfterSaleRequest) -> None:
    if not host.may_act(caller, actor, request.channel_slug, request.buyer_id):
        raise ActionError(
            ActionErrorCode.PERMISSION_DENIED,
            f"this caller cannot act as the {actor.value} on this request",
        )


def execute(
    request_id: object,
    command: c.Command,
    actor: Actor,
    caller: Caller,
    *,
    version: int | None = None,
    expected_state: State | None = None,
    note: str = "",
    now: datetime | None = None,
    host: Host | None = None,
    extra: Callable[[AfterSaleRequest], None] | None = None,
) -> AfterSaleRequest:
    """Run one event on one request under its row lock.

    ``version`` is what the caller saw (optimistic concurrency); ``expected_state``
    is the sweeper's compare-and-set. ``extra`` writes use-case rows (a shipment,
    evidence) in the same transaction, after the rules accepted the event.
    """
    host = host or get_host()
    with transaction.atomic():
        request = lock_request(request_id)
        authorize(host, caller, actor, request)
        if version is not None and request.version != version:
            raise ActionError(
                ActionErrorCode.STALE_VERSION,
                f"the request is at version {request.version}, not {version}",
            )
        if expected_state is not None and request.state != expected_state:
            raise ActionError(ActionErrorCode.STATE_CHANGED, f"the request is {request.state}")
        lines = list(request.lines.all())
        staged = stage(
            request, lines, command, actor, caller, now or timezone.now(), host, note=note
        )
        write([staged])
        if extra is not None:
            extra(request)
    return request

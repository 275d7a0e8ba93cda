"""How every action runs: lock, re-check, decide, save, record, then side
effects after commit.

``stage()`` turns one accepted decision into the rows to write; ``execute()``
does that for one request under its row lock; the sweeper does it for a whole
batch with bulk writes. What the shop must do afterwards (pay, record a return,
write order notes) is written as follow-up rows in the same transaction
(``actions.follow_ups``), so a crash or a broker outage delays it and never
loses it.
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
    RecordReturn,
    RestockReturn,
    SendGoods,
)
from ..domain.health import marks
from ..domain.request import PayoutKind
from ..domain.states import TERMINAL_STATES, State
from ..events import describe, transition_event
from ..host import get_host
from ..host.base import SYSTEM_CALLER as SYSTEM
from ..host.base import Caller, Host
from ..lock_objects import request_qs_select_for_update
from ..models import (
    AfterSaleRequest,
    AfterSaleRequestLine,
    FollowUp,
    FollowUpKind,
    MoneyMovement,
    MovementKind,
    TimelineEvent,
)
from . import follow_ups
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
    # One per decision step: the due default outcome, if any, then the event.
    events: list[TimelineEvent]
    movements: list[MoneyMovement] = field(default_factory=list)
    # Order notes as (order id, message, caller id): a batch sends them in one task.
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    # The request's columns the decision changed: the only ones written back.
    changed: frozenset[str] = frozenset()
    # What the shop must do after commit, besides paying and the notes.
    goods: list[FollowUpKind] = field(default_factory=list)

    @property
    def ends_request(self) -> bool:
        return self.decision.target in TERMINAL_STATES


def movement_key(request: AfterSaleRequest, family: str, attempt: int = 1) -> str:
    """``kuai:<request>:<family>:<attempt>``: the attempts of one payout share
    everything but the last part (``MoneyMovement.family``)."""
    return f"kuai:{request.id}:{family}:{attempt}"


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
    """Ask the rules; on success update ``request`` in memory and stage its rows.

    Staff or an app whose decision pays the buyer need the right to move money
    (``Host.may_move_money``); a deadline's own outcome is the system's."""
    policy = policy or host.policy_for(request.channel_slug)
    decision = decide(to_view(request, lines), command, actor, now, policy)
    if (
        decision.moves_money
        and actor in (Actor.MERCHANT, Actor.PLATFORM)
        and not host.may_move_money(caller, request.channel_slug)
    ):
        raise ActionError(
            ActionErrorCode.PERMISSION_DENIED,
            f"{command.event.value.replace('_', ' ')} pays the buyer: it needs the right to "
            "handle payments",
        )
    before = request.__dict__.copy()
    staged = Staged(request, decision, events=[])
    for step in decision.steps:
        apply_view(request, step.view)
        _mark_health(request, step)
        # The caught-up outcome is the system's; the caller's note is for its own step.
        own = step is decision
        staged.events.append(
            transition_event(request, step, caller if own else SYSTEM, note if own else "")
        )
        for effect in step.effects:
            _stage_effect(staged, effect, caller if own else SYSTEM)
        staged.notes.append((str(request.order_id), describe(step), caller.id if own else "system"))
    after = request.__dict__
    staged.changed = frozenset(name for name in REQUEST_FIELDS if after[name] != before[name])
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


def _stage_effect(staged: Staged, effect: Effect, caller: Caller) -> None:
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
                idempotency_key=movement_key(request, PAYOUT_FAMILY, effect.attempt),
                kind=kind,
                method=effect.method.value,
                payer=effect.payer.value,
                amount=effect.amount,
                currency=request.currency,
                attempt=effect.attempt,
                requested_by=caller.id,
            )
        )
    elif isinstance(effect, PayLateShipmentCompensation):
        staged.movements.append(
            MoneyMovement(
                request=request,
                idempotency_key=movement_key(request, LATE_SHIPMENT_FAMILY),
                kind=MovementKind.LATE_SHIPMENT_COMPENSATION,
                method=effect.method.value,
                payer=effect.payer.value,
                amount=effect.amount,
                currency=request.currency,
                requested_by=caller.id,
            )
        )
    elif isinstance(effect, RecordLiability):
        # It follows the platform's payment it belongs to; the ledger entry is
        # written when that payment succeeds (``money.record_payment_result``).
        staged.movements[-1].liability_kind = effect.kind.value
    elif isinstance(effect, RecordReturn):
        staged.goods.append(FollowUpKind.RECORD_RETURN)
    elif isinstance(effect, RestockReturn):
        staged.goods.append(FollowUpKind.RESTOCK_RETURN)
    elif isinstance(effect, SendGoods):
        staged.goods.append(FollowUpKind.SEND_GOODS)
    elif isinstance(effect, OpenGoodsRecovery):
        message = "Goods recovery: the merchant recovers the goods from the buyer itself."
        staged.notes.append((str(request.order_id), message, "system"))
    # BlockReasonForLines needs no row: the ruling's timeline event is the record.


PAYOUT_FAMILY = "payout"
LATE_SHIPMENT_FAMILY = "late_shipment"


def write(staged: list[Staged], *, now: datetime | None = None) -> None:
    """Save a batch of decisions with the same handful of queries at any batch
    size, with their follow-ups (one per payment and per goods step, one for all
    order notes); after commit, one task per follow-up."""
    if not staged:
        return
    requests = [item.request for item in staged]
    now = now or timezone.now()
    for request in requests:
        request.updated_at = now
    # The request row is locked and was read in this transaction: a column no
    # decision changed holds its value already.
    changed = [name for name in REQUEST_FIELDS if any(name in item.changed for item in staged)]
    update_rows(AfterSaleRequest, requests, [*changed, "updated_at"])
    insert_rows(TimelineEvent, [event for item in staged for event in item.events])
    movements = [movement for item in staged for movement in item.movements]
    if movements:
        insert_rows(MoneyMovement, movements)
    ended = [item.request.pk for item in staged if item.ends_request]
    if ended:
        AfterSaleRequestLine.objects.filter(request_id__in=ended).update(is_active=False)
    rows: list[FollowUp] = []
    for item in staged:
        rows.extend(
            follow_ups.new_follow_up(FollowUpKind.PAY, now=now, request=item.request, movement=m)
            for m in item.movements
        )
        rows.extend(
            follow_ups.new_follow_up(kind, now=now, request=item.request) for kind in item.goods
        )
    notes = [note for item in staged for note in item.notes]
    if notes:
        rows.append(follow_ups.new_follow_up(FollowUpKind.ORDER_NOTES, now=now, payload=notes))
    insert_rows(FollowUp, rows)
    follow_ups.send_after_commit(row.pk for row in rows)


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

"""The decision functions: open a request, decide an event, list what a viewer
may do. Pure: ``now`` and the policy are parameters; nothing is stored here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from . import commands as c
from .deadlines import deadline_for, is_due, pause, resume
from .effects import Effect, PayBuyer, PayLateShipmentCompensation
from .eligibility import Admission, NewRequest, OrderSnapshot, admit
from .errors import ErrorCode, TransitionNotAllowed
from .guards import Context
from .kinds import Actor, Event
from .outcomes import confirm_late_receipt
from .policy import DEFAULT_POLICY, Policy
from .request import Deadline, RequestView
from .states import ARBITRATION_STATES, TERMINAL_STATES, State
from .transitions import RESUME, TRANSITIONS, Transition, transitions_from


@dataclass(frozen=True)
class Decision:
    """An accepted event: the request after it, and what must happen outside."""

    event: Event
    actor: Actor
    source: State
    view: RequestView
    effects: tuple[Effect, ...]
    at: datetime
    # The request's deadline had passed when a party acted: its default outcome,
    # which happened first (spec §3); this decision applies to the state it left.
    caught_up: Decision | None = None

    @property
    def target(self) -> State:
        return self.view.state

    @property
    def steps(self) -> tuple[Decision, ...]:
        """The decisions to record, in order: the due default outcome, if any,
        then this one."""
        return (self.caught_up, self) if self.caught_up else (self,)

    @property
    def moves_money(self) -> bool:
        """Whether this decision itself (not its caught-up outcome) pays the buyer."""
        return any(isinstance(e, PayBuyer | PayLateShipmentCompensation) for e in self.effects)


def open_request(
    new: NewRequest,
    order: OrderSnapshot,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> RequestView:
    """A buyer files a request: check eligibility, start the merchant's review.

    Raises ``NotEligible`` with the first rule that refuses.
    """
    admission: Admission = admit(new, order, now, policy)
    attempt = max(line.snapshot.attempts for line in admission.lines) + 1
    view = RequestView(
        request_type=new.request_type,
        reason=new.reason,
        state=State.AWAITING_MERCHANT_REVIEW,
        currency=order.currency,
        lines=admission.lines,
        entered_at=now,
        deadline=None,
        before_shipment=admission.before_shipment,
        whole_order_before_shipment=admission.whole_order_before_shipment,
        attempt=attempt,
        refund_ceiling=admission.refund_ceiling,
        requested_amount=admission.requested_amount,
        evidence_count=new.evidence_count,
        description=new.description,
    )
    return replace(view, deadline=deadline_for(State.AWAITING_MERCHANT_REVIEW, view, policy, now))


def find_transition(view: RequestView, event: Event, actor: Actor) -> Transition:
    """The table row for the event in the request's state, or why there is none."""
    row = TRANSITIONS.get((event, view.state))
    if row is None:
        raise TransitionNotAllowed(
            ErrorCode.WRONG_STATE, f"{event.value} is not possible in {view.state.value}"
        )
    if actor not in row.actors:
        raise TransitionNotAllowed(ErrorCode.WRONG_ACTOR, f"the {actor.value} cannot {event.value}")
    return row


def decide(
    view: RequestView,
    command: c.Command,
    actor: Actor,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> Decision:
    """Apply one event, or raise ``TransitionNotAllowed(code)`` and change nothing.

    A deadline binds everyone (spec §3): when a party (not the system) acts after
    the request's deadline, the default outcome is what happened — it is
    applied first (``Decision.caught_up``) and the event applies to the state it
    left, or is refused with ``DEADLINE_PASSED`` where it is no longer possible.
    """
    if actor is Actor.SYSTEM or not is_due(view, now):
        return _decide_one(view, command, actor, now, policy)
    due = _decide_one(view, c.DeadlineExpired(), Actor.SYSTEM, now, policy)
    try:
        then = _decide_one(due.view, command, actor, now, policy)
    except TransitionNotAllowed as error:
        if error.code not in (ErrorCode.WRONG_STATE, ErrorCode.WRONG_ACTOR):
            raise
        # Refused as it would have been before the deadline: not a late action.
        find_transition(view, command.event, actor)
        assert view.deadline is not None
        raise TransitionNotAllowed(
            ErrorCode.DEADLINE_PASSED,
            f"the deadline passed at {view.deadline.at.isoformat()}: the request took its "
            f"default outcome ({view.deadline.outcome.value.replace('_', ' ')}) and is "
            f"{due.target.value.replace('_', ' ')}; {command.event.value.replace('_', ' ')} "
            "is no longer possible",
        ) from error
    return replace(then, caught_up=due)


def _decide_one(
    view: RequestView,
    command: c.Command,
    actor: Actor,
    now: datetime,
    policy: Policy,
) -> Decision:
    if isinstance(command, c.ConfirmReceipt) and view.return_awaiting_restock:
        return _late_receipt(view, actor, now)
    row = find_transition(view, command.event, actor)
    ctx = Context(now=now, policy=policy)
    for guard in row.guards:
        if code := guard(view, command, ctx):
            raise TransitionNotAllowed(code)
    changed, effects = row.apply(view, command, ctx)
    target = row.resolve(changed, policy)
    after = changed if row.keeps_state else _enter(view, changed, row, target, now, policy)
    after = replace(after, events=view.events + 1)
    return Decision(
        event=command.event,
        actor=actor,
        source=view.state,
        view=after,
        effects=effects,
        at=now,
    )


def _enter(
    before: RequestView,
    changed: RequestView,
    row: Transition,
    target: State,
    now: datetime,
    policy: Policy,
) -> RequestView:
    """Move to ``target``: its own deadline, or the paused one when resuming."""
    deadline: Deadline | None
    if row.target is RESUME:
        assert changed.paused is not None
        deadline = resume(changed.paused, now)
        paused = None
    else:
        entering = replace(changed, state=target)
        deadline = deadline_for(target, entering, policy, now)
        paused = pause(before, now) if target in ARBITRATION_STATES else None
    return replace(changed, state=target, entered_at=now, deadline=deadline, paused=paused)


def _late_receipt(view: RequestView, actor: Actor, now: datetime) -> Decision:
    """Spec §3: the receipt deadline refunded the buyer; the merchant confirming
    the arrival afterwards puts the goods back in stock — in whatever state the
    refund is, finished or not. The state does not change."""
    if actor is not Actor.MERCHANT:
        raise TransitionNotAllowed(ErrorCode.WRONG_ACTOR, "only the merchant confirms receipt")
    changed, effects = confirm_late_receipt(view)
    return Decision(
        event=Event.CONFIRM_RECEIPT,
        actor=actor,
        source=view.state,
        view=replace(changed, events=view.events + 1),
        effects=effects,
        at=now,
    )


def available_actions(
    view: RequestView, actor: Actor, now: datetime, policy: Policy = DEFAULT_POLICY
) -> tuple[Event, ...]:
    """The events ``actor`` may send now, judged on the request alone (what a
    command would carry is checked when it arrives) — after its default outcome
    when its deadline passed, as ``decide`` would judge them."""
    if actor is Actor.SYSTEM:
        return ()
    if is_due(view, now):
        view = _decide_one(view, c.DeadlineExpired(), Actor.SYSTEM, now, policy).view
    late_receipt = (Event.CONFIRM_RECEIPT,) if _may_confirm_late_receipt(view, actor) else ()
    if view.state in TERMINAL_STATES:
        return late_receipt
    ctx = Context(now=now, policy=policy)
    events = tuple(
        row.event
        for row in transitions_from(view.state)
        if actor in row.actors and not any(guard(view, None, ctx) for guard in row.guards)
    )
    return events + tuple(e for e in late_receipt if e not in events)


def _may_confirm_late_receipt(view: RequestView, actor: Actor) -> bool:
    return actor is Actor.MERCHANT and view.return_awaiting_restock


def whose_turn(view: RequestView) -> Actor | None:
    return view.deadline.turn if view.deadline else None

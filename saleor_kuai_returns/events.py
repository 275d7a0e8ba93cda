"""Timeline events: one function per kind, bulk variant for the sweeper."""

from __future__ import annotations

from collections.abc import Iterable

from .domain import Actor, Decision
from .host.base import Caller
from .models import AfterSaleRequest, TimelineEvent

CREATED = "created"


def request_created_event(
    request: AfterSaleRequest, caller: Caller, note: str = ""
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        request=request,
        created_at=request.created_at,
        actor_kind=Actor.BUYER.value,
        actor_id=caller.id,
        event=CREATED,
        from_state="",
        to_state=request.state,
        note=note,
        version=request.version,
    )


def transition_event(
    request: AfterSaleRequest, decision: Decision, caller: Caller, note: str = ""
) -> TimelineEvent:
    """An unsaved event for an accepted decision (saved by the caller, alone or in bulk)."""
    return TimelineEvent(
        request=request,
        created_at=decision.at,
        actor_kind=decision.actor.value,
        actor_id="" if caller.is_system else caller.id,
        event=decision.event.value,
        from_state=decision.source.value,
        to_state=decision.target.value,
        note=note,
        version=decision.view.events,
    )


def save_events(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    return TimelineEvent.objects.bulk_create(list(events))


def describe(decision: Decision) -> str:
    """The order-note text for a transition, in the merchant's words."""
    event = decision.event.value.replace("_", " ")
    return (
        f"After-sale request: {event} by {decision.actor.value} — "
        f"{decision.source.value.replace('_', ' ')} → {decision.target.value.replace('_', ' ')}."
    )

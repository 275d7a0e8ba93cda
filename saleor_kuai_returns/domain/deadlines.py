"""Timers (spec §3): every non-terminal state has exactly one deadline and one
default outcome. ``now`` is always a parameter.

A deadline is due at its instant: at ``deadline.at`` the default outcome applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .kinds import Actor, RequestType
from .policy import Policy
from .request import Deadline, DefaultOutcome, PausedDeadline, RequestView
from .states import ARBITRATION_STATES, State


@dataclass(frozen=True)
class DeadlineRule:
    state: State
    turn: Actor
    outcome: DefaultOutcome
    policy_field: str  # the Policy attribute that sets the duration
    source: str  # SEED, PLATFORM (spec) or PROJECT (our addition)

    def duration(self, policy: Policy, view: RequestView) -> timedelta:
        if (
            self.state is State.AWAITING_MERCHANT_REVIEW
            and view.request_type is RequestType.REFUND_ONLY
            and view.before_shipment
        ):
            return policy.unshipped_refund_review
        duration: timedelta = getattr(policy, self.policy_field)
        return duration


_M, _B, _P, _S = Actor.MERCHANT, Actor.BUYER, Actor.PLATFORM, Actor.SYSTEM
_O = DefaultOutcome

DEADLINE_RULES: dict[State, DeadlineRule] = {
    rule.state: rule
    for rule in (
        # refund_only before shipment uses ``unshipped_refund_review`` (24 h).
        DeadlineRule(State.AWAITING_MERCHANT_REVIEW, _M, _O.AUTO_APPROVE, "review", "SEED"),
        DeadlineRule(
            State.PROPOSAL_AWAITING_BUYER, _B, _O.BACK_TO_REVIEW, "proposal_answer", "PLATFORM"
        ),
        DeadlineRule(State.REJECTED, _B, _O.AUTO_CLOSE, "rejected_answer", "PLATFORM"),
        DeadlineRule(State.AWAITING_BUYER_RETURN, _B, _O.AUTO_CLOSE, "buyer_return", "SEED"),
        DeadlineRule(
            State.AWAITING_MERCHANT_RECEIPT, _M, _O.AUTO_REFUND, "merchant_receipt", "SEED"
        ),
        DeadlineRule(State.RECEIPT_REJECTED, _B, _O.AUTO_CLOSE, "rejected_answer", "PLATFORM"),
        DeadlineRule(
            State.AWAITING_REPLACEMENT_SHIPMENT,
            _M,
            _O.ESCALATE,
            "replacement_shipment",
            "PLATFORM",
        ),
        DeadlineRule(State.AWAITING_RESHIP, _M, _O.LATE_SHIPMENT, "reship", "SEED"),
        DeadlineRule(
            State.RESHIP_OVERDUE, _M, _O.PRIORITY_COMPENSATION, "reship_overdue", "PROJECT"
        ),
        DeadlineRule(
            State.AWAITING_BUYER_CONFIRMATION,
            _B,
            _O.AUTO_COMPLETE,
            "buyer_confirmation",
            "PLATFORM",
        ),
        DeadlineRule(State.ARBITRATION_RULING, _P, _O.RULE_FOR_BUYER, "ruling", "PROJECT"),
        DeadlineRule(
            State.ARBITRATION_BUYER_EVIDENCE,
            _B,
            _O.NEXT_EVIDENCE_ROUND,
            "evidence_round",
            "PLATFORM",
        ),
        DeadlineRule(
            State.ARBITRATION_MERCHANT_EVIDENCE,
            _M,
            _O.TO_RULING,
            "evidence_round",
            "PLATFORM",
        ),
        DeadlineRule(State.REFUNDING, _S, _O.MARK_REFUND_FAILED, "refund_confirmation", "PROJECT"),
        DeadlineRule(State.REFUND_FAILED, _M, _O.RETRY_REFUND, "refund_retry", "PROJECT"),
        DeadlineRule(State.REFUND_ON_HOLD, _M, _O.ESCALATE, "refund_on_hold", "PROJECT"),
    )
}


def deadline_for(
    state: State, view: RequestView, policy: Policy, start: datetime
) -> Deadline | None:
    """The deadline a request gets on entering ``state`` at ``start``."""
    rule = DEADLINE_RULES.get(state)
    if rule is None:
        return None
    return Deadline(at=start + rule.duration(policy, view), outcome=rule.outcome, turn=rule.turn)


def is_due(view: RequestView, now: datetime) -> bool:
    return view.deadline is not None and now >= view.deadline.at


def pause(view: RequestView, now: datetime) -> PausedDeadline | None:
    """Freeze the running deadline when arbitration opens; nothing to keep when
    it already passed or when arbitration is already open."""
    if view.state in ARBITRATION_STATES or view.deadline is None:
        return view.paused
    remaining = view.deadline.at - now
    if remaining <= timedelta(0):
        return None
    return PausedDeadline(state=view.state, remaining=remaining)


def resume(paused: PausedDeadline, now: datetime) -> Deadline:
    """The paused state's deadline, with the time that was left."""
    rule = DEADLINE_RULES[paused.state]
    return Deadline(at=now + paused.remaining, outcome=rule.outcome, turn=rule.turn)

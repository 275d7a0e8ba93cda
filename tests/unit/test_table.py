"""Properties of the transition table as a whole."""

from __future__ import annotations

from collections import deque

import pytest

from saleor_kuai_returns.domain import (
    DEADLINE_RULES,
    TERMINAL_STATES,
    TRANSITION_LIST,
    TRANSITIONS,
    Actor,
    DefaultOutcome,
    Event,
    RequestType,
    State,
)
from saleor_kuai_returns.domain.kinds import RULINGS
from saleor_kuai_returns.domain.states import ARBITRATION_STATES, kuaishou_status
from saleor_kuai_returns.domain.transitions import ByType, Resume

NON_TERMINAL = [state for state in State if state not in TERMINAL_STATES]


def _successors(state: State) -> set[State]:
    found: set[State] = set()
    for row in TRANSITION_LIST:
        if row.source is state:
            found.update(row.possible_targets())
    return found


def test_every_state_is_reachable_from_creation():
    # given
    seen = {State.AWAITING_MERCHANT_REVIEW}
    queue = deque(seen)
    # when
    while queue:
        for target in _successors(queue.popleft()) - seen:
            seen.add(target)
            queue.append(target)
    # then
    assert seen == set(State)


def test_terminal_states_have_no_exits():
    exits = [row for row in TRANSITION_LIST if row.source in TERMINAL_STATES]
    assert exits == []
    assert {State.REFUNDED, State.COMPLETED, State.CLOSED, State.CANCELLED} == TERMINAL_STATES


def test_every_non_terminal_state_can_still_end():
    # from every active state some path leads to a terminal state
    for state in NON_TERMINAL:
        seen, queue = {state}, deque([state])
        while queue:
            for target in _successors(queue.popleft()) - seen:
                seen.add(target)
                queue.append(target)
        assert seen & TERMINAL_STATES, state


@pytest.mark.parametrize("state", NON_TERMINAL)
def test_every_non_terminal_state_has_exactly_one_deadline_and_default_outcome(state):
    expiries = [
        row
        for row in TRANSITION_LIST
        if row.source is state and row.event is Event.DEADLINE_EXPIRED
    ]
    assert state in DEADLINE_RULES
    assert len(expiries) == 1
    assert expiries[0].actors == frozenset({Actor.SYSTEM})


def test_terminal_states_have_no_deadline():
    assert set(DEADLINE_RULES) == set(NON_TERMINAL)


def test_each_event_and_state_pair_has_one_row():
    keys = [(row.event, row.source) for row in TRANSITION_LIST]
    assert len(keys) == len(set(keys)) == len(TRANSITIONS)


def test_every_row_names_the_rule_it_implements():
    unnamed = [(row.event, row.source) for row in TRANSITION_LIST if not row.rule]
    assert unnamed == []


def test_every_event_is_used_by_some_row():
    assert {row.event for row in TRANSITION_LIST} == set(Event)


def test_only_the_system_sends_deadline_and_payment_events():
    system_events = {Event.DEADLINE_EXPIRED, Event.REFUND_SUCCEEDED, Event.REFUND_FAILED}
    for row in TRANSITION_LIST:
        if row.event in system_events:
            assert row.actors == frozenset({Actor.SYSTEM}), row
        else:
            assert Actor.SYSTEM not in row.actors, row


def test_rulings_are_the_platforms_alone_and_only_during_arbitration():
    rows = [row for row in TRANSITION_LIST if row.event in RULINGS]
    assert {row.source for row in rows} == ARBITRATION_STATES
    assert {row.actors for row in rows} == {frozenset({Actor.PLATFORM})}
    assert len(rows) == len(RULINGS) * len(ARBITRATION_STATES)


# What each default outcome does, by where the expired row leads.
OUTCOME_TARGETS = {
    DefaultOutcome.AUTO_APPROVE: {
        State.REFUNDING,
        State.AWAITING_BUYER_RETURN,
        State.AWAITING_RESHIP,
    },
    DefaultOutcome.BACK_TO_REVIEW: {State.AWAITING_MERCHANT_REVIEW},
    DefaultOutcome.AUTO_CLOSE: {State.CLOSED},
    DefaultOutcome.AUTO_REFUND: {State.REFUNDING},
    DefaultOutcome.ESCALATE: {State.ARBITRATION_RULING},
    DefaultOutcome.LATE_SHIPMENT: {State.RESHIP_OVERDUE},
    DefaultOutcome.PRIORITY_COMPENSATION: {State.REFUNDING},
    DefaultOutcome.AUTO_COMPLETE: {State.COMPLETED},
    DefaultOutcome.NEXT_EVIDENCE_ROUND: {State.ARBITRATION_MERCHANT_EVIDENCE},
    DefaultOutcome.TO_RULING: {State.ARBITRATION_RULING},
    DefaultOutcome.RULE_FOR_BUYER: {State.REFUNDING},
    # the payout's last attempt goes on hold instead
    DefaultOutcome.MARK_REFUND_FAILED: {State.REFUND_FAILED, State.REFUND_ON_HOLD},
    DefaultOutcome.RETRY_REFUND: {State.REFUNDING},
}


@pytest.mark.parametrize("state", NON_TERMINAL)
def test_the_expiry_row_leads_where_the_default_outcome_says(state):
    row = TRANSITIONS[(Event.DEADLINE_EXPIRED, state)]
    outcome = DEADLINE_RULES[state].outcome
    assert set(row.possible_targets()) == OUTCOME_TARGETS[outcome]


def test_only_dismissal_resumes_a_paused_state():
    resuming = {row.event for row in TRANSITION_LIST if isinstance(row.target, Resume)}
    assert resuming == {Event.DISMISS_ARBITRATION}


def test_approval_leads_by_request_type():
    row = TRANSITIONS[(Event.APPROVE, State.AWAITING_MERCHANT_REVIEW)]
    assert isinstance(row.target, ByType)
    assert {key.value: value.value for key, value in row.target.targets.items()} == {
        "refund_only": "refunding",
        "return_and_refund": "awaiting_buyer_return",
        "exchange": "awaiting_buyer_return",
        "reship": "awaiting_reship",
    }


@pytest.mark.parametrize(
    ("state", "refund_only", "return_and_refund"),
    [
        (State.AWAITING_MERCHANT_REVIEW, 10, 11),
        (State.ARBITRATION_RULING, 20, 21),
        (State.AWAITING_BUYER_RETURN, 30, 30),
        (State.AWAITING_MERCHANT_RECEIPT, 40, 40),
        (State.AWAITING_BUYER_CONFIRMATION, 45, 45),
        (State.REFUNDING, 50, 50),
        (State.REFUNDED, 60, 60),
        (State.REFUND_FAILED, 70, 70),
        (State.CLOSED, None, None),
    ],
)
def test_kuaishou_status_codes(state, refund_only, return_and_refund):
    assert kuaishou_status(state, RequestType.REFUND_ONLY) == refund_only
    assert kuaishou_status(state, RequestType.RETURN_AND_REFUND) == return_and_refund

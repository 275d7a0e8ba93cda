"""The state diagram (Mermaid), generated from the transition table.

Edges are labelled ``actor: event`` (with the request type when the target
depends on it); each state with a deadline shows its duration and default
outcome under the default policy.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from .deadlines import DEADLINE_RULES
from .kinds import Event
from .policy import DEFAULT_POLICY, Policy
from .states import ARBITRATION_STATES, TERMINAL_STATES, State
from .transitions import TRANSITION_LIST, Branch, ByType, Resume


def format_duration(duration: timedelta) -> str:
    hours = int(duration.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 7 * 24:
        return f"{hours // 24} d"
    if duration.total_seconds() % 3600 == 0:
        return f"{hours} h"
    return f"{int(duration.total_seconds() // 60)} min"


def _deadline_label(state: State, policy: Policy) -> str:
    rule = DEADLINE_RULES[state]
    duration = format_duration(getattr(policy, rule.policy_field))
    if state is State.AWAITING_MERCHANT_REVIEW:
        unshipped = format_duration(policy.unshipped_refund_review)
        duration = f"{duration}, {unshipped} unshipped refund"
    return f"⏱ {duration} → {rule.outcome.value}"


# An edge that leaves this many states or more for the same target with the
# same label is drawn once, as a note, to keep the picture readable.
_FAN_IN = 6
_ARBITRATION = "arbitration"


def _edges() -> dict[tuple[str, State], list[str]]:
    """(source, target) → labels; the three arbitration states' common edges
    leave their composite state once."""
    edges: dict[tuple[State, State], list[str]] = defaultdict(list)
    for row in TRANSITION_LIST:
        if isinstance(row.target, Resume) or row.keeps_state:
            continue
        actors = "/".join(sorted(actor.value for actor in row.actors))
        event = "deadline" if row.event is Event.DEADLINE_EXPIRED else row.event.value
        if isinstance(row.target, ByType):
            by_target: dict[State, list[str]] = defaultdict(list)
            for request_type, target in row.target.targets.items():
                by_target[target].append(request_type.value)
            for target, types in by_target.items():
                edges[(row.source, target)].append(f"{actors}: {event} [{', '.join(types)}]")
        elif isinstance(row.target, Branch):
            edges[(row.source, row.target.otherwise)].append(f"{actors}: {event}")
            edges[(row.source, row.target.then)].append(f"{actors}: {event} [last attempt]")
        else:
            edges[(row.source, row.target)].append(f"{actors}: {event}")
    merged: dict[tuple[str, State], list[str]] = defaultdict(list)
    for (source, target), labels in edges.items():
        for label in labels:
            shared = all(label in edges.get((other, target), []) for other in ARBITRATION_STATES)
            if source in ARBITRATION_STATES and shared:
                if label not in merged[(_ARBITRATION, target)]:
                    merged[(_ARBITRATION, target)].append(label)
            else:
                merged[(source.value, target)].append(label)
    return merged


def mermaid(policy: Policy = DEFAULT_POLICY) -> str:
    """The whole machine as a Mermaid ``stateDiagram-v2``."""
    start = State.AWAITING_MERCHANT_REVIEW.value
    lines = ["stateDiagram-v2", f"    [*] --> {start}: buyer: create"]
    for state in State:
        if state in DEADLINE_RULES and state not in ARBITRATION_STATES:
            lines.append(f"    {state.value}: {state.value}<br/>{_deadline_label(state, policy)}")
    lines.append(f"    state {_ARBITRATION} {{")
    for state in State:
        if state in ARBITRATION_STATES:
            lines.append(
                f"        {state.value}: {state.value}<br/>{_deadline_label(state, policy)}"
            )
    edges = _edges()
    fans: dict[tuple[State, str], list[str]] = defaultdict(list)
    for (source, target), labels in edges.items():
        for label in labels:
            fans[(target, label)].append(source)
    drawn_as_note = {key for key, sources in fans.items() if len(sources) >= _FAN_IN}
    outside: list[str] = []
    for (source, target), labels in edges.items():
        kept = [label for label in labels if (target, label) not in drawn_as_note]
        if not kept:
            continue
        inside = source != _ARBITRATION and State(source) in ARBITRATION_STATES
        inside = inside and target in ARBITRATION_STATES
        edge = f"{source} --> {target.value}: {'<br/>'.join(kept)}"
        (lines if inside else outside).append(("        " if inside else "    ") + edge)
    lines.append("    }")
    lines.extend(outside)
    for state in sorted(TERMINAL_STATES):
        lines.append(f"    {state.value} --> [*]")
    # Mermaid note text may not contain a colon; notes come after the states
    # they point at exist.
    for (target, label), sources in fans.items():
        if (target, label) in drawn_as_note:
            actors, event = label.split(": ", 1)
            lines.append(
                f"    note left of {target.value}: {event} ({actors})<br/>from every active"
                f" state where allowed ({len(sources)})"
            )
    lines.append(
        f"    note right of {_ARBITRATION}: dismiss_arbitration (platform) resumes"
        " the paused state with its remaining time"
    )
    return "\n".join(lines) + "\n"

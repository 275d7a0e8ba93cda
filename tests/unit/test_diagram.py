"""The state diagram: generated from the table, embedded in the README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from saleor_kuai_returns.cli import main
from saleor_kuai_returns.domain import DEADLINE_RULES, TRANSITION_LIST, State
from saleor_kuai_returns.domain.diagram import format_duration, mermaid
from saleor_kuai_returns.domain.policy import Policy

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_diagram() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert match, "README has no mermaid block"
    return match.group(1)


def test_the_readme_embeds_the_generated_diagram():
    assert _readme_diagram() == mermaid()


def test_the_cli_prints_the_diagram(capsys):
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out == mermaid()


def test_every_state_and_every_deadline_appears():
    text = mermaid()
    for state in State:
        assert re.search(rf"\b{state.value}\b", text), state
    for state, rule in DEADLINE_RULES.items():
        assert f"{state.value}<br/>⏱ " in text
        assert f"→ {rule.outcome.value}" in text


def test_every_event_that_changes_state_labels_an_edge():
    text = mermaid()
    for row in TRANSITION_LIST:
        if not row.keeps_state:
            label = "deadline" if row.event.value == "deadline_expired" else row.event.value
            assert f": {label}" in text or f"{label} [" in text, row.event


def test_durations_follow_the_policy():
    assert format_duration(Policy().review) == "48 h"
    assert format_duration(Policy().buyer_return) == "10 d"
    assert "⏱ 12 h, 24 h unshipped refund → auto_approve" in mermaid(
        Policy(review=Policy().reship / 2)
    )


def test_mermaid_notes_hold_no_second_colon():
    # Mermaid cannot parse a one-line note whose text contains a colon.
    notes = [line for line in mermaid().splitlines() if line.strip().startswith("note ")]
    assert len(notes) == 3
    assert [note.count(":") for note in notes] == [1, 1, 1]


def test_notes_follow_the_states_they_point_at():
    lines = mermaid().splitlines()
    first_note = next(i for i, line in enumerate(lines) if line.strip().startswith("note "))
    assert all("-->" not in line for line in lines[first_note:])


def test_the_diagram_does_not_depend_on_hash_seeds():
    # set iteration order changes with PYTHONHASHSEED; the table must not
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "saleor_kuai_returns.cli", "diagram"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert outputs == {mermaid()}

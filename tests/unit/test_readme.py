"""The README stays true: its example runs, its settings table lists every setting."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

from saleor_kuai_returns.domain import DEFAULT_POLICY, Policy, State
from saleor_kuai_returns.domain.diagram import format_duration

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_engine_example_runs_and_says_what_it_shows():
    # given
    block = re.search(r"## Using the engine\n\n```python\n(.*?)```", README, re.DOTALL)
    assert block
    namespace: dict[str, object] = {}
    # when
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    # then
    request, decision, now = namespace["request"], namespace["decision"], namespace["now"]
    assert request.deadline.at == now + timedelta(hours=48)  # type: ignore[attr-defined,operator]
    assert request.deadline.outcome.value == "auto_approve"  # type: ignore[attr-defined]
    assert decision.view.state is State.AWAITING_BUYER_RETURN  # type: ignore[attr-defined]


def _settings_table() -> dict[str, str]:
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def _shown(value: object) -> str:
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if hasattr(value, "value"):
        return f"`{value.value}`"
    if value == {}:
        return "none"
    return str(value)


def test_the_settings_table_lists_every_setting_with_its_default():
    table = _settings_table()
    names = [item.name for item in fields(Policy)]
    assert list(table) == names
    assert {name: _shown(getattr(DEFAULT_POLICY, name)) for name in names} == table

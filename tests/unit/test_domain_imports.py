"""The domain imports only the standard library (and itself)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import saleor_kuai_returns.domain as domain

DOMAIN_DIR = Path(domain.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_domain_module_imports_only_the_standard_library():
    # given
    modules = sorted(DOMAIN_DIR.glob("*.py"))
    # when
    outside = {
        path.name: sorted(name for name in _imports(path) if name not in sys.stdlib_module_names)
        for path in modules
    }
    # then
    assert len(modules) >= 15
    assert {name: found for name, found in outside.items() if found} == {}

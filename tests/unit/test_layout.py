"""The repository layout the project promises (see the README's design section)."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_graphql_folder_is_never_a_python_package():
    assert (ROOT / "graphql").is_dir()
    assert list((ROOT / "graphql").rglob("__init__.py")) == []


def test_migrations_are_installed_as_the_apps_migrations_module():
    module = importlib.import_module("saleor_kuai_returns.migrations")
    assert Path(module.__file__).resolve() == (ROOT / "migrations" / "__init__.py").resolve()


def test_no_test_folder_is_named_graphql():
    assert [path for path in (ROOT / "tests").rglob("graphql") if path.is_dir()] == []

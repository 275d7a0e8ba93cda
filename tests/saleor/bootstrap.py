"""A pytest plugin that runs ``tests/saleor`` the way Saleor runs its own tests.

``bin/test-saleor`` loads it with ``-p tests.saleor.bootstrap``. Once pytest-django
has set Django up with Saleor's test settings, it loads Saleor's own root
``conftest.py`` from Saleor's source checkout as a plugin: Saleor's fixtures
(``order_with_lines``, ``staff_api_client``, …) and its test database wiring
(the fake read replica) then work here exactly as in Saleor's suite. Nothing of
Saleor's is copied into this repository.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REGISTERED_AS = "saleor_root_conftest"


def saleor_conftest_path() -> Path:
    import saleor

    return Path(saleor.__file__).resolve().parent.parent / "conftest.py"


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # pytest-django's implementation of this hook sets Django up; it is registered
    # after this -p plugin, so it runs first. pytest's own (trylast) loads the
    # conftests afterwards, when Saleor's fixtures are already here.
    from django.apps import apps

    if not apps.ready:
        raise pytest.UsageError("Django is not set up: run with --ds=saleor.tests.settings.")
    path = saleor_conftest_path()
    if not path.is_file():
        raise pytest.UsageError(
            f"Saleor's root conftest.py is not at {path}: tests/saleor need Saleor 3.23 "
            "installed from its source checkout (as Saleor's README describes)."
        )
    spec = importlib.util.spec_from_file_location(REGISTERED_AS, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[REGISTERED_AS] = module
    spec.loader.exec_module(module)
    early_config.pluginmanager.register(module, REGISTERED_AS)
    # Its ``pytest_plugins`` list: Saleor's fixture modules.
    early_config.pluginmanager.consider_module(module)

"""Fixtures for the app tests: the sandbox shop on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import saleor_kuai_returns.sandbox.celery  # noqa: F401 - the sandbox's Celery app is current
from saleor_kuai_returns.sandbox.factory import Demo, caller_for, make_demo

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(db) -> Demo:
    return make_demo(NOW)


@pytest.fixture
def buyer(demo):
    return caller_for(demo.buyer)


@pytest.fixture
def merchant(demo):
    return caller_for(demo.merchant)


@pytest.fixture
def platform(demo):
    return caller_for(demo.platform)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what actions schedule after commit (tasks run in-process)."""

    def runner(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return runner

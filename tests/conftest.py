"""Test-wide settings: Hypothesis runs derandomized in CI so a green run repeats;
the sandbox's Celery app is the current app (tasks run in-process unless a test
starts a real worker)."""

from __future__ import annotations

import os

from hypothesis import settings

import saleor_kuai_returns.sandbox.celery  # noqa: F401 - makes the sandbox app current

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

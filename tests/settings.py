"""Test settings: the sandbox on PostgreSQL (``DATABASE_URL``, default the local
server), tasks in-process unless a test starts a real worker."""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuai_returns")

from saleor_kuai_returns.sandbox.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-django's live server serves static files at STATIC_URL (the sandbox has none).
STATIC_URL = "/static/"

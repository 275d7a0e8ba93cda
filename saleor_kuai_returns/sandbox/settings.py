"""Settings of the sandbox shop: the demo server and the test suite.

Embedded defaults: SQLite in ``.sandbox.sqlite3`` and tasks run in-process.
``DATABASE_URL`` (``postgres://user@host:port/name``) switches to PostgreSQL and
``CELERY_BROKER_URL`` to a real Celery broker.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(os.environ.get("KUAI_SANDBOX_DIR", Path.cwd()))
SECRET_KEY = os.environ.get("SECRET_KEY", "kuai-sandbox-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "saleor_kuai_returns",
    "saleor_kuai_returns.sandbox",
]


def database_from_url(url: str) -> dict[str, object]:
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be postgres://…, not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "postgres",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
    }


DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / ".sandbox.sqlite3"}
}

KUAI_RETURNS_HOST = "saleor_kuai_returns.host.sandbox.SandboxHost"
KUAI_RETURNS_SWEEP_INTERVAL = timedelta(minutes=1)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict[str, object] = {}

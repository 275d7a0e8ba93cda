"""Settings of the sandbox shop: the demo server and the test suite.

Embedded defaults: SQLite in ``.sandbox.sqlite3`` (in ``KUAI_SANDBOX_DIR``, by
default the working directory) and tasks run in-process. ``DATABASE_URL``
(``postgres://user@host:port/name``) switches to PostgreSQL and
``CELERY_BROKER_URL`` to a real Celery broker. ``kuai-returns serve`` sets these
variables from its options, so the worker and beat it starts read the same.
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

ROOT_URLCONF = "saleor_kuai_returns.sandbox.urls"


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


SQLITE_FILE = BASE_DIR / ".sandbox.sqlite3"
DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SQLITE_FILE,
        # The server's threads (requests, the in-process sweeper) and a Celery
        # worker write to one file: take the write lock when a transaction
        # begins, and wait for it rather than fail.
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}

KUAI_RETURNS_HOST = "saleor_kuai_returns.host.sandbox.SandboxHost"
# How often deadlines are swept: Celery beat's interval, and the in-process
# sweeper's when no broker is set. ``serve`` makes it short (2 s by default).
KUAI_RETURNS_SWEEP_INTERVAL = timedelta(
    seconds=float(os.environ.get("KUAI_SANDBOX_SWEEP_SECONDS", "60"))
)
# How many times faster than the wall clock the sandbox's after-sale deadlines
# run (``serve --speed``): 2880 makes the 48 h merchant review last a minute.
KUAI_SANDBOX_TIME_SPEED = float(os.environ.get("KUAI_SANDBOX_TIME_SPEED", "1"))

# How long a follow-up run (a payment, a return) holds its work before the
# sweeper takes it up again (KUAI_RETURNS_FOLLOW_UP_LEASE): five minutes, as in
# Saleor; the fault-injection tests shorten it.
KUAI_RETURNS_FOLLOW_UP_LEASE = timedelta(
    seconds=float(os.environ.get("KUAI_SANDBOX_FOLLOW_UP_LEASE_SECONDS", "300"))
)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down or stops answering must not hold up the request whose
# decision just committed: sending its follow-ups gives up within seconds (the
# sweeper sends them later).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict[str, object] = {}

"""``kuai-returns serve``: the sandbox shop as a local server with its demo data.

Embedded defaults: SQLite in the working directory and deadlines swept by a
thread of the server itself. ``--database`` switches to PostgreSQL, ``--celery``
to a Celery worker and beat on a broker, ``--speed`` makes after-sale time run
faster. Everything is passed on through the environment, which the sandbox
settings read, so the Celery processes the server starts see the same shop.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from django.core.servers.basehttp import WSGIServer

    from .demo import LoadedDemo

SETTINGS_MODULE = "saleor_kuai_returns.sandbox.settings"
ADDRESS = "127.0.0.1"


@dataclass(frozen=True)
class ServeOptions:
    port: int = 8000
    database: str = ""  # postgres://…; empty: SQLite in the working directory
    celery: str = ""  # a broker URL; empty: deadlines swept in-process
    speed: float = 1.0
    sweep_every: float = 2.0  # seconds
    reset: bool = False


class ServeError(Exception):
    """Why the server cannot start, said to the person who started it."""


def serve(options: ServeOptions) -> int:
    """Start the sandbox server; return the exit code once it was stopped."""
    configure_environment(options)
    try:
        httpd = bind(options.port)
    except ServeError as error:
        print(f"kuai-returns serve: {error}", file=sys.stderr)
        return 1
    try:
        if options.celery:
            check_broker(options.celery)
        if options.database:
            ensure_postgres_database(options.database)
        demo = prepare_database(reset=options.reset)
    except ServeError as error:
        httpd.server_close()
        print(f"kuai-returns serve: {error}", file=sys.stderr)
        return 1
    return run(httpd, options, demo)


def configure_environment(options: ServeOptions) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    os.environ["KUAI_SANDBOX_DIR"] = str(Path(os.environ.get("KUAI_SANDBOX_DIR") or ".").resolve())
    os.environ["KUAI_SANDBOX_TIME_SPEED"] = repr(options.speed)
    os.environ["KUAI_SANDBOX_SWEEP_SECONDS"] = repr(options.sweep_every)
    for name, value in (("DATABASE_URL", options.database), ("CELERY_BROKER_URL", options.celery)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)


def ensure_postgres_database(url: str) -> None:
    """Create the database of ``url`` when its server does not have it yet."""
    try:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo
    except ImportError as error:
        raise ServeError("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from error

    from .settings import database_from_url

    db = {key: str(value) for key, value in database_from_url(url).items()}
    server = make_conninfo(
        dbname="postgres",
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
    )
    try:
        with psycopg.connect(server, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                print(f"Created the database {db['NAME']}.", flush=True)
    except psycopg.OperationalError as error:
        raise ServeError(f"cannot reach PostgreSQL at {public_url(url)}: {error}") from error


def prepare_database(*, reset: bool) -> LoadedDemo:
    """Migrate, empty the database on ``reset``, load the demo once."""
    import django
    from django.core.management import call_command
    from django.db import OperationalError
    from django.utils import timezone

    django.setup()
    from . import celery  # noqa: F401 - tasks run on the sandbox's Celery app
    from .demo import load_demo

    try:
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        return load_demo(timezone.now())
    except OperationalError as error:
        raise ServeError(f"the database refused: {error}") from error


def bind(port: int) -> WSGIServer:
    """Take the port first: when it is in use, say so before any other work.
    Connections wait in the socket's backlog until the server serves them."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    try:
        return ThreadedWSGIServer((ADDRESS, port), WSGIRequestHandler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is in use; choose another with --port") from error
        raise


def run(httpd: WSGIServer, options: ServeOptions, demo: LoadedDemo) -> int:
    from django.core.wsgi import get_wsgi_application

    from ..app_settings import app_settings
    from .background import CeleryProcesses, Sweeper, say
    from .banner import Running, banner

    httpd.set_app(get_wsgi_application())
    background: CeleryProcesses | Sweeper
    if options.celery:
        background = CeleryProcesses(public_url(options.celery), on_exit=httpd.shutdown)
    else:
        background = Sweeper(app_settings.SWEEP_INTERVAL)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        background.start()
        running = Running(
            url=f"http://{ADDRESS}:{httpd.server_address[1]}",
            database=describe_database(options.database),
            deadlines=background.describe(),
            speed=options.speed,
        )
        print(banner(running, demo), end="", flush=True)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        httpd.server_close()
        background.stop()
    if background.failure:
        print(f"kuai-returns serve: {background.failure}", file=sys.stderr)
        return 1
    say("Stopped.")
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def check_broker(url: str) -> None:
    from .celery import app

    try:
        with app.connection_for_write(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as error:
        raise ServeError(f"cannot reach the Celery broker at {public_url(url)}: {error}") from error


def describe_database(url: str) -> str:
    if url:
        return f"PostgreSQL {public_url(url)}"
    from django.conf import settings

    return f"SQLite {settings.DATABASES['default']['NAME']}"


def public_url(url: str) -> str:
    """``url`` without its password."""
    parts = urlparse(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()

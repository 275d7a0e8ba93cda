"""Fault injection with real processes: the sandbox server, Celery workers, a
Redis of the test's own, the sandbox's payment app.

A fault is injected only where a real one happens: a process is killed with
SIGKILL (from outside, or by a test-only host at one chosen instant, see
``hosts.py``), a broker is killed or frozen. Every process a test starts runs in a
process group of its own and that group is killed at teardown; every wait has
a hard timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import override_settings
from django.utils import timezone

import saleor_kuai_returns.sandbox.celery  # noqa: F401 - the sandbox's Celery app is current
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.audit import audit
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import EvidenceKind, FollowUp, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import LineSpec, caller_for, make_demo, make_order

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_SETTINGS = "saleor_kuai_returns.sandbox.settings"
CELERY_APP = "saleor_kuai_returns.sandbox.celery"
# The follow-ups' lease in every process of these tests: a run that died is
# taken up by the sweeper this long after it started.
LEASE_SECONDS = 2
STOP_TIMEOUT = 20


def wait_until[T](condition: Callable[[], T], timeout: float, what: Callable[[], str] | str) -> T:
    """``condition()``'s first truthy value within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if value := condition():
            return value
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {timeout} s: {said}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kill_group(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)


def base_env(**extra: str) -> dict[str, str]:
    """A clean environment for a sandbox process: none of the suite's own
    database, broker or sandbox settings; the checkout on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL"}
        and not key.startswith("KUAI_")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env["KUAI_SANDBOX_FOLLOW_UP_LEASE_SECONDS"] = str(LEASE_SECONDS)
    env.update(extra)
    return env


@dataclass
class Processes:
    """The processes a test started; each in a group of its own, its output in
    a file of ``logs``."""

    logs: Path
    started: list[subprocess.Popen[Any]] = field(default_factory=list)

    def start(
        self, name: str, args: list[str], env: dict[str, str], **kwargs: Any
    ) -> subprocess.Popen[Any]:
        log = self.logs / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=kwargs.pop("stdout", output),
                stderr=kwargs.pop("stderr", output),
                start_new_session=True,
                **kwargs,
            )
        self.started.append(process)
        return process

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def kill_all(self) -> None:
        for process in self.started:
            kill_group(process)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    yield started
    started.kill_all()


# --- PostgreSQL ----------------------------------------------------------------------


def _maintenance(url: str):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture
def fresh_postgres():
    """The URL of a PostgreSQL database that does not exist yet (the sandbox
    server creates it), next to the suite's; dropped afterwards."""
    import psycopg

    suite = urlparse(os.environ["DATABASE_URL"])
    name = f"kuai_faults_{uuid.uuid4().hex[:12]}"
    url = suite._replace(path=f"/{name}").geturl()
    try:
        _maintenance(url).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {suite.hostname}:{suite.port}: {error}")
    yield url
    with _maintenance(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Redis ---------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A ``redis-server`` of the test's own on a free port, without
    persistence: killed, it loses whatever it held, as a crashed broker does."""

    processes: Processes
    port: int
    process: subprocess.Popen[Any] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = self.processes.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            os.environ.copy(),
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers() -> bool:
            with contextlib.suppress(redis.ConnectionError):
                return bool(client.ping())
            return False

        wait_until(answers, 10, lambda: f"redis on port {self.port}: {self.processes.log('redis')}")

    def kill(self) -> None:
        """Dead: connections are refused, and what it held is lost."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def freeze(self) -> None:
        """Hung (as in a stalled fork, a full disk, a partition): connections
        are accepted and nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(processes):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    pytest.importorskip("redis")
    server = RedisServer(processes, free_port())
    server.start()
    return server


# --- Celery: workers and an application process on the suite's test database --------


# A broker that is away must fail a send at once, not after kombu's retries or
# never: one connection attempt, socket operations of at most a second, no
# publish retries.
FAIL_FAST_BROKER = {
    "CELERY_BROKER_CONNECTION_RETRY": False,
    "CELERY_BROKER_CONNECTION_MAX_RETRIES": 0,
    "CELERY_BROKER_CONNECTION_TIMEOUT": 1,
    "CELERY_TASK_PUBLISH_RETRY": False,
    "CELERY_BROKER_TRANSPORT_OPTIONS": {
        "max_retries": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    },
}


def suite_database_url() -> str:
    """pytest-django's test database, for another process."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass
class AppProcess:
    """A shop's application process (``shop.py app``): approves what it is told."""

    process: subprocess.Popen[str]
    name: str
    processes: Processes

    def answer(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise AssertionError(
                f"the app process said nothing in {timeout} s (hung?):\n"
                + self.processes.log(self.name)
            )
        line = self.process.stdout.readline()
        assert line, f"the app process ended: {self.processes.log(self.name)}"
        return dict(json.loads(line))

    def approve(self, request_pk: object, timeout: float = 30) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"approve {request_pk}\n")
        self.process.stdin.flush()
        return self.answer(timeout)


@dataclass
class CeleryRig:
    """Workers, an application process and the sweeper on one broker and
    one queue of the test's own; every process on the suite's test database."""

    processes: Processes
    directory: Path
    broker_url: str
    queue: str = field(default_factory=lambda: f"kuai-faults-{uuid.uuid4().hex[:12]}")
    # The follow-up lease of every process started after it is set.
    lease_seconds: int = LEASE_SECONDS
    marker: Path = field(init=False)

    def __post_init__(self) -> None:
        self.marker = self.directory / "crash-once"

    def env(self, name: str, **values: object) -> dict[str, str]:
        """The environment of a process whose Django settings are the suite's
        with this broker and queue, the short lease, and ``values``."""
        settings = {
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": False,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "KUAI_FAULT_CRASH_MARKER": str(self.marker),
            **values,
        }
        lines = [
            "from datetime import timedelta",
            "from tests.settings import *  # noqa: F403",
            *(f"{key} = {value!r}" for key, value in settings.items()),
            f"KUAI_RETURNS_FOLLOW_UP_LEASE = timedelta(seconds={self.lease_seconds})",
        ]
        module = f"kuai_fault_{name.replace('-', '_')}"
        (self.directory / f"{module}.py").write_text("\n".join(lines) + "\n")
        env = base_env(
            DJANGO_SETTINGS_MODULE=module,
            DATABASE_URL=suite_database_url(),
            CELERY_BROKER_URL=self.broker_url,
        )
        env["PYTHONPATH"] = os.pathsep.join([str(self.directory), env["PYTHONPATH"]])
        return env

    def worker(self, name: str, **settings: object) -> subprocess.Popen[Any]:
        """A worker consuming only this queue, one task at a time."""
        return self.processes.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                CELERY_APP,
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--queues",
                self.queue,
                "--hostname",
                f"{name}-{self.queue}@%h",
            ],
            self.env(name, **settings),
        )

    def crash_once(self) -> None:
        """The next run of a crashing host dies (see ``hosts.py``)."""
        self.marker.touch()

    def app(self, name: str = "app", **settings: object) -> AppProcess:
        process = self.processes.start(
            name,
            [sys.executable, "-m", "tests.faults.shop", "app"],
            self.env(name, **settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        app = AppProcess(process, name, self.processes)
        assert app.answer(timeout=60) == {"ready": True}
        return app

    def sweep(self) -> None:
        """What beat sends every interval: the sweeper task, to a worker."""
        from celery import Celery as Client

        client = Client("kuai-fault-client", broker=self.broker_url, set_as_current=False)
        try:
            client.send_task("kuai_returns.sweep_deadlines", queue=self.queue)
        finally:
            client.close()


@pytest.fixture
def celery(processes, redis_server, tmp_path):
    return CeleryRig(processes, tmp_path, redis_server.url)


def wait_for_exit(process: subprocess.Popen[Any], timeout: float, log: Callable[[], str]) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the process did not end in {timeout} s:\n{log()}") from None


def run_json(processes: Processes, name: str, args: list[str], env, timeout: float = 60):
    """Run a helper process to its end; its last output line as JSON."""
    process = processes.start(
        name, [sys.executable, "-m", *args], env, stdout=subprocess.PIPE, text=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        raise AssertionError(f"{name} did not end in {timeout} s: {processes.log(name)}") from None
    assert process.returncode == 0, f"{name} exit {process.returncode}: {processes.log(name)}"
    return json.loads(output.strip().splitlines()[-1])


# --- the shop in the test process (pytest-django's database) ---------------------------


@pytest.fixture
def shop_demo(transactional_db):
    """The demo shop, at the wall clock's time: the processes of these tests
    run on it too."""
    return make_demo(timezone.now())


def file_refund(demo, sku: str, *, paid: str = "100.00"):
    """A refund-only request of one unit on a new order of ``sku`` (paid
    ``paid``), delivered yesterday; filed by the demo buyer."""
    order = make_order(
        demo.channel,
        demo.buyer,
        [LineSpec(sku, "Tee", 1, paid)],
        delivered_at=timezone.now() - timedelta(days=1),
    )
    new = NewRequest(
        RequestType.REFUND_ONLY,
        Reason.QUALITY_FUNCTION,
        lines=((str(order.lines.get().id), 1),),
    )
    photo = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")
    return create_request(str(order.id), caller_for(demo.buyer), new, evidence=[photo])


def audit_now() -> list[str]:
    """The money audit's findings now, with the processes' short lease."""
    with override_settings(KUAI_RETURNS_FOLLOW_UP_LEASE=timedelta(seconds=LEASE_SECONDS)):
        return [str(finding) for finding in audit(now=timezone.now(), host=SandboxHost())]


def open_follow_ups() -> list[tuple[str, int]]:
    """(kind, runs) of every follow-up neither done nor given up."""
    return list(
        FollowUp.objects.filter(done_at=None, failed_at=None)
        .order_by("created_at")
        .values_list("kind", "attempts")
    )


# --- what the shop and the app recorded ----------------------------------------------

RECOVERY_TIMEOUT = 30  # seconds for the workers and the sweeper to finish the work
PAID = Decimal("100.000")
NOTHING = Decimal("0.000")
FILED = "After-sale request filed: refund only."
APPROVED = "After-sale request: approve by merchant — awaiting merchant review → refunding."
REFUNDED = "After-sale request: refund succeeded by system — refunding → refunded."
FAILED_BY_DEADLINE = "After-sale request: deadline expired by system — refunding → refund failed."
# The notes on the order of a refund paid at the first try, sorted (``order_notes``).
NOTES = sorted([FILED, APPROVED, REFUNDED])


def payments():
    return list(
        shop.Payment.objects.order_by("pk").values_list("idempotency_key", "amount", "status")
    )


def attempts(request):
    return list(
        MoneyMovement.objects.filter(request=request)
        .order_by("attempt")
        .values_list("attempt", "status", "amount")
    )


def refreshed(request):
    request.refresh_from_db()
    return request.state, request.refunded_amount


def order_notes(request):
    """The notes on the request's order, sorted: after a recovery they are
    written in the order the follow-ups ran, not the order of the decisions."""
    return sorted(
        shop.OrderNote.objects.filter(order_id=request.order_id).values_list("message", flat=True)
    )


def refunded_lines(request):
    return list(
        shop.OrderLine.objects.filter(order_id=request.order_id).values_list(
            "amount_refunded", "quantity_refunded_shipped", "quantity_refunded_unshipped"
        )
    )


def beat(celery, until, what: str, timeout: float = RECOVERY_TIMEOUT) -> None:
    """Send the sweeper every second, as beat does, until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not within {timeout} s: {what}\n{celery.processes.log('worker')}"
            )
        celery.sweep()
        time.sleep(1)


def settled(request) -> bool:
    return refreshed(request)[0] == "refunded" and open_follow_ups() == []

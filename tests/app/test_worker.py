"""The sweeper in real worker processes: one killed while it holds its batch,
and a Celery worker on Redis that chains batches and pays the refunds."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host import get_host
from saleor_kuai_returns.models import AfterSaleRequest, EvidenceKind, MoneyMovement, TimelineEvent
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import LineSpec, make_order
from saleor_kuai_returns.sweeper import expire_due

from .conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")
REDIS_URL = os.environ.get("KUAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

# A sweeper process that stops for good once its batch is written and not yet
# committed, after printing its database backend's pid and the batch size.
SWEEPER_THAT_HANGS_IN_ITS_BATCH = """
import sys, time
import django

django.setup()
from datetime import datetime
from django.db import connection
from saleor_kuai_returns import sweeper
from saleor_kuai_returns.host import get_host

real_write = sweeper.write

def write_then_hang(staged, **kwargs):
    real_write(staged, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        print(cursor.fetchone()[0], len(staged), flush=True)
    time.sleep(600)

sweeper.write = write_then_hang
sweeper.expire_due(datetime.fromisoformat(sys.argv[1]), batch_size=int(sys.argv[2]), host=get_host())
"""


def shared_database_url():
    """The test database, for another process (``tests.settings`` reads it)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=shared_database_url(),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        **extra,
    )
    return env


def file_requests(demo, buyer, filed_at, kinds):
    """One request per kind, each on its own order, filed at ``filed_at``."""
    requests = []
    for i, request_type in enumerate(kinds):
        order = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec(f"SKU-{i}", "Tee", 1, "100.00")],
            delivered_at=filed_at - timedelta(days=1),
        )
        line = order.lines.get()
        new = NewRequest(request_type, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
        requests.append(create_request(str(order.id), buyer, new, evidence=[PHOTO], now=filed_at))
    return requests


def read_line(process, timeout):
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        _, errors = process.communicate()
        raise AssertionError(f"the process said nothing in {timeout} s:\n{errors}")
    return process.stdout.readline()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def backend_gone(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def states(requests):
    rows = dict(
        AfterSaleRequest.objects.values_list("pk", "state").filter(pk__in=[r.pk for r in requests])
    )
    return [rows[r.pk] for r in requests]


REFUND, RETURN = RequestType.REFUND_ONLY, RequestType.RETURN_AND_REFUND


def test_a_worker_killed_holding_its_batch_leaves_it_whole_for_the_next_sweep(demo, buyer):
    # given six requests due at the review deadline: three refunds, three returns
    requests = file_requests(demo, buyer, NOW, [REFUND, RETURN] * 3)
    due = NOW + timedelta(hours=48)
    # and a sweeper process that wrote its batch and hangs before committing
    worker = subprocess.Popen(
        [sys.executable, "-c", SWEEPER_THAT_HANGS_IN_ITS_BATCH, due.isoformat(), "10"],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        backend_pid, batch = map(int, read_line(worker, timeout=60).split())
        assert batch == 6
        # while it holds the batch nothing shows, and another sweeper skips the rows
        assert states(requests) == ["awaiting_merchant_review"] * 6
        assert expire_due(due, batch_size=10, host=get_host()) == 0
        # when the worker is killed
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    wait_until(lambda: backend_gone(backend_pid), 20, "the killed worker's backend ended")
    # then its batch was rolled back whole ...
    assert states(requests) == ["awaiting_merchant_review"] * 6
    assert (TimelineEvent.objects.count(), MoneyMovement.objects.count()) == (6, 0)
    # ... and the next sweep expires every request exactly once, paying each refund once
    assert expire_due(due, batch_size=10, host=get_host()) == 6
    assert expire_due(due, batch_size=10, host=get_host()) == 0
    assert states(requests) == ["refunded", "awaiting_buyer_return"] * 3
    assert sorted(
        TimelineEvent.objects.exclude(event="created").values_list("request_id", "event")
    ) == sorted(
        [(r.pk, "deadline_expired") for r in requests]
        + [(r.pk, "refund_succeeded") for r in requests[::2]]
    )
    assert sorted(MoneyMovement.objects.values_list("request_id", "attempt", "status")) == sorted(
        (r.pk, 1, "succeeded") for r in requests[::2]
    )
    assert (
        list(shop.Payment.objects.values_list("amount", "status"))
        == [(Decimal("100.000"), "succeeded")] * 3
    )


def test_a_celery_worker_on_redis_sweeps_in_chained_batches_and_pays(demo, buyer, tmp_path):
    redis = pytest.importorskip("redis")
    broker = redis.Redis.from_url(REDIS_URL)
    try:
        broker.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (set KUAI_TEST_REDIS_URL)")
    # given seven requests a month old, due by the worker's own clock: four refunds, three returns
    filed_at = timezone.now() - timedelta(days=30)
    requests = file_requests(demo, buyer, filed_at, [REFUND, RETURN] * 3 + [REFUND])
    refunds = [r for r in requests if r.request_type == REFUND]
    # and a worker on its own queue, with batches of three
    queue = f"kuai-test-{uuid.uuid4().hex}"
    (tmp_path / "kuai_worker_settings.py").write_text(
        "from tests.settings import *  # noqa: F403\n"
        "KUAI_RETURNS_SWEEP_BATCH_SIZE = 3\n"
        f"CELERY_TASK_DEFAULT_QUEUE = {queue!r}\n"
    )
    env = process_env(CELERY_BROKER_URL=REDIS_URL)
    env.update(
        DJANGO_SETTINGS_MODULE="kuai_worker_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), env["PYTHONPATH"]]),
    )
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "saleor_kuai_returns.sandbox.celery",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        from celery import Celery

        client = Celery("kuai-test-client", broker=REDIS_URL, set_as_current=False)
        # when the sweep is sent once
        client.send_task("kuai_returns.sweep_deadlines", queue=queue)
        # then the worker expires every request and pays every refund
        wait_until(
            lambda: (
                states(requests) == ["refunded", "awaiting_buyer_return"] * 3 + ["refunded"]
                and shop.OrderNote.objects.count() == 7 + 7 + 4
            ),
            60,
            f"the worker's sweep (log: {log.read_text()[-3000:]})",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    # in three chained tasks of 3, 3 and 1
    sweeps = re.findall(
        r"kuai_returns\.sweep_deadlines\[[^\]]+\] succeeded in \S+: (\d+)", log.read_text()
    )
    assert sweeps == ["3", "3", "1"]
    assert TimelineEvent.objects.filter(event="deadline_expired").count() == 7
    assert sorted(MoneyMovement.objects.values_list("request_id", "attempt", "status")) == sorted(
        (r.pk, 1, "succeeded") for r in refunds
    )
    assert (
        list(shop.Payment.objects.values_list("amount", "status"))
        == [(Decimal("100.000"), "succeeded")] * 4
    )
    assert (
        list(
            AfterSaleRequest.objects.filter(pk__in=[r.pk for r in refunds]).values_list(
                "version", "refunded_amount", "merchant_missed_deadline"
            )
        )
        == [(2, Decimal("100.000"), True)] * 4
    )

"""``serve --celery``: a real Celery worker and beat on Redis enforce the deadlines.

Needs Redis (``KUAI_TEST_SERVER_REDIS_URL``, default db 5 of the local server):
skipped without it, except in CI (``CI`` set), where Redis is part of the setup.
"""

from __future__ import annotations

import os
import re
import signal

import pytest

from .test_serve import file_the_return, requests_seen, wait_until

REDIS_URL = os.environ.get("KUAI_TEST_SERVER_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def broker_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (set KUAI_TEST_SERVER_REDIS_URL)")
    return REDIS_URL


def celery_pids(server):
    found = re.search(r"Celery worker \(pid (\d+)\) and beat \(pid (\d+)\)", server.banner)
    assert found, server.banner
    return int(found.group(1)), int(found.group(2))


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_celery_worker_and_beat_auto_approve_and_stop_with_the_server(
    start_server, server_database_url, broker_url
):
    # given the server on PostgreSQL with Celery on Redis, 86400× faster
    server = start_server(
        "--database", server_database_url, "--celery", broker_url, "--speed", "86400"
    )
    worker, beat = celery_pids(server)
    assert (
        f"  Deadlines  swept by a Celery worker (pid {worker}) and beat (pid {beat}) "
        f"on {broker_url}, every 2 s\n"
    ) in server.banner
    # when the buyer files the banner's return and nobody reviews it
    assert file_the_return(server)["state"] == "AWAITING_MERCHANT_REVIEW"
    # then the worker, sent the sweep by beat, approves it
    wait_until(
        lambda: (
            requests_seen(server, "buyer") != [("AWAITING_MERCHANT_REVIEW", "RETURN_AND_REFUND")]
        ),
        60,
        "the worker applied the review deadline",
    )
    assert requests_seen(server, "buyer") == [("AWAITING_BUYER_RETURN", "RETURN_AND_REFUND")]
    # when the server is stopped
    assert server.stop() == 0
    # then so are its worker and beat
    assert (running(worker), running(beat)) == (False, False)


def test_the_server_stops_when_its_worker_ends(start_server, tmp_path, broker_url):
    # given the server on SQLite with Celery on Redis
    server = start_server("--celery", broker_url)
    worker, beat = celery_pids(server)
    # when its worker dies
    os.kill(worker, signal.SIGKILL)
    # then the server stops, saying why, and takes beat with it
    assert server.process.wait(timeout=60) == 1
    assert server.stderr().endswith(
        f"kuai-returns serve: the Celery worker ended (exit code {-signal.SIGKILL})\n"
    )
    assert running(beat) is False

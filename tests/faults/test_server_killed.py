"""The sandbox server killed mid-burst (issue 9, cases 14 and 15).

The server runs with its in-process sweeper (every second) and a follow-up
lease of two seconds. The merchant fires a burst of approvals in parallel and
the server's process group is killed with SIGKILL a moment later, while
approvals commit and refunds are being paid; this is repeated on the same
database, each time with a new burst while the last one's leftovers recover.
After a last restart every request is refunded exactly once by the shop's own
records, and the money audit finds nothing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from pathlib import Path

import pytest

from saleor_kuai_returns.graphql.core.ids import REQUEST, uuid_from_global_id
from tests.server.conftest import KUAI_RETURNS, Server

from .conftest import SANDBOX_SETTINGS, Processes, base_env, run_json, wait_until

FILE_REFUND = (
    "mutation($order: ID!, $line: ID!) { afterSaleRequestCreate(orderId: $order, input: "
    "{type: REFUND_ONLY, reason: QUALITY_FUNCTION, lines: [{orderLineId: $line, quantity: 1}], "
    'evidence: [{kind: IMAGE, url: "https://img.example.com/1.jpg"}]}) '
    "{ afterSaleRequest { id state } errors { code message } } }"
)
APPROVE = (
    "mutation($id: ID!) { afterSaleRequestApprove(id: $id) "
    "{ afterSaleRequest { state } errors { code message } } }"
)
BURST = 40  # approvals in flight at once, as in the probe
# How long after the burst starts each kill comes: varied, so that the server
# dies at different points of its approvals and payments.
KILL_AFTER = (0.5, 1.0, 0.2, 1.4, 0.7)
SETTLE_TIMEOUT = 90  # seconds for the restarted server to refund everything
# The channel's refunds show failed after 3 s without an answer and are retried
# 1 s later: a refund whose run was killed meets the deadline path (refund
# failed, attempt 2) as well as the sweeper's resend.
POLICY = {"refund_confirmation": "0.001", "refund_retry": "0.0003"}
REFUNDED = "refunded"
AWAITING_REVIEW = "awaiting_merchant_review"
PAID = "100.000"
REQUESTS = "{ afterSaleRequests(first: 1) { totalCount } }"


class Shop:
    """The sandbox server's database, however it is stored, and its server."""

    def __init__(self, processes: Processes, directory: Path, database_url: str) -> None:
        self.processes = processes
        self.directory = directory
        self.database_url = database_url
        self.runs = 0

    def env(self) -> dict[str, str]:
        env = base_env(KUAI_SANDBOX_DIR=str(self.directory))
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def start(self) -> Server:
        name = f"server-{self.runs}"
        self.runs += 1
        database = ["--database", self.database_url] if self.database_url else []
        process = self.processes.start(
            name,
            [KUAI_RETURNS, "serve", "--port", "0", "--sweep-every", "1", *database],
            self.env(),
        )
        log = self.processes.logs / f"{name}.log"
        server = Server(process, log, log)
        server.wait_for_banner()
        return server

    def kill(self, server: Server) -> None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=20)

    def query(self, sql: str) -> list[tuple]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, connect_timeout=5) as connection:
                return connection.execute(sql).fetchall()
        with sqlite3.connect(self.directory / ".sandbox.sqlite3", timeout=30) as connection:
            return connection.execute(sql).fetchall()

    def states(self) -> dict[uuid.UUID, str]:
        rows = self.query("SELECT id, state FROM kuai_returns_aftersalerequest")
        return {uuid.UUID(str(pk)): state for pk, state in rows}

    def open_follow_ups(self) -> int:
        return self.query(
            "SELECT count(*) FROM kuai_returns_followup WHERE done_at IS NULL AND failed_at IS NULL"
        )[0][0]

    def payouts_in_flight(self) -> dict[str, int]:
        """Where the kill left the attempts it interrupted: (our record, the shop's)."""
        rows = self.query(
            "SELECT m.status, coalesce(p.status, '-') FROM kuai_returns_moneymovement m "
            "LEFT JOIN kuai_sandbox_payment p ON p.idempotency_key = m.idempotency_key "
            "WHERE m.status <> 'succeeded'"
        )
        return count(f"{ours}/{shop}" for ours, shop in rows)

    def seed(self, count: int, policy: dict[str, str]) -> list[tuple[str, str]]:
        return [
            tuple(ids)
            for ids in run_json(
                self.processes,
                "seed",
                ["tests.faults.shop", "seed", str(count), json.dumps(policy)],
                self.env() | {"DJANGO_SETTINGS_MODULE": SANDBOX_SETTINGS},
            )
        ]

    def report(self) -> dict:
        return run_json(
            self.processes,
            "report",
            ["tests.faults.shop", "report"],
            self.env() | {"DJANGO_SETTINGS_MODULE": SANDBOX_SETTINGS},
        )

    def audit(self) -> tuple[int, str, str]:
        process = self.processes.start(
            "audit",
            [sys.executable, "-m", "django", "kuai_returns_audit"],
            self.env() | {"DJANGO_SETTINGS_MODULE": SANDBOX_SETTINGS},
            stdout=-1,
            stderr=-1,
            text=True,
        )
        output, errors = process.communicate(timeout=60)
        return process.returncode, output, errors


def file_refunds(server: Server, orders: list[tuple[str, str]]) -> list[str]:
    token = server.tokens["buyer"]

    def file(ids: tuple[str, str]) -> str:
        status, body = server.graphql(FILE_REFUND, token, {"order": ids[0], "line": ids[1]})
        assert status == 200, (status, body, server.stdout()[-3000:])
        created = body["data"]["afterSaleRequestCreate"]
        assert created["errors"] == [], body
        return created["afterSaleRequest"]["id"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(file, orders))


def approve_burst(server: Server, ids: list[str], kill: Callable[[Server], None], delay: float):
    """Every approval at once, each on its own connection, and ``kill(server)``
    ``delay`` seconds after they were sent; per request, the answer its client
    got or the error it saw."""
    token = server.tokens["merchant"]
    answers: dict[str, object] = {}
    start = threading.Barrier(len(ids) + 1)

    def approve(request_id: str) -> None:
        start.wait(timeout=30)
        try:
            answers[request_id] = server.graphql(APPROVE, token, {"id": request_id})
        except (OSError, HTTPException, ValueError) as error:  # it died answering: cut off
            answers[request_id] = error

    threads = [threading.Thread(target=approve, args=(i,), daemon=True) for i in ids]
    for thread in threads:
        thread.start()
    start.wait(timeout=30)
    time.sleep(delay)
    kill(server)
    for thread in threads:
        thread.join(timeout=35)
        assert not thread.is_alive(), "an approval's client hung after the kill"
    return answers


def acknowledged(answers: dict[str, object]) -> set[str]:
    """The approvals whose client was told they succeeded (a whole answer: one
    cut off by the kill may lack its body, even its headers)."""
    return {
        request_id
        for request_id, answer in answers.items()
        if isinstance(answer, tuple)
        and answer[0] == 200
        and isinstance(answer[1], dict)
        and answer[1]["data"]["afterSaleRequestApprove"]["errors"] == []
    }


def pk(global_id: str) -> uuid.UUID:
    found = uuid_from_global_id(global_id, REQUEST)
    assert found is not None, global_id
    return found


CREATED = ("created", "buyer", "", "awaiting_merchant_review")
APPROVED = ("approve", "merchant", "awaiting_merchant_review", "refunding")
SHOWN_FAILED = ("deadline_expired", "system", "refunding", "refund_failed")
RETRIED = ("deadline_expired", "system", "refund_failed", "refunding")
PAID_AFTER_FAILED = ("refund_succeeded", "system", "refund_failed", "refunded")
PAID_WHILE_REFUNDING = ("refund_succeeded", "system", "refunding", "refunded")
STEPS = [CREATED, APPROVED, SHOWN_FAILED, RETRIED, PAID_AFTER_FAILED, PAID_WHILE_REFUNDING]


def shape(steps: list[tuple[str, str, str, str]]) -> str:
    """A request's timeline in letters: f filed, a approved, x shown failed,
    r retried, p paid (after failed or while refunding)."""
    letters = dict(zip(STEPS, "faxrpp", strict=True))
    return "".join(letters[step] for step in steps)


# Filed, approved, shown failed and retried as often as the deadlines came, paid once.
SHAPE = re.compile(r"fa(xr)*x?p")


def note_of(order: str, event: str, actor: str, source: str, target: str) -> tuple[str, str]:
    """The order note a timeline step writes (``events.describe``)."""
    if event == "created":
        return order, "After-sale request filed: refund only."
    words = [value.replace("_", " ") for value in (event, actor, source, target)]
    return order, "After-sale request: {} by {} — {} → {}.".format(*words)


def count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


# Bursts (and kills) per backend: five as in the probe; three on SQLite,
# whose one writer at a time makes each round slower.
ROUNDS = {"postgres": 5, "sqlite": 3}


@pytest.fixture(params=list(ROUNDS))
def backend(request):
    """The server's database: a fresh PostgreSQL one (the server creates it),
    or the sandbox's default SQLite file in the test's directory. Set up
    before the processes, so that they are killed before it is dropped."""
    if request.param == "postgres":
        return request.param, request.getfixturevalue("fresh_postgres")
    return request.param, ""


def test_a_server_killed_mid_burst_pays_every_approved_refund_exactly_once(
    backend, processes, tmp_path
):
    # given the sandbox server on a fresh database, sweeping every second, 2 s follow-up lease
    backend, database_url = backend
    rounds = ROUNDS[backend]
    directory = tmp_path / "shop"
    directory.mkdir()
    shop = Shop(processes, directory, database_url)
    server = shop.start()
    # and a refund-only request filed through the API on each of enough new orders
    filed = file_refunds(server, shop.seed(rounds * BURST, POLICY))
    bursts = [filed[i * BURST : (i + 1) * BURST] for i in range(rounds)]
    assert count(shop.states().values()) == {AWAITING_REVIEW: rounds * BURST}
    # when, again and again, the merchant approves a burst and the server is killed mid-burst
    after_kills, in_flight = [], []
    for i, burst in enumerate(bursts):
        if i:
            server = shop.start()
        server.graphql(REQUESTS, server.tokens["merchant"])  # a warm server, as in use
        answers = approve_burst(server, burst, shop.kill, KILL_AFTER[i])
        seen = shop.states()
        after_kills.append(count(seen[pk(i)] for i in burst))
        in_flight.append(shop.payouts_in_flight())
        # then every approval its client saw succeed was committed
        assert {i for i in acknowledged(answers) if seen[pk(i)] == AWAITING_REVIEW} == set()
    # and each kill left its burst's requests awaiting review or on their way to the buyer
    print(f"\n{backend}: states after each kill: {after_kills}")
    print(f"{backend}: unfinished attempts (ours/shop's) after each kill: {in_flight}")
    for states in after_kills:
        assert set(states) <= {AWAITING_REVIEW, "refunding", "refund_failed", REFUNDED}, states
    # and some kill caught approvals half-way: committed, their refund not recorded
    assert any("refunding" in states for states in after_kills), after_kills
    # when the server is started again and the merchant approves what was never approved
    server = shop.start()
    states = shop.states()
    token = server.tokens["merchant"]

    def approve(request_id: str) -> None:
        status, body = server.graphql(APPROVE, token, {"id": request_id})
        assert status == 200, (status, body)
        assert body["data"]["afterSaleRequestApprove"]["errors"] == [], body

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(approve, [i for i in filed if states[pk(i)] == AWAITING_REVIEW]))
    # then every request is refunded and every follow-up done, within a bounded time
    wait_until(
        lambda: set(shop.states().values()) == {REFUNDED} and shop.open_follow_ups() == 0,
        SETTLE_TIMEOUT,
        lambda: (
            f"every request refunded: {count(shop.states().values())}, "
            f"{shop.open_follow_ups()} follow-ups open\n" + processes.log(f"server-{shop.runs - 1}")
        ),
    )
    assert server.stop() == 0
    # and the shop paid each buyer exactly once: one payment of 100.00 per request
    report = shop.report()
    assert sorted(
        (key.rsplit(":", 1)[0], kind, amount, status)
        for key, kind, amount, status in report["payments"]
    ) == sorted((f"kuai:{pk(i)}:payout", "refund", PAID, "succeeded") for i in filed)
    assert report["requests"] == {str(pk(i)): [REFUNDED, PAID] for i in filed}
    # and each order line shows its one unit refunded, 100.00
    assert report["lines"] == sorted([f"FAULT-{n}", PAID, 1, 0] for n in range(len(filed)))
    attempts = [(key.rsplit(":", 1)[1], status) for key, status, _ in report["movements"]]
    print(f"{backend}: attempts {count(f'{attempt} {status}' for attempt, status in attempts)}")
    # and every attempt is final: the one that paid, any other superseded
    assert {status for _, status, _ in report["movements"]} <= {"succeeded", "superseded"}
    paying = [
        key.rsplit(":", 1)[0] for key, status, _ in report["movements"] if status == "succeeded"
    ]
    assert sorted(paying) == sorted(f"kuai:{pk(i)}:payout" for i in filed)
    # and each request went: filed, approved, refund deadlines any number of times, refunded once
    steps: dict[str, list[tuple[str, str, str, str]]] = {}
    for order, _, *step in report["timeline"]:  # sorted by order, then version
        steps.setdefault(order, []).append(tuple(step))
    shapes = Counter(shape(found) for found in steps.values())
    print(f"{backend}: timelines {dict(shapes)}")
    assert [found for found in shapes if not SHAPE.fullmatch(found)] == [], shapes
    assert sum(shapes.values()) == len(filed)
    # and each order has one note per step of its request's timeline: none lost, none twice
    written = Counter(tuple(note) for note in report["notes"])
    expected = Counter(note_of(order, *step) for order, _, *step in report["timeline"])
    assert sorted((expected - written).elements()) == []
    assert sorted((written - expected).elements()) == []
    # and the money audit finds nothing
    assert shop.audit() == (
        0,
        "",
        f"Audited {len(filed)} requests, {len(report['movements'])} payments, "
        "0 ledger entries: no findings.\n",
    )

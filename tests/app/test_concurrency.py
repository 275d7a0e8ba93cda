"""A merchant approving a refund at the very moment its review deadline expires:
real transactions on separate connections, in both orders and at once. Exactly
one of them wins, the timeline has one event for that version, the buyer is
refunded once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections

from saleor_kuai_returns import sweeper
from saleor_kuai_returns.actions import core
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host import get_host
from saleor_kuai_returns.models import AfterSaleRequest, EvidenceKind, MoneyMovement, TimelineEvent
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")
DUE = NOW + timedelta(hours=48)  # the review deadline of a refund filed at NOW
SECOND = timedelta(seconds=1)
MERCHANT, SWEEPER = "merchant", "sweeper"


def refund_under_review(demo, buyer):
    order = demo.orders["delivered"]
    line = order.lines.get(sku="TEE-RED-M")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    request = create_request(str(order.id), buyer, new, evidence=[PHOTO], now=NOW)
    assert request.deadline_at == DUE
    return request


def run_in_threads(**jobs):
    """Run each job in its own thread (its own database connection); return what
    each returned or raised."""
    results = {}

    def run(name, job):
        try:
            results[name] = job()
        except Exception as error:
            results[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(name, job), name=name) for name, job in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def pause_in(thread_name, patch, module, attribute, reached, go_on):
    """Make ``module.attribute`` stop in the named thread: it sets ``reached`` and
    waits for ``go_on`` before doing its work (its row locks are held meanwhile)."""
    real = getattr(module, attribute)

    def paused(*args, **kwargs):
        if threading.current_thread().name == thread_name:
            reached.set()
            assert go_on.wait(timeout=20)
        return real(*args, **kwargs)

    patch.setattr(module, attribute, paused)


def wait_for_a_lock_wait():
    """Whether another connection came to wait for a row lock (within 20 s)."""
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def approve(request, merchant):
    """The merchant approves the version they saw (0), a second before the review
    deadline: from the deadline on, the default outcome is what happened."""

    def job():
        return act.approve_request(request.id, merchant, version=0, now=DUE - SECOND)

    return job


def sweep():
    return sweeper.expire_due(DUE, batch_size=10, host=get_host())


def settled(request):
    """What the race left behind."""
    request.refresh_from_db()
    return {
        "request": (request.state, request.version, request.refunded_amount),
        "events": list(
            TimelineEvent.objects.filter(request=request).values_list(
                "version", "event", "actor_kind"
            )
        ),
        "movements": list(MoneyMovement.objects.values_list("attempt", "status", "amount")),
        "payments": list(shop.Payment.objects.values_list("amount", "status")),
        "line_refunded": shop.OrderLine.objects.get(sku="TEE-RED-M").amount_refunded,
    }


def won_by(event, actor):
    return {
        "request": ("refunded", 2, Decimal("100.000")),
        "events": [
            (0, "created", "buyer"),
            (1, event, actor),
            (2, "refund_succeeded", "system"),
        ],
        "movements": [(1, "succeeded", Decimal("100.000"))],
        "payments": [(Decimal("100.000"), "succeeded")],
        "line_refunded": Decimal("100.000"),
    }


def test_a_merchant_holding_the_row_wins_and_the_sweeper_skips_it(
    demo, buyer, merchant, monkeypatch
):
    # given a due refund, and a merchant whose approval has locked the row
    request = refund_under_review(demo, buyer)
    locked, release = threading.Event(), threading.Event()
    pause_in(MERCHANT, monkeypatch, core, "stage", locked, release)

    def sweep_while_the_merchant_holds_the_row():
        assert locked.wait(timeout=20)
        try:
            return sweep()
        finally:
            release.set()

    # when the sweeper runs at the deadline while the merchant holds the row
    results = run_in_threads(
        merchant=approve(request, merchant), sweeper=sweep_while_the_merchant_holds_the_row
    )
    # then the sweeper skipped it, the merchant approved, the refund was paid once
    assert results[SWEEPER] == 0
    assert (results[MERCHANT].state, results[MERCHANT].version) == ("refunding", 1)
    assert settled(request) == won_by("approve", "merchant")
    # and a later sweep finds nothing due
    assert sweep() == 0
    assert settled(request) == won_by("approve", "merchant")


def test_a_sweeper_holding_the_row_wins_and_the_merchant_sees_a_stale_version(
    demo, buyer, merchant, monkeypatch
):
    # given a due refund the sweeper has claimed and not yet written
    request = refund_under_review(demo, buyer)
    claimed, release = threading.Event(), threading.Event()
    pause_in(SWEEPER, monkeypatch, sweeper, "write", claimed, release)
    merchant_waited = []

    def release_once_the_merchant_waits():
        try:
            merchant_waited.append(wait_for_a_lock_wait())
        finally:
            release.set()
            connections.close_all()

    def approve_while_the_sweeper_holds_the_row():
        assert claimed.wait(timeout=20)
        watcher = threading.Thread(target=release_once_the_merchant_waits)
        watcher.start()
        try:
            return approve(request, merchant)()
        finally:
            watcher.join()

    # when the merchant approves while the sweeper holds the row
    results = run_in_threads(sweeper=sweep, merchant=approve_while_the_sweeper_holds_the_row)
    # then the merchant waited for the lock and found the request changed
    assert merchant_waited == [True]
    assert results[SWEEPER] == 1
    assert isinstance(results[MERCHANT], ActionError)
    assert results[MERCHANT].code is ActionErrorCode.STALE_VERSION
    assert settled(request) == won_by("deadline_expired", "system")
    assert AfterSaleRequest.objects.get().merchant_missed_deadline is True


@pytest.mark.parametrize("attempt", range(3))
def test_merchant_and_sweeper_started_together_have_exactly_one_winner(
    demo, buyer, merchant, attempt
):
    # given a due refund
    request = refund_under_review(demo, buyer)
    start = threading.Barrier(2, timeout=20)

    def together(job):
        def run():
            start.wait()
            return job()

        return run

    # when both go at once
    results = run_in_threads(merchant=together(approve(request, merchant)), sweeper=together(sweep))
    # then exactly one of them changed the request, and money moved once
    merchant_won = not isinstance(results[MERCHANT], Exception)
    assert results[SWEEPER] == (0 if merchant_won else 1)
    if merchant_won:
        assert settled(request) == won_by("approve", "merchant")
    else:
        assert results[MERCHANT].code is ActionErrorCode.STALE_VERSION
        assert settled(request) == won_by("deadline_expired", "system")

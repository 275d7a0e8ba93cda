"""The broker unavailable at commit (issue 9, cases 6 and 10).

A shop's application process approves refunds while its Redis is away —
killed (connections refused, what it held lost) or frozen (connections
accepted, nothing answered): the approvals commit, queuing their follow-ups
fails fast and is logged. Once Redis is back and a worker runs, the sweeper
sends the follow-ups that linger; every buyer is paid once, every note written
once. Failing fast takes broker timeouts: the tests' own (``FAIL_FAST_BROKER``)
and the sandbox's settings both set them.
"""

from __future__ import annotations

import re

import pytest

from .conftest import (
    FAIL_FAST_BROKER,
    NOTES,
    NOTHING,
    PAID,
    attempts,
    audit_now,
    beat,
    file_refund,
    open_follow_ups,
    order_notes,
    payments,
    refreshed,
    refunded_lines,
)

pytestmark = pytest.mark.django_db(transaction=True)

# An approval with the broker away waits for no retry: one failed connection each.
FAST = 5  # seconds
NOT_QUEUED = re.compile(r"Follow-up (\S+) not queued \(broker error\); the sweeper resends it")


# How the broker goes away, and how it comes back.
OUTAGES = {
    "killed": ("kill", "start"),  # refuses connections; loses what it held
    "frozen": ("freeze", "thaw"),  # accepts connections, answers nothing
}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_approvals_while_the_broker_is_away_commit_and_are_paid_once_when_it_is_back(
    outage, shop_demo, celery, redis_server
):
    go_away, come_back = OUTAGES[outage]
    # given five refund-only requests of one tee paid 100.00 each
    requests = [file_refund(shop_demo, f"TEE-{i}") for i in range(5)]
    # and the shop's application process on the broker, sending without retries
    app = celery.app(**FAIL_FAST_BROKER)
    # when the merchant approves the first while the broker is up (no worker runs yet)
    first = app.approve(requests[0].pk)
    # and the broker goes away, and the merchant approves three more
    getattr(redis_server, go_away)()
    during = [app.approve(request.pk) for request in requests[1:4]]
    # then each approval committed at once, though none of its follow-ups could be queued
    assert first["state"] == "refunding"
    assert [answer["state"] for answer in during] == ["refunding"] * 3
    assert max(answer["seconds"] for answer in during) < FAST, during
    assert [refreshed(request) for request in requests] == [("refunding", NOTHING)] * 4 + [
        ("awaiting_merchant_review", NOTHING)
    ]
    assert payments() == []
    # and the app process logged each follow-up it could not queue: a payment and the notes each
    not_queued = NOT_QUEUED.findall(celery.processes.log("app", tail=100_000))
    assert len(not_queued) == len(set(not_queued)) == 6
    # when the broker is back, a worker runs, and the merchant approves the last one
    getattr(redis_server, come_back)()
    celery.worker("worker")
    last = app.approve(requests[4].pk)
    # then the last approval's follow-ups were queued at once (nothing more logged)
    assert last["state"] == "refunding"
    assert len(NOT_QUEUED.findall(celery.processes.log("app", tail=100_000))) == 6
    # when the sweeper runs every second, as beat does
    beat(
        celery,
        lambda: (
            [refreshed(request)[0] for request in requests] == ["refunded"] * 5
            and open_follow_ups() == []
        ),
        "every request refunded, every follow-up done",
    )
    # then each buyer was paid exactly once, and each note written once
    assert sorted(payments()) == sorted(
        (f"kuai:{request.pk}:payout:1", PAID, "succeeded") for request in requests
    )
    assert [attempts(request) for request in requests] == [[(1, "succeeded", PAID)]] * 5
    assert [refreshed(request) for request in requests] == [("refunded", PAID)] * 5
    assert [refunded_lines(request) for request in requests] == [[(PAID, 1, 0)]] * 5
    assert [order_notes(request) for request in requests] == [NOTES] * 5
    assert audit_now() == []


def test_an_approval_with_the_sandbox_settings_does_not_hang_on_a_frozen_broker(
    shop_demo, celery, redis_server
):
    # given a refund-only request and the application process on the sandbox's Celery settings
    request = file_refund(shop_demo, "TEE-1")
    app = celery.app()
    # when the broker hangs and the merchant approves
    redis_server.freeze()
    answer = app.approve(request.pk, timeout=FAST + 1)
    # then the approval answers at once
    assert answer["state"] == "refunding"
    assert answer["seconds"] < FAST

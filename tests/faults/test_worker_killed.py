"""A Celery worker killed in the middle of a follow-up (issue 9, cases 2, 6, 14).

The merchant approves in an application process of its own; the approval's
follow-ups go over Redis to a worker whose host (``hosts.py``) kills it once, at
one instant of the payment. A normal worker and the sweeper, sent by a stand-in
for beat every second, take over; afterwards the buyer was paid exactly once by
the shop's own records and the money audit finds nothing.
"""

from __future__ import annotations

import signal

import pytest

from saleor_kuai_returns.models import TimelineEvent
from saleor_kuai_returns.sandbox import models as shop

from .conftest import (
    APPROVED,
    FAILED_BY_DEADLINE,
    FILED,
    NOTES,
    NOTHING,
    PAID,
    REFUNDED,
    attempts,
    audit_now,
    beat,
    file_refund,
    order_notes,
    payments,
    refreshed,
    refunded_lines,
    settled,
    wait_for_exit,
)

pytestmark = pytest.mark.django_db(transaction=True)

HOSTS = "tests.faults.hosts"
RETRIED_BY_DEADLINE = "After-sale request: deadline expired by system — refund failed → refunding."


def approve_on_a_dying_worker(celery, request, host: str) -> None:
    """The merchant approves; the approval's follow-ups go to a worker whose
    ``host`` kills it once; returns when it died."""
    celery.crash_once()
    doomed = celery.worker("doomed", KUAI_RETURNS_HOST=f"{HOSTS}.{host}")
    app = celery.app()
    assert app.approve(request.pk)["state"] == "refunding"
    code = wait_for_exit(doomed, 60, lambda: celery.processes.log("doomed"))
    assert code == -signal.SIGKILL, celery.processes.log("doomed")
    assert not celery.marker.exists()


def test_a_worker_killed_after_the_provider_paid_is_recorded_and_not_paid_again(shop_demo, celery):
    # given a refund-only request of one tee paid 100.00
    request = file_refund(shop_demo, "TEE-1")
    key = f"kuai:{request.pk}:payout:1"
    # when the merchant approves it and the worker paying it dies right after the provider paid
    approve_on_a_dying_worker(celery, request, "DiesAfterPaying")
    # then the shop paid, and nothing of it is recorded on our side
    assert payments() == [(key, PAID, "succeeded")]
    assert attempts(request) == [(1, "sending", PAID)]
    assert refreshed(request) == ("refunding", NOTHING)
    # when a normal worker runs, with the sweeper every second
    celery.worker("worker")
    beat(celery, lambda: settled(request), "the request refunded, every follow-up done")
    # then the payment is recorded, the buyer was paid once, and nothing else was paid
    assert payments() == [(key, PAID, "succeeded")]
    assert attempts(request) == [(1, "succeeded", PAID)]
    assert refreshed(request) == ("refunded", PAID)
    assert refunded_lines(request) == [(PAID, 1, 0)]
    assert order_notes(request) == NOTES
    assert audit_now() == []


def test_a_worker_killed_after_preparing_a_payment_sends_it_once_when_resumed(shop_demo, celery):
    # given a refund-only request of one tee paid 100.00
    request = file_refund(shop_demo, "TEE-1")
    key = f"kuai:{request.pk}:payout:1"
    # when the merchant approves it and the worker dies after preparing the payment, before sending
    approve_on_a_dying_worker(celery, request, "DiesBeforeSending")
    # then the shop holds the prepared payment; nothing was sent
    assert payments() == [(key, PAID, "prepared")]
    assert attempts(request) == [(1, "sending", PAID)]
    assert refunded_lines(request) == [(NOTHING, 0, 0)]
    # when a normal worker runs, with the sweeper every second
    celery.worker("worker")
    beat(celery, lambda: settled(request), "the request refunded, every follow-up done")
    # then the same payment was sent, once
    assert payments() == [(key, PAID, "succeeded")]
    assert attempts(request) == [(1, "succeeded", PAID)]
    assert refreshed(request) == ("refunded", PAID)
    assert refunded_lines(request) == [(PAID, 1, 0)]
    assert order_notes(request) == NOTES
    assert audit_now() == []


def test_a_refund_deadline_passing_before_a_lost_result_is_found_pays_nothing_new(
    shop_demo, celery
):
    # given a channel whose refunds show failed 1 s without an answer and are retried 1 s later
    shop_demo.channel.policy = {"refund_confirmation": "0.0003", "refund_retry": "0.0003"}
    shop_demo.channel.save(update_fields=["policy"])
    # and processes whose follow-up lease (10 s) outlasts both: the deadline comes first
    celery.lease_seconds = 10
    request = file_refund(shop_demo, "TEE-1")
    first, second = f"kuai:{request.pk}:payout:1", f"kuai:{request.pk}:payout:2"
    # when the merchant approves it and the worker paying it dies right after the provider paid
    approve_on_a_dying_worker(celery, request, "DiesAfterPaying")
    assert (payments(), attempts(request)) == ([(first, PAID, "succeeded")], [(1, "sending", PAID)])
    # and a normal worker runs the sweeper every second: refund failed, retried as attempt 2
    celery.worker("worker")
    beat(celery, lambda: settled(request), "the request refunded, every follow-up done")
    # then attempt 2 found attempt 1's payment and sent nothing; the buyer was paid once
    assert payments() == [(first, PAID, "succeeded")]
    assert attempts(request) == [(1, "succeeded", PAID), (2, "superseded", PAID)]
    assert not shop.Payment.objects.filter(idempotency_key=second).exists()
    assert refreshed(request) == ("refunded", PAID)
    assert refunded_lines(request) == [(PAID, 1, 0)]
    assert list(
        TimelineEvent.objects.filter(request=request)
        .order_by("version")
        .values_list("event", "from_state", "to_state")
    ) == [
        ("created", "", "awaiting_merchant_review"),
        ("approve", "awaiting_merchant_review", "refunding"),
        ("deadline_expired", "refunding", "refund_failed"),
        ("deadline_expired", "refund_failed", "refunding"),
        ("refund_succeeded", "refunding", "refunded"),
    ]
    assert order_notes(request) == sorted(
        [FILED, APPROVED, FAILED_BY_DEADLINE, RETRIED_BY_DEADLINE, REFUNDED]
    )
    assert audit_now() == []


def test_a_worker_killed_after_writing_order_notes_does_not_write_them_twice(shop_demo, celery):
    # given a refund-only request of one tee paid 100.00
    request = file_refund(shop_demo, "TEE-1")
    # when the merchant approves it and the worker dies once the approval's notes are committed
    approve_on_a_dying_worker(celery, request, "DiesAfterWritingNotes")
    # and a normal worker runs, with the sweeper every second
    celery.worker("worker")
    beat(celery, lambda: settled(request), "the request refunded, every follow-up done")
    # then each note is on the order once, and the buyer was paid once
    assert order_notes(request) == NOTES
    assert payments() == [(f"kuai:{request.pk}:payout:1", PAID, "succeeded")]
    assert refreshed(request) == ("refunded", PAID)
    assert audit_now() == []

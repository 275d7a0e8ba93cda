"""The payment app answers twice, and late (issue 9, cases 4 and 14).

The channel's refunds wait for the payment app (``pending`` refund mode). The
app's answers come from processes of their own, each on its own database
connection, released at the same instant; one answer also comes only after
the refund deadline showed the refund failed and staff retried it.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time

import pytest

from saleor_kuai_returns import tasks
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import TimelineEvent
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import caller_for

from .conftest import (
    APPROVED,
    FAILED_BY_DEADLINE,
    FILED,
    NOTHING,
    PAID,
    REFUNDED,
    attempts,
    audit_now,
    base_env,
    file_refund,
    kill_group,
    open_follow_ups,
    order_notes,
    payments,
    refreshed,
    refunded_lines,
    suite_database_url,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

RETRIED_BY_MERCHANT = "After-sale request: retry refund by merchant — refund failed → refunding."
ANSWER_TIMEOUT = 60


def answer_at_once(processes, tmp_path, payment: shop.Payment, *answers: bool) -> list[str]:
    """The payment app answers ``payment`` once per item of ``answers``, each
    from a process of its own, all released at the same instant; the status
    each saw the payment end in."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    env = base_env(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=suite_database_url())
    apps = [
        processes.start(
            f"payment-app-{i}",
            [
                sys.executable,
                "-m",
                "tests.faults.shop",
                "confirm",
                str(payment.pk),
                "succeeded" if succeeded else "failed",
                str(go),
            ],
            env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, succeeded in enumerate(answers)
    ]
    try:
        for i, app in enumerate(apps):
            assert app.stdout is not None
            ready, _, _ = select.select([app.stdout], [], [], ANSWER_TIMEOUT)
            said = app.stdout.readline() if ready else ""
            assert said == '{"ready": true}\n', processes.log(f"payment-app-{i}")
        go.touch()
        answered = []
        for i, app in enumerate(apps):
            output, _ = app.communicate(timeout=ANSWER_TIMEOUT)
            assert app.returncode == 0, processes.log(f"payment-app-{i}")
            answered.append(json.loads(output)["status"])
        return answered
    finally:
        for app in apps:
            kill_group(app)


def pending_refunds(demo, **policy: str) -> None:
    """The channel's refunds wait for the payment app's answer."""
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.policy = policy
    demo.channel.save(update_fields=["refund_mode", "policy"])


def timeline(request):
    return list(
        TimelineEvent.objects.filter(request=request)
        .order_by("version")
        .values_list("event", "from_state", "to_state")
    )


def everything(request):
    """What a late answer must leave as it is."""
    return (
        payments(),
        attempts(request),
        refreshed(request),
        refunded_lines(request),
        order_notes(request),
        timeline(request),
        open_follow_ups(),
    )


def test_two_answers_at_once_and_a_late_one_settle_the_refund_once(shop_demo, processes, tmp_path):
    # given a channel whose refunds wait for the payment app
    pending_refunds(shop_demo)
    # and a refund of one tee paid 100.00, approved: the provider has it, unanswered
    request = file_refund(shop_demo, "TEE-1")
    act.approve_request(request.pk, caller_for(shop_demo.merchant))
    key = f"kuai:{request.pk}:payout:1"
    assert payments() == [(key, PAID, "requested")]
    assert attempts(request) == [(1, "requested", PAID)]
    assert refreshed(request) == ("refunding", NOTHING)
    payment = shop.Payment.objects.get()
    # when the payment app says it succeeded twice, from two processes at the same instant
    said = answer_at_once(processes, tmp_path, payment, True, True)
    # then both saw the one payment succeed, and it was booked once
    assert said == ["succeeded", "succeeded"]
    assert payments() == [(key, PAID, "succeeded")]
    assert attempts(request) == [(1, "succeeded", PAID)]
    assert refreshed(request) == ("refunded", PAID)
    assert refunded_lines(request) == [(PAID, 1, 0)]
    assert order_notes(request) == sorted([FILED, APPROVED, REFUNDED])
    assert timeline(request) == [
        ("created", "", "awaiting_merchant_review"),
        ("approve", "awaiting_merchant_review", "refunding"),
        ("refund_succeeded", "refunding", "refunded"),
    ]
    assert open_follow_ups() == []
    # when it answers again later, once a success and once a failure
    before = everything(request)
    SandboxHost().confirm(payment.pk, True)
    SandboxHost().confirm(payment.pk, False)
    # then nothing changed, and the audit finds nothing
    assert everything(request) == before
    assert audit_now() == []


def test_an_answer_after_the_refund_deadline_and_a_staff_retry_settles_without_paying_again(
    shop_demo, processes, tmp_path
):
    # given a channel whose refunds wait for the payment app, shown failed after 1 s unanswered
    pending_refunds(shop_demo, refund_confirmation="0.0003")
    # and a refund of one tee paid 100.00, approved: the provider has it, unanswered
    request = file_refund(shop_demo, "TEE-1")
    merchant = caller_for(shop_demo.merchant)
    act.approve_request(request.pk, merchant)
    first = f"kuai:{request.pk}:payout:1"
    payment = shop.Payment.objects.get()
    # when the deadline passes and the sweeper runs: the request shows the refund failed
    wait_until(
        lambda: tasks.sweep_deadlines() == 1, 10, "the refund deadline passed and was applied"
    )
    assert refreshed(request) == ("refund_failed", NOTHING)
    assert attempts(request) == [(1, "requested", PAID)]
    # and the merchant retries the refund
    act.retry_refund(request.pk, merchant)
    # then the retry paid nothing new: it waits for the first attempt, still with the provider
    assert payments() == [(first, PAID, "requested")]
    assert attempts(request) == [(1, "requested", PAID), (2, "superseded", PAID)]
    assert refreshed(request) == ("refunding", NOTHING)
    # when the payment app's success for the first attempt comes at last, twice at once
    said = answer_at_once(processes, tmp_path, payment, True, True)
    # then the request is refunded with that one payment, and nothing else was paid
    assert said == ["succeeded", "succeeded"]
    assert payments() == [(first, PAID, "succeeded")]
    assert attempts(request) == [(1, "succeeded", PAID), (2, "superseded", PAID)]
    assert refreshed(request) == ("refunded", PAID)
    assert refunded_lines(request) == [(PAID, 1, 0)]
    assert timeline(request) == [
        ("created", "", "awaiting_merchant_review"),
        ("approve", "awaiting_merchant_review", "refunding"),
        ("deadline_expired", "refunding", "refund_failed"),
        ("retry_refund", "refund_failed", "refunding"),
        ("refund_succeeded", "refunding", "refunded"),
    ]
    assert order_notes(request) == sorted(
        [FILED, APPROVED, FAILED_BY_DEADLINE, RETRIED_BY_MERCHANT, REFUNDED]
    )
    assert open_follow_ups() == []
    assert audit_now() == []

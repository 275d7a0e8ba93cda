"""The outbox's own rules: a run holds its row for a lease; a run that raises is
retried with a doubling wait and given up after the set number of failures;
work that must wait its turn waits without counting a failure; the sweeper
sends again exactly the rows whose time has come."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from freezegun import freeze_time

from saleor_kuai_returns.actions import follow_ups
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import FollowUp, FollowUpKind, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW, PHOTO_EVIDENCE, audit_findings

LEASE = timedelta(minutes=5)


def notes_for_no_order(now=NOW):
    """Order notes for an order id the shop cannot read: every run raises, as a
    shop that is away would."""
    row = follow_ups.new_follow_up(
        FollowUpKind.ORDER_NOTES, now=now, payload=[["no-such-order", "Hello.", "system"]]
    )
    row.save()
    return row


def run(row, now):
    return follow_ups.run(row.pk, now=now, host=SandboxHost())


def state(row):
    row.refresh_from_db()
    return (row.attempts, row.failures, row.next_attempt_at, row.done_at, row.failed_at)


def test_a_run_holds_its_row_for_a_lease(db):
    # given a row whose first run is under way (held, not finished)
    row = notes_for_no_order()
    assert follow_ups.claim(row.pk, NOW) is not None
    # then no other run takes it until the lease is over
    assert follow_ups.claim(row.pk, NOW + LEASE - timedelta(seconds=1)) is None
    assert follow_ups.due_follow_ups(NOW + LEASE - timedelta(seconds=1), 10) == []
    # and after it, the sweeper sends it again and a run takes it
    assert follow_ups.due_follow_ups(NOW + LEASE, 10) == [str(row.pk)]
    assert follow_ups.claim(row.pk, NOW + LEASE) is not None
    assert state(row)[:2] == (2, 0)


def test_a_failing_run_is_retried_with_a_doubling_wait_then_given_up(db, caplog):
    # given
    row = notes_for_no_order()
    now, waits = NOW, []
    # when it fails run after run, each time as soon as it may run again
    with override_settings(KUAI_RETURNS_FOLLOW_UP_MAX_RUNS=4):
        for _ in range(3):
            assert run(row, now) == "again"
            runs, failures, next_at, done, failed = state(row)
            waits.append(next_at - now)
            now = next_at
        assert run(row, now) == "failed"
    # then
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    runs, failures, _, done, failed = state(row)
    assert (runs, failures, done, failed) == (4, 4, None, now)
    assert row.last_error.startswith("ValidationError(")
    # and a given-up row runs no more; the audit reports it
    assert run(row, now + timedelta(days=1)) == "skipped"
    assert follow_ups.due_follow_ups(now + timedelta(days=1), 10) == []
    assert [f.split(":")[0] for f in audit_findings(now)] == ["follow_up_failed"]


def test_a_done_row_never_runs_again(demo, buyer, merchant, run_on_commit):
    # given an approved refund whose payment ran
    order = demo.orders["delivered"]
    line = order.lines.get(sku="CAP-BLK")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    with freeze_time(NOW):
        request = run_on_commit(
            create_request, str(order.id), buyer, new, evidence=[PHOTO_EVIDENCE], now=NOW
        )
        run_on_commit(act.approve_request, request.id, merchant)
    pay = FollowUp.objects.get(kind=FollowUpKind.PAY)
    assert state(pay)[0] == 1 and state(pay)[3] is not None
    # when its task is delivered again, now and a day later
    assert run(pay, NOW) == "skipped"
    assert run(pay, NOW + timedelta(days=1)) == "skipped"
    # then it paid once
    assert list(shop.Payment.objects.values_list("amount", "status")) == [
        (MoneyMovement.objects.get().amount, "succeeded")
    ]


@pytest.mark.django_db
def test_a_payment_waiting_for_an_earlier_attempt_under_way_waits_without_failing(
    demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks
):
    # given a refund that failed, retried, while attempt 1's run is (again) under way
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    order = demo.orders["delivered"]
    line = order.lines.get(sku="CAP-BLK")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    with freeze_time(NOW):
        request = run_on_commit(
            create_request, str(order.id), buyer, new, evidence=[PHOTO_EVIDENCE], now=NOW
        )
        run_on_commit(act.approve_request, request.id, merchant)
    first = FollowUp.objects.get(kind=FollowUpKind.PAY)
    with freeze_time(NOW + timedelta(hours=72)):
        from saleor_kuai_returns import tasks

        run_on_commit(tasks.sweep_deadlines)
    later = NOW + timedelta(hours=73)
    FollowUp.objects.filter(pk=first.pk).update(
        done_at=None, attempts=1, next_attempt_at=later + LEASE
    )
    with freeze_time(later), django_capture_on_commit_callbacks(execute=False):
        act.retry_refund(request.id, merchant)
    second = FollowUp.objects.get(movement__attempt=2)
    # when attempt 2's run comes while attempt 1's run holds its row
    assert run(second, later) == "again"
    # then it waits its turn without counting a failure
    assert state(second)[:3] == (1, 0, later + timedelta(seconds=30))
    assert second.last_error == "attempt 1 is being sent"
    assert MoneyMovement.objects.get(attempt=2).status == "pending"

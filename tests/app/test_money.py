"""Money leaves exactly once: the same movement paid twice (one after the other,
after a worker died half-way, or at the same time), refused refunds shown failed
and retried as new attempts, and refunds the payment provider confirms later."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone
from freezegun import freeze_time

from saleor_kuai_returns.actions import follow_ups
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.follow_ups import run
from saleor_kuai_returns.actions.money import pay_movement
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    EvidenceKind,
    FollowUp,
    MoneyMovement,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")


def approved_refund(demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks):
    """A refund of one tee (100.00) the merchant approved; its payment was not
    sent yet (the task queued after commit never ran)."""
    order = demo.orders["delivered"]
    line = order.lines.get(sku="TEE-RED-M")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    request = run_on_commit(create_request, str(order.id), buyer, new, evidence=[PHOTO], now=NOW)
    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=False):
        act.approve_request(request.id, merchant)
    request.refresh_from_db()
    assert request.state == "refunding"
    return request, MoneyMovement.objects.get()


@pytest.fixture
def approved(demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks):
    return approved_refund(demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks)


def outcome(request):
    """What a payment settles: the request, its movements, the shop's payments,
    the order line's refund and the timeline."""
    request.refresh_from_db()
    tee = shop.OrderLine.objects.get(sku="TEE-RED-M")
    return {
        "request": (request.state, request.version, request.refunded_amount),
        "movements": list(
            MoneyMovement.objects.values_list("attempt", "status", "amount").order_by("attempt")
        ),
        "payments": list(
            shop.Payment.objects.order_by("pk").values_list("kind", "amount", "status")
        ),
        "line": (tee.quantity_refunded_shipped, tee.amount_refunded),
        "events": list(
            TimelineEvent.objects.filter(request=request, version__gte=2).values_list(
                "version", "event", "to_state"
            )
        ),
    }


PAID_ONCE = {
    "request": ("refunded", 2, Decimal("100.000")),
    "movements": [(1, "succeeded", Decimal("100.000"))],
    "payments": [("refund", Decimal("100.000"), "succeeded")],
    "line": (1, Decimal("100.000")),
    "events": [(2, "refund_succeeded", "refunded")],
}


def pay(movement):
    return pay_movement(movement.pk, now=timezone.now(), host=SandboxHost())


@freeze_time(NOW)
def test_paying_the_same_movement_twice_pays_once(approved, run_on_commit):
    # given
    request, movement = approved
    follow_up = FollowUp.objects.get(movement=movement)
    # when its follow-up runs, then the payment is sent once more by hand
    assert run_on_commit(run, follow_up.pk, now=NOW, host=SandboxHost()) == "done"
    assert run_on_commit(pay, movement) == "succeeded"
    # then
    assert outcome(request) == PAID_ONCE
    # and the follow-up, done, does not run again
    assert run_on_commit(run, follow_up.pk, now=NOW + timedelta(hours=1), host=SandboxHost()) == (
        "skipped"
    )


@freeze_time(NOW)
def test_a_worker_killed_after_the_shop_paid_is_resumed_without_paying_again(
    approved, run_on_commit
):
    # given a worker that prepared and sent the refund and died before recording it
    request, movement = approved
    host = SandboxHost()
    movement.status = "sending"
    movement.provider_reference = host.prepare_payment(movement).reference
    movement.save()
    assert host.send_payment(movement).status == "succeeded"
    movement.refresh_from_db()
    assert movement.status == "sending"
    # when the payment runs again
    assert run_on_commit(pay, movement) == "succeeded"
    # then the shop's own record said it was paid: nothing was paid again
    assert outcome(request) == PAID_ONCE


@freeze_time(NOW)
def test_a_worker_killed_before_sending_sends_the_prepared_payment_once(approved, run_on_commit):
    # given a worker that prepared the refund and died before sending it
    request, movement = approved
    movement.status = "sending"
    movement.provider_reference = SandboxHost().prepare_payment(movement).reference
    movement.save()
    # when the payment runs again
    assert run_on_commit(pay, movement) == "succeeded"
    # then the prepared payment was sent: one payment
    assert outcome(request) == PAID_ONCE


@pytest.mark.django_db(transaction=True)
def test_the_same_movement_paid_at_the_same_time_pays_once(
    demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks, monkeypatch
):
    # given an approved refund whose task got lost, and two workers that both
    # reach the provider call together
    with monkeypatch.context() as lost:
        lost.setattr(follow_ups, "send", lambda ids: 0)
        request, movement = approved_refund(
            demo, buyer, merchant, run_on_commit, django_capture_on_commit_callbacks
        )
    both_sending = threading.Barrier(2, timeout=10)
    real_send = SandboxHost.send_payment

    def send_together(self, movement):
        # the other worker may find it paid and never send: then the wait times out
        with contextlib.suppress(threading.BrokenBarrierError):
            both_sending.wait()
        return real_send(self, movement)

    monkeypatch.setattr(SandboxHost, "send_payment", send_together)
    results, errors = [], []

    def worker():
        try:
            results.append(pay(movement))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then both report the one payment; the request was refunded once
    assert errors == []
    assert results == ["succeeded", "succeeded"]
    assert outcome(request) == PAID_ONCE


@freeze_time(NOW)
def test_a_refused_refund_shows_failed_and_a_retry_is_a_new_attempt(
    demo, approved, merchant, run_on_commit
):
    # given a channel whose payments refuse refunds
    demo.channel.refund_mode = shop.RefundMode.FAIL
    demo.channel.save()
    request, movement = approved
    # when the payment is sent
    assert run_on_commit(pay, movement) == "failed"
    # then the refusal is recorded and the request shows the refund failed
    movement.refresh_from_db()
    assert (movement.status, movement.error) == ("failed", "the sandbox channel refuses refunds")
    assert outcome(request) == {
        "request": ("refund_failed", 2, Decimal("0.000")),
        "movements": [(1, "failed", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "failed")],
        "line": (0, Decimal("0.000")),
        "events": [(2, "refund_failed", "refund_failed")],
    }
    assert request.deadline_at == NOW + timedelta(hours=24)
    # when the channel works again and the merchant retries
    demo.channel.refund_mode = shop.RefundMode.SUCCEED
    demo.channel.save()
    run_on_commit(act.retry_refund, request.id, merchant, version=2)
    # then a second attempt, under its own key, paid once
    assert outcome(request) == {
        "request": ("refunded", 4, Decimal("100.000")),
        "movements": [(1, "failed", Decimal("100.000")), (2, "succeeded", Decimal("100.000"))],
        "payments": [
            ("refund", Decimal("100.000"), "failed"),
            ("refund", Decimal("100.000"), "succeeded"),
        ],
        "line": (1, Decimal("100.000")),
        "events": [
            (2, "refund_failed", "refund_failed"),
            (3, "retry_refund", "refunding"),
            (4, "refund_succeeded", "refunded"),
        ],
    }
    assert MoneyMovement.objects.get(attempt=2).idempotency_key == (f"kuai:{request.id}:payout:2")


@freeze_time(NOW)
def test_a_pending_refund_confirmed_by_the_payment_app_settles_the_request(
    demo, approved, run_on_commit
):
    # given a channel whose refunds wait for the payment app
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved
    assert run_on_commit(pay, movement) == "requested"
    assert outcome(request) == {
        "request": ("refunding", 1, Decimal("0.000")),
        "movements": [(1, "requested", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "requested")],
        "line": (0, Decimal("0.000")),
        "events": [],
    }
    payment = shop.Payment.objects.get()
    # when the payment app confirms, twice, and the payment runs again meanwhile
    run_on_commit(SandboxHost().confirm, payment.pk, True)
    run_on_commit(SandboxHost().confirm, payment.pk, True)
    assert run_on_commit(pay, movement) == "succeeded"
    # then the request is refunded once
    assert outcome(request) == PAID_ONCE
    movement.refresh_from_db()
    assert movement.provider_reference == str(payment.pk)


@freeze_time(NOW)
def test_a_pending_refund_the_payment_app_refuses_shows_failed(demo, approved, run_on_commit):
    # given
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved
    run_on_commit(pay, movement)
    payment = shop.Payment.objects.get()
    # when the app refuses, then (late) refuses again
    run_on_commit(SandboxHost().confirm, payment.pk, False)
    run_on_commit(SandboxHost().confirm, payment.pk, False)
    # then
    assert outcome(request) == {
        "request": ("refund_failed", 2, Decimal("0.000")),
        "movements": [(1, "failed", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "failed")],
        "line": (0, Decimal("0.000")),
        "events": [(2, "refund_failed", "refund_failed")],
    }
    assert AfterSaleRequest.objects.get().deadline_at == NOW + timedelta(hours=24)


@freeze_time(NOW)
def test_a_retry_while_the_first_attempt_is_still_with_the_provider_pays_nothing_new(
    demo, approved, merchant, run_on_commit
):
    # given a refund the payment app never answered, shown failed by its deadline
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved
    run_on_commit(pay, movement)
    with freeze_time(NOW + timedelta(hours=72)):
        from saleor_kuai_returns import tasks

        run_on_commit(tasks.sweep_deadlines)
    request.refresh_from_db()
    assert request.state == "refund_failed"
    # when the merchant retries
    with freeze_time(NOW + timedelta(hours=73)):
        run_on_commit(act.retry_refund, request.id, merchant)
    # then the second attempt is not sent: the first is still with the provider
    assert list(
        MoneyMovement.objects.order_by("attempt").values_list("attempt", "status", "note")
    ) == [
        (1, "requested", ""),
        (2, "superseded", "not sent: attempt 1 is still with the payment provider"),
    ]
    assert shop.Payment.objects.count() == 1
    # when the app finally confirms the first
    run_on_commit(SandboxHost().confirm, shop.Payment.objects.get().pk, True)
    # then the request is refunded with it, once
    request.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("100.000"))
    assert list(shop.Payment.objects.values_list("amount", "status")) == [
        (Decimal("100.000"), "succeeded")
    ]


@freeze_time(NOW)
def test_the_shops_payment_names_who_decided_it(demo, buyer, merchant, run_on_commit):
    # given a refund the merchant approves, and one the review deadline approves
    order = demo.orders["delivered"]
    filed = []
    for sku in ("TEE-RED-M", "CAP-BLK"):
        line = order.lines.get(sku=sku)
        new = NewRequest(
            RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),)
        )
        filed.append(
            run_on_commit(create_request, str(order.id), buyer, new, evidence=[PHOTO], now=NOW)
        )
    run_on_commit(act.approve_request, filed[0].id, merchant)
    with freeze_time(NOW + timedelta(hours=48)):
        from saleor_kuai_returns import tasks

        run_on_commit(tasks.sweep_deadlines)
    # then the shop's payments carry their authors
    assert list(shop.Payment.objects.order_by("pk").values_list("amount", "author")) == [
        (Decimal("100.000"), f"user:{demo.merchant.pk}"),
        (Decimal("59.900"), "system"),
    ]
    assert list(MoneyMovement.objects.order_by("amount").values_list("amount", "requested_by")) == [
        (Decimal("59.900"), "system"),
        (Decimal("100.000"), f"user:{demo.merchant.pk}"),
    ]


@freeze_time(NOW)
def test_the_deadlines_retry_never_asks_the_app_again_a_persons_retry_does(
    demo, approved, merchant, run_on_commit
):
    # given a refund the payment app holds and never answers
    from saleor_kuai_returns import tasks

    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved
    first = FollowUp.objects.get(movement=movement)
    assert run_on_commit(run, first.pk, now=NOW, host=SandboxHost()) == "done"
    # when its deadlines pass: shown failed at 72 h, retried by the system at 96 h
    for hours in (72, 96):
        with freeze_time(NOW + timedelta(hours=hours)):
            run_on_commit(tasks.sweep_deadlines)
    # then the system's attempt 2 is not sent, and attempt 1 is not asked again
    assert list(
        MoneyMovement.objects.order_by("attempt").values_list("attempt", "status", "requested_by")
    ) == [(1, "requested", f"user:{demo.merchant.pk}"), (2, "superseded", "system")]
    first.refresh_from_db()
    assert (first.attempts, first.done_at) == (1, NOW)
    # when, after it shows failed again, the merchant retries by hand
    with freeze_time(NOW + timedelta(hours=168)):
        run_on_commit(tasks.sweep_deadlines)
        run_on_commit(act.retry_refund, request.id, merchant)
    # then attempt 1 is asked again (its follow-up ran once more); still one payment
    first.refresh_from_db()
    assert first.done_at == NOW + timedelta(hours=168)
    assert list(MoneyMovement.objects.order_by("attempt").values_list("attempt", "status")) == [
        (1, "requested"),
        (2, "superseded"),
        (3, "superseded"),
    ]
    assert shop.Payment.objects.count() == 1

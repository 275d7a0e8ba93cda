"""Money leaves exactly once: the same movement paid twice (one after the other,
after a worker died half-way, or at the same time), refused refunds retried with
backoff, and refunds the payment provider confirms later."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db import connections
from django.utils import timezone
from freezegun import freeze_time

from saleor_kuai_returns import tasks
from saleor_kuai_returns.actions import core
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.money import pay_movement
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.models import AfterSaleRequest, EvidenceKind, MoneyMovement, TimelineEvent
from saleor_kuai_returns.sandbox import models as shop

from .conftest import NOW

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")


def approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch):
    """A refund of one tee (100.00) the merchant approved; its payment task was
    not sent yet."""
    order = demo.orders["delivered"]
    line = order.lines.get(sku="TEE-RED-M")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    request = run_on_commit(create_request, str(order.id), buyer, new, evidence=[PHOTO], now=NOW)
    real_dispatch = core._dispatch

    def dispatch_all_but_payments(task_name, *args):
        if task_name != "pay_money_movement":
            real_dispatch(task_name, *args)

    with freeze_time(NOW), monkeypatch.context() as patch:
        patch.setattr(core, "_dispatch", dispatch_all_but_payments)
        run_on_commit(act.approve_request, request.id, merchant)
    request.refresh_from_db()
    assert request.state == "refunding"
    return request, MoneyMovement.objects.get()


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


@freeze_time(NOW)
def test_paying_the_same_movement_twice_pays_once(
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    # when the payment task runs twice for the same movement
    run_on_commit(tasks.pay_money_movement.delay, str(movement.pk))
    run_on_commit(tasks.pay_money_movement.delay, str(movement.pk))
    # then
    assert outcome(request) == PAID_ONCE


@freeze_time(NOW)
def test_a_worker_killed_after_paying_is_retried_without_paying_again(
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given a worker that sent the refund and died before recording it
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    SandboxHost().pay(movement)
    movement.refresh_from_db()
    assert movement.status == "pending"
    # when the task runs again
    run_on_commit(tasks.pay_money_movement.delay, str(movement.pk))
    # then the provider's idempotency key kept it to one payment
    assert outcome(request) == PAID_ONCE


@pytest.mark.django_db(transaction=True)
def test_the_same_movement_paid_at_the_same_time_pays_once(
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given two workers that both found the movement unpaid and call the provider together
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    both_in_pay = threading.Barrier(2, timeout=10)
    real_pay = SandboxHost.pay

    def pay_together(self, movement):
        both_in_pay.wait()
        return real_pay(self, movement)

    monkeypatch.setattr(SandboxHost, "pay", pay_together)
    results, errors = [], []

    def worker():
        try:
            results.append(
                pay_movement(
                    str(movement.pk), now=timezone.now(), host=SandboxHost(), final_attempt=False
                )
            )
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
def test_a_refused_refund_is_retried_with_backoff_then_shown_failed_and_retried_by_staff(
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given a channel whose payments refuse refunds
    demo.channel.refund_mode = shop.RefundMode.FAIL
    demo.channel.save()
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    waiting = {
        "request": ("refunding", 1, Decimal("0.000")),
        "movements": [(1, "pending", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "failed")],
        "line": (0, Decimal("0.000")),
        "events": [],
    }
    countdowns = []
    # when the task runs as Celery runs it: first try, then each retry it asks for
    for retries in range(5):
        with pytest.raises(Retry) as retry:
            run_on_commit(
                tasks.pay_money_movement.apply, args=[str(movement.pk)], retries=retries, throw=True
            )
        countdowns.append(retry.value.when)
        assert outcome(request) == waiting
    run_on_commit(tasks.pay_money_movement.apply, args=[str(movement.pk)], retries=5, throw=True)
    # then it backed off exponentially, and the last retry shows the refund failed
    assert countdowns == [30, 60, 120, 240, 480]
    movement.refresh_from_db()
    assert (movement.status, movement.error) == ("failed", "the sandbox channel refuses refunds")
    assert outcome(request) == {
        "request": ("refund_failed", 2, Decimal("0.000")),
        "movements": [(1, "failed", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "failed")],
        "line": (0, Decimal("0.000")),
        "events": [(2, "refund_failed", "refund_failed")],
    }
    # when the channel works again and the merchant retries
    demo.channel.refund_mode = shop.RefundMode.SUCCEED
    demo.channel.save()
    run_on_commit(act.retry_refund, request.id, merchant, version=2)
    # then a second attempt paid once
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
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given a channel whose refunds wait for the payment app
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    run_on_commit(tasks.pay_money_movement.delay, str(movement.pk))
    waiting = outcome(request)
    assert waiting == {
        "request": ("refunding", 1, Decimal("0.000")),
        "movements": [(1, "requested", Decimal("100.000"))],
        "payments": [("refund", Decimal("100.000"), "requested")],
        "line": (0, Decimal("0.000")),
        "events": [],
    }
    payment = shop.Payment.objects.get()
    # when the payment app confirms, twice
    run_on_commit(SandboxHost().confirm, payment.pk, True)
    run_on_commit(SandboxHost().confirm, payment.pk, True)
    # then the request is refunded once
    assert outcome(request) == PAID_ONCE
    movement.refresh_from_db()
    assert movement.provider_reference == str(payment.pk)


@freeze_time(NOW)
def test_a_pending_refund_the_payment_app_refuses_shows_failed(
    demo, buyer, merchant, run_on_commit, monkeypatch
):
    # given
    demo.channel.refund_mode = shop.RefundMode.PENDING
    demo.channel.save()
    request, movement = approved_refund(demo, buyer, merchant, run_on_commit, monkeypatch)
    run_on_commit(tasks.pay_money_movement.delay, str(movement.pk))
    payment = shop.Payment.objects.get()
    # when
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

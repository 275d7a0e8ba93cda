"""Every default outcome at its deadline, through the sweeper task: a second
before nothing happens, at the deadline it applies once, with its money."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from saleor_kuai_returns import sweeper, tasks
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    AfterSaleRequestLine,
    EvidenceKind,
    FollowUp,
    LiabilityEntry,
    MoneyMovement,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import LineSpec, make_order

from .conftest import NOW

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")
SECOND = timedelta(seconds=1)


def file(order, caller, run_on_commit, request_type, reason, sku, quantity=1):
    line = order.lines.get(sku=sku)
    new = NewRequest(request_type, reason, lines=((str(line.id), quantity),))
    return run_on_commit(create_request, str(order.id), caller, new, evidence=[PHOTO], now=NOW)


def sweep_at(moment, run_on_commit):
    """The beat's task at ``moment``, with what it schedules after commit."""
    with freeze_time(moment):
        return run_on_commit(tasks.sweep_deadlines)


def world(request):
    """Everything a sweep may change, to show that an early one changed nothing."""
    request.refresh_from_db()
    return (
        request.state,
        request.version,
        request.deadline_at,
        request.updated_at,
        list(request.lines.values_list("is_active", flat=True)),
        TimelineEvent.objects.count(),
        MoneyMovement.objects.count(),
        LiabilityEntry.objects.count(),
        shop.Payment.objects.count(),
        shop.OrderNote.objects.count(),
        shop.Stock.objects.get(sku="TEE-RED-M").quantity,
    )


def events(request):
    return list(
        TimelineEvent.objects.filter(request=request).values_list(
            "version", "event", "actor_kind", "from_state", "to_state"
        )
    )


def test_review_deadline_approves_a_refund_and_pays_it(demo, buyer, run_on_commit):
    # given a refund waiting for the merchant's review since NOW
    order = demo.orders["delivered"]
    request = file(
        order, buyer, run_on_commit, RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, "TEE-RED-M"
    )
    due = NOW + timedelta(hours=48)
    assert request.deadline_at == due
    before = world(request)
    # when the sweeper runs a second before the deadline
    assert sweep_at(due - SECOND, run_on_commit) == 0
    # then nothing changed
    assert world(request) == before
    # when it runs at the deadline
    assert sweep_at(due, run_on_commit) == 1
    # then the request was approved for the merchant and the refund paid once
    request.refresh_from_db()
    assert (request.state, request.version, request.merchant_missed_deadline) == (
        "refunded",
        2,
        True,
    )
    assert (request.refunded_amount, request.deadline_at) == (Decimal("100.000"), None)
    assert events(request) == [
        (0, "created", "buyer", "", "awaiting_merchant_review"),
        (1, "deadline_expired", "system", "awaiting_merchant_review", "refunding"),
        (2, "refund_succeeded", "system", "refunding", "refunded"),
    ]
    assert list(
        MoneyMovement.objects.values_list("kind", "payer", "amount", "attempt", "status")
    ) == [("refund", "merchant", Decimal("100.000"), 1, "succeeded")]
    assert list(shop.Payment.objects.values_list("kind", "amount", "status")) == [
        ("refund", Decimal("100.000"), "succeeded")
    ]
    assert LiabilityEntry.objects.count() == 0
    tee = order.lines.get(sku="TEE-RED-M")
    assert (tee.quantity_refunded_shipped, tee.amount_refunded) == (1, Decimal("100.000"))
    assert list(request.lines.values_list("is_active", flat=True)) == [False]
    assert order.notes.count() == 3  # filed, deadline, refund succeeded


def test_buyer_return_deadline_closes_the_request_and_frees_the_line(
    demo, buyer, merchant, run_on_commit
):
    # given an approved return the buyer never ships
    order = demo.orders["delivered"]
    request = file(
        order,
        buyer,
        run_on_commit,
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        "TEE-RED-M",
    )
    with freeze_time(NOW):
        run_on_commit(act.approve_request, request.id, merchant)
    due = NOW + timedelta(days=10)
    before = world(request)
    assert before[:3] == ("awaiting_buyer_return", 1, due)
    # when / then: a second early, nothing
    assert sweep_at(due - SECOND, run_on_commit) == 0
    assert world(request) == before
    # when / then: at the deadline, closed without money
    assert sweep_at(due, run_on_commit) == 1
    request.refresh_from_db()
    assert (request.state, request.version, request.deadline_at) == ("closed", 2, None)
    assert request.merchant_missed_deadline is False
    assert events(request)[-1] == (
        2,
        "deadline_expired",
        "system",
        "awaiting_buyer_return",
        "closed",
    )
    assert list(AfterSaleRequestLine.objects.values_list("is_active", flat=True)) == [False]
    assert (MoneyMovement.objects.count(), shop.Payment.objects.count()) == (0, 0)
    assert shop.Stock.objects.get(sku="TEE-RED-M").quantity == 10
    assert order.notes.count() == 3


def test_merchant_receipt_deadline_refunds_without_restocking(demo, buyer, merchant, run_on_commit):
    # given a return shipped back that the merchant never confirms
    order = demo.orders["delivered"]
    request = file(
        order,
        buyer,
        run_on_commit,
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        "TEE-RED-M",
    )
    with freeze_time(NOW):
        run_on_commit(act.approve_request, request.id, merchant)
        run_on_commit(
            act.submit_return_shipment, request.id, buyer, carrier="SF", tracking_number="SF1"
        )
    due = NOW + timedelta(days=10)
    before = world(request)
    assert before[:3] == ("awaiting_merchant_receipt", 2, due)
    # when / then: a second early, nothing
    assert sweep_at(due - SECOND, run_on_commit) == 0
    assert world(request) == before
    # when / then: at the deadline the buyer is refunded, once
    assert sweep_at(due, run_on_commit) == 1
    request.refresh_from_db()
    assert (request.state, request.version, request.refunded_amount) == (
        "refunded",
        4,
        Decimal("100.000"),
    )
    assert request.merchant_missed_deadline is True
    assert events(request)[-2:] == [
        (3, "deadline_expired", "system", "awaiting_merchant_receipt", "refunding"),
        (4, "refund_succeeded", "system", "refunding", "refunded"),
    ]
    assert list(MoneyMovement.objects.values_list("kind", "amount", "status")) == [
        ("refund", Decimal("100.000"), "succeeded")
    ]
    assert list(shop.Payment.objects.values_list("amount", "status")) == [
        (Decimal("100.000"), "succeeded")
    ]
    # the merchant never confirmed the goods: nothing is restocked
    assert shop.Stock.objects.get(sku="TEE-RED-M").quantity == 10
    assert LiabilityEntry.objects.count() == 0


def test_reship_deadline_pays_late_shipment_compensation_and_records_the_liability(
    demo, buyer, merchant, run_on_commit
):
    # given a missing kettle (paid 299.00) the merchant agreed to reship
    order = demo.orders["with_gift"]
    request = file(
        order, buyer, run_on_commit, RequestType.RESHIP, Reason.MISSING_ITEMS, "KETTLE-1"
    )
    with freeze_time(NOW):
        run_on_commit(act.approve_request, request.id, merchant)
    due = NOW + timedelta(hours=24)
    before = world(request)
    assert before[:3] == ("awaiting_reship", 1, due)
    # when / then: a second early, nothing
    assert sweep_at(due - SECOND, run_on_commit) == 0
    assert world(request) == before
    # when / then: at the deadline the shipment is late: 5 % of 299.00 as a gift card
    assert sweep_at(due, run_on_commit) == 1
    request.refresh_from_db()
    assert (request.state, request.version, request.deadline_at) == (
        "reship_overdue",
        2,
        due + timedelta(hours=48),
    )
    assert (request.late_shipment_compensated, request.merchant_missed_deadline) == (True, True)
    assert (request.compensated_amount, request.platform_advanced_amount) == (
        Decimal("14.950"),
        Decimal("14.950"),
    )
    assert list(
        MoneyMovement.objects.values_list(
            "kind", "method", "payer", "amount", "idempotency_key", "status"
        )
    ) == [
        (
            "late_shipment_compensation",
            "gift_card",
            "platform",
            Decimal("14.950"),
            f"kuai:{request.id}:late_shipment:1",
            "succeeded",
        )
    ]
    assert list(LiabilityEntry.objects.values_list("channel_slug", "kind", "amount")) == [
        ("default-channel", "late_shipment_compensation", Decimal("14.950"))
    ]
    assert list(shop.Payment.objects.values_list("kind", "amount", "status")) == [
        ("gift_card", Decimal("14.950"), "succeeded")
    ]
    # a gift card refunds nothing on the order
    kettle = order.lines.get(sku="KETTLE-1")
    assert (kettle.quantity_refunded_shipped, kettle.amount_refunded) == (0, Decimal("0"))
    assert events(request)[-1] == (
        2,
        "deadline_expired",
        "system",
        "awaiting_reship",
        "reship_overdue",
    )


def test_buyer_confirmation_deadline_completes_the_request(demo, buyer, merchant, run_on_commit):
    # given reshipped items the buyer never confirms
    order = demo.orders["with_gift"]
    request = file(
        order, buyer, run_on_commit, RequestType.RESHIP, Reason.MISSING_ITEMS, "KETTLE-GIFT"
    )
    shipped_at = NOW + timedelta(hours=3)
    with freeze_time(NOW):
        run_on_commit(act.approve_request, request.id, merchant)
    with freeze_time(shipped_at):
        run_on_commit(act.ship_items, request.id, merchant, carrier="ZTO", tracking_number="Z1")
    due = shipped_at + timedelta(days=10)
    before = world(request)
    assert before[:3] == ("awaiting_buyer_confirmation", 2, due)
    # when / then: a second early, nothing
    assert sweep_at(due - SECOND, run_on_commit) == 0
    assert world(request) == before
    # when / then: at the deadline, completed without money
    assert sweep_at(due, run_on_commit) == 1
    request.refresh_from_db()
    assert (request.state, request.version, request.deadline_at) == ("completed", 3, None)
    assert events(request)[-1] == (
        3,
        "deadline_expired",
        "system",
        "awaiting_buyer_confirmation",
        "completed",
    )
    assert list(request.lines.values_list("is_active", flat=True)) == [False]
    assert (MoneyMovement.objects.count(), shop.Payment.objects.count()) == (0, 0)


def test_the_task_chains_until_a_batch_comes_back_short(
    demo, buyer, run_on_commit, settings, monkeypatch
):
    # given 7 due returns and batches of 3
    settings.KUAI_RETURNS_SWEEP_BATCH_SIZE = 3
    requests = [
        file(
            make_order(
                demo.channel,
                demo.buyer,
                [LineSpec(f"SKU-{i}", "Tee", 1, "100.00")],
                delivered_at=NOW - timedelta(days=1),
            ),
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            f"SKU-{i}",
        )
        for i in range(7)
    ]
    batches = []
    real_sweep_batch = sweeper.sweep_batch

    def counting_sweep_batch(*args, **kwargs):
        batch = real_sweep_batch(*args, **kwargs)
        batches.append(batch)
        return batch

    monkeypatch.setattr(sweeper, "sweep_batch", counting_sweep_batch)
    # when the beat runs the task once
    expired = sweep_at(NOW + timedelta(hours=48), run_on_commit)
    # then three chained tasks expired all seven, each once
    assert expired == 3
    assert batches == [sweeper.Batch(3, 3), sweeper.Batch(3, 3), sweeper.Batch(1, 1)]
    assert (
        sorted(
            AfterSaleRequest.objects.values_list("state", "version").filter(
                pk__in=[r.pk for r in requests]
            )
        )
        == [("awaiting_buyer_return", 1)] * 7
    )
    assert TimelineEvent.objects.filter(event="deadline_expired").count() == 7


def test_one_broken_request_does_not_hold_back_the_others(demo, buyer, run_on_commit, caplog):
    # given two due returns, the older one broken by hand in the database
    broken, sound = (
        file(
            make_order(
                demo.channel,
                demo.buyer,
                [LineSpec(sku, "Tee", 1, "100.00")],
                delivered_at=NOW - timedelta(days=1),
            ),
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            sku,
        )
        for sku in ("SKU-BROKEN", "SKU-SOUND")
    )
    AfterSaleRequest.objects.filter(pk=broken.pk).update(
        deadline_outcome="no_such_outcome", deadline_at=broken.deadline_at - SECOND
    )
    # when
    with caplog.at_level(logging.ERROR, logger="saleor_kuai_returns.sweeper"):
        expired = sweep_at(NOW + timedelta(hours=48), run_on_commit)
    # then the sound one expired, the broken one is untouched and logged
    assert expired == 1
    broken.refresh_from_db()
    sound.refresh_from_db()
    assert (broken.state, broken.version) == ("awaiting_merchant_review", 0)
    assert (sound.state, sound.version) == ("awaiting_buyer_return", 1)
    assert [record.getMessage() for record in caplog.records] == [
        f"After-sale request {broken.pk} (awaiting_merchant_review): "
        "its default outcome failed; tried again later."
    ]
    assert TimelineEvent.objects.filter(request=broken).count() == 1
    assert broken.sweep_retry_at == NOW + timedelta(hours=48, minutes=10)


def test_broken_requests_filling_a_batch_do_not_starve_the_ones_behind(
    demo, buyer, run_on_commit, caplog
):
    # given a due return that is broken, and a sound one due after it
    broken, sound = (
        file(
            make_order(
                demo.channel,
                demo.buyer,
                [LineSpec(sku, "Tee", 1, "100.00")],
                delivered_at=NOW - timedelta(days=1),
            ),
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            sku,
        )
        for sku in ("SKU-BROKEN", "SKU-SOUND")
    )
    AfterSaleRequest.objects.filter(pk=broken.pk).update(
        deadline_outcome="no_such_outcome", deadline_at=broken.deadline_at - SECOND
    )
    due = NOW + timedelta(hours=48)
    # when batches of one are swept twice at the same moment
    with caplog.at_level(logging.CRITICAL, logger="saleor_kuai_returns.sweeper"):
        first = sweeper.sweep_batch(due, batch_size=1, host=demo_host())
        second = sweeper.sweep_batch(due, batch_size=1, host=demo_host())
    # then the broken one took the first batch, and the sound one the next
    assert (first.claimed, first.expired, second.claimed, second.expired) == (1, 0, 1, 1)
    sound.refresh_from_db()
    assert sound.state == "awaiting_buyer_return"
    # and the broken one is tried again once its delay passed
    later = due + timedelta(minutes=10)
    with caplog.at_level(logging.CRITICAL, logger="saleor_kuai_returns.sweeper"):
        again = sweeper.sweep_batch(later, batch_size=1, host=demo_host())
    assert (again.claimed, again.expired) == (1, 0)


@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_takes_the_same_queries_and_one_notes_task_at_any_size(
    demo,
    buyer,
    merchant,
    run_on_commit,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    count,
):
    # given `count` approved returns whose buyer never ships
    for i in range(count):
        order = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec(f"SKU-{i}", "Tee", 1, "100.00")],
            delivered_at=NOW - timedelta(days=1),
        )
        request = file(
            order,
            buyer,
            run_on_commit,
            RequestType.RETURN_AND_REFUND,
            Reason.QUALITY_FUNCTION,
            f"SKU-{i}",
        )
        with freeze_time(NOW):
            run_on_commit(act.approve_request, request.id, merchant)
    # when one batch closes them all
    with (
        django_capture_on_commit_callbacks() as callbacks,
        # savepoint, claim, lines, policy, 3 writes, the follow-ups, release
        django_assert_num_queries(9),
    ):
        expired = sweeper.expire_due(NOW + timedelta(days=10), batch_size=count, host=demo_host())
    # then every one closed, and one follow-up carries every order note, sent after commit
    assert expired == count
    assert AfterSaleRequest.objects.filter(state="closed").count() == count
    assert len(callbacks) == 1
    notes = FollowUp.objects.filter(kind="order_notes", created_at=NOW + timedelta(days=10))
    assert [len(row.payload) for row in notes] == [count]


@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_of_refunds_takes_the_same_queries_and_one_task_per_payment(
    demo,
    buyer,
    run_on_commit,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    count,
):
    # given `count` refunds nobody reviewed
    for i in range(count):
        order = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec(f"SKU-{i}", "Tee", 1, "100.00")],
            delivered_at=NOW - timedelta(days=1),
        )
        file(
            order,
            buyer,
            run_on_commit,
            RequestType.REFUND_ONLY,
            Reason.QUALITY_FUNCTION,
            f"SKU-{i}",
        )
    # when one batch approves them all
    with (
        django_capture_on_commit_callbacks() as callbacks,
        # savepoint, claim, lines, policy, 3 writes, the follow-ups, release
        django_assert_num_queries(9),
    ):
        expired = sweeper.expire_due(NOW + timedelta(hours=48), batch_size=count, host=demo_host())
    # then each has its refund movement and its own follow-up, sent after commit
    assert expired == count
    assert MoneyMovement.objects.filter(status="pending").count() == count
    assert len(callbacks) == 1
    due = NOW + timedelta(hours=48)
    assert FollowUp.objects.filter(kind="pay", created_at=due).count() == count
    assert AfterSaleRequest.objects.filter(state="refunding").count() == count


def demo_host():
    from saleor_kuai_returns.host import get_host

    return get_host()

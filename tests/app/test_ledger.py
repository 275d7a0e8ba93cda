"""The merchant liability ledger on PostgreSQL: entries only for platform money
that was paid, settlements, the statement and its CSV export."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from freezegun import freeze_time

from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.actions.ledger import record_settlement, settlement_key
from saleor_kuai_returns.domain import ErrorCode
from saleor_kuai_returns.domain.errors import MoneyError
from saleor_kuai_returns.ledger import balance, statement
from saleor_kuai_returns.models import LiabilityEntry, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop

from .conftest import HOUR, NOW, at

CHANNEL = "default-channel"


def ledger():
    return list(
        LiabilityEntry.objects.order_by("created_at", "id").values_list(
            "channel_slug", "kind", "amount", "currency", "movement__attempt"
        )
    )


def platform_paid_out():
    paid = MoneyMovement.objects.filter(payer="platform", status="succeeded")
    return paid.aggregate(total=Sum("amount"))["total"]


@pytest.fixture
def advanced(escalated, platform, run_on_commit):
    """The platform refunded 100.00 first for an unjustified rejection."""
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    assert ledger() == [(CHANNEL, "platform_refund_first", Decimal("100.000"), "CNY", 1)]
    return escalated


def test_a_refused_platform_refund_books_nothing_until_a_retry_is_paid(
    demo, escalated, platform, merchant, run_on_commit
):
    # given the shop refuses the gift card the platform pays first with
    demo.channel.gift_card_mode = shop.RefundMode.FAIL
    demo.channel.save()
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    escalated.refresh_from_db()
    # then the request shows the failure and the ledger holds nothing
    assert escalated.state == "refund_failed"
    assert ledger() == []
    # when the channel works again and staff retries
    demo.channel.gift_card_mode = shop.RefundMode.SUCCEED
    demo.channel.save()
    at(NOW + 4 * HOUR, run_on_commit, act.retry_refund, escalated.id, merchant)
    # then exactly the paid attempt is booked
    escalated.refresh_from_db()
    assert escalated.state == "refunded"
    assert ledger() == [(CHANNEL, "platform_refund_first", Decimal("100.000"), "CNY", 2)]
    assert balance(CHANNEL) == platform_paid_out() == Decimal("100.000")


def test_a_settlement_reduces_the_balance_once_per_key(advanced, demo, run_on_commit):
    from saleor_kuai_returns.sandbox.factory import caller_for

    platform = caller_for(demo.platform)
    # when the platform records 40.00 paid back, twice with the same key
    first = record_settlement(
        CHANNEL, platform, Decimal("40.00"), idempotency_key="wire-1", reference="Wire 2026-03"
    )
    again = record_settlement(
        CHANNEL, platform, Decimal("40.00"), idempotency_key="wire-1", reference="Wire 2026-03"
    )
    # then one entry, and the merchant owes 60.00
    assert again.pk == first.pk
    assert (first.kind, first.amount, first.recorded_by, first.note) == (
        "settlement",
        Decimal("-40.000"),
        f"user:{demo.platform.pk}",
        "Wire 2026-03",
    )
    assert balance(CHANNEL) == Decimal("60.000")
    assert LiabilityEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (Decimal("100.01"), ErrorCode.AMOUNT_ABOVE_CEILING),
        (Decimal("0"), ErrorCode.AMOUNT_NOT_POSITIVE),
        (Decimal("-1"), ErrorCode.AMOUNT_NOT_POSITIVE),
        (Decimal("1.001"), ErrorCode.AMOUNT_INVALID),
    ],
)
def test_a_bad_settlement_is_refused_and_changes_nothing(advanced, demo, amount, code):
    from saleor_kuai_returns.sandbox.factory import caller_for

    with pytest.raises(MoneyError) as refused:
        record_settlement(CHANNEL, caller_for(demo.platform), amount, idempotency_key="k")
    assert refused.value.code is code
    assert ledger() == [(CHANNEL, "platform_refund_first", Decimal("100.000"), "CNY", 1)]


def test_a_key_reused_for_another_amount_is_refused(advanced, demo):
    from saleor_kuai_returns.sandbox.factory import caller_for

    platform = caller_for(demo.platform)
    record_settlement(CHANNEL, platform, Decimal("10.00"), idempotency_key="k")
    with pytest.raises(MoneyError) as refused:
        record_settlement(CHANNEL, platform, Decimal("20.00"), idempotency_key="k")
    assert refused.value.code is ErrorCode.AMOUNT_INVALID
    assert balance(CHANNEL) == Decimal("90.000")


def test_a_key_too_long_for_the_column_is_kept_by_its_digest_and_still_pays_once(advanced, demo):
    from saleor_kuai_returns.sandbox.factory import caller_for

    # given a caller's key that, with the channel, is longer than the column
    platform = caller_for(demo.platform)
    key = "wire-" + "x" * 250
    # when the platform records the same settlement twice with it
    first = record_settlement(CHANNEL, platform, Decimal("10.00"), idempotency_key=key)
    again = record_settlement(CHANNEL, platform, Decimal("10.00"), idempotency_key=key)
    # then one entry, stored under the digest of the whole key
    assert again.pk == first.pk
    assert first.idempotency_key == settlement_key(CHANNEL, key)
    assert first.idempotency_key.startswith("kuai:settlement-sha256:")
    assert len(first.idempotency_key) == len("kuai:settlement-sha256:") + 64
    assert balance(CHANNEL) == Decimal("90.000")


def test_a_key_that_fits_is_kept_as_it_is():
    assert settlement_key(CHANNEL, "wire-1") == "kuai:settlement:default-channel:wire-1"


def test_a_channel_with_nothing_owed_takes_no_settlement(demo):
    from saleor_kuai_returns.sandbox.factory import caller_for

    with pytest.raises(MoneyError) as refused:
        record_settlement(CHANNEL, caller_for(demo.platform), Decimal("1"), idempotency_key="k")
    assert refused.value.code is ErrorCode.AMOUNT_ABOVE_CEILING
    assert ledger() == []


@pytest.mark.parametrize("who", ["merchant", "buyer", "clerk", "other_merchant"])
def test_only_the_platform_records_settlements(advanced, demo, who):
    from saleor_kuai_returns.sandbox.factory import caller_for

    with pytest.raises(ActionError) as refused:
        record_settlement(
            CHANNEL, caller_for(getattr(demo, who)), Decimal("10"), idempotency_key="k"
        )
    assert refused.value.code is ActionErrorCode.PERMISSION_DENIED
    assert balance(CHANNEL) == Decimal("100.000")


@pytest.mark.django_db(transaction=True)
def test_two_settlements_at_once_cannot_overdraw(demo, buyer, merchant, platform):
    # given the platform advanced 100.00 (committed: the threads see it)
    from saleor_kuai_returns.actions.create import create_request
    from saleor_kuai_returns.domain import NewRequest, Reason, RejectionReason, RequestType

    from .test_requests import PHOTO, line_id

    order = demo.orders["delivered"]
    new = NewRequest(
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        lines=((line_id(order, "TEE-RED-M"), 1),),
    )
    with freeze_time(NOW):
        request = create_request(str(order.id), buyer, new, evidence=[PHOTO])
        act.send_negotiation_message(request.id, merchant, "Photo?")
        act.reject_request(
            request.id, merchant, reason=RejectionReason.NO_QUALITY_ISSUE, description="Fine."
        )
        arb.escalate(request.id, buyer)
        arb.rule_unjustified_rejection(request.id, platform)
    assert balance(CHANNEL) == Decimal("100.000")
    results, barrier = [], threading.Barrier(2)

    def settle(key):
        barrier.wait()
        try:
            record_settlement(CHANNEL, platform, Decimal("60.00"), idempotency_key=key)
            results.append("recorded")
        except MoneyError as error:
            results.append(error.code.value)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(f"k{n}",)) for n in range(2)]
    # when both settle 60.00 at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one was recorded and the other refused: the balance is 40.00
    assert sorted(results) == ["amount_above_ceiling", "recorded"]
    assert balance(CHANNEL) == Decimal("40.000")


def test_the_statement_and_its_csv_add_up(advanced, demo, run_on_commit):
    from saleor_kuai_returns.sandbox.factory import caller_for

    platform = caller_for(demo.platform)
    with freeze_time(NOW + timedelta(days=2)):
        record_settlement(
            CHANNEL, platform, Decimal("30.00"), idempotency_key="w1", reference="Wire 1"
        )
    # a statement of the second day holds the settlement only
    result = statement(CHANNEL, NOW + timedelta(days=1), NOW + timedelta(days=3))
    assert (result.opening_balance, result.paid_out, result.settled, result.closing_balance) == (
        Decimal("100.000"),
        Decimal("0"),
        Decimal("30.000"),
        Decimal("70.000"),
    )
    # the command prints the whole of March: both entries with the running balance
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "kuai_returns_ledger",
        "--channel",
        CHANNEL,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        stdout=out,
        stderr=err,
    )
    rows = [line.split(",") for line in out.getvalue().splitlines()]
    movement = MoneyMovement.objects.get()
    assert rows == [
        [
            "created_at",
            "channel",
            "kind",
            "amount",
            "currency",
            "balance",
            "request_id",
            "payment_reference",
            "recorded_by",
            "note",
        ],
        ["2026-03-01T00:00:00+00:00", CHANNEL, "opening_balance", "", "CNY", "0", "", "", "", ""],
        [
            (NOW + 3 * HOUR).isoformat(),
            CHANNEL,
            "platform_refund_first",
            "100.000",
            "CNY",
            "100.000",
            str(advanced.id),
            movement.provider_reference,
            "",
            "",
        ],
        [
            (NOW + timedelta(days=2)).isoformat(),
            CHANNEL,
            "settlement",
            "-30.000",
            "CNY",
            "70.000",
            "",
            "",
            f"user:{demo.platform.pk}",
            "Wire 1",
        ],
        ["2026-04-01T00:00:00+00:00", CHANNEL, "closing_balance", "", "CNY", "70.000", *[""] * 4],
    ]
    assert err.getvalue() == (
        f"{CHANNEL}: opening 0 CNY, paid out 100.000, settled 30.000, closing 70.000 (2 entries)\n"
    )


def test_the_platform_may_retry_the_refund_it_pays_first(demo, escalated, platform, run_on_commit):
    # given the platform's refund-first (a gift card) was refused
    demo.channel.gift_card_mode = shop.RefundMode.FAIL
    demo.channel.save()
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    demo.channel.gift_card_mode = shop.RefundMode.SUCCEED
    demo.channel.save()
    # when the platform retries it
    at(NOW + 4 * HOUR, run_on_commit, act.retry_refund, escalated.id, platform)
    # then it is paid and booked once, and the timeline names the platform
    escalated.refresh_from_db()
    assert escalated.state == "refunded"
    assert ledger() == [(CHANNEL, "platform_refund_first", Decimal("100.000"), "CNY", 2)]
    assert (
        escalated.timeline.get(event="retry_refund").actor_kind,
        escalated.timeline.get(event="retry_refund").actor_id,
    ) == ("platform", f"user:{demo.platform.pk}")

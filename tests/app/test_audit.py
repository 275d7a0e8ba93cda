"""The money audit: silent on books that agree, and one exact finding for each
way they can disagree — set up by hand in the database, as a bug or a crash
would leave them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    Appeal,
    FollowUp,
    LiabilityEntry,
    MoneyMovement,
)
from saleor_kuai_returns.sandbox import models as shop

from .conftest import HOUR, NOW, PHOTO_EVIDENCE, at, audit_findings

LATER = NOW + timedelta(days=1)


@pytest.fixture
def refunded(demo, buyer, merchant, run_on_commit):
    """A refund of one tee (100.00), approved and paid at NOW."""
    order = demo.orders["delivered"]
    line = order.lines.get(sku="TEE-RED-M")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    request = at(
        NOW, run_on_commit, create_request, str(order.id), buyer, new, evidence=[PHOTO_EVIDENCE]
    )
    at(NOW, run_on_commit, act.approve_request, request.id, merchant)
    request.refresh_from_db()
    assert request.state == "refunded"
    return request


@pytest.fixture
def refunded_first(escalated, platform, run_on_commit):
    """The platform refunded 100.00 first with a gift card; the merchant owes it."""
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    escalated.refresh_from_db()
    assert escalated.state == "refunded"
    return escalated


def second_attempt(request, status="succeeded"):
    """Attempt 2 of the request's payout, with the shop's payment for it."""
    first = MoneyMovement.objects.get(request=request, attempt=1)
    movement = MoneyMovement.objects.create(
        request=request,
        idempotency_key=f"kuai:{request.id}:payout:2",
        kind=first.kind,
        method=first.method,
        payer=first.payer,
        amount=first.amount,
        currency=first.currency,
        attempt=2,
        status=status,
    )
    payment = shop.Payment.objects.create(
        order_id=request.order_id,
        kind="refund",
        amount=first.amount,
        currency=first.currency,
        idempotency_key=movement.idempotency_key,
        status="succeeded",
    )
    MoneyMovement.objects.filter(pk=movement.pk).update(provider_reference=str(payment.pk))
    return movement


def test_books_that_agree_have_no_findings(refunded, refunded_first):
    assert audit_findings(LATER) == []


def test_a_payout_paid_twice_is_found(refunded):
    second_attempt(refunded)
    family = f"kuai:{refunded.id}:payout"
    # (and the request's own figures no longer match what it paid)
    assert audit_findings(LATER) == [
        f"paid_twice: {family}: 2 attempts reached the buyer: 1 (100.00 CNY), 2 (100.00 CNY)",
        f"amounts_disagree: request {refunded.pk}: refunded/compensated/advanced show "
        "100.00/0.00/0.00; its paid movements add up to 200.00/0.00/0.00",
        f"over_refunded: request {refunded.pk}: 200.00 CNY refunded; it may refund 100.00 CNY "
        "at most",
    ]


def test_a_payment_the_shop_made_that_we_did_not_record_is_found(refunded):
    movement = second_attempt(refunded, status="superseded")
    findings = audit_findings(LATER)
    assert findings[0] == (
        f"paid_unrecorded: movement {movement.idempotency_key}: the shop paid it "
        "(100.00 CNY); recorded as superseded"
    )
    assert findings[1].startswith(f"paid_twice: kuai:{refunded.id}:payout: 2 attempts")


def test_a_payment_recorded_as_paid_that_the_shop_never_made_is_found(refunded):
    shop.Payment.objects.all().delete()
    movement = MoneyMovement.objects.get()
    assert audit_findings(LATER) == [
        f"paid_not_at_shop: movement {movement.idempotency_key}: recorded as paid "
        "(100.00 CNY); the shop has no such payment"
    ]


def test_a_shop_that_refunded_more_than_was_paid_is_found(refunded, demo):
    order = demo.orders["delivered"]
    shop.OrderLine.objects.filter(order=order, sku="CAP-BLK").update(amount_refunded=1000)
    assert audit_findings(LATER) == [
        f"order_over_refunded: order {order.pk}: the shop refunded 1100.00 CNY of 269.90 CNY paid"
    ]


def test_a_liability_booked_twice_and_one_without_its_payment_are_found(refunded_first):
    movement = MoneyMovement.objects.get()
    LiabilityEntry.objects.create(
        channel_slug="default-channel",
        request=refunded_first,
        movement=None,
        kind="platform_refund_first",
        amount=Decimal("100.00"),
        currency="CNY",
        idempotency_key="by-hand",
    )
    failed = second_attempt(refunded_first, status="failed")
    shop.Payment.objects.filter(idempotency_key=failed.idempotency_key).update(status="failed")
    entry = LiabilityEntry.objects.create(
        channel_slug="default-channel",
        request=refunded_first,
        movement=failed,
        kind="platform_refund_first",
        amount=Decimal("100.00"),
        currency="CNY",
        idempotency_key="by-hand-2",
    )
    assert audit_findings(LATER) == [
        f"liability_without_payment: entry {entry.pk}: 100.00 CNY charged for attempt 2 of "
        f"{movement.family}, which is failed, paid by platform, 100.00 CNY",
        f"liability_twice: {movement.family}: 2 charges for one payout: 100.00 CNY, 100.00 CNY",
    ]


def test_a_platform_payment_nobody_owes_is_found(refunded_first):
    LiabilityEntry.objects.all().delete()
    movement = MoneyMovement.objects.get()
    assert audit_findings(LATER) == [
        f"payment_without_liability: {movement.family}: the platform paid 100.00 CNY; the "
        "merchant owes nothing for it"
    ]


def test_an_upheld_appeal_that_left_a_charge_and_a_negative_balance_are_found(refunded_first):
    Appeal.objects.create(
        request=refunded_first,
        ruling="rule_unjustified_rejection",
        ruled_at=NOW + 3 * HOUR,
        filed_by="user:1",
        reason="Worn.",
        status="upheld",
    )
    LiabilityEntry.objects.create(
        channel_slug="default-channel",
        kind="settlement",
        amount=Decimal("-150.00"),
        currency="CNY",
        idempotency_key="too-much",
    )
    assert audit_findings(LATER) == [
        f"appeal_not_reversed: request {refunded_first.pk}: an appeal was upheld; the case "
        "still charges 100.00 CNY",
        "negative_balance: channel default-channel: the merchant owes -50.00 CNY",
    ]


def test_payments_left_unsent_or_unanswered_are_found(refunded, demo, buyer, run_on_commit):
    # given the paid refund's movement put back to unsent, and a second order's
    # refund left with the provider while its request moved on
    movement = MoneyMovement.objects.get()
    shop.Payment.objects.all().delete()
    MoneyMovement.objects.filter(pk=movement.pk).update(status="pending", provider_reference="")
    AfterSaleRequest.objects.filter(pk=refunded.pk).update(refunded_amount=0, state="refunding")
    # when the audit looks 11 minutes after the last change (two leases are 10)
    with freeze_time(NOW):
        MoneyMovement.objects.get(pk=movement.pk).save()
    assert audit_findings(NOW + timedelta(minutes=11)) == [
        f"payment_unsent: movement {movement.idempotency_key}: pending for 11 min"
    ]
    # and a movement with the provider while the request is no longer paying it
    AfterSaleRequest.objects.filter(pk=refunded.pk).update(state="closed")
    MoneyMovement.objects.filter(pk=movement.pk).update(status="requested")
    late = NOW + timedelta(hours=72, minutes=11)
    assert audit_findings(late) == [
        f"payment_unanswered: movement {movement.idempotency_key}: with the provider for "
        "72 h 11 min while the request is closed"
    ]
    # and as much while its payout waits for that answer (it is never paid again meanwhile)
    AfterSaleRequest.objects.filter(pk=refunded.pk).update(state="refund_on_hold")
    assert audit_findings(late) == [
        f"payment_unanswered: movement {movement.idempotency_key}: with the provider for "
        "72 h 11 min while the request is refund_on_hold"
    ]


def test_follow_ups_given_up_or_lingering_are_found(refunded):
    given_up = FollowUp.objects.create(
        kind="record_return",
        request=refunded,
        attempts=12,
        failures=12,
        created_at=NOW - timedelta(minutes=1),
        failed_at=NOW,
        last_error="ConnectionError()",
    )
    lingering = FollowUp.objects.create(
        kind="order_notes", payload=[], next_attempt_at=NOW, created_at=NOW
    )
    assert audit_findings(NOW + timedelta(minutes=11)) == [
        f"follow_up_failed: follow-up {given_up.pk}: record_return given up after 12 failed runs: "
        "ConnectionError()",
        f"follow_up_lingering: follow-up {lingering.pk}: order_notes due since "
        f"{NOW.isoformat()}, not run",
    ]


def test_the_command_prints_findings_and_fails_or_says_none(refunded, capsys):
    # when the books agree
    call_command("kuai_returns_audit")
    out, err = capsys.readouterr()
    assert (out, err) == ("", "Audited 1 requests, 1 payments, 0 ledger entries: no findings.\n")
    # when a payout was paid twice
    second_attempt(refunded)
    with pytest.raises(SystemExit) as exited:
        call_command("kuai_returns_audit", "--channel", "default-channel")
    out, err = capsys.readouterr()
    assert exited.value.code == 1
    assert out.splitlines()[0].startswith(f"paid_twice: kuai:{refunded.id}:payout:")
    assert err == "Audited 1 requests, 2 payments, 0 ledger entries: 3 finding(s).\n"
    assert timezone.now() > NOW

"""The money audit: checks, against the shop's own records, that every payout
reached the buyer at most once and the books agree.

Each check reads our tables and asks the host what the shop knows
(``Host.payment_outcome``, ``Host.order_money``). It changes nothing of ours;
the one write a host may make while answering is the shop's own record of a
payment its gateway made and nobody recorded (Saleor's legacy refunds: the
marker the next payment run would write anyway). Run by the tests after every
fault they inject, and by operators as ``manage.py kuai_returns_audit`` (exit
code 1 on any finding).

What is checked:

- per payout (all attempts of one request's payout, or of its late-shipment
  compensation): at most one attempt reached the buyer, by the shop's records;
  an attempt we record as paid is paid at the shop and the other way round;
- per request: what reached the buyer as refunds is within what the request may
  refund, and the request's amounts (refunded, compensated, advanced by the
  platform) equal its paid movements;
- per order: the shop refunded no more than the buyer paid;
- the ledger: one liability per platform payout, for what the platform paid,
  none for the merchant's own money; an upheld appeal leaves the case owing
  nothing; no channel owes less than zero;
- nothing is stuck: no payment left unsent or unanswered longer than its
  deadlines allow, no follow-up given up or lingering.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from .app_settings import app_settings
from .domain.money import quantize
from .host.base import Host
from .ledger import channel_currency, money_sum
from .models import (
    AfterSaleRequest,
    FollowUp,
    LiabilityEntry,
    MoneyMovement,
    MovementKind,
    MovementStatus,
)

ZERO = Decimal(0)
OPEN = (MovementStatus.PENDING, MovementStatus.SENDING, MovementStatus.REQUESTED)
REFUND_KINDS = (MovementKind.REFUND,)
COMPENSATION_KINDS = (MovementKind.PRIORITY_COMPENSATION, MovementKind.LATE_SHIPMENT_COMPENSATION)


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}: {self.message}"


def audit(*, now: datetime, host: Host, channel_slug: str | None = None) -> list[Finding]:
    """Every finding, in a stable order (by check, then subject)."""
    requests = AfterSaleRequest.objects.all()
    if channel_slug is not None:
        requests = requests.filter(channel_slug=channel_slug)
    movements = MoneyMovement.objects.filter(request__in=requests).select_related("request")
    findings: list[Finding] = []
    reached = _reached_the_buyer(movements, host)
    findings += _payouts(movements, reached, now)
    findings += _requests(requests, movements, reached)
    findings += _orders(movements, host)
    findings += _ledger(requests, movements, channel_slug)
    findings += _stuck(movements, now, host)
    findings += _follow_ups(requests, now)
    return findings


def _reached_the_buyer(movements: Iterable[MoneyMovement], host: Host) -> dict[object, bool]:
    """Per movement: whether the shop says its money reached the buyer."""
    reached: dict[object, bool] = {}
    for movement in movements:
        outcome = host.payment_outcome(movement)
        reached[movement.pk] = outcome is not None and outcome.status == "succeeded"
    return reached


def _payouts(
    movements: Iterable[MoneyMovement], reached: dict[object, bool], now: datetime
) -> list[Finding]:
    findings = []
    families: dict[str, list[MoneyMovement]] = defaultdict(list)
    in_flight_since = now - app_settings.FOLLOW_UP_LEASE
    for movement in movements:
        families[movement.family].append(movement)
        ours = movement.status == MovementStatus.SUCCEEDED
        # A payment being sent right now is paid at the shop a moment before we
        # record it: only one left so for longer than a run may take is a finding.
        shop = reached[movement.pk] and not (
            movement.status in OPEN and movement.updated_at > in_flight_since
        )
        if ours and not shop:
            findings.append(
                Finding(
                    "paid_not_at_shop",
                    _subject(movement),
                    f"recorded as paid ({_money(movement.amount, movement.currency)}); "
                    "the shop has no such payment",
                )
            )
        elif shop and not ours:
            findings.append(
                Finding(
                    "paid_unrecorded",
                    _subject(movement),
                    f"the shop paid it ({_money(movement.amount, movement.currency)}); recorded as "
                    f"{movement.status}",
                )
            )
    for family, attempts in sorted(families.items()):
        paid = [m for m in attempts if reached[m.pk] or m.status == MovementStatus.SUCCEEDED]
        if len(paid) > 1:
            findings.append(
                Finding(
                    "paid_twice",
                    family,
                    f"{len(paid)} attempts reached the buyer: "
                    + ", ".join(f"{m.attempt} ({_money(m.amount, m.currency)})" for m in paid),
                )
            )
    return findings


def _requests(
    requests: QuerySet[AfterSaleRequest],
    movements: Iterable[MoneyMovement],
    reached: dict[object, bool],
) -> list[Finding]:
    by_request: dict[object, list[MoneyMovement]] = defaultdict(list)
    for movement in movements:
        by_request[movement.request_id].append(movement)
    findings = []
    for request in requests.filter(pk__in=list(by_request)).order_by("pk"):
        own = by_request[request.pk]
        paid = [m for m in own if m.status == MovementStatus.SUCCEEDED]
        refunded = sum((m.amount for m in paid if m.kind in REFUND_KINDS), ZERO)
        compensated = sum((m.amount for m in paid if m.kind in COMPENSATION_KINDS), ZERO)
        advanced = sum((m.amount for m in paid if m.payer == "platform"), ZERO)
        expected = (refunded, compensated, advanced)
        shown = (
            request.refunded_amount,
            request.compensated_amount,
            request.platform_advanced_amount,
        )
        if expected != shown:
            findings.append(
                Finding(
                    "amounts_disagree",
                    f"request {request.pk}",
                    "refunded/compensated/advanced show "
                    f"{_amounts(shown, request.currency)}; its paid movements add up to "
                    f"{_amounts(expected, request.currency)}",
                )
            )
        at_shop = sum((m.amount for m in own if m.kind in REFUND_KINDS and reached[m.pk]), ZERO)
        allowed = request.refund_ceiling + request.freight_claim
        if at_shop > allowed:
            findings.append(
                Finding(
                    "over_refunded",
                    f"request {request.pk}",
                    f"{_money(at_shop, request.currency)} refunded; it may refund "
                    f"{_money(allowed, request.currency)} at most",
                )
            )
    return findings


def _orders(movements: Iterable[MoneyMovement], host: Host) -> list[Finding]:
    findings = []
    order_ids = sorted({str(m.request.order_id) for m in movements})
    for order_id in order_ids:
        money = host.order_money(order_id)
        if money.refunded > money.paid:
            findings.append(
                Finding(
                    "order_over_refunded",
                    f"order {order_id}",
                    f"the shop refunded {_money(money.refunded, money.currency)} of "
                    f"{_money(money.paid, money.currency)} paid",
                )
            )
    return findings


def _ledger(
    requests: QuerySet[AfterSaleRequest],
    movements: Iterable[MoneyMovement],
    channel_slug: str | None,
) -> list[Finding]:
    findings = []
    entries = LiabilityEntry.objects.all()
    if channel_slug is not None:
        entries = entries.filter(channel_slug=channel_slug)
    charges = entries.filter(amount__gt=0).exclude(movement=None).select_related("movement")
    by_family: dict[str, list[LiabilityEntry]] = defaultdict(list)
    for entry in charges:
        assert entry.movement is not None
        by_family[entry.movement.family].append(entry)
        movement = entry.movement
        paid = movement.status == MovementStatus.SUCCEEDED and movement.payer == "platform"
        if not paid or entry.amount != movement.amount:
            findings.append(
                Finding(
                    "liability_without_payment",
                    f"entry {entry.pk}",
                    f"{_money(entry.amount, entry.currency)} charged for attempt "
                    f"{movement.attempt} of {movement.family}, which is {movement.status}, "
                    f"paid by {movement.payer}, {_money(movement.amount, movement.currency)}",
                )
            )
    for family, booked in sorted(by_family.items()):
        if len(booked) > 1:
            findings.append(
                Finding(
                    "liability_twice",
                    family,
                    f"{len(booked)} charges for one payout: "
                    + ", ".join(_money(entry.amount, entry.currency) for entry in booked),
                )
            )
    platform_paid = [
        m
        for m in movements
        if m.status == MovementStatus.SUCCEEDED and m.payer == "platform" and m.liability_kind
    ]
    for movement in platform_paid:
        if movement.family not in by_family:
            findings.append(
                Finding(
                    "payment_without_liability",
                    movement.family,
                    f"the platform paid {_money(movement.amount, movement.currency)}; the "
                    "merchant owes nothing for it",
                )
            )
    upheld = requests.filter(appeals__status="upheld").distinct().order_by("pk")
    for request in upheld:
        net = money_sum(entries.filter(request=request))
        if net != 0:
            findings.append(
                Finding(
                    "appeal_not_reversed",
                    f"request {request.pk}",
                    f"an appeal was upheld; the case still charges {_money(net, request.currency)}",
                )
            )
    channels = sorted(set(entries.values_list("channel_slug", flat=True)))
    for slug in channels:
        balance = money_sum(entries.filter(channel_slug=slug))
        if balance < 0:
            findings.append(
                Finding(
                    "negative_balance",
                    f"channel {slug}",
                    f"the merchant owes {_money(balance, channel_currency(slug))}",
                )
            )
    return findings


def _stuck(movements: Iterable[MoneyMovement], now: datetime, host: Host) -> list[Finding]:
    """A payment unsent longer than two leases (its follow-up should have sent
    it), or with the payment provider unanswered longer than the channel's
    ``refund_confirmation``: the payout waits for that answer (it is never paid
    again meanwhile), so somebody must get it from the provider."""
    findings = []
    unsent_for = 2 * app_settings.FOLLOW_UP_LEASE
    for movement in movements:
        if movement.status not in OPEN:
            continue
        age = now - movement.updated_at
        if movement.status in (MovementStatus.PENDING, MovementStatus.SENDING):
            if age > unsent_for:
                findings.append(
                    Finding(
                        "payment_unsent",
                        _subject(movement),
                        f"{movement.status} for {_duration(age)}",
                    )
                )
            continue
        request = movement.request
        policy = host.policy_for(request.channel_slug)
        if age > policy.refund_confirmation + unsent_for:
            findings.append(
                Finding(
                    "payment_unanswered",
                    _subject(movement),
                    f"with the provider for {_duration(age)} while the request is {request.state}",
                )
            )
    return findings


def _follow_ups(requests: QuerySet[AfterSaleRequest], now: datetime) -> list[Finding]:
    findings = []
    rows = FollowUp.objects.filter(done_at__isnull=True).filter(request__in=requests) | (
        FollowUp.objects.filter(done_at__isnull=True, request__isnull=True)
    )
    late = now - 2 * app_settings.FOLLOW_UP_LEASE
    for row in rows.order_by("created_at", "pk"):
        if row.failed_at is not None:
            findings.append(
                Finding(
                    "follow_up_failed",
                    f"follow-up {row.pk}",
                    f"{row.kind} given up after {row.failures} failed runs: {row.last_error}",
                )
            )
        elif row.next_attempt_at < late:
            findings.append(
                Finding(
                    "follow_up_lingering",
                    f"follow-up {row.pk}",
                    f"{row.kind} due since {row.next_attempt_at.isoformat()}, not run",
                )
            )
    return findings


def counts(channel_slug: str | None = None) -> dict[str, int]:
    """How much the audit looked at (its summary line)."""
    requests = AfterSaleRequest.objects.all()
    entries = LiabilityEntry.objects.all()
    if channel_slug is not None:
        requests = requests.filter(channel_slug=channel_slug)
        entries = entries.filter(channel_slug=channel_slug)
    return {
        "requests": requests.count(),
        "payments": MoneyMovement.objects.filter(request__in=requests).count(),
        "ledger entries": entries.count(),
    }


def _money(amount: Decimal, currency: str) -> str:
    """An amount as people read it: in its currency's precision, with the code."""
    return f"{quantize(amount, currency)} {currency}"


def _amounts(amounts: tuple[Decimal, ...], currency: str) -> str:
    return "/".join(str(quantize(amount, currency)) for amount in amounts)


def _subject(movement: MoneyMovement) -> str:
    return f"movement {movement.idempotency_key}"


def _duration(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"

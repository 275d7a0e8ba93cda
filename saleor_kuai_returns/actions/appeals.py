"""A merchant appeals a ruling against it; the platform upholds or dismisses the
appeal. An appeal never takes back money paid to the buyer: upheld, it takes the
case's charges off the merchant's liability balance."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..domain import Actor, ErrorCode
from ..domain.arbitration import (
    AppealStatus,
    RulingRecord,
    appeal_reversal,
    check_appeal,
    check_appeal_reason,
)
from ..domain.effects import LiabilityKind
from ..domain.errors import AppealRefused
from ..domain.kinds import RULINGS, Event
from ..host import get_host
from ..host.base import Caller, Host
from ..ledger import money_sum
from ..lock_objects import appeal_qs_select_for_update
from ..models import AfterSaleRequest, Appeal, LiabilityEntry, TimelineEvent
from .core import authorize, lock_request, request_uuid
from .errors import ActionError, ActionErrorCode
from .follow_ups import add_notes


def file_appeal(
    request_id: object,
    caller: Caller,
    *,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
    host: Host | None = None,
) -> Appeal:
    """The merchant appeals the request's latest ruling, within the appeal window.

    ``version`` is the request the merchant saw: a ruling made since is not the
    one it means to appeal."""
    host = host or get_host()
    now = now or timezone.now()
    with transaction.atomic():
        request = lock_request(request_id)
        authorize(host, caller, Actor.MERCHANT, request)
        if version is not None and request.version != version:
            raise ActionError(
                ActionErrorCode.STALE_VERSION,
                f"the request is at version {request.version}, not {version}",
            )
        ruling = (
            TimelineEvent.objects.filter(
                request=request, event__in=sorted(event.value for event in RULINGS)
            )
            .order_by("-version")
            .values_list("event", "created_at")
            .first()
        )
        if ruling is None:
            raise AppealRefused(ErrorCode.APPEAL_NOT_ALLOWED, "the request has no ruling")
        record = RulingRecord(Event(ruling[0]), ruling[1])
        policy = host.policy_for(request.channel_slug)
        code = check_appeal(record, now, policy) or check_appeal_reason(reason, policy)
        if code is not None:
            raise AppealRefused(code)
        if Appeal.objects.filter(request=request, ruled_at=record.ruled_at).exists():
            raise AppealRefused(ErrorCode.APPEAL_EXISTS, "this ruling was appealed already")
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    request=request,
                    created_at=now,
                    ruling=record.ruling.value,
                    ruled_at=record.ruled_at,
                    filed_by=caller.id,
                    reason=reason.strip(),
                )
        except IntegrityError:
            raise AppealRefused(ErrorCode.APPEAL_EXISTS) from None
        _note(request, f"The merchant appealed the ruling ({_words(record.ruling)}).", caller)
    return appeal


def decide_appeal(
    appeal_id: object,
    caller: Caller,
    *,
    upheld: bool,
    note: str = "",
    now: datetime | None = None,
    host: Host | None = None,
) -> Appeal:
    """The platform upholds the appeal (the merchant's charges for the case come
    off its balance; the dispute no longer counts against it) or dismisses it."""
    host = host or get_host()
    now = now or timezone.now()
    with transaction.atomic():
        try:
            appeal = appeal_qs_select_for_update().get(pk=request_uuid(appeal_id))
        except (Appeal.DoesNotExist, ActionError):
            raise ActionError(ActionErrorCode.NOT_FOUND, f"no appeal {appeal_id}") from None
        request = lock_request(appeal.request_id)
        authorize(host, caller, Actor.PLATFORM, request)
        if appeal.status != AppealStatus.OPEN:
            raise AppealRefused(ErrorCode.APPEAL_DECIDED, f"the appeal was {appeal.status}")
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
        appeal.decided_at, appeal.decided_by, appeal.decision_note = now, caller.id, note
        appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        if upheld:
            reverse_charges(request, appeal, now)
            AfterSaleRequest.objects.filter(pk=request.pk).update(ruled_against_merchant=False)
        outcome = "upheld" if upheld else "dismissed"
        _note(request, f"The platform {outcome} the merchant's appeal.", caller)
    return appeal


def reverse_charges(
    request: AfterSaleRequest,
    appeal: Appeal,
    now: datetime,
    *,
    reason: LiabilityEntry | None = None,
) -> None:
    """Take the case's charges off the merchant's balance: what its entries add
    up to now. Called when the appeal is upheld, and again for each charge
    booked afterwards (a platform payment confirmed after the decision), so the
    case never leaves the merchant owing anything."""
    amount = appeal_reversal(money_sum(LiabilityEntry.objects.filter(request=request)))
    if not amount:
        return
    suffix = f":{reason.pk}" if reason is not None else ""
    LiabilityEntry.objects.create(
        created_at=now,
        channel_slug=request.channel_slug,
        request=request,
        kind=LiabilityKind.APPEAL_UPHELD.value,
        amount=amount,
        currency=request.currency,
        idempotency_key=f"kuai:{request.id}:appeal:{appeal.id}{suffix}",
        recorded_by=appeal.decided_by,
        note=appeal.decision_note,
    )


def _note(request: AfterSaleRequest, message: str, caller: Caller) -> None:
    add_notes([(str(request.order_id), message, caller.id)])


def _words(event: Event) -> str:
    return event.value.removeprefix("rule_").replace("_", " ")

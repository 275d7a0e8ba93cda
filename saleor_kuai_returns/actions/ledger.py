"""Settlements: the merchant pays the platform back what it advanced."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ..domain import Actor, ErrorCode
from ..domain.effects import LiabilityKind
from ..domain.errors import MoneyError
from ..domain.ledger import check_settlement
from ..host import get_host
from ..host.base import Caller, Host
from ..ledger import balance, channel_currency
from ..models import LiabilityEntry
from .errors import ActionError, ActionErrorCode

MAX_KEY_LENGTH = 255  # LiabilityEntry.idempotency_key


def record_settlement(
    channel_slug: str,
    caller: Caller,
    amount: Decimal,
    *,
    idempotency_key: str,
    reference: str = "",
    now: datetime | None = None,
    host: Host | None = None,
) -> LiabilityEntry:
    """The platform records that the channel's merchant paid ``amount`` back.

    The same ``idempotency_key`` returns the entry it recorded the first time;
    two settlements at once cannot take the balance below zero (the channel's
    ledger is locked while one is checked and written)."""
    host = host or get_host()
    if not host.may_act(caller, Actor.PLATFORM, channel_slug, ""):
        raise ActionError(
            ActionErrorCode.PERMISSION_DENIED, "only the platform records settlements"
        )
    key = settlement_key(channel_slug, idempotency_key)
    with transaction.atomic():
        _lock_ledger(channel_slug)
        earlier = LiabilityEntry.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            if earlier.amount != -amount:
                raise MoneyError(
                    ErrorCode.AMOUNT_INVALID,
                    "this idempotency key recorded a settlement of another amount",
                )
            return earlier
        currency = channel_currency(channel_slug)
        if not currency:
            raise MoneyError(ErrorCode.AMOUNT_ABOVE_CEILING, "the channel's merchant owes nothing")
        settled = check_settlement(amount, currency, balance(channel_slug))
        return LiabilityEntry.objects.create(
            created_at=now or timezone.now(),
            channel_slug=channel_slug,
            kind=LiabilityKind.SETTLEMENT.value,
            amount=-settled,
            currency=currency,
            idempotency_key=key,
            recorded_by=caller.id,
            note=reference,
        )


def settlement_key(channel_slug: str, idempotency_key: str) -> str:
    """The ledger's key of a settlement: the caller's key, per channel. One too
    long for the column is kept as its SHA-256, under a prefix no plain key has
    (a plain key always continues with the channel's slug and a colon)."""
    key = f"kuai:settlement:{channel_slug}:{idempotency_key}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"kuai:settlement-sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _lock_ledger(channel_slug: str) -> None:
    """One settlement at a time per channel: a transaction-scoped advisory lock
    on PostgreSQL (SQLite, the sandbox's default, serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"kuai-ledger:{channel_slug}"]
            )

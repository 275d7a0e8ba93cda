"""``afterSaleSettlementRecord``: the platform records that a channel's merchant
paid back (part of) what it owes; the same key records it once."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import ledger as ledger_actions
from ...actions.errors import ActionErrorCode
from ...domain.errors import ErrorCode, MoneyError
from ...ledger import balance
from ...models import LiabilityEntry
from ..core.errors import AfterSaleError, ApiErrorCode, Code, error_code_enum
from ..core.money import MoneyValue, money_field
from ..core.shop import decimal_type
from ..core.viewer import Viewer
from ..types.ledger import AfterSaleLiabilityEntry
from .base import AfterSaleMutation, InputError, checked_key, errors_field
from .inputs import note, text

MAX_SLUG_LENGTH = 255  # LiabilityEntry.channel_slug
AMOUNT_CODES = (
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_ABOVE_CEILING,
)
AfterSaleSettlementRecordErrorCode = error_code_enum(
    "AfterSaleSettlementRecord",
    (
        ActionErrorCode.PERMISSION_DENIED,
        *AMOUNT_CODES,
        ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleSettlementRecordError(AfterSaleError):
    code = graphene.Field(
        AfterSaleSettlementRecordErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleSettlementRecord`."


class AfterSaleSettlementRecord(AfterSaleMutation):
    liability_entry = graphene.Field(
        AfterSaleLiabilityEntry,
        description="The settlement's ledger entry (a negative amount); `null` when it failed.",
    )
    balance = money_field(
        "What the channel's merchant owes the platform now; `null` when it failed.",
        required=False,
    )
    errors = errors_field(AfterSaleSettlementRecordError)
    error_type = AfterSaleSettlementRecordError
    error_fields: ClassVar[dict[Code, str]] = dict.fromkeys(AMOUNT_CODES, "amount")

    class Arguments:
        channel = graphene.String(required=True, description="Slug of the channel.")
        amount = graphene.Argument(
            lambda: decimal_type(),
            required=True,
            description="What the merchant paid back, in the channel's currency: positive, "
            "at most what it owes, in the currency's precision.",
        )
        reference = graphene.String(
            description="The payment's reference (a bank transfer, an invoice), at most 500 "
            "characters."
        )
        idempotency_key = graphene.String(
            required=True,
            description="A key of the caller's choice, per channel: the same key records the "
            "settlement once and returns it again; with another amount it is refused.",
        )

    class Meta:
        description = (
            "The platform records a settlement: the channel's merchant paid back what the "
            "platform advanced for it, in part or in full (never more than it owes)."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> LiabilityEntry:
        channel = text(data["channel"], "channel", max_length=MAX_SLUG_LENGTH)
        key = checked_key(data["idempotency_key"])
        reference = note(data.get("reference"), "reference")
        try:
            return ledger_actions.record_settlement(
                channel, viewer.caller, data["amount"], idempotency_key=key, reference=reference
            )
        except MoneyError as error:
            # The ledger refuses a key it recorded with another amount as an amount
            # error; to the caller the key is what was wrong.
            key_seen = LiabilityEntry.objects.filter(
                idempotency_key=ledger_actions.settlement_key(channel, key)
            ).exists()
            if error.code is ErrorCode.AMOUNT_INVALID and key_seen:
                raise InputError(
                    ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "idempotencyKey",
                    "this key recorded a settlement of another amount",
                ) from None
            raise

    @classmethod
    def succeeded(cls, entry: LiabilityEntry) -> Any:
        owed = MoneyValue(balance(entry.channel_slug), entry.currency)
        return cls(liability_entry=entry, balance=owed, errors=[])

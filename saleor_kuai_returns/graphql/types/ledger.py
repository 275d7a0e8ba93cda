"""The merchant liability ledger: its entries and a channel's statement."""

from __future__ import annotations

from typing import Any

import graphene

from ...models import LiabilityEntry
from ..core import ids
from ..core.arbitration_enums import AfterSaleLiabilityKindEnum
from ..core.money import money_field
from .parts import date_time_field
from .request import AfterSaleRequest


class AfterSaleLiabilityEntry(graphene.ObjectType):
    id = graphene.ID(required=True, description="ID of the entry.")
    created_at = date_time_field("When it was recorded.")
    channel_slug = graphene.String(required=True, description="Slug of the channel it is for.")
    kind = graphene.Field(
        AfterSaleLiabilityKindEnum, required=True, description="Why the ledger moved."
    )
    amount = money_field(
        "What it adds to the merchant's debt to the platform: positive when the platform "
        "paid for the merchant, negative when the debt went down.",
        source="amount",
    )
    request = graphene.Field(
        AfterSaleRequest, description="The request it comes from; `null` for a settlement."
    )
    payment_reference = graphene.String(
        description="The payment provider's reference of the platform's payment it records; "
        "`null` when it records none."
    )
    recorded_by = graphene.ID(
        description="The platform's user (a `User` ID) or app (an `App` ID) that recorded a "
        "settlement or decided an appeal; `null` for a payment."
    )
    note = graphene.String(
        required=True,
        description="A settlement's reference, an appeal decision's note, or an empty string.",
    )

    class Meta:
        description = (
            "An entry of the merchant liability ledger (per channel): what the platform paid "
            "for the merchant, and what the merchant paid back. The balance is their sum."
        )

    @staticmethod
    def resolve_id(root: LiabilityEntry, _info: Any) -> str:
        return ids.to_global_id(ids.LIABILITY_ENTRY, root.pk)

    @staticmethod
    def resolve_payment_reference(root: LiabilityEntry, _info: Any) -> str | None:
        return (root.movement.provider_reference or None) if root.movement else None

    @staticmethod
    def resolve_recorded_by(root: LiabilityEntry, _info: Any) -> str | None:
        return ids.caller_global_id(root.recorded_by)


class AfterSaleLedgerStatement(graphene.ObjectType):
    channel_slug = graphene.String(required=True, description="Slug of the channel.")
    currency = graphene.String(required=True, description="The channel's currency (ISO 4217).")
    start = date_time_field("Start of the period (included).")
    end = date_time_field("End of the period (excluded).")
    opening_balance = money_field(
        "What the merchants owed the platform at the start.", source="opening_balance"
    )
    paid_out = money_field(
        "What the platform paid for the merchants in the period.", source="paid_out"
    )
    settled = money_field(
        "What the merchant's debt went down by in the period: settlements and upheld appeals.",
        source="settled",
    )
    closing_balance = money_field(
        "What the merchants owed the platform at the end.", source="closing_balance"
    )
    entries = graphene.List(
        graphene.NonNull(AfterSaleLiabilityEntry),
        required=True,
        description="The period's entries, oldest first.",
    )

    class Meta:
        description = (
            "A channel's merchant liability ledger over a period: the opening balance, every "
            "entry, and the closing balance (opening + paid out − settled)."
        )

"""What a request is made of: lines, evidence, shipments, money, timeline, deadline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene

from ...conversion import line_snapshot
from ...domain.money import paid_for_units
from ...domain.request import Deadline
from ...models import AfterSaleRequest as RequestRow
from ...models import AfterSaleRequestLine as LineRow
from ...models import Evidence, Shipment, TimelineEvent
from ..core import enums, ids
from ..core.money import MoneyValue, money_field
from ..core.shop import date_time_type


def date_time_field(description: str, *, required: bool = True) -> Any:
    return graphene.Field(lambda: date_time_type(), required=required, description=description)


class AfterSaleRequestLine(graphene.ObjectType):
    id = graphene.ID(required=True, description="ID of the request line.")
    order_line_id = graphene.ID(required=True, description="The order line's global ID.")
    product_name = graphene.String(required=True, description="Product name when ordered.")
    variant_name = graphene.String(required=True, description="Variant name when ordered.")
    product_sku = graphene.String(required=True, description="SKU when ordered.")
    item_kind = graphene.Field(
        enums.AfterSaleItemKindEnum, required=True, description="Goods, accessory or gift."
    )
    quantity = graphene.Int(required=True, description="Units in this request.")
    ordered_quantity = graphene.Int(required=True, description="Units on the order line.")
    unit_price = money_field("Catalogue price of one unit.", source="unit_price")
    amount = money_field("What the buyer paid for the units in this request.")

    class Meta:
        description = "One order line in an after-sale request."

    @staticmethod
    def resolve_order_line_id(root: LineRow, _info: Any) -> str:
        return ids.to_global_id(ids.ORDER_LINE, root.order_line_id)

    @staticmethod
    def resolve_amount(root: LineRow, _info: Any) -> MoneyValue:
        paid = paid_for_units(line_snapshot(root).payment, root.quantity)
        return MoneyValue(paid, root.currency)


class AfterSaleEvidence(graphene.ObjectType):
    id = graphene.ID(required=True, description="ID of the evidence.")
    created_at = date_time_field("When it was added.")
    added_by = graphene.Field(enums.AfterSaleActorEnum, required=True, description="Who added it.")
    kind = graphene.Field(
        enums.AfterSaleEvidenceKindEnum, required=True, description="Image, file or text."
    )
    url = graphene.String(description="URL of an image or file.")
    text = graphene.String(description="A written statement.")

    class Meta:
        description = "A piece of evidence on a request."

    @staticmethod
    def resolve_added_by(root: Evidence, _info: Any) -> str:
        return root.actor_kind

    @staticmethod
    def resolve_url(root: Evidence, _info: Any) -> str | None:
        return root.url or None

    @staticmethod
    def resolve_text(root: Evidence, _info: Any) -> str | None:
        return root.text or None


class AfterSaleShipmentItem(graphene.ObjectType):
    order_line_id = graphene.ID(required=True, description="The order line replaced.")
    variant_id = graphene.ID(required=True, description="The shop's ID of the variant sent.")
    quantity = graphene.Int(required=True, description="Units sent.")

    class Meta:
        description = "What an exchange's replacement sends for one line."

    @staticmethod
    def resolve_order_line_id(root: dict[str, Any], _info: Any) -> str:
        return ids.to_global_id(ids.ORDER_LINE, root["line_id"])

    @staticmethod
    def resolve_variant_id(root: dict[str, Any], _info: Any) -> str:
        return str(root["variant_id"])

    @staticmethod
    def resolve_quantity(root: dict[str, Any], _info: Any) -> int:
        return int(root["quantity"])


class AfterSaleShipment(graphene.ObjectType):
    id = graphene.ID(required=True, description="ID of the shipment.")
    created_at = date_time_field("When the tracking number was entered.")
    kind = graphene.Field(
        enums.AfterSaleShipmentKindEnum, required=True, description="Which way it goes."
    )
    carrier = graphene.String(required=True, description="The carrier.")
    tracking_number = graphene.String(required=True, description="The tracking number.")
    entered_by = graphene.Field(
        enums.AfterSaleActorEnum, required=True, description="Who entered the tracking number."
    )
    items = graphene.List(
        graphene.NonNull(AfterSaleShipmentItem),
        required=True,
        description="An exchange's replacement variants; empty otherwise.",
    )

    class Meta:
        description = "A parcel of a request: the buyer's return or the merchant's shipment."

    @staticmethod
    def resolve_entered_by(root: Shipment, _info: Any) -> str:
        return root.entered_by_kind


class AfterSaleMoneyMovement(graphene.ObjectType):
    id = graphene.ID(required=True, description="ID of the payment.")
    created_at = date_time_field("When it was recorded.")
    kind = graphene.Field(
        enums.AfterSaleMoneyMovementKindEnum, required=True, description="Why it is paid."
    )
    method = graphene.Field(
        enums.AfterSalePayoutMethodEnum, required=True, description="How it is paid."
    )
    payer = graphene.Field(enums.AfterSalePayerEnum, required=True, description="Who pays.")
    amount = money_field("The amount.", source="amount")
    attempt = graphene.Int(required=True, description="The attempt number of this payment.")
    status = graphene.Field(
        enums.AfterSaleMoneyMovementStatusEnum, required=True, description="Where it stands."
    )
    note = graphene.String(
        required=True,
        description="Why less than decided was paid (the shop refunded some units meanwhile), "
        "or why this attempt was not sent; an empty string otherwise.",
    )
    error = graphene.String(
        required=True,
        description="Why the payment provider refused it; an empty string otherwise.",
    )

    class Meta:
        description = (
            "A payment to the buyer. Attempts of one payout share it: at most one of them "
            "reaches the buyer."
        )


class AfterSaleTimelineEvent(graphene.ObjectType):
    created_at = date_time_field("When it happened.")
    actor = graphene.Field(enums.AfterSaleActorEnum, required=True, description="Who did it.")
    type = graphene.Field(
        enums.AfterSaleTimelineEventTypeEnum, required=True, description="What happened."
    )
    from_state = graphene.Field(
        enums.AfterSaleStateEnum, description="The state before; `null` when filed."
    )
    to_state = graphene.Field(
        enums.AfterSaleStateEnum, required=True, description="The state after."
    )
    note = graphene.String(required=True, description="The note given, or an empty string.")
    version = graphene.Int(required=True, description="The request's version after it.")

    class Meta:
        description = "One entry of a request's timeline: who did what, when, with what note."

    @staticmethod
    def resolve_actor(root: TimelineEvent, _info: Any) -> str:
        return root.actor_kind

    @staticmethod
    def resolve_type(root: TimelineEvent, _info: Any) -> str:
        return root.event

    @staticmethod
    def resolve_from_state(root: TimelineEvent, _info: Any) -> str | None:
        return root.from_state or None


class AfterSaleDeadline(graphene.ObjectType):
    at = date_time_field("When the default outcome applies.")
    default_outcome = graphene.Field(
        enums.AfterSaleDefaultOutcomeEnum,
        required=True,
        description="What happens then if nobody acted.",
    )
    whose_turn = graphene.Field(
        enums.AfterSaleActorEnum, required=True, description="Who must act before it."
    )

    class Meta:
        description = "The one running deadline of an active request."

    @staticmethod
    def resolve_default_outcome(root: Deadline, _info: Any) -> str:
        return root.outcome.value

    @staticmethod
    def resolve_whose_turn(root: Deadline, _info: Any) -> str:
        return root.turn.value


class AfterSaleProposal(graphene.ObjectType):
    type = graphene.Field(
        enums.AfterSaleRequestTypeEnum, required=True, description="The type proposed."
    )
    amount = money_field("The amount proposed.")
    return_address = graphene.String(description="The return address proposed.")

    class Meta:
        description = "A merchant's proposed change, waiting for the buyer's answer."

    @staticmethod
    def resolve_type(root: RequestRow, _info: Any) -> str:
        return root.proposal_type

    @staticmethod
    def resolve_amount(root: RequestRow, _info: Any) -> MoneyValue:
        return MoneyValue(root.proposal_amount or Decimal(0), root.currency)

    @staticmethod
    def resolve_return_address(root: RequestRow, _info: Any) -> str | None:
        return root.proposal_return_address or None


class AfterSaleFreightClaim(graphene.ObjectType):
    amount = money_field("The return freight the buyer claims.", source="freight_claim")
    status = graphene.Field(
        enums.AfterSaleFreightClaimStatusEnum, required=True, description="Where it stands."
    )

    class Meta:
        description = "The buyer's claim for merchant-liable return freight."

    @staticmethod
    def resolve_status(root: RequestRow, _info: Any) -> str:
        return root.freight_claim_status

"""What a buyer may file on an order right now, line by line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphene

from ...actions.errors import ActionErrorCode
from ...domain import ErrorCode, LineEligibility
from ...domain.eligibility import TypeOption
from ...host.base import HostOrder
from ..core import enums, ids
from ..core.errors import CODE_TEXTS, Code
from ..core.money import MoneyValue, money_field

# Why a line may not be filed for now: the eligibility rules' answers, and the
# channel's switch.
INELIGIBILITY_CODES: tuple[Code, ...] = (
    ActionErrorCode.AFTER_SALE_DISABLED,
    ErrorCode.NOTHING_LEFT,
    ErrorCode.GIFT_CARD_USED,
    ErrorCode.ACTIVE_REQUEST_EXISTS,
    ErrorCode.ATTEMPT_CAP_REACHED,
    ErrorCode.QUANTITY_INVALID,
    ErrorCode.QUANTITY_TOO_HIGH,
    ErrorCode.WINDOW_CLOSED,
    ErrorCode.NO_REASON_NOT_ALLOWED,
    ErrorCode.REASON_ALREADY_RULED,
    ErrorCode.TYPE_REQUIRES_SHIPMENT,
    ErrorCode.SHIPPING_NOT_REQUIRED,
    ErrorCode.REASON_REQUIRES_SHIPMENT,
    ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE,
    ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED,
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_ABOVE_CEILING,
)
AfterSaleIneligibilityReasonEnum = enums.enum_type(
    "AfterSaleIneligibilityReason",
    "Why nothing may be filed on a line now.",
    [(code.value, CODE_TEXTS[code]) for code in INELIGIBILITY_CODES],
)


@dataclass(frozen=True)
class LineValue:
    eligibility: LineEligibility
    labels: tuple[str, str, str]
    currency: str
    disabled: bool


@dataclass(frozen=True)
class EligibilityValue:
    order: HostOrder
    enabled: bool
    lines: list[LineValue]


class AfterSaleTypeOption(graphene.ObjectType):
    type = graphene.Field(
        enums.AfterSaleRequestTypeEnum, required=True, description="A type that may be filed."
    )
    reasons = graphene.List(
        graphene.NonNull(enums.AfterSaleReasonEnum),
        required=True,
        description="The reasons it may be filed with.",
    )
    max_quantity = graphene.Int(required=True, description="The most units it may cover.")
    max_refund = money_field("The most it may pay for those units.")
    unshipped = graphene.Boolean(
        required=True,
        description="Whether it covers the units not yet shipped (file with `unshipped: true`).",
    )

    class Meta:
        description = "One type a buyer may file on a line now, with its limits."

    @staticmethod
    def resolve_type(root: tuple[TypeOption, str], _info: Any) -> str:
        return root[0].request_type.value

    @staticmethod
    def resolve_reasons(root: tuple[TypeOption, str], _info: Any) -> list[str]:
        return [reason.value for reason in root[0].reasons]

    @staticmethod
    def resolve_max_quantity(root: tuple[TypeOption, str], _info: Any) -> int:
        return root[0].max_quantity

    @staticmethod
    def resolve_max_refund(root: tuple[TypeOption, str], _info: Any) -> MoneyValue:
        return MoneyValue(root[0].max_refund, root[1])

    @staticmethod
    def resolve_unshipped(root: tuple[TypeOption, str], _info: Any) -> bool:
        return root[0].unshipped


class AfterSaleLineEligibility(graphene.ObjectType):
    order_line_id = graphene.ID(required=True, description="The order line's global ID.")
    product_name = graphene.String(required=True, description="The product's name.")
    variant_name = graphene.String(required=True, description="The variant's name.")
    product_sku = graphene.String(required=True, description="The variant's SKU.")
    eligible = graphene.Boolean(required=True, description="Whether anything may be filed now.")
    options = graphene.List(
        graphene.NonNull(AfterSaleTypeOption),
        required=True,
        description="What may be filed now; empty when nothing may.",
    )
    not_eligible_because = graphene.Field(
        AfterSaleIneligibilityReasonEnum,
        description="Why nothing may be filed; `null` when something may.",
    )

    class Meta:
        description = "What a buyer may file on one order line now."

    @staticmethod
    def resolve_order_line_id(root: LineValue, _info: Any) -> str:
        return ids.to_global_id(ids.ORDER_LINE, root.eligibility.line_id)

    @staticmethod
    def resolve_product_name(root: LineValue, _info: Any) -> str:
        return root.labels[0]

    @staticmethod
    def resolve_variant_name(root: LineValue, _info: Any) -> str:
        return root.labels[1]

    @staticmethod
    def resolve_product_sku(root: LineValue, _info: Any) -> str:
        return root.labels[2]

    @staticmethod
    def resolve_eligible(root: LineValue, _info: Any) -> bool:
        return not root.disabled and bool(root.eligibility.options)

    @staticmethod
    def resolve_options(root: LineValue, _info: Any) -> list[tuple[TypeOption, str]]:
        if root.disabled:
            return []
        return [(option, root.currency) for option in root.eligibility.options]

    @staticmethod
    def resolve_not_eligible_because(root: LineValue, _info: Any) -> str | None:
        if root.disabled:
            return ActionErrorCode.AFTER_SALE_DISABLED.value
        code = root.eligibility.not_eligible_because
        return code.value if code is not None else None


class AfterSaleEligibility(graphene.ObjectType):
    order_id = graphene.ID(required=True, description="The order's global ID.")
    after_sale_enabled = graphene.Boolean(
        required=True, description="Whether the order's channel takes new requests."
    )
    lines = graphene.List(
        graphene.NonNull(AfterSaleLineEligibility),
        required=True,
        description="Every line of the order.",
    )

    class Meta:
        description = "What a buyer may file on an order right now."

    @staticmethod
    def resolve_order_id(root: EligibilityValue, _info: Any) -> str:
        return ids.to_global_id(ids.ORDER, root.order.order_id)

    @staticmethod
    def resolve_after_sale_enabled(root: EligibilityValue, _info: Any) -> bool:
        return root.enabled

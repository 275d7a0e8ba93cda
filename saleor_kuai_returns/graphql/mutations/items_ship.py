"""``afterSaleItemsShip``: the merchant ships an exchange's replacement or the
missing items, with tracking."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core import ids
from ..core.errors import REQUEST_CODES, AfterSaleError, ApiErrorCode, Code, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    InputError,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import MAX_TRACKING_LENGTH, text

MAX_VARIANT_ID_LENGTH = 255

AfterSaleItemsShipErrorCode = error_code_enum(
    "AfterSaleItemsShip",
    (
        *REQUEST_CODES,
        ErrorCode.TRACKING_REQUIRED,
        ErrorCode.REPLACEMENT_REQUIRED,
        ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT,
        ErrorCode.REPLACEMENT_PRICE_MISMATCH,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleItemsShipError(AfterSaleError):
    code = graphene.Field(AfterSaleItemsShipErrorCode, required=True, description="The error code.")

    class Meta:
        description = "An error of `afterSaleItemsShip`."


class AfterSaleReplacementInput(graphene.InputObjectType):
    order_line_id = graphene.ID(required=True, description="The order line being replaced.")
    variant_id = graphene.ID(
        required=True,
        description="The shop's ID of the variant sent instead: the same product at the same "
        "price (in Saleor a `ProductVariant` ID).",
    )

    class Meta:
        description = "The variant an exchange sends for one of its lines."


class AfterSaleItemsShipInput(graphene.InputObjectType):
    carrier = graphene.String(required=True, description="The carrier.")
    tracking_number = graphene.String(required=True, description="The tracking number.")
    replacements = graphene.List(
        graphene.NonNull(AfterSaleReplacementInput),
        description="For an exchange: the variant sent for each of its lines.",
    )

    class Meta:
        description = "A shipment of the merchant's: tracking and, for an exchange, variants."


class AfterSaleItemsShip(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleItemsShipError)
    error_type = AfterSaleItemsShipError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.TRACKING_REQUIRED: "trackingNumber",
        ErrorCode.REPLACEMENT_REQUIRED: "replacements",
        ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT: "replacements",
        ErrorCode.REPLACEMENT_PRICE_MISMATCH: "replacements",
    }

    class Arguments:
        id = id_argument()
        input = AfterSaleItemsShipInput(required=True, description="The shipment.")
        version = version_argument()

    class Meta:
        description = (
            "The merchant ships an exchange's replacement (a variant of the same product at the "
            "same price, per line) or the missing items of a reship, with tracking."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        given = data["input"]
        return requests.ship_items(
            request_pk(data["id"]),
            viewer.caller,
            carrier=text(given["carrier"], "carrier", max_length=MAX_TRACKING_LENGTH),
            tracking_number=text(
                given["tracking_number"], "trackingNumber", max_length=MAX_TRACKING_LENGTH
            ),
            replacements=replacements(given.get("replacements") or ()),
            version=data.get("version"),
        )


def replacements(items: Any) -> list[tuple[str, str]]:
    chosen = []
    for item in items:
        line = ids.uuid_from_global_id(item["order_line_id"], ids.ORDER_LINE)
        if line is None:
            raise InputError(
                ApiErrorCode.INVALID, "replacements", f"no order line {item['order_line_id']!r}"
            )
        variant = text(item["variant_id"], "replacements", max_length=MAX_VARIANT_ID_LENGTH)
        chosen.append((str(line), variant))
    return chosen

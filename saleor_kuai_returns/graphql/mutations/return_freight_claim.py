"""``afterSaleReturnFreightClaim``: the buyer claims merchant-liable return freight."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import REQUEST_CODES, AfterSaleError, Code, error_code_enum
from ..core.shop import decimal_type
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)

AMOUNT_CODES = (
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_ABOVE_CEILING,
)
AfterSaleReturnFreightClaimErrorCode = error_code_enum(
    "AfterSaleReturnFreightClaim",
    (
        *REQUEST_CODES,
        ErrorCode.FREIGHT_NOT_MERCHANT_LIABLE,
        ErrorCode.FREIGHT_CLAIM_EXISTS,
        *AMOUNT_CODES,
    ),
)


class AfterSaleReturnFreightClaimError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReturnFreightClaimErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReturnFreightClaim`."


class AfterSaleReturnFreightClaim(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReturnFreightClaimError)
    error_type = AfterSaleReturnFreightClaimError
    error_fields: ClassVar[dict[Code, str]] = dict.fromkeys(AMOUNT_CODES, "amount")

    class Arguments:
        id = id_argument()
        amount = graphene.Argument(
            lambda: decimal_type(),
            required=True,
            description="The return freight paid, in the order's currency.",
        )
        version = version_argument()

    class Meta:
        description = (
            "The buyer claims the return freight the merchant is liable for (quality, "
            "logistics, missing or wrong items); accepted, it is added to the refund."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.claim_return_freight(
            request_pk(data["id"]), viewer.caller, data["amount"], version=data.get("version")
        )

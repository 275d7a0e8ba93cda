"""``afterSaleProposalCreate``: the merchant proposes another type, a lower
amount or another return address; the buyer answers."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...domain import RequestType
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core import enums
from ..core.errors import REQUEST_CODES, AfterSaleError, ApiErrorCode, Code, error_code_enum
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
from .inputs import optional_text

AMOUNT_CODES = (
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_INCREASE_NOT_ALLOWED,
)
AfterSaleProposalCreateErrorCode = error_code_enum(
    "AfterSaleProposalCreate",
    (
        *REQUEST_CODES,
        ErrorCode.PROPOSAL_EMPTY,
        ErrorCode.TYPE_REQUIRES_SHIPMENT,
        ErrorCode.SHIPPING_NOT_REQUIRED,
        ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE,
        *AMOUNT_CODES,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleProposalCreateError(AfterSaleError):
    code = graphene.Field(
        AfterSaleProposalCreateErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleProposalCreate`."


class AfterSaleProposalCreateInput(graphene.InputObjectType):
    type = graphene.InputField(
        enums.AfterSaleRequestTypeEnum, description="Another type for the request."
    )
    amount = graphene.InputField(
        lambda: decimal_type(), description="A lower amount, in the order's currency."
    )
    return_address = graphene.String(description="Another return address.")

    class Meta:
        description = "What the merchant proposes instead; at least one change."


class AfterSaleProposalCreate(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleProposalCreateError)
    error_type = AfterSaleProposalCreateError
    error_fields: ClassVar[dict[Code, str]] = {
        **dict.fromkeys(AMOUNT_CODES, "amount"),
        ErrorCode.TYPE_REQUIRES_SHIPMENT: "type",
        ErrorCode.SHIPPING_NOT_REQUIRED: "type",
        ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE: "type",
    }

    class Arguments:
        id = id_argument()
        input = AfterSaleProposalCreateInput(required=True, description="The proposal.")
        version = version_argument()

    class Meta:
        description = (
            "The merchant proposes a change (type, a lower amount, return address) during "
            "review; the buyer accepts or declines."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        given = data["input"]
        kind = given.get("type")
        return requests.propose_change(
            request_pk(data["id"]),
            viewer.caller,
            request_type=RequestType(kind) if kind is not None else None,
            amount=given.get("amount"),
            return_address=optional_text(given.get("return_address"), "returnAddress"),
            version=data.get("version"),
        )

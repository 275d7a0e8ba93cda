"""``afterSaleReturnFreightClaimAccept``: the merchant accepts the buyer's
return-freight claim; the amount is added to the refund."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import requests
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import REQUEST_CODES, AfterSaleError, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)

AfterSaleReturnFreightClaimAcceptErrorCode = error_code_enum(
    "AfterSaleReturnFreightClaimAccept", (*REQUEST_CODES, ErrorCode.FREIGHT_CLAIM_NOT_OPEN)
)


class AfterSaleReturnFreightClaimAcceptError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReturnFreightClaimAcceptErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReturnFreightClaimAccept`."


class AfterSaleReturnFreightClaimAccept(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReturnFreightClaimAcceptError)
    error_type = AfterSaleReturnFreightClaimAcceptError

    class Arguments:
        id = id_argument()
        version = version_argument()

    class Meta:
        description = "The merchant accepts the return-freight claim: it is added to the refund."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.accept_freight_claim(
            request_pk(data["id"]), viewer.caller, version=data.get("version")
        )

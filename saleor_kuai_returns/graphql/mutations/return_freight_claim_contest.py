"""``afterSaleReturnFreightClaimContest``: the merchant contests the buyer's
return-freight claim."""

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

AfterSaleReturnFreightClaimContestErrorCode = error_code_enum(
    "AfterSaleReturnFreightClaimContest", (*REQUEST_CODES, ErrorCode.FREIGHT_CLAIM_NOT_OPEN)
)


class AfterSaleReturnFreightClaimContestError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReturnFreightClaimContestErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReturnFreightClaimContest`."


class AfterSaleReturnFreightClaimContest(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReturnFreightClaimContestError)
    error_type = AfterSaleReturnFreightClaimContestError

    class Arguments:
        id = id_argument()
        version = version_argument()

    class Meta:
        description = "The merchant contests the return-freight claim."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.contest_freight_claim(
            request_pk(data["id"]), viewer.caller, version=data.get("version")
        )

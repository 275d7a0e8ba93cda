"""``afterSaleProposalDecline``: the buyer declines the merchant's proposal."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import requests
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

AfterSaleProposalDeclineErrorCode = error_code_enum("AfterSaleProposalDecline", REQUEST_CODES)


class AfterSaleProposalDeclineError(AfterSaleError):
    code = graphene.Field(
        AfterSaleProposalDeclineErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleProposalDecline`."


class AfterSaleProposalDecline(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleProposalDeclineError)
    error_type = AfterSaleProposalDeclineError

    class Arguments:
        id = id_argument()
        version = version_argument()

    class Meta:
        description = "The buyer declines the merchant's proposal; the merchant reviews again."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.decline_proposal(
            request_pk(data["id"]), viewer.caller, version=data.get("version")
        )

"""``afterSaleRequestCancel``: the buyer withdraws a request before money moves."""

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

AfterSaleRequestCancelErrorCode = error_code_enum(
    "AfterSaleRequestCancel", (*REQUEST_CODES, ErrorCode.MONEY_ALREADY_MOVED)
)


class AfterSaleRequestCancelError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestCancelErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestCancel`."


class AfterSaleRequestCancel(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestCancelError)
    error_type = AfterSaleRequestCancelError

    class Arguments:
        id = id_argument()
        version = version_argument()

    class Meta:
        description = "The buyer withdraws the request, in any active state before money moves."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.cancel_request(
            request_pk(data["id"]), viewer.caller, version=data.get("version")
        )

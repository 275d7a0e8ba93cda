"""``afterSaleRequestApprove``: the merchant approves; a refund-only request is
refunded at once, a return waits for the buyer's parcel, a reship for the merchant's."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import requests
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import MONEY_CODES, AfterSaleError, ApiErrorCode, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    idempotency_key_argument,
    once,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import optional_text

AfterSaleRequestApproveErrorCode = error_code_enum(
    "AfterSaleRequestApprove", (*MONEY_CODES, ApiErrorCode.INVALID)
)


class AfterSaleRequestApproveError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestApproveErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestApprove`."


class AfterSaleRequestApprove(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestApproveError)
    error_type = AfterSaleRequestApproveError

    class Arguments:
        id = id_argument()
        return_address = graphene.String(
            description="Where the goods go back; by default the channel's return warehouse."
        )
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The merchant approves the request: a refund-only request is refunded at once, "
            "a return or exchange waits for the buyer's parcel, a reship for the merchant's."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        address = optional_text(data.get("return_address"), "returnAddress")
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.approve_request(
                pk, viewer.caller, return_address=address, version=data.get("version")
            ),
        )

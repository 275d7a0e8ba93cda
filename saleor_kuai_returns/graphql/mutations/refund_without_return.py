"""``afterSaleRefundWithoutReturn``: the merchant refunds without waiting for the goods."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import requests
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import MONEY_CODES, AfterSaleError, error_code_enum
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

AfterSaleRefundWithoutReturnErrorCode = error_code_enum("AfterSaleRefundWithoutReturn", MONEY_CODES)


class AfterSaleRefundWithoutReturnError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRefundWithoutReturnErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRefundWithoutReturn`."


class AfterSaleRefundWithoutReturn(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRefundWithoutReturnError)
    error_type = AfterSaleRefundWithoutReturnError

    class Arguments:
        id = id_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = "The merchant refunds at once, without a return."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.refund_without_return(pk, viewer.caller, version=data.get("version")),
        )

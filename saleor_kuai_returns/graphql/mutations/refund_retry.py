"""``afterSaleRefundRetry``: staff retry a refund the payment provider refused."""

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

AfterSaleRefundRetryErrorCode = error_code_enum("AfterSaleRefundRetry", MONEY_CODES)


class AfterSaleRefundRetryError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRefundRetryErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRefundRetry`."


class AfterSaleRefundRetry(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRefundRetryError)
    error_type = AfterSaleRefundRetryError

    class Arguments:
        id = id_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "Staff retry a refund that failed: the merchant of the order's channel, or the "
            "platform (which may have paid it first)."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.retry_refund(pk, viewer.caller, version=data.get("version")),
        )

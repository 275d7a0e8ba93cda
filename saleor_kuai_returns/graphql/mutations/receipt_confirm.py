"""``afterSaleReceiptConfirm``: the merchant confirms the returned goods arrived;
the refund follows at once (an exchange ships instead)."""

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

AfterSaleReceiptConfirmErrorCode = error_code_enum("AfterSaleReceiptConfirm", MONEY_CODES)


class AfterSaleReceiptConfirmError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReceiptConfirmErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReceiptConfirm`."


class AfterSaleReceiptConfirm(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReceiptConfirmError)
    error_type = AfterSaleReceiptConfirmError

    class Arguments:
        id = id_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The merchant confirms the returned goods arrived: a refund starts at once; an "
            "exchange waits for its replacement."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.confirm_receipt(pk, viewer.caller, version=data.get("version")),
        )

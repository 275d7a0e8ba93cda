"""``afterSaleArrivalConfirm``: the buyer confirms the replacement or reship arrived."""

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

AfterSaleArrivalConfirmErrorCode = error_code_enum("AfterSaleArrivalConfirm", REQUEST_CODES)


class AfterSaleArrivalConfirmError(AfterSaleError):
    code = graphene.Field(
        AfterSaleArrivalConfirmErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleArrivalConfirm`."


class AfterSaleArrivalConfirm(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleArrivalConfirmError)
    error_type = AfterSaleArrivalConfirmError

    class Arguments:
        id = id_argument()
        version = version_argument()

    class Meta:
        description = "The buyer confirms the replacement or the reshipped items arrived."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.confirm_arrival(
            request_pk(data["id"]), viewer.caller, version=data.get("version")
        )

"""``afterSaleReshipDecline``: the merchant cannot reship the missing items; the
buyer gets priority compensation."""

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

AfterSaleReshipDeclineErrorCode = error_code_enum("AfterSaleReshipDecline", MONEY_CODES)


class AfterSaleReshipDeclineError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReshipDeclineErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReshipDecline`."


class AfterSaleReshipDecline(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReshipDeclineError)
    error_type = AfterSaleReshipDeclineError

    class Arguments:
        id = id_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The merchant declares it cannot reship the missing items: the buyer is paid "
            "priority compensation."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.declare_cannot_reship(pk, viewer.caller, version=data.get("version")),
        )

"""``afterSaleProposalAccept``: the buyer accepts the merchant's proposal (a refund may start)."""

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

AfterSaleProposalAcceptErrorCode = error_code_enum("AfterSaleProposalAccept", MONEY_CODES)


class AfterSaleProposalAcceptError(AfterSaleError):
    code = graphene.Field(
        AfterSaleProposalAcceptErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleProposalAccept`."


class AfterSaleProposalAccept(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleProposalAcceptError)
    error_type = AfterSaleProposalAcceptError

    class Arguments:
        id = id_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The buyer accepts the merchant's proposal; a refund starts when the request "
            "is a refund."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: requests.accept_proposal(pk, viewer.caller, version=data.get("version")),
        )

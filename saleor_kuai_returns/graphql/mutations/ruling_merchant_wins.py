"""``afterSaleRulingMerchantWins``: the platform rules for the merchant; the
request closes and its lines cannot be filed again for the same reason."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import arbitration
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import REQUEST_CODES, AfterSaleError, ApiErrorCode, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    note_argument,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import note

AfterSaleRulingMerchantWinsErrorCode = error_code_enum(
    "AfterSaleRulingMerchantWins", (*REQUEST_CODES, ApiErrorCode.INVALID)
)


class AfterSaleRulingMerchantWinsError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingMerchantWinsErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingMerchantWins`."


class AfterSaleRulingMerchantWins(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingMerchantWinsError)
    error_type = AfterSaleRulingMerchantWinsError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()

    class Meta:
        description = (
            "The platform rules for the merchant: the request closes, and the buyer cannot "
            "file on its lines again for the same reason."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.rule_merchant_wins(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

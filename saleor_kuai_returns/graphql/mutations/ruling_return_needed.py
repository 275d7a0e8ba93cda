"""``afterSaleRulingReturnNeeded``: the buyer wins, but sends the goods back
first; the return timers restart."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import arbitration
from ...domain.errors import ErrorCode
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

AfterSaleRulingReturnNeededErrorCode = error_code_enum(
    "AfterSaleRulingReturnNeeded",
    (*REQUEST_CODES, ErrorCode.RULING_NOT_APPLICABLE, ApiErrorCode.INVALID),
)


class AfterSaleRulingReturnNeededError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingReturnNeededErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingReturnNeeded`."


class AfterSaleRulingReturnNeeded(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingReturnNeededError)
    error_type = AfterSaleRulingReturnNeededError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()

    class Meta:
        description = (
            "The platform rules for the buyer, who sends the goods back first: the request "
            "awaits the buyer's return and its timers restart. `RULING_NOT_APPLICABLE`: "
            "nothing shipped."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.rule_return_needed(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

"""``afterSaleRequestEscalate``: the buyer asks the platform to step in after a
rejection or a rejected receipt, within the rejection's 7 days."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import arbitration
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import REQUEST_CODES, AfterSaleError, ApiErrorCode, Code, error_code_enum
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
from .inputs import text

AfterSaleRequestEscalateErrorCode = error_code_enum(
    "AfterSaleRequestEscalate",
    (*REQUEST_CODES, ErrorCode.TEXT_TOO_LONG, ApiErrorCode.INVALID),
)


class AfterSaleRequestEscalateError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestEscalateErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestEscalate`."


class AfterSaleRequestEscalate(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestEscalateError)
    error_type = AfterSaleRequestEscalateError
    error_fields: ClassVar[dict[Code, str]] = {ErrorCode.TEXT_TOO_LONG: "note"}

    class Arguments:
        id = id_argument()
        note = note_argument(
            "Why the buyer disagrees, for the platform (at most the policy's text length, "
            "500 characters by default)."
        )
        version = version_argument()

    class Meta:
        description = (
            "The buyer escalates a rejected request, or a rejected receipt, to the platform "
            "within the rejection's window: the platform arbitrates, and the rejection's "
            "deadline pauses until it rules or dismisses the case."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.escalate(
            request_pk(data["id"]),
            viewer.caller,
            note=text(data.get("note"), "note"),
            version=data.get("version"),
        )

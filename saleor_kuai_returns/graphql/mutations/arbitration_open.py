"""``afterSaleArbitrationOpen``: the platform opens a case itself, where the
channel allows it and the merchant missed a deadline."""

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

AfterSaleArbitrationOpenErrorCode = error_code_enum(
    "AfterSaleArbitrationOpen",
    (*REQUEST_CODES, ErrorCode.ARBITRATION_NOT_ALLOWED, ApiErrorCode.INVALID),
)


class AfterSaleArbitrationOpenError(AfterSaleError):
    code = graphene.Field(
        AfterSaleArbitrationOpenErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleArbitrationOpen`."


class AfterSaleArbitrationOpen(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleArbitrationOpenError)
    error_type = AfterSaleArbitrationOpenError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()

    class Meta:
        description = (
            "The platform opens arbitration on its own, where the channel's policy lets it "
            "and the merchant missed a deadline; the request's deadline pauses."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.open_arbitration(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

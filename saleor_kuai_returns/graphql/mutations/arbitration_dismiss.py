"""``afterSaleArbitrationDismiss``: the platform closes the case without a ruling;
the request resumes where it was paused, with the time it had left."""

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

AfterSaleArbitrationDismissErrorCode = error_code_enum(
    "AfterSaleArbitrationDismiss",
    (*REQUEST_CODES, ErrorCode.NOTHING_TO_RESUME, ApiErrorCode.INVALID),
)


class AfterSaleArbitrationDismissError(AfterSaleError):
    code = graphene.Field(
        AfterSaleArbitrationDismissErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleArbitrationDismiss`."


class AfterSaleArbitrationDismiss(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleArbitrationDismissError)
    error_type = AfterSaleArbitrationDismissError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()

    class Meta:
        description = (
            "The platform dismisses the case without a ruling: the request goes back to the "
            "state it was paused in, with the time its deadline had left."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.dismiss_arbitration(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

"""``afterSaleArbitrationEvidenceRequest``: the platform asks the buyer, then the
merchant, for evidence (48 hours each by default)."""

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

AfterSaleArbitrationEvidenceRequestErrorCode = error_code_enum(
    "AfterSaleArbitrationEvidenceRequest", (*REQUEST_CODES, ApiErrorCode.INVALID)
)


class AfterSaleArbitrationEvidenceRequestError(AfterSaleError):
    code = graphene.Field(
        AfterSaleArbitrationEvidenceRequestErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleArbitrationEvidenceRequest`."


class AfterSaleArbitrationEvidenceRequest(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleArbitrationEvidenceRequestError)
    error_type = AfterSaleArbitrationEvidenceRequestError

    class Arguments:
        id = id_argument()
        note = note_argument("What the platform asks for, kept on the request's timeline.")
        version = version_argument()

    class Meta:
        description = (
            "The platform asks for evidence: the buyer's round starts, then the merchant's; "
            "a side that lets its round pass is decided on the evidence so far."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.request_evidence(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

"""``afterSaleEvidenceAdd``: the buyer adds evidence to an open request."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import REQUEST_CODES, AfterSaleError, ApiErrorCode, Code, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import AfterSaleEvidenceInput, evidence, text

AfterSaleEvidenceAddErrorCode = error_code_enum(
    "AfterSaleEvidenceAdd",
    (
        *REQUEST_CODES,
        ErrorCode.INVALID_COUNT,
        ErrorCode.TOO_MUCH_EVIDENCE,
        ErrorCode.TEXT_TOO_LONG,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleEvidenceAddError(AfterSaleError):
    code = graphene.Field(
        AfterSaleEvidenceAddErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleEvidenceAdd`."


class AfterSaleEvidenceAdd(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleEvidenceAddError)
    error_type = AfterSaleEvidenceAddError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.INVALID_COUNT: "evidence",
        ErrorCode.TOO_MUCH_EVIDENCE: "evidence",
        ErrorCode.TEXT_TOO_LONG: "text",
    }

    class Arguments:
        id = id_argument()
        evidence = graphene.List(
            graphene.NonNull(AfterSaleEvidenceInput),
            required=True,
            description="The evidence to add (the request holds at most 9 pieces).",
        )
        text = graphene.String(description="A note that goes with it.")
        version = version_argument()

    class Meta:
        description = "The buyer adds evidence to an open request."

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.add_evidence(
            request_pk(data["id"]),
            viewer.caller,
            evidence(data["evidence"]),
            text=text(data.get("text"), "text"),
            version=data.get("version"),
        )

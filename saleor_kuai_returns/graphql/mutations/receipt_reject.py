"""``afterSaleReceiptReject``: the merchant refuses the returned goods, with evidence."""

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

AfterSaleReceiptRejectErrorCode = error_code_enum(
    "AfterSaleReceiptReject",
    (
        *REQUEST_CODES,
        ErrorCode.EVIDENCE_REQUIRED,
        ErrorCode.DESCRIPTION_REQUIRED,
        ErrorCode.INVALID_COUNT,
        ErrorCode.TOO_MUCH_EVIDENCE,
        ErrorCode.TEXT_TOO_LONG,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleReceiptRejectError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReceiptRejectErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReceiptReject`."


class AfterSaleReceiptRejectInput(graphene.InputObjectType):
    description = graphene.String(required=True, description="What is wrong with the goods.")
    evidence = graphene.List(
        graphene.NonNull(AfterSaleEvidenceInput),
        required=True,
        description="Evidence of it (at least one piece).",
    )

    class Meta:
        description = "Why the merchant refuses the returned goods."


class AfterSaleReceiptReject(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReceiptRejectError)
    error_type = AfterSaleReceiptRejectError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.DESCRIPTION_REQUIRED: "description",
        ErrorCode.TEXT_TOO_LONG: "description",
        ErrorCode.EVIDENCE_REQUIRED: "evidence",
        ErrorCode.INVALID_COUNT: "evidence",
        ErrorCode.TOO_MUCH_EVIDENCE: "evidence",
    }

    class Arguments:
        id = id_argument()
        input = AfterSaleReceiptRejectInput(required=True, description="The refusal.")
        version = version_argument()

    class Meta:
        description = (
            "The merchant refuses the returned goods with a description and evidence; the "
            "buyer may escalate."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        given = data["input"]
        return requests.reject_receipt(
            request_pk(data["id"]),
            viewer.caller,
            description=text(given["description"], "description"),
            evidence=evidence(given["evidence"]),
            version=data.get("version"),
        )

"""``afterSaleRequestReject``: the merchant rejects, with a reason code, after
writing to the buyer (SEED: communicate before rejecting)."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...domain import RejectionReason
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core import enums
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

AfterSaleRequestRejectErrorCode = error_code_enum(
    "AfterSaleRequestReject",
    (
        *REQUEST_CODES,
        ErrorCode.NEGOTIATION_REQUIRED,
        ErrorCode.DESCRIPTION_REQUIRED,
        ErrorCode.INVALID_COUNT,
        ErrorCode.TOO_MUCH_EVIDENCE,
        ErrorCode.TEXT_TOO_LONG,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleRequestRejectError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestRejectErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestReject`."


class AfterSaleRequestRejectInput(graphene.InputObjectType):
    reason = graphene.InputField(
        enums.AfterSaleRejectionReasonEnum, required=True, description="Why the merchant rejects."
    )
    description = graphene.String(
        description="The explanation; required (or evidence) for every reason but `OUTSIDE_POLICY`."
    )
    evidence = graphene.List(
        graphene.NonNull(AfterSaleEvidenceInput), description="The merchant's evidence."
    )

    class Meta:
        description = "Why the merchant rejects a request."


class AfterSaleRequestReject(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestRejectError)
    error_type = AfterSaleRequestRejectError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.DESCRIPTION_REQUIRED: "description",
        ErrorCode.TEXT_TOO_LONG: "description",
        ErrorCode.INVALID_COUNT: "evidence",
        ErrorCode.TOO_MUCH_EVIDENCE: "evidence",
    }

    class Arguments:
        id = id_argument()
        input = AfterSaleRequestRejectInput(required=True, description="The rejection.")
        version = version_argument()

    class Meta:
        description = (
            "The merchant rejects the request with a reason code, after sending the buyer a "
            "negotiation message. The buyer may then resubmit or escalate."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        given = data["input"]
        return requests.reject_request(
            request_pk(data["id"]),
            viewer.caller,
            reason=RejectionReason(given["reason"]),
            description=text(given.get("description"), "description"),
            evidence=evidence(given.get("evidence")),
            version=data.get("version"),
        )

"""``afterSaleRequestResubmit``: the buyer modifies and resubmits a rejected
request (SEED); eligibility is checked again."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
from ...actions.errors import ActionErrorCode
from ...domain import Reason
from ...host.base import OrderNotFound
from ...models import AfterSaleRequest as RequestRow
from ..core import enums
from ..core.errors import (
    FILING_CODES,
    REQUEST_CODES,
    AfterSaleError,
    ApiErrorCode,
    Code,
    error_code_enum,
)
from ..core.shop import decimal_type
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    InputError,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import (
    AfterSaleEvidenceInput,
    AfterSaleLineQuantityInput,
    evidence,
    line_quantities,
    optional_text,
)
from .request_create import FILING_FIELDS

AfterSaleRequestResubmitErrorCode = error_code_enum(
    "AfterSaleRequestResubmit", (*REQUEST_CODES, *FILING_CODES, ApiErrorCode.INVALID)
)


class AfterSaleRequestResubmitError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestResubmitErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestResubmit`."


class AfterSaleRequestResubmitInput(graphene.InputObjectType):
    reason = graphene.InputField(enums.AfterSaleReasonEnum, description="Another reason.")
    lines = graphene.List(
        graphene.NonNull(AfterSaleLineQuantityInput),
        description="Other lines or quantities; by default the same.",
    )
    requested_amount = graphene.InputField(
        lambda: decimal_type(), description="Another amount; by default the most allowed."
    )
    description = graphene.String(description="Another description.")
    evidence = graphene.List(
        graphene.NonNull(AfterSaleEvidenceInput),
        description="Evidence added with the resubmission.",
    )

    class Meta:
        description = "What changes when the buyer resubmits a rejected request."


class AfterSaleRequestResubmit(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestResubmitError)
    error_type = AfterSaleRequestResubmitError
    error_fields: ClassVar[dict[Code, str]] = {**FILING_FIELDS, ActionErrorCode.NOT_FOUND: "id"}

    class Arguments:
        id = id_argument()
        input = AfterSaleRequestResubmitInput(required=True, description="The changes.")
        version = version_argument()

    class Meta:
        description = (
            "The buyer modifies and resubmits a rejected request before its window closes; "
            "it counts as an attempt and goes back to the merchant's review."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        given = data["input"]
        reason = given.get("reason")
        lines = given.get("lines")
        items = given.get("evidence")
        try:
            return requests.resubmit_request(
                pk,
                viewer.caller,
                reason=Reason(reason) if reason is not None else None,
                quantities=line_quantities(lines) if lines is not None else None,
                requested_amount=given.get("requested_amount"),
                description=optional_text(given.get("description"), "description"),
                evidence=evidence(items) if items is not None else None,
                version=data.get("version"),
            )
        except OrderNotFound:
            raise InputError(
                ActionErrorCode.NOT_FOUND, "id", "the request's order is gone"
            ) from None

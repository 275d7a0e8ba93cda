"""``afterSaleRequestCreate``: the buyer files a request on their order."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions.create import create_request
from ...actions.errors import ActionErrorCode
from ...domain import NewRequest, Reason, RequestType
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core import enums
from ..core.errors import FILING_CODES, AfterSaleError, ApiErrorCode, Code, error_code_enum
from ..core.shop import decimal_type
from ..core.viewer import Viewer
from .base import AfterSaleMutation, errors_field, request_field
from .inputs import (
    AfterSaleEvidenceInput,
    AfterSaleLineQuantityInput,
    evidence,
    line_quantities,
    order_pk,
    text,
)

AfterSaleRequestCreateErrorCode = error_code_enum(
    "AfterSaleRequestCreate",
    (
        ActionErrorCode.NOT_FOUND,
        ActionErrorCode.PERMISSION_DENIED,
        ActionErrorCode.AFTER_SALE_DISABLED,
        ErrorCode.ACTIVE_REQUEST_EXISTS,
        *FILING_CODES,
        ApiErrorCode.INVALID,
    ),
)

# Where the eligibility rules' codes point in this mutation's input.
FILING_FIELDS: dict[Code, str] = {
    ActionErrorCode.NOT_FOUND: "orderId",
    ErrorCode.NO_LINES: "lines",
    ErrorCode.DUPLICATE_LINE: "lines",
    ErrorCode.UNKNOWN_LINE: "lines",
    ErrorCode.QUANTITY_INVALID: "lines",
    ErrorCode.QUANTITY_TOO_HIGH: "lines",
    ErrorCode.NOTHING_LEFT: "lines",
    ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED: "lines",
    ErrorCode.MIXED_SHIPMENT_STATE: "lines",
    ErrorCode.ACTIVE_REQUEST_EXISTS: "lines",
    ErrorCode.ATTEMPT_CAP_REACHED: "lines",
    ErrorCode.REASON_ALREADY_RULED: "reason",
    ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE: "reason",
    ErrorCode.NO_REASON_NOT_ALLOWED: "reason",
    ErrorCode.REASON_REQUIRES_SHIPMENT: "reason",
    ErrorCode.TYPE_REQUIRES_SHIPMENT: "type",
    ErrorCode.SHIPPING_NOT_REQUIRED: "type",
    ErrorCode.EVIDENCE_REQUIRED: "evidence",
    ErrorCode.INVALID_COUNT: "evidence",
    ErrorCode.TOO_MUCH_EVIDENCE: "evidence",
    ErrorCode.TEXT_TOO_LONG: "description",
    ErrorCode.AMOUNT_INVALID: "requestedAmount",
    ErrorCode.AMOUNT_NOT_POSITIVE: "requestedAmount",
    ErrorCode.AMOUNT_ABOVE_CEILING: "requestedAmount",
}


class AfterSaleRequestCreateError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRequestCreateErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRequestCreate`."


class AfterSaleRequestCreateInput(graphene.InputObjectType):
    type = graphene.InputField(
        enums.AfterSaleRequestTypeEnum, required=True, description="What the buyer asks for."
    )
    reason = graphene.InputField(enums.AfterSaleReasonEnum, required=True, description="Why.")
    lines = graphene.List(
        graphene.NonNull(AfterSaleLineQuantityInput),
        required=True,
        description="The order lines and quantities it covers.",
    )
    requested_amount = graphene.InputField(
        lambda: decimal_type(),
        description="The amount asked for, in the order's currency; by default the most "
        "the lines allow.",
    )
    description = graphene.String(description="What happened, in the buyer's words.")
    evidence = graphene.List(
        graphene.NonNull(AfterSaleEvidenceInput),
        description="Evidence (required for every reason but `NO_REASON`).",
    )
    unshipped = graphene.Boolean(
        description="For a line partly shipped: file for its units not yet shipped "
        "(refund only, all of them)."
    )

    class Meta:
        description = "An after-sale request as the buyer files it."


class AfterSaleRequestCreate(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRequestCreateError)
    error_type = AfterSaleRequestCreateError
    error_fields: ClassVar[dict[Code, str]] = FILING_FIELDS

    class Arguments:
        order_id = graphene.ID(required=True, description="ID of the buyer's order.")
        input = AfterSaleRequestCreateInput(required=True, description="The request.")

    class Meta:
        description = (
            "The buyer files an after-sale request on their order; the merchant's review "
            "deadline starts. `afterSaleEligibility` tells what may be filed."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        given = data["input"]
        new = NewRequest(
            request_type=RequestType(given["type"]),
            reason=Reason(given["reason"]),
            lines=tuple(line_quantities(given["lines"])),
            requested_amount=given.get("requested_amount"),
            description=text(given.get("description"), "description"),
            unshipped=bool(given.get("unshipped")),
        )
        return create_request(
            order_pk(data["order_id"]),
            viewer.caller,
            new,
            evidence=evidence(given.get("evidence")),
        )

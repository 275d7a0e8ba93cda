"""``afterSaleArbitrationEvidenceSubmit``: the side whose evidence round it is
hands in its evidence. The side is the caller's: the order's buyer submits as
the buyer, anyone else as the merchant (staff of the order's channel)."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import arbitration
from ...actions.errors import ActionError, ActionErrorCode
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

AfterSaleArbitrationEvidenceSubmitErrorCode = error_code_enum(
    "AfterSaleArbitrationEvidenceSubmit",
    (
        *REQUEST_CODES,
        ErrorCode.WRONG_ACTOR,
        ErrorCode.INVALID_COUNT,
        ErrorCode.TOO_MUCH_EVIDENCE,
        ErrorCode.TEXT_TOO_LONG,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleArbitrationEvidenceSubmitError(AfterSaleError):
    code = graphene.Field(
        AfterSaleArbitrationEvidenceSubmitErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleArbitrationEvidenceSubmit`."


class AfterSaleArbitrationEvidenceSubmit(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleArbitrationEvidenceSubmitError)
    error_type = AfterSaleArbitrationEvidenceSubmitError
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
            description="At least one piece of evidence (the request holds at most 9).",
        )
        text = graphene.String(description="A statement that goes with it.")
        version = version_argument()

    class Meta:
        description = (
            "The side whose arbitration evidence round it is hands in its evidence; the next "
            "round, or the ruling, follows. The order's buyer submits as the buyer; any other "
            "caller as the merchant (staff of the order's channel). `WRONG_ACTOR`: it is the "
            "other side's round."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        statement = text(data.get("text"), "text")
        items = evidence(data["evidence"])
        buyer_id = RequestRow.objects.filter(pk=pk).values_list("buyer_id", flat=True).first()
        if buyer_id is None:
            raise ActionError(ActionErrorCode.NOT_FOUND, f"no after-sale request {pk}")
        return arbitration.submit_arbitration_evidence(
            pk,
            viewer.caller,
            items,
            text=statement,
            # The buyer of the order is the buyer even when also staff of its channel.
            as_merchant=buyer_id != viewer.caller.id,
            version=data.get("version"),
        )

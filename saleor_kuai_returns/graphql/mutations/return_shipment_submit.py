"""``afterSaleReturnShipmentSubmit``: the return's carrier and tracking number,
entered by the buyer, or by the merchant for the buyer."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
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
from .inputs import MAX_TRACKING_LENGTH, text

AfterSaleReturnShipmentSubmitErrorCode = error_code_enum(
    "AfterSaleReturnShipmentSubmit",
    (*REQUEST_CODES, ErrorCode.TRACKING_REQUIRED, ApiErrorCode.INVALID),
)


class AfterSaleReturnShipmentSubmitError(AfterSaleError):
    code = graphene.Field(
        AfterSaleReturnShipmentSubmitErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleReturnShipmentSubmit`."


class AfterSaleReturnShipmentSubmit(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleReturnShipmentSubmitError)
    error_type = AfterSaleReturnShipmentSubmitError
    error_fields: ClassVar[dict[Code, str]] = {ErrorCode.TRACKING_REQUIRED: "trackingNumber"}

    class Arguments:
        id = id_argument()
        carrier = graphene.String(required=True, description="The carrier of the return.")
        tracking_number = graphene.String(
            required=True, description="The return's tracking number."
        )
        version = version_argument()

    class Meta:
        description = (
            "The return's carrier and tracking number: the buyer enters them, or staff of the "
            "order's channel enter them for the buyer. The merchant's receipt window starts."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        carrier = text(data["carrier"], "carrier", max_length=MAX_TRACKING_LENGTH)
        tracking = text(data["tracking_number"], "trackingNumber", max_length=MAX_TRACKING_LENGTH)
        buyer_id = RequestRow.objects.filter(pk=pk).values_list("buyer_id", flat=True).first()
        if buyer_id is None:
            raise ActionError(ActionErrorCode.NOT_FOUND, f"no after-sale request {pk}")
        return requests.submit_return_shipment(
            pk,
            viewer.caller,
            carrier=carrier,
            tracking_number=tracking,
            # The order's buyer enters their own parcel; anyone else does it as staff.
            as_merchant=buyer_id != viewer.caller.id,
            version=data.get("version"),
        )

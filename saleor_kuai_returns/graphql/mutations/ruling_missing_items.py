"""``afterSaleRulingMissingItems``: missing items confirmed (SEED); the
merchant reships within 24 hours."""

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

AfterSaleRulingMissingItemsErrorCode = error_code_enum(
    "AfterSaleRulingMissingItems",
    (*REQUEST_CODES, ErrorCode.RULING_NOT_APPLICABLE, ApiErrorCode.INVALID),
)


class AfterSaleRulingMissingItemsError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingMissingItemsErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingMissingItems`."


class AfterSaleRulingMissingItems(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingMissingItemsError)
    error_type = AfterSaleRulingMissingItemsError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()

    class Meta:
        description = (
            "The platform confirms items were missing: the merchant must reship them within "
            "the reship window (24 hours by default) with a tracking number; late counts as a "
            "late shipment; if it cannot reship, the platform pays priority compensation, "
            "charged to the merchant. `RULING_NOT_APPLICABLE`: the request's reason is not "
            "missing items."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return arbitration.rule_missing_items(
            request_pk(data["id"]),
            viewer.caller,
            note=note(data.get("note")),
            version=data.get("version"),
        )

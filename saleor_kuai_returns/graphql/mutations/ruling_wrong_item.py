"""``afterSaleRulingWrongItem``: the platform confirms a wrong item was sent
(SEED): it goes back (refund or exchange) with all freight at the merchant's
cost, and late-shipment compensation is paid when the buyer asked for it."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import arbitration
from ...domain import RequestType
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.arbitration_enums import AfterSaleWrongItemResolutionEnum
from ..core.errors import MONEY_CODES, AfterSaleError, error_code_enum
from ..core.viewer import Viewer
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    idempotency_key_argument,
    note_argument,
    once,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import note

AfterSaleRulingWrongItemErrorCode = error_code_enum(
    "AfterSaleRulingWrongItem", (*MONEY_CODES, ErrorCode.RULING_NOT_APPLICABLE)
)


class AfterSaleRulingWrongItemError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingWrongItemErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingWrongItem`."


class AfterSaleRulingWrongItem(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingWrongItemError)
    error_type = AfterSaleRulingWrongItemError

    class Arguments:
        id = id_argument()
        resolution = graphene.Argument(
            AfterSaleWrongItemResolutionEnum,
            default_value=RequestType.RETURN_AND_REFUND.value,
            description="How the wrong item is put right.",
        )
        compensation_requested = graphene.Boolean(
            default_value=False,
            description="Whether the buyer asked for compensation: late-shipment compensation "
            "is then paid now, by the platform, and charged to the merchant.",
        )
        note = note_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The platform confirms a wrong item was sent: the buyer sends it back for a refund "
            "or an exchange, with all freight at the merchant's cost. `RULING_NOT_APPLICABLE`: "
            "the request's reason is not a wrong item, or nothing shipped."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        pk = request_pk(data["id"])
        text = note(data.get("note"))
        return once(
            viewer,
            cls.mutation_name(),
            data,
            pk,
            lambda: arbitration.rule_wrong_item(
                pk,
                viewer.caller,
                # An explicit null is the default, as when the argument is left out.
                resolution=RequestType(data.get("resolution") or RequestType.RETURN_AND_REFUND),
                compensation_requested=bool(data.get("compensation_requested")),
                note=text,
                version=data.get("version"),
            ),
        )

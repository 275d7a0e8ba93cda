"""``afterSaleRulingUnjustifiedRejection``: the merchant's rejection was
unjustified; the platform refunds first (先行赔付, SEED) and the merchant owes
it the amount."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import arbitration
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
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

AfterSaleRulingUnjustifiedRejectionErrorCode = error_code_enum(
    "AfterSaleRulingUnjustifiedRejection", (*MONEY_CODES, ErrorCode.RULING_NOT_APPLICABLE)
)


class AfterSaleRulingUnjustifiedRejectionError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingUnjustifiedRejectionErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingUnjustifiedRejection`."


class AfterSaleRulingUnjustifiedRejection(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingUnjustifiedRejectionError)
    error_type = AfterSaleRulingUnjustifiedRejectionError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The platform finds the merchant's rejection unjustified: it refunds the buyer "
            "first, records the amount as the merchant's liability, and the merchant recovers "
            "the goods from the buyer itself. `RULING_NOT_APPLICABLE`: the merchant never "
            "rejected the request."
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
            lambda: arbitration.rule_unjustified_rejection(
                pk, viewer.caller, note=text, version=data.get("version")
            ),
        )

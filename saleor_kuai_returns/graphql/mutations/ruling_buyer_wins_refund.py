"""``afterSaleRulingBuyerWinsRefund``: the platform rules for the buyer; the
refund is paid now, by the merchant (SEED)."""

from __future__ import annotations

from typing import Any

import graphene

from ...actions import arbitration
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

AfterSaleRulingBuyerWinsRefundErrorCode = error_code_enum(
    "AfterSaleRulingBuyerWinsRefund", MONEY_CODES
)


class AfterSaleRulingBuyerWinsRefundError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingBuyerWinsRefundErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingBuyerWinsRefund`."


class AfterSaleRulingBuyerWinsRefund(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingBuyerWinsRefundError)
    error_type = AfterSaleRulingBuyerWinsRefundError

    class Arguments:
        id = id_argument()
        note = note_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The platform rules for the buyer: the amount asked for is refunded now, acting "
            "for the merchant, who pays it."
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
            lambda: arbitration.rule_buyer_wins_refund(
                pk, viewer.caller, note=text, version=data.get("version")
            ),
        )

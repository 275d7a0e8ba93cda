"""``afterSaleRulingPartialRefund``: the platform rules that part of what the
buyer asked is refunded, paid by the merchant."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import arbitration
from ...domain.errors import ErrorCode
from ...models import AfterSaleRequest as RequestRow
from ..core.errors import MONEY_CODES, AfterSaleError, Code, error_code_enum
from ..core.shop import decimal_type
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

AMOUNT_CODES = (
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_ABOVE_CEILING,
)
AfterSaleRulingPartialRefundErrorCode = error_code_enum(
    "AfterSaleRulingPartialRefund", (*MONEY_CODES, *AMOUNT_CODES)
)


class AfterSaleRulingPartialRefundError(AfterSaleError):
    code = graphene.Field(
        AfterSaleRulingPartialRefundErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleRulingPartialRefund`."


class AfterSaleRulingPartialRefund(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleRulingPartialRefundError)
    error_type = AfterSaleRulingPartialRefundError
    error_fields: ClassVar[dict[Code, str]] = dict.fromkeys(AMOUNT_CODES, "amount")

    class Arguments:
        id = id_argument()
        amount = graphene.Argument(
            lambda: decimal_type(),
            required=True,
            description="The amount to refund, in the order's currency: positive, at most "
            "the request's refund ceiling, in the currency's precision.",
        )
        note = note_argument()
        version = version_argument()
        idempotency_key = idempotency_key_argument()

    class Meta:
        description = (
            "The platform rules a partial refund: that amount is refunded now, paid by the "
            "merchant."
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
            lambda: arbitration.rule_partial_refund(
                pk, viewer.caller, amount=data["amount"], note=text, version=data.get("version")
            ),
        )

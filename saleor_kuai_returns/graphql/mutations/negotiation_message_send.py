"""``afterSaleNegotiationMessageSend``: the merchant writes to the buyer (required
before a rejection)."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import requests
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
from .inputs import text

AfterSaleNegotiationMessageSendErrorCode = error_code_enum(
    "AfterSaleNegotiationMessageSend",
    (*REQUEST_CODES, ErrorCode.TEXT_REQUIRED, ErrorCode.TEXT_TOO_LONG, ApiErrorCode.INVALID),
)


class AfterSaleNegotiationMessageSendError(AfterSaleError):
    code = graphene.Field(
        AfterSaleNegotiationMessageSendErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleNegotiationMessageSend`."


class AfterSaleNegotiationMessageSend(AfterSaleMutation):
    after_sale_request = request_field()
    errors = errors_field(AfterSaleNegotiationMessageSendError)
    error_type = AfterSaleNegotiationMessageSendError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.TEXT_REQUIRED: "text",
        ErrorCode.TEXT_TOO_LONG: "text",
    }

    class Arguments:
        id = id_argument()
        text = graphene.String(required=True, description="The message to the buyer.")
        version = version_argument()

    class Meta:
        description = (
            "The merchant sends the buyer a message during review; a rejection needs one first."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> RequestRow:
        return requests.send_negotiation_message(
            request_pk(data["id"]),
            viewer.caller,
            text(data["text"], "text"),
            version=data.get("version"),
        )

"""``afterSaleAppealFile``: the merchant appeals the latest ruling against it,
within the appeal window (7 days by default)."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene

from ...actions import appeals
from ...actions.errors import ActionErrorCode
from ...domain.errors import ErrorCode
from ...models import Appeal
from ..core.errors import AfterSaleError, ApiErrorCode, Code, error_code_enum
from ..core.viewer import Viewer
from ..types.appeal import AfterSaleAppeal
from .base import (
    AfterSaleMutation,
    errors_field,
    id_argument,
    request_field,
    request_pk,
    version_argument,
)
from .inputs import text

AfterSaleAppealFileErrorCode = error_code_enum(
    "AfterSaleAppealFile",
    (
        ActionErrorCode.NOT_FOUND,
        ActionErrorCode.PERMISSION_DENIED,
        ActionErrorCode.STALE_VERSION,
        ErrorCode.APPEAL_NOT_ALLOWED,
        ErrorCode.APPEAL_EXISTS,
        ErrorCode.WINDOW_CLOSED,
        ErrorCode.DESCRIPTION_REQUIRED,
        ErrorCode.TEXT_TOO_LONG,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleAppealFileError(AfterSaleError):
    code = graphene.Field(
        AfterSaleAppealFileErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleAppealFile`."


class AfterSaleAppealFile(AfterSaleMutation):
    appeal = graphene.Field(AfterSaleAppeal, description="The appeal filed; `null` when it failed.")
    after_sale_request = request_field()
    errors = errors_field(AfterSaleAppealFileError)
    error_type = AfterSaleAppealFileError
    error_fields: ClassVar[dict[Code, str]] = {
        ErrorCode.DESCRIPTION_REQUIRED: "reason",
        ErrorCode.TEXT_TOO_LONG: "reason",
    }

    class Arguments:
        id = id_argument()
        reason = graphene.String(
            required=True,
            description="Why the ruling is wrong (at most the policy's text length, 500 "
            "characters by default).",
        )
        version = version_argument()

    class Meta:
        description = (
            "The merchant appeals the request's latest ruling against it, once, within the "
            "appeal window. The platform decides it; an appeal never takes back money paid to "
            "the buyer. `APPEAL_NOT_ALLOWED`: no ruling went against the merchant."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> Appeal:
        return appeals.file_appeal(
            request_pk(data["id"]),
            viewer.caller,
            reason=text(data["reason"], "reason"),
            version=data.get("version"),
        )

    @classmethod
    def succeeded(cls, appeal: Appeal) -> Any:
        return cls(appeal=appeal, after_sale_request=appeal.request, errors=[])

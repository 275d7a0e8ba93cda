"""``afterSaleAppealDecide``: the platform upholds or dismisses a merchant's
appeal, once. Upheld, the case's charges come off the merchant's liability
balance; the buyer keeps what was paid."""

from __future__ import annotations

import uuid
from typing import Any

import graphene

from ...actions import appeals
from ...actions.errors import ActionErrorCode
from ...domain.errors import ErrorCode
from ...models import Appeal
from ..core import ids
from ..core.errors import AfterSaleError, ApiErrorCode, error_code_enum
from ..core.viewer import Viewer
from ..types.appeal import AfterSaleAppeal
from .base import AfterSaleMutation, InputError, errors_field, note_argument, request_field
from .inputs import note

AfterSaleAppealDecideErrorCode = error_code_enum(
    "AfterSaleAppealDecide",
    (
        ActionErrorCode.NOT_FOUND,
        ActionErrorCode.PERMISSION_DENIED,
        ErrorCode.APPEAL_DECIDED,
        ApiErrorCode.INVALID,
    ),
)


class AfterSaleAppealDecideError(AfterSaleError):
    code = graphene.Field(
        AfterSaleAppealDecideErrorCode, required=True, description="The error code."
    )

    class Meta:
        description = "An error of `afterSaleAppealDecide`."


def appeal_pk(value: object) -> uuid.UUID:
    pk = ids.uuid_from_global_id(value, ids.APPEAL)
    if pk is None:
        raise InputError(ActionErrorCode.NOT_FOUND, "id", f"no appeal {value!r}")
    return pk


class AfterSaleAppealDecide(AfterSaleMutation):
    appeal = graphene.Field(
        AfterSaleAppeal, description="The appeal decided; `null` when it failed."
    )
    after_sale_request = request_field()
    errors = errors_field(AfterSaleAppealDecideError)
    error_type = AfterSaleAppealDecideError

    class Arguments:
        id = graphene.ID(required=True, description="ID of the appeal.")
        upheld = graphene.Boolean(
            required=True,
            description="`true`: the ruling was wrong, its charges come off the merchant's "
            "balance; `false`: the ruling stands.",
        )
        note = note_argument("The platform's reasons, kept with the appeal.")

    class Meta:
        description = (
            "The platform decides a merchant's appeal, once: upheld, what the ruling charged "
            "the merchant comes off its liability balance and the dispute no longer counts "
            "against its shop health; dismissed, the ruling stands. Money paid to the buyer "
            "is never taken back."
        )

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> Appeal:
        return appeals.decide_appeal(
            appeal_pk(data["id"]),
            viewer.caller,
            upheld=data["upheld"],
            note=note(data.get("note")),
        )

    @classmethod
    def succeeded(cls, appeal: Appeal) -> Any:
        return cls(appeal=appeal, after_sale_request=appeal.request, errors=[])

"""``AfterSaleAppeal``: a merchant's appeal of a ruling against it."""

from __future__ import annotations

from typing import Any

import graphene

from ...models import Appeal
from ..core import ids
from ..core.arbitration_enums import AfterSaleAppealStatusEnum, AfterSaleRulingEnum
from .parts import date_time_field


class AfterSaleAppeal(graphene.ObjectType):
    request = graphene.Field(
        lambda: _request_type(), required=True, description="The request whose ruling it appeals."
    )
    ruling = graphene.Field(AfterSaleRulingEnum, required=True, description="The ruling appealed.")
    ruled_at = date_time_field("When the platform made that ruling.")
    status = graphene.Field(
        AfterSaleAppealStatusEnum, required=True, description="Where the appeal stands."
    )
    reason = graphene.String(required=True, description="Why the merchant appeals.")
    filed_at = date_time_field("When the merchant filed it.")
    filed_by = graphene.ID(
        description="The staff user (a `User` ID) or app (an `App` ID) that filed it."
    )
    decided_at = date_time_field("When the platform decided it; `null` while open.", required=False)
    decided_by = graphene.ID(
        description="The platform's user (a `User` ID) or app (an `App` ID) that decided it; "
        "`null` while open."
    )
    decision_note = graphene.String(
        required=True, description="The platform's note on its decision, or an empty string."
    )

    class Meta:
        description = (
            "A merchant's appeal of a ruling against it, within the appeal window; the "
            "platform upholds or dismisses it once. An appeal never takes back money paid to "
            "the buyer: upheld, the case's charges come off the merchant's liability balance."
        )
        interfaces = (graphene.relay.Node,)

    @staticmethod
    def resolve_filed_at(root: Appeal, _info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_filed_by(root: Appeal, _info: Any) -> str | None:
        return ids.caller_global_id(root.filed_by)

    @staticmethod
    def resolve_decided_by(root: Appeal, _info: Any) -> str | None:
        return ids.caller_global_id(root.decided_by)


def _request_type() -> Any:
    # ``AfterSaleRequest.appeals`` refers back to this module: imported late.
    from .request import AfterSaleRequest

    return AfterSaleRequest

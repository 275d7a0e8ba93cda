"""``afterSaleAppeals``: the merchants' appeals, for the platform to decide."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import F

from ...models import Appeal
from ..core.arbitration_enums import AfterSaleAppealStatusEnum
from ..core.pagination import SORT_KEY, Page, paginate
from ..core.viewer import viewer_of
from .requests import RELATED


class AfterSaleAppealFilterInput(graphene.InputObjectType):
    status = graphene.InputField(
        AfterSaleAppealStatusEnum, description="Only appeals in this status."
    )
    channel = graphene.String(description="Only appeals on requests of this channel (its slug).")

    class Meta:
        description = "Which appeals to list."


def resolve_appeals(
    info: Any,
    *,
    filter: dict[str, Any] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """Oldest first, as a queue: the platform sees every channel's appeals, a
    merchant those of its channels; anyone else gets a permission error."""
    viewer = viewer_of(info)
    viewer.require_staff()
    query = Appeal.objects.all()
    channels = viewer.visible_channels()
    if channels is not None:
        query = query.filter(request__channel_slug__in=sorted(channels))
    given = filter or {}
    if given.get("status") is not None:
        query = query.filter(status=given["status"])
    if given.get("channel") is not None:
        # PostgreSQL refuses NUL in text; such a slug names no channel anyway.
        slug = given["channel"]
        query = query.filter(request__channel_slug=slug) if "\x00" not in slug else query.none()
    return paginate(
        query.annotate(**{SORT_KEY: F("created_at")})
        .select_related("request")
        .prefetch_related(*(f"request__{r}" for r in RELATED)),
        descending=False,
        first=first,
        after=after,
        last=last,
        before=before,
    )

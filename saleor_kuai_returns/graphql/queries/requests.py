"""``afterSaleRequest`` and ``afterSaleRequests``: what the caller may see, as a
buyer (their own orders) or as staff (the channels the host lets them see)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import graphene
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from ...domain.states import ARBITRATION_STATES
from ...models import AfterSaleRequest as RequestRow
from ..core import enums, ids
from ..core.pagination import SORT_KEY, Page, paginate
from ..core.shop import date_time_type
from ..core.viewer import viewer_of

# Ended requests have no deadline: sorted by deadline, they come after all others.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
RELATED = ("lines", "evidence", "shipments", "money_movements", "timeline", "appeals")
# The platform's disputes: the states in which it arbitrates.
IN_ARBITRATION = sorted(state.value for state in ARBITRATION_STATES)


class SortField:
    DEADLINE = "deadline"
    CREATED_AT = "created_at"


AfterSaleRequestSortFieldEnum = enums.enum_type(
    "AfterSaleRequestSortField",
    "What to sort after-sale requests by.",
    [
        (SortField.DEADLINE, "The running deadline; ended requests come after the others."),
        (SortField.CREATED_AT, "When the request was filed."),
    ],
)
AfterSaleSortDirectionEnum = enums.enum_type(
    "AfterSaleSortDirection",
    "Which way to sort.",
    [("asc", "Smallest or earliest first."), ("desc", "Largest or latest first.")],
)


class AfterSaleRequestSortingInput(graphene.InputObjectType):
    field = graphene.InputField(
        AfterSaleRequestSortFieldEnum, required=True, description="What to sort by."
    )
    direction = graphene.InputField(
        AfterSaleSortDirectionEnum, required=True, description="Which way to sort."
    )

    class Meta:
        description = "How to sort after-sale requests."


class AfterSaleRequestFilterInput(graphene.InputObjectType):
    states = graphene.List(
        graphene.NonNull(enums.AfterSaleStateEnum), description="Only requests in these states."
    )
    types = graphene.List(
        graphene.NonNull(enums.AfterSaleRequestTypeEnum), description="Only these types."
    )
    channels = graphene.List(
        graphene.NonNull(graphene.String), description="Only these channels (slugs)."
    )
    order = graphene.ID(description="Only requests on this order (its global ID).")
    buyer = graphene.ID(description="Only requests of this buyer (a user's global ID).")
    deadline_before = graphene.InputField(
        lambda: date_time_type(), description="Only requests whose deadline is before this."
    )
    deadline_after = graphene.InputField(
        lambda: date_time_type(), description="Only requests whose deadline is at or after this."
    )
    whose_turn = graphene.InputField(
        enums.AfterSaleActorEnum, description="Only requests waiting for this actor."
    )
    in_arbitration = graphene.Boolean(
        description="Only requests the platform is arbitrating (`true`), or only the others "
        "(`false`)."
    )

    class Meta:
        description = "Which after-sale requests to list."


def resolve_request(info: Any, id: str) -> RequestRow | None:
    viewer = viewer_of(info)
    viewer.require_signed_in()
    pk = ids.uuid_from_global_id(id, ids.REQUEST)
    if pk is None:
        return None
    return RequestRow.objects.filter(viewer.visible(), pk=pk).first()


def resolve_requests(
    info: Any,
    *,
    filter: dict[str, Any] | None = None,
    sort_by: dict[str, str] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    viewer = viewer_of(info)
    viewer.require_signed_in()
    query = filtered(RequestRow.objects.filter(viewer.visible()), filter or {})
    sort = sort_by or {"field": SortField.CREATED_AT, "direction": "desc"}
    key = (
        Coalesce("deadline_at", Value(NO_DEADLINE))
        if sort["field"] == SortField.DEADLINE
        else F("created_at")
    )
    return paginate(
        query.annotate(**{SORT_KEY: key}).prefetch_related(*RELATED),
        descending=sort["direction"] == "desc",
        first=first,
        after=after,
        last=last,
        before=before,
    )


def filtered(query: QuerySet[RequestRow], given: dict[str, Any]) -> QuerySet[RequestRow]:
    if given.get("states") is not None:
        query = query.filter(state__in=given["states"])
    if given.get("types") is not None:
        query = query.filter(request_type__in=given["types"])
    if given.get("channels") is not None:
        # PostgreSQL refuses NUL in text; such a slug names no channel anyway.
        slugs = [slug for slug in given["channels"] if "\x00" not in slug]
        query = query.filter(channel_slug__in=slugs)
    if given.get("order") is not None:
        # An ID that names no order matches nothing.
        order = ids.uuid_from_global_id(given["order"], ids.ORDER)
        query = query.filter(order_id=order) if order else query.none()
    if given.get("buyer") is not None:
        buyer = ids.buyer_id_from_global_id(given["buyer"])
        query = query.filter(buyer_id=buyer) if buyer else query.none()
    if given.get("deadline_before") is not None:
        query = query.filter(deadline_at__lt=given["deadline_before"])
    if given.get("deadline_after") is not None:
        query = query.filter(deadline_at__gte=given["deadline_after"])
    if given.get("whose_turn") is not None:
        query = query.filter(deadline_turn=given["whose_turn"])
    if given.get("in_arbitration") is True:
        query = query.filter(state__in=IN_ARBITRATION)
    if given.get("in_arbitration") is False:
        query = query.exclude(state__in=IN_ARBITRATION)
    return query

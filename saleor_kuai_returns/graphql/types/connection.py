"""The paginated list of requests, shaped as Saleor's countable connections."""

from __future__ import annotations

from typing import Any

import graphene

from ..core.pagination import Page
from .request import AfterSaleRequest


class AfterSaleRequestCountableEdge(graphene.ObjectType):
    node = graphene.Field(
        AfterSaleRequest, required=True, description="The item at the end of the edge."
    )
    cursor = graphene.String(required=True, description="A cursor for use in pagination.")

    class Meta:
        description = "An after-sale request in a list, with its cursor."

    @staticmethod
    def resolve_node(root: tuple[Any, str], _info: Any) -> Any:
        return root[0]

    @staticmethod
    def resolve_cursor(root: tuple[Any, str], _info: Any) -> str:
        return root[1]


class AfterSaleRequestCountableConnection(graphene.ObjectType):
    page_info = graphene.Field(
        graphene.relay.PageInfo, required=True, description="Pagination data for this connection."
    )
    edges = graphene.List(
        graphene.NonNull(AfterSaleRequestCountableEdge),
        required=True,
        description="The requests of this page.",
    )
    total_count = graphene.Int(description="A total count of items in the collection.")

    class Meta:
        description = "A page of after-sale requests."

    @staticmethod
    def resolve_page_info(root: Page, _info: Any) -> graphene.relay.PageInfo:
        return graphene.relay.PageInfo(
            has_next_page=root.has_next_page,
            has_previous_page=root.has_previous_page,
            start_cursor=root.cursors[0] if root.cursors else None,
            end_cursor=root.cursors[-1] if root.cursors else None,
        )

    @staticmethod
    def resolve_edges(root: Page, _info: Any) -> list[tuple[Any, str]]:
        return list(zip(root.rows, root.cursors, strict=True))

    @staticmethod
    def resolve_total_count(root: Page, _info: Any) -> int:
        return root.query.count()

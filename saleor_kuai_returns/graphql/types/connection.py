"""Paginated lists, shaped as Saleor's countable connections."""

from __future__ import annotations

from typing import Any

import graphene

from ..core.pagination import Page
from .appeal import AfterSaleAppeal
from .request import AfterSaleRequest


def _node(root: tuple[Any, str], _info: Any) -> Any:
    return root[0]


def _cursor(root: tuple[Any, str], _info: Any) -> str:
    return root[1]


def _page_info(root: Page, _info: Any) -> graphene.relay.PageInfo:
    return graphene.relay.PageInfo(
        has_next_page=root.has_next_page,
        has_previous_page=root.has_previous_page,
        start_cursor=root.cursors[0] if root.cursors else None,
        end_cursor=root.cursors[-1] if root.cursors else None,
    )


def _edges(root: Page, _info: Any) -> list[tuple[Any, str]]:
    return list(zip(root.rows, root.cursors, strict=True))


def _total_count(root: Page, _info: Any) -> int:
    return root.query.count()


def countable_connection(node: Any, *, item: str, items: str) -> Any:
    """``<Node>CountableConnection`` of a ``Page`` of ``node`` rows, with its edge
    type; ``item`` says what one row is (“An after-sale request”), ``items`` what
    the rows are (“requests”)."""
    name = node._meta.name
    edge = type(
        f"{name}CountableEdge",
        (graphene.ObjectType,),
        {
            "node": graphene.Field(
                node, required=True, description="The item at the end of the edge."
            ),
            "cursor": graphene.String(required=True, description="A cursor for use in pagination."),
            "resolve_node": staticmethod(_node),
            "resolve_cursor": staticmethod(_cursor),
            "Meta": type("Meta", (), {"description": f"{item} in a list, with its cursor."}),
        },
    )
    return type(
        f"{name}CountableConnection",
        (graphene.ObjectType,),
        {
            "page_info": graphene.Field(
                graphene.relay.PageInfo,
                required=True,
                description="Pagination data for this connection.",
            ),
            "edges": graphene.List(
                graphene.NonNull(edge), required=True, description=f"The {items} of this page."
            ),
            "total_count": graphene.Int(description="A total count of items in the collection."),
            "resolve_page_info": staticmethod(_page_info),
            "resolve_edges": staticmethod(_edges),
            "resolve_total_count": staticmethod(_total_count),
            "Meta": type("Meta", (), {"description": f"A page of after-sale {items}."}),
        },
    )


AfterSaleRequestCountableConnection = countable_connection(
    AfterSaleRequest, item="An after-sale request", items="requests"
)
AfterSaleAppealCountableConnection = countable_connection(
    AfterSaleAppeal, item="A merchant's appeal", items="appeals"
)

"""The order a request belongs to, where the host names no order type of its own
(in Saleor, ``AfterSaleRequest.order`` is Saleor's ``Order``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphene

from ..core import ids


@dataclass(frozen=True)
class OrderValue:
    order_id: str
    channel_slug: str


class AfterSaleOrder(graphene.ObjectType):
    id = graphene.ID(required=True, description="The order's global ID (an `Order` ID).")
    channel_slug = graphene.String(required=True, description="Slug of the order's channel.")

    class Meta:
        description = (
            "The order a request belongs to, as the shop without its own order type shows it."
        )

    @staticmethod
    def resolve_id(root: OrderValue, _info: Any) -> str:
        return ids.to_global_id(ids.ORDER, root.order_id)

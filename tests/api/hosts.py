"""A sandbox host that names its own GraphQL types, as Saleor's host does: the
API must then use them and none of its own of the same role."""

from __future__ import annotations

from typing import Any

import graphene

from saleor_kuai_returns.host.base import ShopGraphQLTypes
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.sandbox import models as shop


class ShopMoney(graphene.ObjectType):
    currency = graphene.String(required=True, description="Currency code.")
    amount = graphene.Float(required=True, description="Amount.")
    cents = graphene.Int(required=True, description="Amount in cents.")

    class Meta:
        description = "The shop's money."

    @staticmethod
    def resolve_cents(root: Any, _info: Any) -> int:
        return int(root.amount * 100)


class ShopDateTime(graphene.DateTime):
    """The shop's instants."""


class ShopDecimal(graphene.Decimal):
    """The shop's decimals."""


class ShopOrder(graphene.ObjectType):
    id = graphene.ID(required=True, description="The order's primary key.")
    item_count = graphene.Int(required=True, description="Units ordered.")

    class Meta:
        description = "The shop's order."

    @staticmethod
    def resolve_item_count(root: shop.Order, _info: Any) -> int:
        return sum(root.lines.values_list("quantity", flat=True))


class ShopTypedHost(SandboxHost):
    def graphql_types(self) -> ShopGraphQLTypes:
        return ShopGraphQLTypes(
            money=ShopMoney, date_time=ShopDateTime, decimal=ShopDecimal, order=ShopOrder
        )

    def graphql_order(self, order_id: str, info: Any) -> Any:
        return shop.Order.objects.filter(pk=order_id).first()

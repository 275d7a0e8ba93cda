"""The shop's GraphQL types where the host names them, else ours.

Fields refer to these through ``lambda``: graphene resolves them when the
schema is built, once Django and the host are ready.
"""

from __future__ import annotations

from typing import Any

from ...host import get_host
from ...host.base import ShopGraphQLTypes


def shop_types() -> ShopGraphQLTypes:
    return get_host().graphql_types()


def date_time_type() -> Any:
    from .scalars import DateTime

    return shop_types().date_time or DateTime


def decimal_type() -> Any:
    from .scalars import Decimal

    return shop_types().decimal or Decimal


def money_type() -> Any:
    from .money import Money

    return shop_types().money or Money


def order_type() -> Any:
    from ..types.order import AfterSaleOrder

    return shop_types().order or AfterSaleOrder

"""The host port on Saleor 3.23: orders, rights, money and goods through Saleor's
own models and actions.

``SaleorHost`` only delegates; each area lives in its own module:

- ``orders``: an order and its lines as the rules' snapshot; our order notes;
- ``access``: the caller of an API request, who may act, which channels they see;
- ``channels``: the plugin's per-channel settings (policy, switch, return address);
- ``money``: payouts in three steps (prepare, send, outcome) through
  ``granted_refunds`` (Transactions), ``legacy`` (legacy payments) and
  ``gift_cards``; settling refunds the payment app answered later; what the
  order's payments show (the audit);
- ``goods``: returns, restock, unshipped units that will not ship;
- ``replacements``: an exchange's variants, and goods sent through Saleor's
  replace path;
- ``sales``: orders placed and lines shipped, shop health's denominators;
- ``api``: Saleor's GraphQL types our API reuses, and our API inside Saleor's
  ``/graphql/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from saleor.core.db.connection import allow_writer

from ...domain import Actor, Policy
from ...domain.commands import Replacement
from ..base import (
    Caller,
    Host,
    HostOrder,
    OrderMoney,
    PaymentResult,
    SalesCounts,
    ShopGraphQLTypes,
)
from . import access, api, channels, goods, money, orders, replacements, sales
from .granted_refunds import refund_reason
from .keys import (
    DECLARED_PRICE_KEY,
    IDEMPOTENCY_KEY,
    ITEM_KIND_KEY,
    REFUND_LINES_KEY,
    RELEASE_FOR_KEY,
    RESTOCKED_KEY,
    RETURN_FOR_KEY,
    SHIPMENT_KEY,
)
from .money import settle_granted_refunds
from .orders import spread_over_lines
from .replacements import GoodsNotRecorded

if TYPE_CHECKING:
    from ...models import AfterSaleRequest, MoneyMovement, Shipment

__all__ = [
    "DECLARED_PRICE_KEY",
    "IDEMPOTENCY_KEY",
    "ITEM_KIND_KEY",
    "REFUND_LINES_KEY",
    "RELEASE_FOR_KEY",
    "RESTOCKED_KEY",
    "RETURN_FOR_KEY",
    "SHIPMENT_KEY",
    "GoodsNotRecorded",
    "SaleorHost",
    "refund_reason",
    "settle_granted_refunds",
    "spread_over_lines",
]


class SaleorHost(Host):
    """The host of a Saleor 3.23 shop (``KUAI_RETURNS_HOST``'s default)."""

    # --- reading ------------------------------------------------------------

    def load_order(self, order_id: str) -> HostOrder:
        return orders.load_order(order_id)

    def caller_from_context(self, context: Any) -> Caller:
        return access.caller_from_context(context)

    def visible_channels(self, caller: Caller) -> frozenset[str] | None:
        return access.visible_channels(caller)

    def may_act(self, caller: Caller, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
        return access.may_act(caller, actor, channel_slug, buyer_id)

    def may_move_money(self, caller: Caller, channel_slug: str) -> bool:
        return access.may_move_money(caller, channel_slug)

    def policy_for(self, channel_slug: str) -> Policy:
        return channels.policy_for(channel_slug)

    def after_sale_enabled(self, channel_slug: str) -> bool:
        return channels.after_sale_enabled(channel_slug)

    def return_address(self, channel_slug: str) -> str:
        return channels.return_address(channel_slug)

    def describe_replacements(
        self, order_id: str, choices: Sequence[tuple[str, str]]
    ) -> tuple[Replacement, ...]:
        return replacements.describe_replacements(order_id, choices)

    def sales_counts(self, channel_slug: str, since: datetime, until: datetime) -> SalesCounts:
        return sales.sales_counts(channel_slug, since, until)

    # --- GraphQL --------------------------------------------------------------

    def graphql_types(self) -> ShopGraphQLTypes:
        return api.shop_graphql_types()

    def graphql_order(self, order_id: str, info: Any) -> Any:
        return api.graphql_order(order_id, info)

    # --- money --------------------------------------------------------------

    def prepare_payment(self, movement: MoneyMovement) -> PaymentResult:
        return money.prepare_payment(movement)

    def send_payment(self, movement: MoneyMovement) -> PaymentResult:
        return money.send_payment(movement)

    def payment_outcome(self, movement: MoneyMovement) -> PaymentResult | None:
        return money.payment_outcome(movement)

    def order_money(self, order_id: str) -> OrderMoney:
        return money.order_money(order_id)

    # --- goods --------------------------------------------------------------

    def record_return(self, request: AfterSaleRequest) -> None:
        goods.record_return(request)

    def restock_return(self, request: AfterSaleRequest) -> None:
        goods.restock_return(request)

    def send_goods(self, request: AfterSaleRequest, shipment: Shipment) -> str:
        return replacements.send_goods(request, shipment)

    # --- timeline and database -----------------------------------------------

    def add_order_note(self, order_id: str, message: str, caller: Caller) -> None:
        orders.add_order_note(order_id, message, caller)

    def writer(self) -> AbstractContextManager[object]:
        # Saleor's tasks refuse writes to the primary database unless allowed.
        return allow_writer()

"""What the app needs from the shop it runs in, as plain data and a few calls.

Two implementations: ``saleor`` (production) and ``sandbox`` (a small Django app
with its own order tables, for the demo and CI).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain import Actor, OrderSnapshot, Policy
from ..domain.commands import Replacement

if TYPE_CHECKING:
    from ..models import AfterSaleRequest, MoneyMovement, Shipment


@dataclass(frozen=True)
class Caller:
    """Who calls: a user, an app, or the system (the deadline task)."""

    id: str  # "user:<pk>", "app:<pk>", or "system"
    user: Any = None
    app: Any = None

    @property
    def is_system(self) -> bool:
        return self.id == "system"


SYSTEM_CALLER = Caller("system")
# Nobody signed in: may read nothing and act as nobody.
ANONYMOUS = Caller("anonymous")


@dataclass(frozen=True)
class HostOrder:
    order_id: str
    channel_slug: str
    buyer_id: str  # "" for a guest order: no buyer may file on it
    snapshot: OrderSnapshot
    # Display data per line id: product name, variant name, SKU.
    line_labels: dict[str, tuple[str, str, str]]
    # The shop's product id per line id (shop health per product).
    line_products: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SalesCounts:
    """The shop's side of shop health for a window: orders placed and order
    lines shipped, in total and per product id."""

    orders: int
    lines_shipped: int
    orders_by_product: dict[str, int]
    lines_shipped_by_product: dict[str, int]


@dataclass(frozen=True)
class PaymentResult:
    """What the payment path said: money sent and confirmed, sent and awaiting
    the provider's confirmation, or refused."""

    status: str  # "succeeded", "requested", "failed"
    reference: str = ""
    error: str = ""


@dataclass(frozen=True)
class ShopGraphQLTypes:
    """The shop's own GraphQL types that the after-sale API uses instead of its
    own, so that a merged schema has one type per name (Saleor already has
    ``Money``, ``DateTime``, ``Decimal`` and ``Order``). ``None``: the app's own
    type (the sandbox's case).

    - ``money``: an object type with ``currency: String!`` and ``amount: Float!``
      that resolves an object with ``currency`` (str) and ``amount`` (Decimal)
      attributes (Saleor: ``saleor.graphql.core.types.Money``).
    - ``date_time``: a scalar that serializes an aware ``datetime`` and parses
      an ISO 8601 string to one (Saleor: ``saleor.graphql.core.scalars.DateTime``).
    - ``decimal``: a scalar that parses an input amount to ``decimal.Decimal``
      (or ``None`` when it is not a number) and serializes a ``Decimal``
      (Saleor: ``saleor.graphql.core.scalars.Decimal``).
    - ``order``: the shop's order type for ``AfterSaleRequest.order``; its
      values come from ``Host.graphql_order`` (Saleor: ``saleor.graphql.order.types.Order``).
    """

    money: Any = None
    date_time: Any = None
    decimal: Any = None
    order: Any = None


class OrderNotFound(LookupError):
    pass


class NotPermitted(PermissionError):
    pass


class Host(abc.ABC):
    @abc.abstractmethod
    def load_order(self, order_id: str) -> HostOrder:
        """The order and every line as the rules need them; ``OrderNotFound``."""

    @abc.abstractmethod
    def caller_from_context(self, context: Any) -> Caller:
        """Who sends an API request, from the request's context: the signed-in
        user or the app its token names; ``ANONYMOUS`` otherwise."""

    @abc.abstractmethod
    def visible_channels(self, caller: Caller) -> frozenset[str] | None:
        """The channels whose requests the caller may see as staff, the platform
        or an app: ``None`` for every channel, empty for none (a buyer sees only
        the requests on their own orders)."""

    @abc.abstractmethod
    def may_act(self, caller: Caller, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
        """Buyers act on their own orders; merchants need order rights on the
        channel; the platform is its permission group; apps by their token."""

    @abc.abstractmethod
    def policy_for(self, channel_slug: str) -> Policy:
        """The channel's after-sale policy (the plugin's per-channel settings)."""

    @abc.abstractmethod
    def after_sale_enabled(self, channel_slug: str) -> bool:
        """Whether buyers may file new requests on the channel (the plugin's
        per-channel switch). Requests already filed run to their end either way."""

    @abc.abstractmethod
    def return_address(self, channel_slug: str) -> str:
        """Where returns go when the merchant names no address."""

    @abc.abstractmethod
    def pay(self, movement: MoneyMovement) -> PaymentResult:
        """Send money to the buyer: a refund through the order's payment, or a
        gift card. Called at most once per movement attempt."""

    @abc.abstractmethod
    def record_return(self, request: AfterSaleRequest) -> None:
        """The goods came back: record the return on the order and restock."""

    @abc.abstractmethod
    def release_unshipped(self, request: AfterSaleRequest) -> None:
        """The unshipped units were refunded: they must not ship."""

    @abc.abstractmethod
    def describe_replacements(
        self, order_id: str, choices: Sequence[tuple[str, str]]
    ) -> tuple[Replacement, ...]:
        """For an exchange, each ``(order line id, variant id)`` chosen: the
        variant's price in the order's channel and whether it is a variant of
        the product bought. An unknown variant is described as neither."""

    @abc.abstractmethod
    def send_goods(self, request: AfterSaleRequest, shipment: Shipment) -> str:
        """Record goods the merchant sent (an exchange's replacement, missing
        items) on the order; returns the shop's reference. Called once per
        shipment: the caller stores the reference."""

    def writer(self) -> AbstractContextManager[object]:
        """A context in which tasks may write to the primary database (Saleor
        restricts writes in tasks unless allowed)."""
        return nullcontext()

    def sales_counts(self, channel_slug: str, since: datetime, until: datetime) -> SalesCounts:
        """Orders placed and lines shipped on the channel in ``[since, until)``
        (shop health's denominators). A host that cannot count gives zeros:
        the rates are then shown as unknown."""
        return SalesCounts(0, 0, {}, {})

    @abc.abstractmethod
    def add_order_note(self, order_id: str, message: str, caller: Caller) -> None:
        """A note on the order's own timeline."""

    def graphql_types(self) -> ShopGraphQLTypes:
        """The shop's GraphQL types the API reuses (see ``ShopGraphQLTypes``).
        Read once, when the schema is built."""
        return ShopGraphQLTypes()

    def graphql_order(self, order_id: str, info: Any) -> Any:
        """The value of ``AfterSaleRequest.order`` when ``graphql_types().order``
        is set: what that type resolves for the order ``order_id`` (its primary
        key as a string), or a promise of it (a dataloader's ``load``), or
        ``None`` when the caller may not see it. ``info`` is the field's
        ``ResolveInfo`` (``info.context`` is the API request). Unused while
        ``order`` is ``None``: the API then returns its own ``AfterSaleOrder``."""
        return None

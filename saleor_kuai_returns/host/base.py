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
from decimal import Decimal
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


class PaymentBusy(Exception):
    """The shop cannot take this payment now (another one of the same order is
    half-way through a path that allows one at a time): try again later."""


@dataclass(frozen=True)
class OrderMoney:
    """What the shop itself says moved on an order, for the audit: what the
    buyer paid, what went back to them by any path (the shop's own refunds
    included), and, per shop reference of ours (``MoneyMovement.provider_reference``),
    what reached the buyer through it."""

    currency: str
    paid: Decimal
    refunded: Decimal
    by_reference: dict[str, Decimal] = field(default_factory=dict)


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
    def may_move_money(self, caller: Caller, channel_slug: str) -> bool:
        """Whether staff or an app may make a decision that pays the buyer
        (Saleor: ``HANDLE_PAYMENTS``, which its own refunds require). The
        system (a deadline's outcome) always may."""

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

    # --- money: one payment in three steps (actions.money drives them) ------
    #
    # ``prepare_payment`` writes the shop's record of the payment in the
    # caller's transaction, together with our movement's reference to it;
    # ``send_payment`` hands it to the payment provider outside any transaction;
    # ``payment_outcome`` reads what the shop knows of it later — after a crash,
    # before a retry pays again, and in the audit. A payment a crashed run left
    # prepared is found, never prepared twice.

    @abc.abstractmethod
    def prepare_payment(self, movement: MoneyMovement) -> PaymentResult:
        """Inside the caller's transaction (the request and the movement locked):
        record at the shop the payment about to be made and return
        ``requested`` with the record's reference — ``succeeded`` when the
        record is the payment itself (a gift card) — or ``failed`` with the
        reason when it cannot be made (no payment on the order, less on it than
        the amount, refunded units that shipped meanwhile), writing nothing.

        A refund (``movement.kind`` refund) of a request ``before_shipment``
        also takes its units out of what may ship, in the same transaction.
        The acting user or app is ``movement.requested_by``. Raises
        ``PaymentBusy`` to be called again later."""

    @abc.abstractmethod
    def send_payment(self, movement: MoneyMovement) -> PaymentResult:
        """Outside any transaction: hand the prepared payment
        (``movement.provider_reference``) to the payment provider — the same
        request again when called again. ``requested`` (the provider answers
        later), ``succeeded`` or ``failed``."""

    @abc.abstractmethod
    def payment_outcome(self, movement: MoneyMovement) -> PaymentResult | None:
        """What the shop knows of the movement's payment now: ``succeeded``,
        ``failed``, ``requested`` (the provider has not answered), or ``None``
        when nothing of it reached the provider (not prepared, or prepared and
        never sent): then sending it cannot pay twice."""

    @abc.abstractmethod
    def order_money(self, order_id: str) -> OrderMoney:
        """What the shop says was paid and refunded on the order (the audit)."""

    # --- goods ----------------------------------------------------------------

    @abc.abstractmethod
    def record_return(self, request: AfterSaleRequest) -> None:
        """The goods are coming back and refunded: record the return on the
        order (Saleor: a returned fulfillment). Once per request."""

    @abc.abstractmethod
    def restock_return(self, request: AfterSaleRequest) -> None:
        """The returned goods arrived: put them back in stock, recording the
        return first when that was not done. Once per request."""

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

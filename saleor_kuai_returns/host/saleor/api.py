"""The after-sale API inside Saleor's own ``/graphql/``.

Saleor has no hook to extend its schema (design.md). At start-up,
``AppConfig.ready`` (behind ``KUAI_RETURNS_GRAPHQL``) hands the API's root types
to ``mix_into_saleor`` — the host layer never imports the API itself — which
builds Saleor's schema again, as ``saleor.graphql.api`` does, with our root
fields next to Saleor's, and puts it where Saleor reads it:

- ``saleor.graphql.api.schema``: the URL conf hands it to the GraphQL view when
  it is first imported (after every app's ``ready``), and webhook payloads and
  ``get_graphql_schema`` import it when they run;
- ``saleor.graphql.views.schema``: the view validates query cost against it;
- ``COST_MAP``: our list fields get a cost, or a deep query would be free;
- ``settings.GRAPHQL_CACHE_SUFFIX``: Saleor caches introspection answers under
  Saleor's version and this suffix; ours joins it so a cached answer of
  another schema (Saleor alone, an older version of ours) is never served.

Our API reuses Saleor's ``Money``, ``DateTime``, ``Decimal`` and ``Order``
(``shop_graphql_types``): one type per name in the merged schema.
"""

from __future__ import annotations

import logging
import uuid
from functools import wraps
from typing import Any

from django.conf import settings

from ... import __version__
from ..base import ShopGraphQLTypes

logger = logging.getLogger(__name__)

# Type name → field name → cost, as in Saleor's ``query_cost_map.COST_MAP``.
CostMap = dict[str, dict[str, dict[str, Any]]]
# Set on the schema we built, so that a second ``ready`` reuses it.
MIXED_MARK = "_kuai_returns_mixed"
# Our part of GRAPHQL_CACHE_SUFFIX: the mark and our version, after any suffix
# the deployment set.
CACHE_SUFFIX_MARK = "kuai_returns-"
CACHE_SUFFIX_SEPARATOR = "+"
OUR_PACKAGE = f"{__name__.split('.')[0]}."


def shop_graphql_types() -> ShopGraphQLTypes:
    """Saleor's own types for the roles ``ShopGraphQLTypes`` names."""
    # Imported here: Saleor's GraphQL package imports most of Saleor, and the
    # host is loaded with Django.
    from saleor.graphql.core.scalars import DateTime, Decimal
    from saleor.graphql.core.types import Money
    from saleor.graphql.order.types import Order

    return ShopGraphQLTypes(money=Money, date_time=DateTime, decimal=Decimal, order=Order)


def graphql_order(order_id: str, info: Any) -> Any:
    """Saleor's ``Order`` for a request's order, as Saleor's own fields that point
    at an order resolve it: through the request's ``OrderByIdLoader`` (a page of
    requests costs one query for all their orders) and wrapped in the context
    Saleor's order type expects; ``None`` when the order is gone."""
    from saleor.graphql.core.context import SyncWebhookControlContext
    from saleor.graphql.order.dataloaders import OrderByIdLoader

    try:
        pk = uuid.UUID(order_id)
    except ValueError:
        return None

    def wrap(order: Any) -> Any:
        return SyncWebhookControlContext(node=order) if order is not None else None

    return OrderByIdLoader(info.context).load(pk).then(wrap)


def mix_into_saleor(queries: Any, mutations: Any, costs: CostMap) -> Any:
    """Serve ``queries`` and ``mutations`` (graphene object types whose fields
    join Saleor's ``Query`` and ``Mutation``) from Saleor's ``/graphql/``, with
    ``costs`` (``COST_MAP``'s format) for their fields. Returns the schema Saleor
    now serves, or ``None`` when the host is not Saleor's. Run again (Django
    may call ``ready`` more than once), it builds nothing new."""
    from .. import get_host
    from . import SaleorHost

    if not isinstance(get_host(), SaleorHost):
        return None
    from saleor.graphql import api, views

    schema = api.schema
    if not getattr(schema, MIXED_MARK, False):
        schema = _build(api, queries, mutations)
    api.schema = schema
    views.schema = schema
    _add_costs(costs)
    _add_cache_suffix()
    return schema


def _build(api: Any, queries: Any, mutations: Any) -> Any:
    """Saleor's ``Query``/``Mutation`` with ours mixed in, built as Saleor builds
    its schema (the same extra types, subscription and directives, federation,
    and usage metrics for deprecated fields)."""
    import graphql
    from saleor.graphql.attribute.types import ASSIGNED_ATTRIBUTE_TYPES
    from saleor.graphql.core.enums import unit_enums
    from saleor.graphql.core.federation.schema import build_federated_schema
    from saleor.graphql.payment.schema import PAYMENT_ADDITIONAL_TYPES
    from saleor.graphql.webhook.subscription_types import WEBHOOK_TYPES_MAP, Subscription

    # The root types keep Saleor's names: clients and Saleor's own code (the
    # federation fields) look them up as ``Query`` and ``Mutation``.
    query = type("Query", (api.Query, queries), {})
    mutation = type("Mutation", (api.Mutation, mutations), {})
    schema = build_federated_schema(
        query,
        mutation=mutation,
        types=(
            unit_enums
            + list(WEBHOOK_TYPES_MAP.values())
            + PAYMENT_ADDITIONAL_TYPES
            + ASSIGNED_ATTRIBUTE_TYPES
        ),
        subscription=Subscription,
        directives=[
            *graphql.specified_directives,
            api.GraphQLDocDirective,
            api.GraphQLWebhookEventsInfoDirective,
        ],
    )
    api.monitor_fields_usage(schema)
    _follow_saleors_database_rules(schema, queries, mutations)
    setattr(schema, MIXED_MARK, True)
    logger.info("The after-sale API joined Saleor's GraphQL schema")
    return schema


def _follow_saleors_database_rules(schema: Any, queries: Any, mutations: Any) -> None:
    """Saleor reads through its replica in queries and writes only where it
    allows the writer explicitly (its test settings raise on any other use of
    the primary database, production can log it). Our API, host-agnostic, uses
    Django's default database; so, as Saleor's own mutations do, each of our
    mutations runs with the writer allowed and the rest of the request reading
    the primary (Saleor's executor then lets the fields of the payload — Saleor's
    ``Order`` too — read what was just written). Our queries read our rows (and
    the caller's rights) from the primary too, explicitly: every resolver of our
    types runs with the writer allowed, a lazy query evaluated inside. Saleor's
    own fields in the same query keep reading the replica."""
    from django.db.models import QuerySet
    from graphene.utils.str_converters import to_camel_case
    from graphql import GraphQLObjectType
    from saleor.core.db.connection import allow_writer
    from saleor.graphql.core.context import disallow_replica_in_context

    def reading(resolver: Any) -> Any:
        @wraps(resolver)
        def resolve(root: Any, info: Any, **args: Any) -> Any:
            with allow_writer():
                result = resolver(root, info, **args)
                return list(result) if isinstance(result, QuerySet) else result

        return resolve

    def writing(resolver: Any) -> Any:
        @wraps(resolver)
        def resolve(root: Any, info: Any, **args: Any) -> Any:
            with allow_writer():
                disallow_replica_in_context(info.context)
                return resolver(root, info, **args)

        return resolve

    for root_type, ours, guard in (
        ("Query", queries, reading),
        ("Mutation", mutations, writing),
    ):
        fields = schema.get_type(root_type).fields
        for name in ours._meta.fields:
            field = fields[to_camel_case(name)]
            field.resolver = guard(field.resolver)
    for gql_type in schema.get_type_map().values():
        if isinstance(gql_type, GraphQLObjectType) and _is_ours(gql_type):
            for field in gql_type.fields.values():
                field.resolver = reading(field.resolver)


def _is_ours(gql_type: Any) -> bool:
    """An object type the API declares (the mixed root types are Saleor's)."""
    graphene_type = getattr(gql_type, "graphene_type", None)
    module = getattr(graphene_type, "__module__", "")
    return module.startswith(OUR_PACKAGE) and gql_type.name not in ("Query", "Mutation")


def _add_costs(costs: CostMap) -> None:
    from saleor.graphql.query_cost_map import COST_MAP

    for type_name, fields in costs.items():
        COST_MAP.setdefault(type_name, {}).update(fields)


def _add_cache_suffix() -> None:
    ours = f"{CACHE_SUFFIX_MARK}{__version__}"
    current = settings.GRAPHQL_CACHE_SUFFIX or ""
    if ours in current.split(CACHE_SUFFIX_SEPARATOR):
        return
    settings.GRAPHQL_CACHE_SUFFIX = f"{current}{CACHE_SUFFIX_SEPARATOR}{ours}" if current else ours

"""The after-sale API inside Saleor's own /graphql/, called through Saleor's
own test clients (JWT users, app tokens), next to Saleor's own fields."""

from __future__ import annotations

from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import graphene
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from graphql import parse, validate
from saleor.account.models import Group
from saleor.graphql import api, views
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.scalars import Decimal as DecimalScalar
from saleor.graphql.core.types import Money
from saleor.graphql.core.validators.query_cost import validate_cost_map
from saleor.graphql.order.types import Order
from saleor.graphql.query_cost_map import COST_MAP
from saleor.graphql.tests.fixtures import ApiClient
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content
from saleor.order import OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.payment import TransactionEventType
from saleor.payment.models import TransactionEvent

from saleor_kuai_returns import __version__
from saleor_kuai_returns.graphql.cost import COST_MAP as OUR_COSTS
from saleor_kuai_returns.host.base import ShopGraphQLTypes
from saleor_kuai_returns.models import AfterSaleRequest, MoneyMovement, TimelineEvent

from .conftest import line_by_sku

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"

CREATE = """
mutation Create($order: ID!, $input: AfterSaleRequestCreateInput!) {
  afterSaleRequestCreate(orderId: $order, input: $input) {
    afterSaleRequest { id state version whoseTurn refundCeiling { amount currency } }
    errors { field code message }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!, $version: Int) {
  afterSaleRequestApprove(id: $id, version: $version) {
    afterSaleRequest { id state version }
    errors { field code message }
  }
}
"""
REQUEST = """
query Request($id: ID!) {
  afterSaleRequest(id: $id) {
    id
    state
    type
    reason
    lines { orderLineId quantity amount { amount currency } }
    order { __typename id number status userEmail }
  }
}
"""
REQUESTS = """
query Requests {
  afterSaleRequests(first: 10) { totalCount edges { node { id lines { quantity } } } }
}
"""
SALEOR_ORDER = """
query Order($id: ID!) {
  order(id: $id) { id number status lines { productSku quantity } }
}
"""
FIELDS_OF = """
query Fields($name: String!) {
  __type(name: $name) { name fields { name type { name ofType { name } } } }
}
"""

NOT_THE_MERCHANT = {
    "field": None,
    "code": "PERMISSION_DENIED",
    "message": "this caller cannot act as the merchant on this request",
}


def refund_input(order, sku="SKU_AA", quantity=1):
    line = line_by_sku(order, sku)
    return {
        "type": "REFUND_ONLY",
        "reason": "QUALITY_FUNCTION",
        "lines": [
            {"orderLineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": quantity}
        ],
        "description": "The zip broke on the first day.",
        "evidence": [{"kind": "IMAGE", "url": "https://img.example.com/broken-zip.jpg"}],
    }


def order_id(order):
    return graphene.Node.to_global_id("Order", order.pk)


def file_refund(client, order):
    response = client.post_graphql(CREATE, {"order": order_id(order), "input": refund_input(order)})
    return get_graphql_content(response)["data"]["afterSaleRequestCreate"]


def approve(client, request_id, version=0):
    response = client.post_graphql(APPROVE, {"id": request_id, "version": version})
    return get_graphql_content(response)["data"]["afterSaleRequestApprove"]


@pytest.fixture
def filed(user_api_client, paid_order):
    """A refund of one tee (12.30 paid) the buyer filed through Saleor's /graphql/."""
    created = file_refund(user_api_client, paid_order)
    assert created["errors"] == []
    return created["afterSaleRequest"]["id"]


def after_sale_world(order):
    """The request's state and version, and what it moved and recorded."""
    request = AfterSaleRequest.objects.get()
    return (
        request.state,
        request.version,
        OrderGrantedRefund.objects.filter(order=order).count(),
        MoneyMovement.objects.count(),
        TimelineEvent.objects.filter(request=request).count(),
    )


# As filed: awaiting review at version 0, no money, one timeline event.
UNTOUCHED = ("awaiting_merchant_review", 0, 0, 0, 1)


# --- one schema ----------------------------------------------------------------------


def test_saleors_schema_has_our_fields_next_to_its_own(api_client):
    # when
    types = {
        name: get_graphql_content(api_client.post_graphql(FIELDS_OF, {"name": name}))["data"][
            "__type"
        ]
        for name in ("Query", "Mutation", "AfterSaleRequest")
    }
    # then
    fields = {name: {field["name"]: field for field in t["fields"]} for name, t in types.items()}
    assert {"afterSaleRequest", "afterSaleRequests", "afterSaleEligibility"} <= set(fields["Query"])
    assert {"order", "orders", "products"} <= set(fields["Query"])
    assert {"afterSaleRequestCreate", "afterSaleRequestApprove"} <= set(fields["Mutation"])
    assert "orderFulfillmentReturnProducts" in fields["Mutation"]
    request = fields["AfterSaleRequest"]
    assert request["order"]["type"] == {"name": "Order", "ofType": None}
    assert request["refundCeiling"]["type"] == {"name": None, "ofType": {"name": "Money"}}
    assert request["createdAt"]["type"] == {"name": None, "ofType": {"name": "DateTime"}}


def test_saleor_serves_one_schema_with_our_costs_and_cache_suffix():
    # then the view validates cost on the schema it executes, and every cost of
    # ours names a field of it
    assert views.schema is api.schema
    assert api.schema._kuai_returns_mixed is True
    for type_name, fields in OUR_COSTS.items():
        for field_name, cost in fields.items():
            assert COST_MAP[type_name][field_name] == cost
    validate_cost_map(COST_MAP, api.schema)
    assert settings.GRAPHQL_CACHE_SUFFIX.split("+").count(f"kuai_returns-{__version__}") == 1


def test_ready_again_builds_nothing_new():
    # given
    schema, suffix = api.schema, settings.GRAPHQL_CACHE_SUFFIX
    # when
    apps.get_app_config("kuai_returns").ready()
    # then
    assert (api.schema, views.schema) == (schema, schema)
    assert suffix == settings.GRAPHQL_CACHE_SUFFIX


def test_the_setting_off_leaves_saleors_schema_alone(settings, monkeypatch):
    # given a process whose schema is still Saleor's own
    saleors = graphene.Schema(query=api.Query)
    monkeypatch.setattr(api, "schema", saleors)
    monkeypatch.setattr(views, "schema", saleors)
    settings.KUAI_RETURNS_GRAPHQL = False
    # when
    apps.get_app_config("kuai_returns").ready()
    # then
    assert (api.schema, views.schema) == (saleors, saleors)


def test_the_host_names_saleors_own_types(host):
    assert host.graphql_types() == ShopGraphQLTypes(
        money=Money, date_time=DateTime, decimal=DecimalScalar, order=Order
    )


def test_the_published_operations_are_valid_against_saleors_schema():
    # given the storefront's, the dashboard's and the platform's documents
    documents = sorted(OPERATIONS.glob("*/*.graphql"))
    assert {path.parent.name for path in documents} == {"dashboard", "platform", "storefront"}
    # then
    for path in documents:
        assert validate(api.schema, parse(path.read_text())) == [], path


# --- the buyer ---------------------------------------------------------------------


def test_the_buyer_files_on_a_shipped_order_and_reads_the_request(user_api_client, paid_order):
    # when
    created = file_refund(user_api_client, paid_order)
    # then
    assert created["errors"] == []
    request = AfterSaleRequest.objects.get()
    assert created["afterSaleRequest"] == {
        "id": graphene.Node.to_global_id("AfterSaleRequest", request.pk),
        "state": "AWAITING_MERCHANT_REVIEW",
        "version": 0,
        "whoseTurn": "MERCHANT",
        "refundCeiling": {"amount": 12.3, "currency": "USD"},
    }
    assert (request.order_id, request.buyer_id) == (
        paid_order.pk,
        f"user:{paid_order.user_id}",
    )
    # when the buyer reads it, with Saleor's order
    response = user_api_client.post_graphql(REQUEST, {"id": created["afterSaleRequest"]["id"]})
    # then
    tee = line_by_sku(paid_order, "SKU_AA")
    assert get_graphql_content(response)["data"]["afterSaleRequest"] == {
        "id": created["afterSaleRequest"]["id"],
        "state": "AWAITING_MERCHANT_REVIEW",
        "type": "REFUND_ONLY",
        "reason": "QUALITY_FUNCTION",
        "lines": [
            {
                "orderLineId": graphene.Node.to_global_id("OrderLine", tee.pk),
                "quantity": 1,
                "amount": {"amount": 12.3, "currency": "USD"},
            }
        ],
        "order": {
            "__typename": "Order",
            "id": order_id(paid_order),
            "number": str(paid_order.number),
            "status": "FULFILLED",
            "userEmail": paid_order.user_email,
        },
    }


def test_nobody_signed_in_files_approves_or_reads_anything(api_client, paid_order, filed):
    # when
    created = file_refund(api_client, paid_order)
    approved = approve(api_client, filed)
    read = api_client.post_graphql(REQUEST, {"id": filed})
    listed = api_client.post_graphql(REQUESTS)
    # then
    assert created == {
        "afterSaleRequest": None,
        "errors": [
            {
                "field": None,
                "code": "PERMISSION_DENIED",
                "message": "only the order's buyer may file",
            }
        ],
    }
    assert approved == {"afterSaleRequest": None, "errors": [NOT_THE_MERCHANT]}
    assert_no_permission(read)
    assert_no_permission(listed)
    assert after_sale_world(paid_order) == UNTOUCHED


def test_another_customer_cannot_file_on_the_order_nor_see_its_request(
    user2_api_client, paid_order, filed
):
    # when
    created = file_refund(user2_api_client, paid_order)
    read = user2_api_client.post_graphql(REQUEST, {"id": filed})
    listed = user2_api_client.post_graphql(REQUESTS)
    # then
    assert created["errors"] == [
        {"field": None, "code": "PERMISSION_DENIED", "message": "only the order's buyer may file"}
    ]
    assert get_graphql_content(read)["data"]["afterSaleRequest"] is None
    assert get_graphql_content(listed)["data"]["afterSaleRequests"] == {
        "totalCount": 0,
        "edges": [],
    }
    assert after_sale_world(paid_order) == UNTOUCHED


def test_a_request_whose_order_was_deleted_shows_no_order(user_api_client, paid_order, filed):
    # given
    paid_order.payment_transactions.all().delete()
    paid_order.delete()
    # when
    response = user_api_client.post_graphql(REQUEST, {"id": filed})
    # then
    request = get_graphql_content(response)["data"]["afterSaleRequest"]
    assert (request["id"], request["order"]) == (filed, None)


# --- the merchant ----------------------------------------------------------------------


def test_a_merchant_approves_and_the_refund_reaches_the_orders_transaction(
    staff_api_client, merchant, paid_order, filed
):
    # when
    approved = approve(staff_api_client, filed)
    # then the request waits for the payment app, which Saleor asked for the money
    assert approved == {
        "afterSaleRequest": {"id": filed, "state": "REFUNDING", "version": 1},
        "errors": [],
    }
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.amount_value, granted.status) == (
        Decimal("12.30"),
        OrderGrantedRefundStatus.PENDING,
    )
    requested = TransactionEvent.objects.get(type=TransactionEventType.REFUND_REQUEST)
    assert (requested.transaction, requested.amount_value, requested.related_granted_refund) == (
        paid_order.payment_transactions.get(),
        Decimal("12.30"),
        granted,
    )
    movement = MoneyMovement.objects.get()
    assert (movement.status, movement.provider_reference) == ("requested", str(granted.pk))


def test_a_merchant_without_payment_rights_cannot_approve_a_refund(
    staff_api_client, merchant, order_staff_group, permission_manage_payments, paid_order, filed
):
    # given a merchant with order rights on the channel, but not HANDLE_PAYMENTS
    order_staff_group.permissions.remove(permission_manage_payments)
    # when
    approved = approve(staff_api_client, filed)
    # then Saleor's own rule for refunds holds: nothing is paid, nothing changes
    assert approved == {
        "afterSaleRequest": None,
        "errors": [
            {
                "field": None,
                "code": "PERMISSION_DENIED",
                "message": "approve pays the buyer: it needs the right to handle payments",
            }
        ],
    }
    assert after_sale_world(paid_order) == UNTOUCHED
    assert not TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).exists()


def test_the_refund_a_merchant_approves_carries_the_merchant_as_its_author(
    staff_api_client, merchant, staff_user, paid_order, filed
):
    # when
    approve(staff_api_client, filed)
    # then the dashboard shows who granted and requested the refund
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.user, granted.app) == (staff_user, None)
    requested = TransactionEvent.objects.get(type=TransactionEventType.REFUND_REQUEST)
    assert (requested.user, requested.app) == (staff_user, None)
    event = paid_order.events.get(type=OrderEvents.TRANSACTION_REFUND_REQUESTED)
    assert (event.user, event.app) == (staff_user, None)
    assert MoneyMovement.objects.get().requested_by == f"user:{staff_user.pk}"


def test_staff_without_order_rights_cannot_approve(staff_api_client, paid_order, filed):
    # when
    approved = approve(staff_api_client, filed)
    listed = staff_api_client.post_graphql(REQUESTS)
    # then
    assert approved == {"afterSaleRequest": None, "errors": [NOT_THE_MERCHANT]}
    assert get_graphql_content(listed)["data"]["afterSaleRequests"]["totalCount"] == 0
    assert after_sale_world(paid_order) == UNTOUCHED


def test_staff_of_another_channel_cannot_approve(
    staff_api_client, staff_user, permission_manage_orders, channel_PLN, paid_order, filed
):
    # given order rights on another channel only
    group = Group.objects.create(name="Orders of PLN", restricted_access_to_channels=True)
    group.permissions.add(permission_manage_orders)
    group.channels.add(channel_PLN)
    staff_user.groups.add(group)
    # when
    approved = approve(staff_api_client, filed)
    read = staff_api_client.post_graphql(REQUEST, {"id": filed})
    # then
    assert approved == {"afterSaleRequest": None, "errors": [NOT_THE_MERCHANT]}
    assert get_graphql_content(read)["data"]["afterSaleRequest"] is None
    assert after_sale_world(paid_order) == UNTOUCHED


def test_the_buyer_cannot_approve_their_own_request(user_api_client, paid_order, filed):
    # when
    approved = approve(user_api_client, filed)
    # then
    assert approved == {"afterSaleRequest": None, "errors": [NOT_THE_MERCHANT]}
    assert after_sale_world(paid_order) == UNTOUCHED


def test_an_app_with_order_rights_acts_as_merchant(
    external_app, permission_manage_orders, permission_manage_payments, paid_order, filed
):
    # given an order-management app that may handle payments
    external_app.permissions.add(permission_manage_orders, permission_manage_payments)
    client = ApiClient(app=external_app)
    # when
    listed = client.post_graphql(REQUESTS)
    approved = approve(client, filed)
    # then
    assert get_graphql_content(listed)["data"]["afterSaleRequests"]["totalCount"] == 1
    assert approved["errors"] == []
    assert approved["afterSaleRequest"]["state"] == "REFUNDING"
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.amount_value, granted.user, granted.app) == (
        Decimal("12.30"),
        None,
        external_app,
    )
    event = TimelineEvent.objects.filter(event="approve").get()
    assert (event.actor_kind, event.actor_id) == ("merchant", f"app:{external_app.pk}")


def test_an_app_without_order_rights_cannot_approve(external_app, paid_order, filed):
    # when
    approved = approve(ApiClient(app=external_app), filed)
    # then
    assert approved == {"afterSaleRequest": None, "errors": [NOT_THE_MERCHANT]}
    assert after_sale_world(paid_order) == UNTOUCHED


# --- Saleor's own API, and query cost --------------------------------------------------


def test_the_query_cost_of_our_list_is_reported(user_api_client, filed):
    # when
    response = user_api_client.post_graphql(REQUESTS)
    # then ten requests at most, each with its lines: 10 + 10
    content = get_graphql_content(response)
    assert content["data"]["afterSaleRequests"]["totalCount"] == 1
    assert content["extensions"]["cost"] == {
        "requestedQueryCost": 20,
        "maximumAvailable": settings.GRAPHQL_QUERY_MAX_COMPLEXITY,
    }


def test_saleors_own_order_query_still_works(staff_api_client, merchant, paid_order, filed):
    # when the dashboard opens the order
    response = staff_api_client.post_graphql(SALEOR_ORDER, {"id": order_id(paid_order)})
    # then
    assert get_graphql_content(response)["data"]["order"] == {
        "id": order_id(paid_order),
        "number": str(paid_order.number),
        "status": "FULFILLED",
        "lines": [
            {"productSku": line.product_sku, "quantity": line.quantity}
            for line in paid_order.lines.order_by("created_at", "pk")
        ],
    }


def test_the_orders_of_a_page_of_requests_load_in_one_query(
    user_api_client, fulfilled_order, order_generator, make_request
):
    # given one request, then three, on as many orders of the buyer
    listing = "{ afterSaleRequests(first: 10) { edges { node { order { number } } } } }"
    make_request(fulfilled_order, [], state="awaiting_merchant_review")
    # Saleor's test replica may be the writer's own connection: count each once.
    databases = list({id(c): c for c in (connections["default"], connections["replica"])}.values())

    def listed_and_queries():
        with ExitStack() as stack:
            captured = [stack.enter_context(CaptureQueriesContext(c)) for c in databases]
            content = get_graphql_content(user_api_client.post_graphql(listing))
        edges = content["data"]["afterSaleRequests"]["edges"]
        return len(edges), sum(len(queries) for queries in captured)

    listed_and_queries()  # the first call fills Saleor's per-process caches
    one = listed_and_queries()
    for _ in range(2):
        make_request(order_generator(), [], state="awaiting_merchant_review")
    # when
    three = listed_and_queries()
    # then
    assert (one[0], three[0]) == (1, 3)
    assert three[1] == one[1]

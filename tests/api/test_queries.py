"""Reading requests: who sees which, filters, sorting, cursors, eligibility."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import LineSpec, caller_for, make_order

from .conftest import order_id, request_id
from .states import filed

ONE = "query One($id: ID!) { afterSaleRequest(id: $id) { id state availableActions } }"
LIST = """
query List($first: Int, $last: Int, $after: String, $before: String,
           $filter: AfterSaleRequestFilterInput, $sortBy: AfterSaleRequestSortingInput) {
  afterSaleRequests(first: $first, last: $last, after: $after, before: $before,
                    filter: $filter, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""
ELIGIBILITY = """
query Eligibility($orderId: ID!) {
  afterSaleEligibility(orderId: $orderId) {
    orderId
    afterSaleEnabled
    lines {
      productSku
      eligible
      notEligibleBecause
      options { type maxQuantity maxRefund { amount currency } unshipped reasons }
    }
  }
}
"""


def listed(response):
    return [edge["node"]["id"] for edge in response.data["afterSaleRequests"]["edges"]]


def permission_errors(response):
    return [
        (error["message"], error["extensions"]["exception"]["code"])
        for error in response.body["errors"]
    ]


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("buyer", True),
        ("other_buyer", False),
        ("clerk", False),
        ("other_merchant", False),
        ("merchant", True),
        ("platform", True),
    ],
)
def test_a_request_is_seen_by_its_buyer_its_channels_staff_and_the_platform(api, state, role, sees):
    # given a request on the buyer's order in the merchant's channel
    request = state("awaiting_merchant_review")
    # when the role looks it up, and lists requests
    one = api(ONE, {"id": request_id(request)}, as_=role).data["afterSaleRequest"]
    many = listed(api(LIST, {"first": 10}, as_=role))
    # then
    assert (one is not None, many) == (sees, [request_id(request)] if sees else [])


def test_anonymous_callers_get_a_permission_error(api, state):
    # given
    request = state("awaiting_merchant_review")
    # when nobody signed in asks
    responses = [
        api(ONE, {"id": request_id(request)}, as_="anonymous"),
        api(LIST, {"first": 10}, as_="anonymous"),
        api(ELIGIBILITY, {"orderId": order_id(request_order(request))}, as_="anonymous"),
    ]
    # then each field is null with Saleor's PermissionDenied error
    assert [permission_errors(r) for r in responses] == [
        [("Sign in to see after-sale requests.", "PermissionDenied")]
    ] * 3
    assert [list(r.body["data"].values()) for r in responses] == [[None]] * 3


def request_order(request):
    return shop.Order.objects.get(pk=request.order_id)


@pytest.mark.parametrize(
    "bad_id",
    [
        "nope",
        ids.to_global_id(ids.REQUEST, uuid.uuid4()),
        ids.to_global_id(ids.ORDER, uuid.uuid4()),
    ],
)
def test_an_unknown_or_malformed_id_reads_as_null(api, state, bad_id):
    # given
    state("awaiting_merchant_review")
    # when
    response = api(ONE, {"id": bad_id}, as_="merchant")
    # then
    assert response.data == {"afterSaleRequest": None}


def test_available_actions_are_the_viewers_own(api, state):
    # given a request in review after a negotiation message
    request = state("negotiated")
    # when the buyer and the merchant look at it
    actions = {
        role: api(ONE, {"id": request_id(request)}, as_=role).data["afterSaleRequest"][
            "availableActions"
        ]
        for role in ["buyer", "merchant", "platform"]
    }
    # then each sees what the rules let them do now
    assert actions == {
        "buyer": ["CANCEL", "ADD_EVIDENCE"],
        "merchant": [
            "SEND_NEGOTIATION_MESSAGE",
            "APPROVE",
            "REJECT",
            "PROPOSE_CHANGE",
            "REFUND_WITHOUT_RETURN",
        ],
        "platform": [],
    }


@pytest.fixture
def five(demo):
    """Five requests on five orders of the buyer, filed an hour apart (the first
    the oldest), the second on the other channel, the last cancelled."""
    now = timezone.now()
    requests = []
    for index in range(5):
        channel = demo.other_channel if index == 1 else demo.channel
        demo.orders["delivered"] = make_order(
            channel,
            demo.buyer,
            [LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00")],
            delivered_at=now - timedelta(days=1),
        )
        request = filed(demo, "return" if index % 2 == 0 else "refund")
        request.created_at = now - timedelta(hours=5 - index)
        # Review deadlines in the reverse order of filing.
        request.deadline_at = now + timedelta(hours=48 - index)
        request.save(update_fields=["created_at", "deadline_at"])
        requests.append(request)
    act.cancel_request(requests[4].pk, caller_for(demo.buyer))
    return requests


def ids_of(requests, *positions):
    return [request_id(requests[position]) for position in positions]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, (4, 3, 2, 1, 0)),
        ({"field": "CREATED_AT", "direction": "ASC"}, (0, 1, 2, 3, 4)),
        ({"field": "DEADLINE", "direction": "ASC"}, (3, 2, 1, 0, 4)),
        ({"field": "DEADLINE", "direction": "DESC"}, (4, 0, 1, 2, 3)),
    ],
)
def test_requests_sort_by_creation_or_deadline(api, five, sort, expected):
    # when the platform lists them
    response = api(LIST, {"first": 10, "sortBy": sort}, as_="platform")
    # then ended requests (no deadline) come after the others by deadline
    assert listed(response) == ids_of(five, *expected)


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"states": ["CANCELLED"]}, (4,)),
        ({"types": ["REFUND_ONLY"]}, (3, 1)),
        ({"channels": ["other-channel"]}, (1,)),
        ({"channels": ["nope", "a\x00b"]}, ()),
        ({"whoseTurn": "MERCHANT"}, (3, 2, 1, 0)),
        ({"whoseTurn": "BUYER"}, ()),
        ({"order": "bogus"}, ()),
        ({"buyer": "bogus"}, ()),
    ],
)
def test_requests_filter(api, five, filter_, expected):
    # when the platform lists them with a filter
    response = api(LIST, {"first": 10, "filter": filter_}, as_="platform")
    # then
    assert listed(response) == ids_of(five, *expected)


def test_requests_filter_by_order_buyer_and_deadline(api, demo, five):
    # given
    order = ids.to_global_id(ids.ORDER, five[2].order_id)
    buyer = ids.to_global_id(ids.USER, demo.buyer.pk)
    middle = five[2].deadline_at
    # when
    by_order = api(LIST, {"first": 10, "filter": {"order": order}}, as_="platform")
    by_buyer = api(LIST, {"first": 10, "filter": {"buyer": buyer}}, as_="platform")
    before = api(
        LIST, {"first": 10, "filter": {"deadlineBefore": middle.isoformat()}}, as_="platform"
    )
    after = api(
        LIST, {"first": 10, "filter": {"deadlineAfter": middle.isoformat()}}, as_="platform"
    )
    # then
    assert listed(by_order) == ids_of(five, 2)
    assert listed(by_buyer) == ids_of(five, 4, 3, 2, 1, 0)
    assert listed(before) == ids_of(five, 3)
    assert listed(after) == ids_of(five, 2, 1, 0)


def test_the_merchant_sees_only_its_channel(api, five):
    # when the merchant of the default channel lists
    response = api(LIST, {"first": 10}, as_="merchant")
    # then the request of the other channel is not among them
    assert listed(response) == ids_of(five, 4, 3, 2, 0)
    assert response.data["afterSaleRequests"]["totalCount"] == 4


def test_cursors_page_forward_and_back(api, five):
    # given the first page of two, oldest first
    sort = {"field": "CREATED_AT", "direction": "ASC"}
    first = api(LIST, {"first": 2, "sortBy": sort}, as_="platform").data["afterSaleRequests"]
    # when paging forward to the end, then back from there
    second = api(
        LIST, {"first": 2, "after": first["pageInfo"]["endCursor"], "sortBy": sort}, as_="platform"
    ).data["afterSaleRequests"]
    third = api(
        LIST, {"first": 2, "after": second["pageInfo"]["endCursor"], "sortBy": sort}, as_="platform"
    ).data["afterSaleRequests"]
    back = api(
        LIST,
        {"last": 2, "before": third["pageInfo"]["startCursor"], "sortBy": sort},
        as_="platform",
    ).data["afterSaleRequests"]
    # then
    pages = [
        [edge["node"]["id"] for edge in page["edges"]] for page in (first, second, third, back)
    ]
    assert pages == [ids_of(five, 0, 1), ids_of(five, 2, 3), ids_of(five, 4), ids_of(five, 2, 3)]
    assert [
        (page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"], page["totalCount"])
        for page in (first, second, third, back)
    ] == [(False, True, 5), (True, True, 5), (True, False, 5), (True, True, 5)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "Give exactly one of `first` and `last` to paginate."),
        ({"first": 1, "last": 1}, "Give exactly one of `first` and `last` to paginate."),
        ({"first": 101}, "`first` and `last` must be between 0 and 100."),
        ({"last": -1}, "`first` and `last` must be between 0 and 100."),
        ({"first": 1, "after": "bogus"}, "Received cursor is invalid: 'bogus'."),
        ({"first": 1, "before": "WzEsIDJd"}, "Received cursor is invalid: 'WzEsIDJd'."),
    ],
)
def test_a_malformed_page_request_is_a_graphql_error(api, five, arguments, message):
    # when
    response = api(LIST, arguments, as_="platform")
    # then
    assert response.body["data"] == {"afterSaleRequests": None}
    assert [error["message"] for error in response.body["errors"]] == [message]


def test_eligibility_lists_what_each_line_may_get(api, demo):
    # given a delivered order: a tee (2 × 100.00) and a cap (59.90)
    order = demo.orders["delivered"]
    # when the buyer asks
    response = api(ELIGIBILITY, {"orderId": order_id(order)})
    # then every type is open on both lines, up to what was paid
    eligibility = response.data["afterSaleEligibility"]
    assert (eligibility["orderId"], eligibility["afterSaleEnabled"]) == (order_id(order), True)
    assert [
        (
            line["productSku"],
            line["eligible"],
            line["notEligibleBecause"],
            [(o["type"], o["maxQuantity"], o["maxRefund"]["amount"]) for o in line["options"]],
        )
        for line in eligibility["lines"]
    ] == [
        (
            sku,
            True,
            None,
            [
                ("REFUND_ONLY", quantity, amount),
                ("RETURN_AND_REFUND", quantity, amount),
                ("EXCHANGE", quantity, amount),
                ("RESHIP", quantity, amount),
            ],
        )
        # The shop's order of lines (the sandbox sorts them by SKU).
        for sku, quantity, amount in [("CAP-BLK", 1, 59.9), ("TEE-RED-M", 2, 200.0)]
    ]


def test_eligibility_says_why_a_line_is_closed(api, demo, state):
    # given a request already active on the tee
    state("awaiting_merchant_review")
    order = demo.orders["delivered"]
    # when the buyer asks
    lines = api(ELIGIBILITY, {"orderId": order_id(order)}).data["afterSaleEligibility"]["lines"]
    # then
    tee = next(line for line in lines if line["productSku"] == "TEE-RED-M")
    assert (tee["eligible"], tee["notEligibleBecause"], tee["options"]) == (
        False,
        "ACTIVE_REQUEST_EXISTS",
        [],
    )


def test_eligibility_before_shipment_offers_the_whole_unshipped_refund(api, demo):
    # when the buyer asks about the unshipped mugs (2 × 40.00)
    response = api(ELIGIBILITY, {"orderId": order_id(demo.orders["unshipped"])})
    # then only a refund of both, before shipment
    [line] = response.data["afterSaleEligibility"]["lines"]
    assert [
        (o["type"], o["maxQuantity"], o["maxRefund"]["amount"], o["unshipped"], o["reasons"])
        for o in line["options"]
    ] == [("REFUND_ONLY", 2, 80.0, True, ["LOGISTICS_LATE", "NO_REASON"])]


def test_eligibility_on_a_switched_off_channel(api, demo):
    # given
    demo.channel.after_sale_enabled = False
    demo.channel.save()
    # when
    response = api(ELIGIBILITY, {"orderId": order_id(demo.orders["delivered"])})
    # then
    eligibility = response.data["afterSaleEligibility"]
    assert eligibility["afterSaleEnabled"] is False
    assert [
        (line["eligible"], line["notEligibleBecause"], line["options"])
        for line in eligibility["lines"]
    ] == [(False, "AFTER_SALE_DISABLED", [])] * 2


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("buyer", True),
        ("other_buyer", False),
        ("clerk", False),
        ("other_merchant", False),
        ("merchant", True),
        ("platform", True),
    ],
)
def test_eligibility_is_for_the_buyer_and_the_channels_staff(api, demo, role, sees):
    # when
    response = api(ELIGIBILITY, {"orderId": order_id(demo.orders["delivered"])}, as_=role)
    # then
    assert (response.data["afterSaleEligibility"] is not None) == sees


@pytest.mark.parametrize("bad_id", ["bogus", ids.to_global_id(ids.ORDER, uuid.uuid4())])
def test_eligibility_of_an_unknown_order_is_null(api, bad_id):
    # when
    response = api(ELIGIBILITY, {"orderId": bad_id})
    # then
    assert response.data == {"afterSaleEligibility": None}

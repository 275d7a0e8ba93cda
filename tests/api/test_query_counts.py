"""A page of requests costs the same queries at any size: every relation is
prefetched, and the viewer's rights and policy are asked once per channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.sandbox.factory import LineSpec, caller_for, make_order

from .states import filed

PAGE = """
query Page($first: Int!) {
  afterSaleRequests(first: $first, sortBy: { field: DEADLINE, direction: ASC }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id version type reason state kuaishouStatus attempt channelSlug isActive whoseTurn
        order { id }
        lines { orderLineId productName quantity amount { amount currency } unitPrice { amount } }
        evidence { kind url addedBy }
        shipments { kind carrier items { variantId } }
        moneyMovements { kind status amount { amount } }
        timeline { type actor fromState toState note }
        deadline { at defaultOutcome whoseTurn }
        proposal { type amount { amount } }
        freightClaim { status amount { amount } }
        requestedAmount { amount currency }
        availableActions
      }
    }
  }
}
"""


@pytest.fixture
def fifty(demo):
    """Fifty requests on fifty orders: every other one approved, with a parcel
    on its way back."""
    buyer, merchant = caller_for(demo.buyer), caller_for(demo.merchant)
    for index in range(50):
        demo.orders["delivered"] = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00")],
            delivered_at=timezone.now() - timedelta(days=1),
        )
        request = filed(demo)
        if index % 2:
            act.approve_request(request.pk, merchant)
            act.submit_return_shipment(
                request.pk, buyer, carrier="SF", tracking_number=f"SF{index}"
            )


@pytest.mark.parametrize("role", ["merchant", "buyer", "platform"])
def test_a_page_costs_the_same_queries_at_any_size(
    api, fifty, django_assert_num_queries, django_assert_max_num_queries, role
):
    # given the count for a page of one
    with django_assert_max_num_queries(20) as one:
        assert len(api(PAGE, {"first": 1}, as_=role).data["afterSaleRequests"]["edges"]) == 1
    # when pages of ten and fifty are read
    for size in (10, 50):
        with django_assert_num_queries(len(one.captured_queries)):
            page = api(PAGE, {"first": size}, as_=role).data["afterSaleRequests"]
        # then the same queries fetched them all
        assert (len(page["edges"]), page["totalCount"]) == (size, 50)

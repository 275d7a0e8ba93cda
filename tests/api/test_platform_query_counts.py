"""The platform's lists cost the same SQL queries at any size: a page of appeals,
a statement's entries, the rows of shop health (every relation prefetched,
the caller's rights asked once per API request)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import Appeal, LiabilityEntry
from saleor_kuai_returns.sandbox.factory import LineSpec, caller_for, make_order

from .states import PHOTO, filed

CHANNEL = "default-channel"
# What a request shows in these lists: enough to touch each of its relations.
REQUEST = """
  id state availableActions
  lines { quantity amount { amount } }
  timeline { type }
  moneyMovements { kind }
  appeals { status }
"""
APPEALS = f"""
query Appeals($first: Int!) {{
  afterSaleAppeals(first: $first) {{
    totalCount
    edges {{ node {{ id ruling status filedBy decidedBy request {{ {REQUEST} }} }} }}
  }}
}}
"""
LEDGER = f"""
query Ledger($from: DateTime!, $to: DateTime!) {{
  afterSaleLedger(channel: "{CHANNEL}", from: $from, to: $to) {{
    closingBalance {{ amount }}
    entries {{ kind amount {{ amount }} paymentReference recordedBy request {{ {REQUEST} }} }}
  }}
}}
"""
HEALTH = f"""
query Health {{
  afterSaleShopHealth(channel: "{CHANNEL}", byProduct: true) {{
    productId orders linesShipped requests returnRate averageFirstResponse
  }}
}}
"""


@pytest.fixture
def base():
    return timezone.now().replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def fifty(demo, base):
    """Fifty requests on fifty orders, each with an appeal and a ledger entry a
    minute apart. The appeals and entries are written as rows: only how many
    there are matters here (their use cases have their own tests)."""
    requests = []
    for _ in range(50):
        demo.orders["delivered"] = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00")],
            delivered_at=timezone.now() - timedelta(days=1),
        )
        requests.append(filed(demo))
    merchant, platform = f"user:{demo.merchant.pk}", f"user:{demo.platform.pk}"
    Appeal.objects.bulk_create(
        Appeal(
            request=request,
            created_at=base + timedelta(minutes=index),
            ruling="rule_buyer_wins_refund",
            ruled_at=base,
            filed_by=merchant,
            reason="Unfair.",
        )
        for index, request in enumerate(requests)
    )
    LiabilityEntry.objects.bulk_create(
        LiabilityEntry(
            created_at=base + timedelta(minutes=index),
            channel_slug=CHANNEL,
            request=request,
            kind="platform_refund_first",
            amount=Decimal("1.00"),
            currency="CNY",
            idempotency_key=f"entry-{index}",
            recorded_by=platform,
        )
        for index, request in enumerate(requests)
    )


@pytest.mark.parametrize("role", ["merchant", "platform"])
def test_a_page_of_appeals_costs_the_same_queries_at_any_size(
    api, fifty, django_assert_num_queries, django_assert_max_num_queries, role
):
    # given the count for a page of one
    with django_assert_max_num_queries(20) as one:
        assert len(api(APPEALS, {"first": 1}, as_=role).data["afterSaleAppeals"]["edges"]) == 1
    # when pages of ten and fifty are read
    for size in (10, 50):
        with django_assert_num_queries(len(one.captured_queries)):
            page = api(APPEALS, {"first": size}, as_=role).data["afterSaleAppeals"]
        # then the same queries fetched them all
        assert (len(page["edges"]), page["totalCount"]) == (size, 50)


@pytest.mark.parametrize("role", ["merchant", "platform"])
def test_a_statement_costs_the_same_queries_for_any_number_of_entries(
    api, fifty, base, django_assert_num_queries, django_assert_max_num_queries, role
):
    def period(minutes):
        return {"from": base.isoformat(), "to": (base + timedelta(minutes=minutes)).isoformat()}

    # given the count for a statement of one entry
    with django_assert_max_num_queries(25) as one:
        statement = api(LEDGER, period(1), as_=role).data["afterSaleLedger"]
    assert len(statement["entries"]) == 1
    # when statements of ten and fifty entries are read
    for size in (10, 50):
        with django_assert_num_queries(len(one.captured_queries)):
            statement = api(LEDGER, period(size), as_=role).data["afterSaleLedger"]
        # then the same queries fetched them all
        assert (len(statement["entries"]), statement["closingBalance"]) == (size, {"amount": size})


def test_shop_health_costs_the_same_queries_for_any_number_of_products(
    api, demo, django_assert_num_queries, django_assert_max_num_queries
):
    def file_on_products(names):
        order = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec(f"SKU-{name}", name, 1, "10.00") for name in names],
            delivered_at=timezone.now() - timedelta(days=1),
        )
        for line in order.lines.all():
            new = NewRequest(
                RequestType.RETURN_AND_REFUND, Reason.QUALITY_SIZE, lines=((str(line.pk), 1),)
            )
            create_request(str(order.pk), caller_for(demo.buyer), new, evidence=[PHOTO])

    # given the count for a channel whose requests are on one product
    file_on_products(["Product 0"])
    with django_assert_max_num_queries(20) as one:
        rows = api(HEALTH, as_="platform").data["afterSaleShopHealth"]
    assert len(rows) == 2
    # when requests are filed on nine more products
    file_on_products([f"Product {index}" for index in range(1, 10)])
    with django_assert_num_queries(len(one.captured_queries)):
        rows = api(HEALTH, as_="platform").data["afterSaleShopHealth"]
    # then the same queries counted them all: the channel's row and ten products'
    assert len(rows) == 11

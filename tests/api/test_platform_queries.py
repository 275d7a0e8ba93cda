"""Reading the platform's side: who may read a channel's ledger, its shop health
and the appeals; what each shows for a known history; the disputes filter."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from saleor_kuai_returns import tasks
from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.appeals import file_appeal
from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.actions.ledger import record_settlement
from saleor_kuai_returns.domain import NewRequest, Reason, RejectionReason, RequestType
from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.models import Appeal, LiabilityEntry
from saleor_kuai_returns.sandbox.factory import LineSpec, caller_for, make_order

from .conftest import HOUR, request_id
from .states import PHOTO
from .test_queries import permission_errors

CHANNEL = "default-channel"
LEDGER = """
query Ledger($channel: String!, $from: DateTime!, $to: DateTime!) {
  afterSaleLedger(channel: $channel, from: $from, to: $to) {
    channelSlug currency start end
    openingBalance { amount currency }
    paidOut { amount currency }
    settled { amount currency }
    closingBalance { amount currency }
    entries {
      kind createdAt amount { amount currency } request { id state }
      paymentReference recordedBy note
    }
  }
}
"""
HEALTH = """
query Health($channel: String!, $days: Int, $byProduct: Boolean) {
  afterSaleShopHealth(channel: $channel, days: $days, byProduct: $byProduct) {
    channelSlug productId windowDays orders linesShipped requests returnedLines returnRate
    disputesLost disputeRate merchantTimeouts merchantTimeoutRate averageFirstResponse
  }
}
"""
APPEALS = """
query Appeals($filter: AfterSaleAppealFilterInput, $first: Int, $after: String) {
  afterSaleAppeals(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id ruling status reason filedBy request { id state } } }
  }
}
"""


@pytest.fixture
def start():
    """When the history below begins: a day ago (the demo's goods arrived two days ago)."""
    return timezone.now().replace(microsecond=0) - timedelta(days=1)


@pytest.fixture
def history(demo, start, django_capture_on_commit_callbacks):
    """The demo's three orders (four shipped lines, the mugs not shipped):
    - the tee: filed at start, rejected after a message at +1 h, escalated at +2 h,
      ruled an unjustified rejection at +3 h (refunded by the platform: the merchant
      owes 100.00); the merchant appealed at +4 h; it settled 40.00 at +1 day;
    - the cap: a refund nobody answered, approved by the deadline at +48 h;
    - the mugs, unshipped: refunded on approval at +2 h."""
    buyer, merchant = caller_for(demo.buyer), caller_for(demo.merchant)
    platform = caller_for(demo.platform)
    delivered, unshipped = demo.orders["delivered"], demo.orders["unshipped"]

    def at(moment, action, *args, **kwargs):
        with freeze_time(moment), django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    def new(request_type, reason, order, sku, quantity=1):
        lines = ((str(order.lines.get(sku=sku).pk), quantity),)
        return NewRequest(request_type, reason, lines=lines)

    tee = at(
        start,
        create_request,
        str(delivered.pk),
        buyer,
        new(RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, delivered, "TEE-RED-M"),
        evidence=[PHOTO],
    )
    cap = new(RequestType.REFUND_ONLY, Reason.QUALITY_MATERIAL, delivered, "CAP-BLK")
    at(start, create_request, str(delivered.pk), buyer, cap, evidence=[PHOTO])
    mugs = new(RequestType.REFUND_ONLY, Reason.NO_REASON, unshipped, "MUG-WHT", 2)
    mug_request = at(start, create_request, str(unshipped.pk), buyer, mugs)
    at(start + HOUR, act.send_negotiation_message, tee.pk, merchant, "A video?")
    at(
        start + HOUR,
        act.reject_request,
        tee.pk,
        merchant,
        reason=RejectionReason.NO_QUALITY_ISSUE,
        description="It works in our test.",
    )
    at(start + 2 * HOUR, arb.escalate, tee.pk, buyer, note="It does not.")
    at(start + 2 * HOUR, act.approve_request, mug_request.pk, merchant)
    at(start + 3 * HOUR, arb.rule_unjustified_rejection, tee.pk, platform)
    at(start + 4 * HOUR, file_appeal, tee.pk, merchant, reason="It came back worn.")
    at(
        start + timedelta(days=1),
        record_settlement,
        CHANNEL,
        platform,
        Decimal("40.00"),
        idempotency_key="wire-1",
        reference="Wire 2026-03",
    )
    at(start + 48 * HOUR, tasks.sweep_deadlines)
    tee.refresh_from_db()
    return tee


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("platform", True),
        ("merchant", True),
        ("other_merchant", False),
        ("clerk", False),
        ("buyer", False),
        ("other_buyer", False),
        ("anonymous", False),
    ],
)
def test_a_channels_ledger_and_health_are_read_by_the_platform_and_its_merchants(
    api, history, start, role, reads
):
    # when the role reads the channel's ledger and health
    ledger = api(
        LEDGER,
        {
            "channel": CHANNEL,
            "from": start.isoformat(),
            "to": (start + timedelta(days=3)).isoformat(),
        },
        as_=role,
    )
    health = api(HEALTH, {"channel": CHANNEL}, as_=role)
    # then the platform and the channel's merchant do; anyone else gets a permission error
    if reads:
        assert ledger.data["afterSaleLedger"]["channelSlug"] == CHANNEL
        assert [row["channelSlug"] for row in health.data["afterSaleShopHealth"]] == [CHANNEL]
    else:
        message = (
            "Sign in to see after-sale requests."
            if role == "anonymous"
            else "You do not have permission to perform this action."
        )
        assert (
            permission_errors(ledger)
            == permission_errors(health)
            == [(message, "PermissionDenied")]
        )
        assert (ledger.body["data"], health.body["data"]) == (
            {"afterSaleLedger": None},
            None,
        )


def test_the_statement_adds_up_over_its_period(api, demo, history, start):
    # given the ledger: +100.00 paid by the platform at +3 h, -40.00 settled at +1 day
    payment = LiabilityEntry.objects.get(kind="platform_refund_first").movement
    # when the platform reads the first two days
    statement = api(
        LEDGER,
        {"channel": CHANNEL, "from": start.isoformat(), "to": (start + 48 * HOUR).isoformat()},
        as_="platform",
    ).data["afterSaleLedger"]
    # then
    settled_at = start + timedelta(days=1)
    assert statement == {
        "channelSlug": CHANNEL,
        "currency": "CNY",
        "start": start.isoformat(),
        "end": (start + 48 * HOUR).isoformat(),
        "openingBalance": {"amount": 0.0, "currency": "CNY"},
        "paidOut": {"amount": 100.0, "currency": "CNY"},
        "settled": {"amount": 40.0, "currency": "CNY"},
        "closingBalance": {"amount": 60.0, "currency": "CNY"},
        "entries": [
            {
                "kind": "PLATFORM_REFUND_FIRST",
                "createdAt": payment.updated_at.isoformat(),
                "amount": {"amount": 100.0, "currency": "CNY"},
                "request": {"id": request_id(history), "state": "REFUNDED"},
                "paymentReference": payment.provider_reference,
                "recordedBy": None,
                "note": "",
            },
            {
                "kind": "SETTLEMENT",
                "createdAt": settled_at.isoformat(),
                "amount": {"amount": -40.0, "currency": "CNY"},
                "request": None,
                "paymentReference": None,
                "recordedBy": ids.to_global_id(ids.USER, demo.platform.pk),
                "note": "Wire 2026-03",
            },
        ],
    }
    assert payment.provider_reference != ""


def test_a_period_includes_its_start_and_excludes_its_end(api, history, start):
    # given the settlement recorded at exactly +1 day
    settled_at = start + timedelta(days=1)
    # when the platform reads the periods ending and starting there
    before = api(
        LEDGER,
        {"channel": CHANNEL, "from": start.isoformat(), "to": settled_at.isoformat()},
        as_="platform",
    ).data["afterSaleLedger"]
    after = api(
        LEDGER,
        {
            "channel": CHANNEL,
            "from": settled_at.isoformat(),
            "to": (settled_at + HOUR).isoformat(),
        },
        as_="platform",
    ).data["afterSaleLedger"]
    # then the settlement is in the second only, which opens at what the first closes at
    assert [e["kind"] for e in before["entries"]] == ["PLATFORM_REFUND_FIRST"]
    assert [e["kind"] for e in after["entries"]] == ["SETTLEMENT"]
    assert (
        before["closingBalance"] == after["openingBalance"] == {"amount": 100.0, "currency": "CNY"}
    )
    assert after["closingBalance"] == {"amount": 60.0, "currency": "CNY"}


def test_a_channel_without_requests_has_no_statement_and_a_period_must_run_forward(
    api, history, start
):
    # when the platform reads a channel that never had a request, and a period backwards
    empty = api(
        LEDGER,
        {"channel": "other-channel", "from": start.isoformat(), "to": timezone.now().isoformat()},
        as_="platform",
    )
    backwards = api(
        LEDGER,
        {"channel": CHANNEL, "from": start.isoformat(), "to": start.isoformat()},
        as_="platform",
    )
    nul = api(
        LEDGER,
        {"channel": "a\x00b", "from": start.isoformat(), "to": timezone.now().isoformat()},
        as_="platform",
    )
    # then
    assert empty.data == {"afterSaleLedger": None}
    assert [e["message"] for e in backwards.body["errors"]] == ["`from` must be before `to`."]
    assert [e["message"] for e in nul.body["errors"]] == ["Received channel is invalid: 'a\\x00b'."]


def test_a_channel_with_requests_but_no_entries_states_zeros_in_its_currency(api, state):
    # given a request in review: nothing was ever owed
    state("awaiting_merchant_review")
    # when
    statement = api(
        LEDGER,
        {
            "channel": CHANNEL,
            "from": (timezone.now() - HOUR).isoformat(),
            "to": (timezone.now() + HOUR).isoformat(),
        },
        as_="platform",
    ).data["afterSaleLedger"]
    # then
    assert (statement["currency"], statement["closingBalance"], statement["entries"]) == (
        "CNY",
        {"amount": 0.0, "currency": "CNY"},
        [],
    )


def test_shop_health_counts_each_metric_of_the_channel_and_its_products(api, history, start):
    # when the merchant reads the channel's health over 30 days, with its products
    with freeze_time(start + 72 * HOUR):
        rows = api(HEALTH, {"channel": CHANNEL, "byProduct": True}, as_="merchant").data[
            "afterSaleShopHealth"
        ]
    # then the channel's row first, then the products, the worst return rate first
    product = lambda name: ids.to_global_id(ids.PRODUCT, name)  # noqa: E731
    assert [
        (
            row["productId"],
            row["windowDays"],
            row["orders"],
            row["linesShipped"],
            row["requests"],
            row["returnedLines"],
            row["returnRate"],
            row["disputesLost"],
            row["disputeRate"],
            row["merchantTimeouts"],
            row["merchantTimeoutRate"],
            row["averageFirstResponse"],
        )
        for row in rows
    ] == [
        (None, 30, 3, 4, 3, 2, 0.5, 1, 0.3333, 1, 0.3333, 5400),
        (product("Baseball cap"), 30, 1, 1, 1, 1, 1.0, 0, 0.0, 1, 1.0, None),
        (product("Cotton tee"), 30, 1, 1, 1, 1, 1.0, 1, 1.0, 0, 0.0, 3600),
        (product("Ceramic mug"), 30, 1, 0, 1, 0, None, 0, 0.0, 0, 0.0, 7200),
    ]


def test_shop_health_counts_only_the_window(api, history, start):
    # when the platform reads the last day, three days after the history began
    with freeze_time(start + 72 * HOUR):
        [row] = api(HEALTH, {"channel": CHANNEL, "days": 1}, as_="platform").data[
            "afterSaleShopHealth"
        ]
    # then nothing was filed or ordered in it: no rate is known
    assert (row["windowDays"], row["requests"], row["orders"]) == (1, 0, 0)
    assert (row["returnRate"], row["disputeRate"], row["merchantTimeoutRate"]) == (None,) * 3
    assert row["averageFirstResponse"] is None


@pytest.mark.parametrize("days", [0, -30, 366])
def test_shop_health_refuses_a_window_out_of_bounds(api, history, days):
    # when
    response = api(HEALTH, {"channel": CHANNEL, "days": days}, as_="platform")
    # then
    assert [e["message"] for e in response.body["errors"]] == ["`days` must be between 1 and 365."]


def test_an_upheld_appeal_takes_the_lost_dispute_off_the_shop_health(api, history, start):
    # given the platform upholds the merchant's appeal
    appeal = Appeal.objects.get()
    api(
        "mutation($id: ID!) { afterSaleAppealDecide(id: $id, upheld: true) { errors { code } } }",
        {"id": ids.to_global_id(ids.APPEAL, appeal.pk)},
        as_="platform",
    )
    # when the merchant reads the channel's health
    with freeze_time(start + 72 * HOUR):
        [row] = api(HEALTH, {"channel": CHANNEL}, as_="merchant").data["afterSaleShopHealth"]
    # then the dispute no longer counts against it
    assert (row["disputesLost"], row["disputeRate"]) == (0, 0.0)


@pytest.mark.parametrize(
    ("role", "sees"),
    [("platform", 1), ("merchant", 1), ("other_merchant", 0)],
)
def test_appeals_are_listed_for_the_platform_and_the_merchants_of_their_channel(
    api, demo, history, role, sees
):
    # when the role lists the appeals
    page = api(APPEALS, {"first": 10}, as_=role).data["afterSaleAppeals"]
    # then
    expected = [
        {
            "id": ids.to_global_id(ids.APPEAL, Appeal.objects.get().pk),
            "ruling": "RULE_UNJUSTIFIED_REJECTION",
            "status": "OPEN",
            "reason": "It came back worn.",
            "filedBy": ids.to_global_id(ids.USER, demo.merchant.pk),
            "request": {"id": request_id(history), "state": "REFUNDED"},
        }
    ][:sees]
    assert ([edge["node"] for edge in page["edges"]], page["totalCount"]) == (expected, sees)


@pytest.mark.parametrize("role", ["clerk", "buyer", "other_buyer", "anonymous"])
def test_anyone_else_listing_appeals_gets_a_permission_error(api, history, role):
    # when
    response = api(APPEALS, {"first": 10}, as_=role)
    # then
    message = (
        "Sign in to see after-sale requests."
        if role == "anonymous"
        else "You do not have permission to perform this action."
    )
    assert permission_errors(response) == [(message, "PermissionDenied")]
    assert response.body["data"] == {"afterSaleAppeals": None}


@pytest.mark.parametrize(
    ("given", "listed"),
    [
        ({"status": "OPEN"}, 1),
        ({"status": "UPHELD"}, 0),
        ({"channel": CHANNEL}, 1),
        ({"channel": "other-channel"}, 0),
        ({"channel": "a\x00b"}, 0),
        ({"status": "OPEN", "channel": CHANNEL}, 1),
    ],
)
def test_appeals_are_filtered_by_status_and_channel(api, history, given, listed):
    # when the platform filters
    page = api(APPEALS, {"first": 10, "filter": given}, as_="platform").data["afterSaleAppeals"]
    # then
    assert (len(page["edges"]), page["totalCount"]) == (listed, listed)


def test_appeals_page_oldest_first(api, demo, state):
    # given three appealed rulings, each on an order of its own, filed one after another
    appealed = []
    for _ in range(3):
        demo.orders["delivered"] = make_order(
            demo.channel,
            demo.buyer,
            [LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00")],
            delivered_at=timezone.now() - timedelta(days=1),
        )
        appealed.append(state("appealed"))
    # when the platform reads them two at a time
    first = api(APPEALS, {"first": 2}, as_="platform").data["afterSaleAppeals"]
    second = api(
        APPEALS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, as_="platform"
    ).data["afterSaleAppeals"]
    # then the oldest come first, and the cursor carries on after them
    assert [e["node"]["request"]["id"] for e in first["edges"] + second["edges"]] == [
        request_id(request) for request in appealed
    ]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)


@pytest.mark.parametrize(
    ("role", "sees"), [("buyer", False), ("merchant", True), ("platform", True)]
)
def test_a_requests_appeals_are_shown_to_staff_and_not_to_its_buyer(api, history, role, sees):
    # when the role reads the request's appeals
    shown = api(
        "query($id: ID!) { afterSaleRequest(id: $id) { appeals { status reason } } }",
        {"id": request_id(history)},
        as_=role,
    ).data["afterSaleRequest"]["appeals"]
    # then an appeal is between the merchant and the platform
    assert shown == ([{"status": "OPEN", "reason": "It came back worn."}] if sees else [])


@pytest.mark.parametrize(("in_arbitration", "listed"), [(True, "dispute"), (False, "reship")])
def test_the_platform_lists_the_disputes(api, state, in_arbitration, listed):
    # given a dispute (the tee) and a reship on its way (the cap)
    requests = {"dispute": state("escalated"), "reship": state("awaiting_reship")}
    # when the platform filters on arbitration
    page = api(
        "query($filter: AfterSaleRequestFilterInput) { afterSaleRequests(first: 10, "
        "filter: $filter) { edges { node { id } } } }",
        {"filter": {"inArbitration": in_arbitration}},
        as_="platform",
    ).data["afterSaleRequests"]
    # then
    assert [edge["node"]["id"] for edge in page["edges"]] == [request_id(requests[listed])]

"""Shop health on PostgreSQL: each metric counted from a known history, per
channel and per product, with a constant number of queries."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from saleor_kuai_returns import tasks
from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.health import channel_health, product_health
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.sandbox import models as shop

from .conftest import HOUR, NOW, PHOTO_EVIDENCE, at

CHANNEL = "default-channel"
LATER = NOW + timedelta(days=3)


@pytest.fixture
def history(demo, escalated, buyer, merchant, platform, run_on_commit):
    """Three orders placed five days before NOW (four lines shipped, the mug not):
    - the tee: rejected after a message at +1 h, escalated, ruled an unjustified
      rejection (a lost dispute; refunded: a return);
    - the cap: nobody answered, auto-approved at +48 h (a timeout; a return);
    - the unshipped mugs: refunded on approval at +2 h (not a return)."""
    shop.Order.objects.update(created_at=NOW - timedelta(days=5))
    at(NOW + 3 * HOUR, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    delivered, unshipped = demo.orders["delivered"], demo.orders["unshipped"]
    cap = NewRequest(
        RequestType.REFUND_ONLY,
        Reason.QUALITY_MATERIAL,
        lines=((str(delivered.lines.get(sku="CAP-BLK").id), 1),),
    )
    at(NOW, run_on_commit, create_request, str(delivered.id), buyer, cap, evidence=[PHOTO_EVIDENCE])
    mugs = NewRequest(
        RequestType.REFUND_ONLY,
        Reason.NO_REASON,
        lines=((str(unshipped.lines.get(sku="MUG-WHT").id), 2),),
    )
    mug_request = at(NOW, run_on_commit, create_request, str(unshipped.id), buyer, mugs)
    at(NOW + 2 * HOUR, run_on_commit, act.approve_request, mug_request.id, merchant)
    at(NOW + 48 * HOUR, run_on_commit, tasks.sweep_deadlines)


def test_channel_health_counts_each_metric(history, django_assert_num_queries):
    host = SandboxHost()
    # three queries of ours (counters, returned lines) and the shop's counts
    with django_assert_num_queries(5):
        health = channel_health(CHANNEL, timedelta(days=30), LATER, host)
    assert (
        health.orders,
        health.lines_shipped,
        health.requests,
        health.returned_lines,
        health.disputes_lost,
        health.merchant_timeouts,
        health.average_first_response,
    ) == (3, 4, 3, 2, 1, 1, timedelta(hours=1, minutes=30))
    assert (health.return_rate, health.dispute_rate, health.merchant_timeout_rate) == (
        Decimal("0.5000"),
        Decimal("0.3333"),
        Decimal("0.3333"),
    )


def test_requests_filed_before_the_window_do_not_count(history):
    health = channel_health(CHANNEL, timedelta(days=1), LATER, SandboxHost())
    assert (health.requests, health.returned_lines, health.average_first_response) == (0, 0, None)
    assert (health.orders, health.return_rate, health.merchant_timeout_rate) == (0, None, None)


def test_product_health_has_a_row_per_product_worst_first(history, django_assert_num_queries):
    with django_assert_num_queries(4):
        rows = product_health(CHANNEL, timedelta(days=30), LATER, SandboxHost())
    assert [
        (
            row.product_id,
            row.orders,
            row.lines_shipped,
            row.requests,
            row.returned_lines,
            row.return_rate,
            row.disputes_lost,
            row.merchant_timeouts,
            row.average_first_response,
        )
        for row in rows
    ] == [
        ("Baseball cap", 1, 1, 1, 1, Decimal("1.0000"), 0, 1, None),
        ("Cotton tee", 1, 1, 1, 1, Decimal("1.0000"), 1, 0, timedelta(hours=1)),
        ("Ceramic mug", 1, 0, 1, 0, None, 0, 0, timedelta(hours=2)),
    ]


@freeze_time(LATER)
def test_the_command_prints_both_windows_and_the_products(history):
    out = io.StringIO()
    call_command("kuai_returns_health", "--channel", CHANNEL, "--by-product", stdout=out)
    rows = [line.split(",") for line in out.getvalue().splitlines()]
    assert rows[0][:3] == ["channel", "product_id", "window_days"]
    assert rows[1] == [
        CHANNEL,
        "",
        "30",
        "3",
        "4",
        "3",
        "2",
        "0.5000",
        "1",
        "0.3333",
        "1",
        "0.3333",
        "1.50",
    ]
    assert [row[1:3] for row in rows[2:]] == [
        ["Baseball cap", "30"],
        ["Cotton tee", "30"],
        ["Ceramic mug", "30"],
        ["", "90"],
        ["Baseball cap", "90"],
        ["Cotton tee", "90"],
        ["Ceramic mug", "90"],
    ]

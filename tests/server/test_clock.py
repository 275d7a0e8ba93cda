"""``--speed``: the sandbox host divides every deadline of a channel's policy."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

import pytest

from saleor_kuai_returns.domain import Policy
from saleor_kuai_returns.domain.policy import AfterSaleWindows, PayoutMethod
from saleor_kuai_returns.host.sandbox import SandboxHost
from saleor_kuai_returns.sandbox.banner import speed_line
from saleor_kuai_returns.sandbox.clock import WINDOWS_FROM_DELIVERY, at_speed

CUSTOM = Policy(
    review=timedelta(hours=12),
    buyer_return=timedelta(days=3),
    platform_may_open_arbitration=True,
    product_type_windows=MappingProxyType(
        {"fresh-food": AfterSaleWindows(no_reason=timedelta(hours=24), no_reason_allowed=False)}
    ),
    attempt_cap=3,
    late_shipment_rate=Decimal("0.1"),
    late_shipment_payout=PayoutMethod.REFUND,
)


def test_every_deadline_is_divided_by_the_speed():
    # when
    fast = at_speed(CUSTOM, 2880)
    # then
    assert fast.review == timedelta(seconds=15)
    assert fast.buyer_return == timedelta(seconds=90)
    assert fast.unshipped_refund_review == timedelta(seconds=30)
    assert fast.refund_confirmation == timedelta(seconds=90)
    assert fast.appeal == timedelta(seconds=210)
    divided = {
        item.name
        for item in fields(Policy)
        if isinstance(getattr(CUSTOM, item.name), timedelta)
        and getattr(fast, item.name) == getattr(CUSTOM, item.name) / 2880
    }
    assert divided == {
        "review",
        "unshipped_refund_review",
        "proposal_answer",
        "rejected_answer",
        "buyer_return",
        "merchant_receipt",
        "replacement_shipment",
        "reship",
        "reship_overdue",
        "buyer_confirmation",
        "evidence_round",
        "ruling",
        "refund_confirmation",
        "refund_retry",
        "refund_on_hold",
        "appeal",
    }


def test_the_windows_from_delivery_and_everything_else_stay_as_they_are():
    # when
    fast = at_speed(CUSTOM, 2880)
    # then
    kept = {
        item.name
        for item in fields(Policy)
        if getattr(fast, item.name) == getattr(CUSTOM, item.name)
    }
    assert kept == {
        "no_reason_window",
        "quality_window",
        "product_type_windows",
        "platform_may_open_arbitration",
        "attempt_cap",
        "max_evidence_items",
        "max_text_length",
        "late_shipment_rate",
        "late_shipment_minimum",
        "late_shipment_maximum",
        "late_shipment_payout",
        "platform_payout_method",
        "refund_max_attempts",
        "return_freight_maximum",
    }
    assert {"no_reason_window", "quality_window"} == WINDOWS_FROM_DELIVERY
    assert fast.product_type_windows is CUSTOM.product_type_windows


def test_speed_one_is_the_policy_itself():
    assert at_speed(CUSTOM, 1) is CUSTOM


def test_a_speed_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="must be positive, not 0"):
        at_speed(CUSTOM, 0)


@pytest.mark.django_db
def test_the_sandbox_host_reads_the_speed_setting(settings):
    # given a channel with its own review time, and the sandbox running 2880× faster
    from saleor_kuai_returns.sandbox.factory import make_channel

    make_channel("fast-channel", policy={"review": "12"})
    settings.KUAI_SANDBOX_TIME_SPEED = 2880
    # when
    policy = SandboxHost().policy_for("fast-channel")
    # then
    assert (policy.review, policy.buyer_return, policy.quality_window) == (
        timedelta(seconds=15),
        timedelta(seconds=300),
        timedelta(days=15),
    )


@pytest.mark.django_db
def test_at_the_wall_clock_speed_the_sandbox_host_keeps_the_policy(settings):
    # given
    from saleor_kuai_returns.sandbox.factory import make_channel

    make_channel("slow-channel", policy={"review": "12"})
    settings.KUAI_SANDBOX_TIME_SPEED = 1
    # when
    policy = SandboxHost().policy_for("slow-channel")
    # then
    assert (policy.review, policy.buyer_return) == (timedelta(hours=12), timedelta(days=10))


@pytest.mark.parametrize(
    ("speed", "line"),
    [
        (1, "the wall clock's (--speed 2880 makes the 48 h merchant review last 1 min)"),
        (2880, "2880× faster for after-sale deadlines: the 48 h merchant review lasts 1 min"),
        (172800, "172800× faster for after-sale deadlines: the 48 h merchant review lasts 1 s"),
        (10, "10× faster for after-sale deadlines: the 48 h merchant review lasts 4.8 h"),
    ],
)
def test_the_banner_says_how_fast_time_runs(speed, line):
    assert speed_line(speed) == line

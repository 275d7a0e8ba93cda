"""The per-channel policy: the spec's defaults, and every value it refuses."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    AfterSaleWindows,
    PayoutMethod,
    Policy,
    PolicyError,
)

DURATION_FIELDS = [item.name for item in fields(Policy) if item.type == "timedelta"]


# Spec §3 (timers), §2 (eligibility) and §5 (money), with their defaults.
SPEC_DEFAULTS = [
    ("review", timedelta(hours=48)),
    ("unshipped_refund_review", timedelta(hours=24)),
    ("buyer_return", timedelta(days=10)),
    ("merchant_receipt", timedelta(days=10)),
    ("reship", timedelta(hours=24)),
    ("replacement_shipment", timedelta(hours=48)),
    ("rejected_answer", timedelta(days=7)),
    ("proposal_answer", timedelta(hours=48)),
    ("evidence_round", timedelta(hours=48)),
    ("buyer_confirmation", timedelta(days=10)),
    ("no_reason_window", timedelta(days=7)),
    ("quality_window", timedelta(days=15)),
    ("attempt_cap", 5),
    ("max_evidence_items", 9),
    ("max_text_length", 500),
    ("late_shipment_rate", Decimal("0.05")),
    ("late_shipment_minimum", Decimal("5.00")),
    ("late_shipment_maximum", Decimal("30.00")),
    ("late_shipment_payout", PayoutMethod.GIFT_CARD),
]


@pytest.mark.parametrize(("name", "expected"), SPEC_DEFAULTS)
def test_default_equals_the_spec(name, expected):
    # given
    policy = Policy()
    # when
    value = getattr(policy, name)
    # then
    assert value == expected
    assert getattr(DEFAULT_POLICY, name) == expected


def test_default_policy_has_no_product_type_overrides():
    # given
    policy = Policy()
    # then
    assert dict(policy.product_type_windows) == {}


def test_every_duration_setting_is_validated():
    # given every setting whose default is a duration
    durations = {
        item.name
        for item in fields(Policy)
        if isinstance(getattr(DEFAULT_POLICY, item.name), timedelta)
    }
    # then the validation tests below cover each of them
    assert set(DURATION_FIELDS) == durations
    assert len(DURATION_FIELDS) == 18


@pytest.mark.parametrize("name", DURATION_FIELDS)
@pytest.mark.parametrize("duration", [timedelta(0), timedelta(seconds=-1), timedelta(days=-7)])
def test_a_duration_must_be_positive(name, duration):
    # when
    with pytest.raises(PolicyError) as error:
        Policy(**{name: duration})
    # then
    assert error.value.field == name


@pytest.mark.parametrize("name", DURATION_FIELDS)
def test_the_smallest_positive_duration_is_accepted(name):
    # when
    policy = Policy(**{name: timedelta(microseconds=1)})
    # then
    assert getattr(policy, name) == timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("attempt_cap", 0),
        ("attempt_cap", 21),
        ("max_evidence_items", 0),
        ("max_evidence_items", 10),
        ("max_text_length", 0),
        ("max_text_length", 501),
        ("late_shipment_rate", Decimal("-0.01")),
        ("late_shipment_rate", Decimal("1.01")),
        ("late_shipment_minimum", Decimal("-0.01")),
        ("return_freight_maximum", Decimal("-0.01")),
    ],
)
def test_out_of_range_value_is_refused(name, value):
    # when
    with pytest.raises(PolicyError) as error:
        Policy(**{name: value})
    # then
    assert error.value.field == name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("attempt_cap", 1),
        ("attempt_cap", 20),
        ("max_evidence_items", 1),
        ("max_evidence_items", 9),
        ("max_text_length", 1),
        ("max_text_length", 500),
        ("late_shipment_rate", Decimal(0)),
        ("late_shipment_rate", Decimal(1)),
        ("late_shipment_minimum", Decimal(0)),
        ("return_freight_maximum", Decimal(0)),
    ],
)
def test_value_at_the_edge_of_its_range_is_accepted(name, value):
    # when
    policy = Policy(**{name: value})
    # then
    assert getattr(policy, name) == value


def test_maximum_below_minimum_is_refused():
    # when
    with pytest.raises(PolicyError) as error:
        Policy(late_shipment_minimum=Decimal("10.00"), late_shipment_maximum=Decimal("9.99"))
    # then
    assert error.value.field == "late_shipment_maximum"


def test_maximum_equal_to_minimum_is_accepted():
    # when
    policy = Policy(late_shipment_minimum=Decimal("10.00"), late_shipment_maximum=Decimal("10.00"))
    # then
    assert policy.late_shipment_maximum == Decimal("10.00")


@pytest.mark.parametrize(
    "windows",
    [
        AfterSaleWindows(no_reason=timedelta(0)),
        AfterSaleWindows(quality=timedelta(0)),
        AfterSaleWindows(no_reason=timedelta(days=-1)),
        AfterSaleWindows(quality=timedelta(seconds=-1)),
    ],
)
def test_product_type_override_must_be_positive(windows):
    # when
    with pytest.raises(PolicyError) as error:
        Policy(product_type_windows={"fresh-food": windows})
    # then
    assert error.value.field == "product_type_windows"
    assert "fresh-food" in error.value.message


def test_error_message_names_the_field():
    # when
    with pytest.raises(PolicyError) as error:
        Policy(attempt_cap=0)
    # then
    assert str(error.value) == "attempt_cap: must be between 1 and 20"


def test_windows_without_override_are_the_channel_windows():
    # given
    policy = Policy(no_reason_window=timedelta(days=3), quality_window=timedelta(days=20))
    # when
    windows = policy.windows_for(None)
    # then
    assert windows == AfterSaleWindows(
        no_reason=timedelta(days=3), quality=timedelta(days=20), no_reason_allowed=True
    )


def test_windows_for_a_product_type_without_override_are_the_channel_windows():
    # given
    policy = Policy(product_type_windows={"fresh-food": AfterSaleWindows(no_reason_allowed=False)})
    # when
    windows = policy.windows_for("clothes")
    # then
    assert windows == AfterSaleWindows(
        no_reason=timedelta(days=7), quality=timedelta(days=15), no_reason_allowed=True
    )


def test_windows_for_a_product_type_with_override():
    # given
    policy = Policy(
        product_type_windows={
            "fresh-food": AfterSaleWindows(no_reason=timedelta(days=1), no_reason_allowed=False)
        }
    )
    # when
    windows = policy.windows_for("fresh-food")
    # then the unset quality window falls back to the channel's
    assert windows == AfterSaleWindows(
        no_reason=timedelta(days=1), quality=timedelta(days=15), no_reason_allowed=False
    )


def test_windows_for_a_product_type_overriding_only_quality():
    # given
    policy = Policy(
        product_type_windows={"electronics": AfterSaleWindows(quality=timedelta(days=30))}
    )
    # when
    windows = policy.windows_for("electronics")
    # then
    assert windows == AfterSaleWindows(
        no_reason=timedelta(days=7), quality=timedelta(days=30), no_reason_allowed=True
    )

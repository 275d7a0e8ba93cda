"""Per-channel configuration values ⇄ Policy."""

from __future__ import annotations

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
from saleor_kuai_returns.policy_config import POLICY_SETTINGS, policy_from_config, to_config


def test_every_policy_field_is_a_setting_with_help_text():
    names = [setting.name for setting in POLICY_SETTINGS]
    assert names == list(Policy.__dataclass_fields__)
    assert all(setting.help_text.endswith((".", ").")) for setting in POLICY_SETTINGS)


def test_defaults_read_as_the_spec_in_hours():
    values = to_config()
    assert values["review"] == "48"
    assert values["buyer_return"] == "240"
    assert values["unshipped_refund_review"] == "24"
    assert values["platform_may_open_arbitration"] is False
    assert values["late_shipment_rate"] == "0.05"
    assert values["late_shipment_payout"] == "gift_card"
    assert values["product_type_windows"] == "{}"


def test_empty_configuration_is_the_default_policy():
    assert policy_from_config({}) == DEFAULT_POLICY
    assert policy_from_config(dict.fromkeys(to_config(), "")) == DEFAULT_POLICY


def test_round_trip_of_a_changed_policy():
    # given
    policy = Policy(
        review=timedelta(hours=12),
        buyer_return=timedelta(hours=36, minutes=30),
        platform_may_open_arbitration=True,
        attempt_cap=3,
        late_shipment_minimum=Decimal("8.00"),
        late_shipment_payout=PayoutMethod.REFUND,
        product_type_windows={
            "fresh-food": AfterSaleWindows(no_reason=timedelta(hours=24), no_reason_allowed=False)
        },
    )
    # when
    values = to_config(policy)
    # then
    assert values["buyer_return"] == "36.5"
    assert values["product_type_windows"] == (
        '{"fresh-food": {"no_reason_allowed": false, "no_reason_hours": "24"}}'
    )
    assert policy_from_config(values) == policy


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("review", "abc", "must be a number of hours"),
        ("review", "0", "must be a positive duration"),
        ("review", "-5", "must be a positive duration"),
        ("review", "inf", "must be a number of hours"),
        ("attempt_cap", "2.5", "must be a whole number"),
        ("attempt_cap", "0", "must be between 1 and 20"),
        ("late_shipment_rate", "five", "must be a decimal number"),
        ("late_shipment_rate", "1.5", "must be between 0 and 1"),
        ("late_shipment_payout", "cash", "must be one of gift_card, refund"),
        ("product_type_windows", "{", "must be JSON"),
        ("product_type_windows", "[]", "must be a JSON object"),
        ("product_type_windows", '{"x": {"days": 3}}', "x: use no_reason_hours"),
        ("product_type_windows", '{"x": {"quality_hours": 0}}', "x: must be a positive duration"),
    ],
)
def test_bad_values_are_refused_naming_the_field(name, value, message):
    with pytest.raises(PolicyError) as error:
        policy_from_config({name: value})
    assert error.value.field == name
    assert message in error.value.message

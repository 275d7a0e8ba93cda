"""Policy ⇄ flat configuration values (the plugin's per-channel settings).

Durations are written in hours, amounts as decimals, product-type windows as
JSON. One parser for every host, so a value means the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from .domain.errors import PolicyError
from .domain.policy import DEFAULT_POLICY, AfterSaleWindows, PayoutMethod, Policy

# Help text per setting, shown to shop admins next to each field.
HELP: dict[str, str] = {
    "review": "Hours the merchant has to review a request before it is approved automatically.",
    "unshipped_refund_review": "Hours to review a refund of unshipped goods before it is approved.",
    "proposal_answer": "Hours the buyer has to answer a merchant's proposal.",
    "rejected_answer": "Hours the buyer has to resubmit or escalate after a rejection.",
    "buyer_return": "Hours the buyer has to ship a return before the request closes.",
    "merchant_receipt": "Hours after the return tracking number before an automatic refund.",
    "replacement_shipment": "Hours to ship an exchange's replacement before escalation.",
    "reship": "Hours to reship missing items before it counts as a late shipment.",
    "reship_overdue": "Hours a late reship may still go out before priority compensation.",
    "buyer_confirmation": "Hours the buyer has to confirm arrival before completion.",
    "evidence_round": "Hours for each arbitration evidence round.",
    "ruling": "Hours the platform has to rule before the buyer's claim stands.",
    "refund_confirmation": "Hours a refund may await the payment provider before it shows failed.",
    "refund_retry": "Hours before a failed refund is retried automatically.",
    "refund_max_attempts": (
        "Attempts of one refund (the first and its retries) before it stops for staff."
    ),
    "refund_on_hold": "Hours a stopped refund waits for staff before the platform steps in.",
    "appeal": "Hours the merchant has to appeal a ruling.",
    "platform_may_open_arbitration": "Let the platform open arbitration after a missed deadline.",
    "no_reason_window": "Hours after delivery a no-reason request may be filed.",
    "quality_window": "Hours after delivery a request for any other reason may be filed.",
    "product_type_windows": (
        'JSON per product type slug, e.g. {"fresh-food": {"no_reason_hours": 24, '
        '"quality_hours": 72, "no_reason_allowed": false}}.'
    ),
    "attempt_cap": "Creations and resubmissions allowed per order line.",
    "max_evidence_items": "Evidence items allowed per request (at most 9).",
    "max_text_length": "Characters allowed in a description or message (at most 500).",
    "late_shipment_rate": "Late-shipment compensation as a fraction of what was paid (0.05 = 5 %).",
    "late_shipment_minimum": "Smallest late-shipment compensation, in the channel currency.",
    "late_shipment_maximum": "Largest late-shipment compensation, in the channel currency.",
    "late_shipment_payout": "How late-shipment compensation is paid: gift_card or refund.",
    "return_freight_maximum": "The most a buyer may claim for merchant-liable return freight.",
    "platform_payout_method": (
        "How the platform pays first (refund-first, priority compensation): gift_card is the "
        "platform's own money, which the merchant then owes it; refund takes the order's "
        "payment, the merchant's money, and nothing is owed."
    ),
}


@dataclass(frozen=True)
class PolicySetting:
    name: str
    kind: str  # "hours", "bool", "int", "decimal", "payout", "json"
    help_text: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def _kind(value: object) -> str:
    if isinstance(value, timedelta):
        return "hours"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, PayoutMethod):
        return "payout"
    return "json"


POLICY_SETTINGS: tuple[PolicySetting, ...] = tuple(
    PolicySetting(item.name, _kind(getattr(DEFAULT_POLICY, item.name)), HELP[item.name])
    for item in fields(Policy)
)


def _hours(duration: timedelta) -> str:
    hours = Decimal(int(duration.total_seconds())) / 3600
    return format(hours.normalize(), "f")


def to_config(policy: Policy = DEFAULT_POLICY) -> dict[str, str | bool]:
    """The flat values of a policy, as the configuration form holds them."""
    values: dict[str, str | bool] = {}
    for setting in POLICY_SETTINGS:
        value = getattr(policy, setting.name)
        if setting.kind == "hours":
            values[setting.name] = _hours(value)
        elif setting.kind == "bool":
            values[setting.name] = bool(value)
        elif setting.kind == "json":
            values[setting.name] = json.dumps(
                {
                    name: {
                        key: val
                        for key, val in (
                            ("no_reason_hours", w.no_reason and _hours(w.no_reason)),
                            ("quality_hours", w.quality and _hours(w.quality)),
                            ("no_reason_allowed", w.no_reason_allowed),
                        )
                        if val is not None
                    }
                    for name, w in value.items()
                },
                sort_keys=True,
            )
        else:
            values[setting.name] = str(value)
    return values


def _parse_hours(name: str, raw: object) -> timedelta:
    try:
        hours = Decimal(str(raw).strip())
    except InvalidOperation:
        raise PolicyError(name, f"must be a number of hours, not {raw!r}") from None
    if not hours.is_finite():
        raise PolicyError(name, f"must be a number of hours, not {raw!r}")
    return timedelta(seconds=int(hours * 3600))


def _parse_windows(raw: object) -> Mapping[str, AfterSaleWindows]:
    name = "product_type_windows"
    if raw in (None, ""):
        return MappingProxyType({})
    try:
        data = json.loads(str(raw))
    except json.JSONDecodeError as error:
        raise PolicyError(name, f"must be JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise PolicyError(name, "must be a JSON object keyed by product type slug")
    windows: dict[str, AfterSaleWindows] = {}
    for slug, item in data.items():
        if not isinstance(item, dict) or set(item) - {
            "no_reason_hours",
            "quality_hours",
            "no_reason_allowed",
        }:
            raise PolicyError(
                name,
                f"{slug}: use no_reason_hours, quality_hours and no_reason_allowed",
            )
        no_reason = item.get("no_reason_hours")
        quality = item.get("quality_hours")
        windows[str(slug)] = AfterSaleWindows(
            no_reason=None if no_reason is None else _parse_hours(name, no_reason),
            quality=None if quality is None else _parse_hours(name, quality),
            no_reason_allowed=bool(item.get("no_reason_allowed", True)),
        )
    return MappingProxyType(windows)


def _parse(setting: PolicySetting, raw: object) -> Any:
    name = setting.name
    if setting.kind == "hours":
        return _parse_hours(name, raw)
    if setting.kind == "bool":
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in {"true", "1", "yes", "on"}
    if setting.kind == "int":
        try:
            return int(str(raw).strip())
        except ValueError:
            raise PolicyError(name, f"must be a whole number, not {raw!r}") from None
    if setting.kind == "decimal":
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise PolicyError(name, f"must be a decimal number, not {raw!r}") from None
        if not value.is_finite():
            raise PolicyError(name, f"must be a decimal number, not {raw!r}")
        return value
    if setting.kind == "payout":
        try:
            return PayoutMethod(str(raw).strip())
        except ValueError:
            choices = ", ".join(method.value for method in PayoutMethod)
            raise PolicyError(name, f"must be one of {choices}") from None
    return _parse_windows(raw)


def policy_from_config(values: Mapping[str, object]) -> Policy:
    """A policy from configuration values; missing or empty ones keep the
    spec's defaults. Raises ``PolicyError`` naming the first bad field."""
    parsed: dict[str, Any] = {}
    for setting in POLICY_SETTINGS:
        raw = values.get(setting.name)
        if raw is None or raw == "":
            continue
        parsed[setting.name] = _parse(setting, raw)
    return Policy(**parsed)

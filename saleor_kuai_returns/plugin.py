"""Saleor wiring: the plugin Saleor discovers through our ``saleor.plugins``
entry point.

It gives shop admins one settings form per channel (Configuration → Plugins in
the dashboard) built from ``policy_config.POLICY_SETTINGS``, refuses a bad value
naming its field, and listens to Saleor's order hooks so that a refund the
payment app answers later settles our money movement.

Who the platform is is not a plugin setting (anyone who may edit plugins could
name themselves): it is the Django setting ``KUAI_RETURNS_PLATFORM_GROUP``.

Only this module and the ``host.saleor`` package import Saleor.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField
from saleor.plugins.error_codes import PluginErrorCode
from saleor.plugins.models import PluginConfiguration

from .domain.errors import PolicyError
from .policy_config import POLICY_SETTINGS, PolicySetting, policy_from_config, to_config

logger = logging.getLogger(__name__)

PLUGIN_ID = "saleor.kuai_returns"

# Channel-level settings next to the policy values.
RETURN_ADDRESS = "return_address"


def _policy_field(setting: PolicySetting) -> dict[str, Any]:
    unit = " (hours)" if setting.kind == "hours" else ""
    return {
        "type": ConfigurationTypeField.BOOLEAN
        if setting.kind == "bool"
        else ConfigurationTypeField.STRING,
        "help_text": setting.help_text,
        "label": f"{setting.label}{unit}",
    }


CONFIG_STRUCTURE: dict[str, dict[str, Any]] = {
    **{setting.name: _policy_field(setting) for setting in POLICY_SETTINGS},
    RETURN_ADDRESS: {
        "type": ConfigurationTypeField.MULTILINE,
        "help_text": (
            "Where buyers send returns when the merchant names no address. Empty: the "
            "address of the channel's first warehouse."
        ),
        "label": "Return address",
    },
}

DEFAULT_CONFIGURATION: list[dict[str, Any]] = [
    *({"name": name, "value": value} for name, value in to_config().items()),
    {"name": RETURN_ADDRESS, "value": ""},
]


def configuration_values(configuration: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``[{"name": …, "value": …}, …]`` as Saleor stores it → ``{name: value}``."""
    return {
        item["name"]: item.get("value")
        for item in configuration or []
        if isinstance(item, dict) and "name" in item
    }


def channel_configuration(channel_slug: str) -> dict[str, Any]:
    """The stored values of one channel's form; missing fields keep their defaults."""
    stored = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__slug=channel_slug)
        .values_list("configuration", flat=True)
        .first()
    )
    return {**configuration_values(DEFAULT_CONFIGURATION), **configuration_values(stored)}


def channel_active(channel_slug: str) -> bool:
    """Whether the plugin is active on the channel, as Saleor's PluginsManager
    decides it: the saved row's ``active`` flag, else ``DEFAULT_ACTIVE`` — a
    channel nobody configured has the after-sale service on.

    Saleor creates a channel's row when its form is first saved, with
    ``active=False`` unless the save names ``active`` (the dashboard's form always
    does); the plugin, its order hooks included, is then off on that channel."""
    active = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__slug=channel_slug)
        .values_list("active", flat=True)
        .first()
    )
    return KuaiReturnsPlugin.get_default_active() if active is None else bool(active)


class KuaiReturnsPlugin(BasePlugin):
    PLUGIN_ID = PLUGIN_ID
    PLUGIN_NAME = "After-sale requests (Kuaishou-style)"
    PLUGIN_DESCRIPTION = (
        "Refund, return, exchange and reship requests with a deadline at every step, "
        "platform arbitration and compensation. Every window and rate is set per channel."
    )
    CONFIGURATION_PER_CHANNEL = True
    # Saleor calls the order hooks only for plugins active in the order's channel,
    # and buyers file new requests only there (``channel_active``): on by default.
    DEFAULT_ACTIVE = True
    CONFIG_STRUCTURE = CONFIG_STRUCTURE
    DEFAULT_CONFIGURATION = DEFAULT_CONFIGURATION

    @classmethod
    def validate_plugin_configuration(
        cls, plugin_configuration: PluginConfiguration, **kwargs: Any
    ) -> None:
        """Refuse a form whose policy values do not parse or are out of range."""
        values = configuration_values(plugin_configuration.configuration)
        try:
            policy_from_config(values)
        except PolicyError as error:
            label = CONFIG_STRUCTURE.get(error.field, {}).get("label", error.field)
            raise ValidationError(
                {
                    error.field: ValidationError(
                        f"{label} ({error.field}): {error.message}",
                        code=PluginErrorCode.INVALID.value,
                    )
                }
            ) from None

    # Saleor fires these when a payment app reports on a refund: ORDER_REFUNDED
    # (and ORDER_FULLY_REFUNDED) on success; a failure only gives the charged amount
    # back, which Saleor announces as ORDER_UPDATED.

    def order_refunded(self, order: Any, previous_value: Any, webhooks: Any = None) -> Any:
        _settle_refunds(order)
        return previous_value

    def order_fully_refunded(self, order: Any, previous_value: Any, webhooks: Any = None) -> Any:
        _settle_refunds(order)
        return previous_value

    def order_updated(self, order: Any, previous_value: Any, webhooks: Any = None) -> Any:
        _settle_refunds(order)
        return previous_value


def _settle_refunds(order: Any) -> None:
    # A hook must never break the Saleor mutation or task that fired it; the
    # request's own refund deadline catches whatever is missed here.
    from .host.saleor import settle_granted_refunds

    try:
        settle_granted_refunds(order.pk)
    except Exception:
        logger.exception("Settling after-sale refunds of order %s failed", order.pk)

"""A channel's after-sale settings: the plugin's per-channel form in Saleor."""

from __future__ import annotations

import logging

from saleor.warehouse.models import Warehouse

from ...domain import Policy
from ...plugin import RETURN_ADDRESS, channel_active, channel_configuration
from ...policy_config import policy_from_config

logger = logging.getLogger(__name__)


def policy_for(channel_slug: str) -> Policy:
    """The channel's policy; the spec's defaults when its stored values are bad."""
    values = channel_configuration(channel_slug)
    try:
        return policy_from_config(values)
    except ValueError as error:
        # The form refuses bad values; one written around it must not stop
        # the sweeper for every channel, so the spec's defaults apply.
        logger.error("Channel %s has an invalid after-sale policy: %s", channel_slug, error)
        return policy_from_config({})


def after_sale_enabled(channel_slug: str) -> bool:
    """New requests follow the plugin's per-channel ``active`` switch in Saleor
    (Configuration → Plugins); a channel never configured is on."""
    return channel_active(channel_slug)


def return_address(channel_slug: str) -> str:
    """The configured address, else the address of the channel's first warehouse."""
    configured = channel_configuration(channel_slug).get(RETURN_ADDRESS)
    if configured and str(configured).strip():
        return str(configured).strip()
    warehouse = (
        Warehouse.objects.filter(channelwarehouse__channel__slug=channel_slug)
        .select_related("address")
        .order_by("channelwarehouse__sort_order", "channelwarehouse__pk")
        .first()
    )
    return _format_warehouse(warehouse) if warehouse else ""


def _format_warehouse(warehouse: Warehouse) -> str:
    address = warehouse.address
    parts = [
        warehouse.name,
        address.company_name,
        address.street_address_1,
        address.street_address_2,
        " ".join(part for part in (address.postal_code, address.city) if part),
        address.city_area,
        address.country_area,
        address.country.name if address.country else "",
    ]
    return "\n".join(part for part in parts if part)

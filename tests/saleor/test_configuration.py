"""Shop admins set the policy per channel through Saleor's plugin API; the host reads it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import graphene
import pytest
from saleor.account.models import Group
from saleor.graphql.tests.utils import get_graphql_content
from saleor.plugins.models import PluginConfiguration

from saleor_kuai_returns.domain import Actor
from saleor_kuai_returns.domain.policy import DEFAULT_POLICY, PayoutMethod
from saleor_kuai_returns.host.base import Caller
from saleor_kuai_returns.plugin import PLUGIN_ID

PLUGIN_QUERY = """
query KuaiPlugin($id: ID!) {
  plugin(id: $id) {
    id
    name
    channelConfigurations {
      active
      channel { slug }
      configuration { name value type helpText label }
    }
  }
}
"""

PLUGIN_UPDATE = """
mutation KuaiPluginUpdate($id: ID!, $channel: ID!, $configuration: [ConfigurationItemInput!]) {
  pluginUpdate(id: $id, channelId: $channel, input: { configuration: $configuration }) {
    plugin {
      channelConfigurations {
        channel { slug }
        configuration { name value }
      }
    }
    errors { field message code }
  }
}
"""


@pytest.fixture
def admin_api_client(staff_api_client, permission_manage_plugins):
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    return staff_api_client


def _values(channel_configuration):
    return {item["name"]: item["value"] for item in channel_configuration["configuration"]}


def _update(client, channel, configuration):
    response = client.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "channel": graphene.Node.to_global_id("Channel", channel.pk),
            "configuration": configuration,
        },
    )
    return get_graphql_content(response)["data"]["pluginUpdate"]


def test_the_dashboard_reads_one_form_per_channel(admin_api_client, channel_USD, channel_PLN):
    # when
    response = admin_api_client.post_graphql(PLUGIN_QUERY, {"id": PLUGIN_ID})
    # then
    plugin = get_graphql_content(response)["data"]["plugin"]
    assert plugin["name"] == "After-sale requests (Kuaishou-style)"
    by_channel = {item["channel"]["slug"]: item for item in plugin["channelConfigurations"]}
    assert set(by_channel) == {"main", "c-pln"}
    main = by_channel["main"]
    assert main["active"] is True
    fields = {item["name"]: item for item in main["configuration"]}
    assert (fields["review"]["value"], fields["review"]["type"], fields["review"]["label"]) == (
        "48",
        "STRING",
        "Review (hours)",
    )
    assert fields["review"]["helpText"].startswith("Hours the merchant has to review")
    assert (
        fields["platform_may_open_arbitration"]["type"],
        fields["late_shipment_rate"]["value"],
    ) == (
        "BOOLEAN",
        "0.05",
    )
    assert fields["return_address"]["type"] == "MULTILINE"
    # who the platform is is the deployment's setting, not a plugin field
    assert "platform_group" not in fields


def test_a_channels_settings_save_and_become_its_policy(
    admin_api_client, host, channel_USD, channel_PLN
):
    # when the shop admin changes three values on the main channel
    data = _update(
        admin_api_client,
        channel_USD,
        [
            {"name": "review", "value": "72"},
            {"name": "late_shipment_rate", "value": "0.08"},
            {"name": "platform_may_open_arbitration", "value": "true"},
        ],
    )
    # then they are stored and that channel's policy uses them; the other keeps defaults
    assert data["errors"] == []
    saved = next(
        item
        for item in data["plugin"]["channelConfigurations"]
        if item["channel"]["slug"] == "main"
    )
    assert (_values(saved)["review"], _values(saved)["late_shipment_rate"]) == ("72", "0.08")
    policy = host.policy_for("main")
    assert policy.review == timedelta(hours=72)
    assert policy.late_shipment_rate == Decimal("0.08")
    assert policy.platform_may_open_arbitration is True
    assert host.policy_for(channel_PLN.slug) == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("late_shipment_payout", "cash", "lateShipmentPayout"),
        ("attempt_cap", "50", "attemptCap"),
        ("review", "two days", "review"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(
    admin_api_client, host, channel_USD, name, value, field
):
    # when
    data = _update(admin_api_client, channel_USD, [{"name": name, "value": value}])
    # then the form is refused, the message names the setting, nothing changed
    assert [(error["field"], error["code"]) for error in data["errors"]] == [(field, "INVALID")]
    assert name in data["errors"][0]["message"]
    stored = PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel=channel_USD)
    assert all(item["value"] != value for config in stored for item in config.configuration)
    assert host.policy_for("main") == DEFAULT_POLICY


def test_a_payout_method_saves(admin_api_client, host, channel_USD):
    data = _update(
        admin_api_client, channel_USD, [{"name": "late_shipment_payout", "value": "refund"}]
    )
    assert data["errors"] == []
    assert host.policy_for("main").late_shipment_payout is PayoutMethod.REFUND


def test_only_plugin_managers_may_change_settings(staff_api_client, channel_USD):
    # when a staff member without MANAGE_PLUGINS tries
    response = staff_api_client.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "channel": graphene.Node.to_global_id("Channel", channel_USD.pk),
            "configuration": [{"name": "review", "value": "1"}],
        },
    )
    # then Saleor refuses and nothing is stored
    assert response.json()["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not PluginConfiguration.objects.filter(identifier=PLUGIN_ID).exists()


def test_the_return_address_is_configured_or_the_channels_first_warehouse(
    admin_api_client, host, channel_USD, warehouse
):
    # before any setting: the warehouse's address
    assert host.return_address("main") == (
        "Example Warehouse\nMirumee Software\nTęczowa 7\n53-601 WROCŁAW\nPoland"
    )
    # when the shop admin sets one
    _update(
        admin_api_client,
        channel_USD,
        [{"name": "return_address", "value": "Returns desk\nDock 4, Hangzhou"}],
    )
    # then
    assert host.return_address("main") == "Returns desk\nDock 4, Hangzhou"
    assert host.return_address("no-such-channel") == ""


def test_naming_a_platform_group_in_the_plugin_settings_changes_nothing(
    admin_api_client, host, staff_user, channel_USD
):
    # given a plugin manager who is in a group of their own making
    staff_user.groups.add(Group.objects.create(name="Friends"))
    caller = Caller(f"user:{staff_user.pk}", user=staff_user)
    # when they save "platform_group" in the channel's form
    data = _update(admin_api_client, channel_USD, [{"name": "platform_group", "value": "Friends"}])
    # then Saleor stores nothing of it and they are not the platform
    assert data["errors"] == []
    stored = PluginConfiguration.objects.get(identifier=PLUGIN_ID, channel=channel_USD)
    assert "platform_group" not in {item["name"] for item in stored.configuration}
    assert host.may_act(caller, Actor.PLATFORM, "main", "") is False
    assert host.visible_channels(caller) == frozenset()

"""The after-sale switch of a channel is the plugin's own ``active`` flag in Saleor
(Configuration → Plugins → channel): off, buyers file nothing new there, and the
requests already open run to their end."""

from __future__ import annotations

from decimal import Decimal

import graphene
import pytest
from freezegun import freeze_time
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order import OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.payment import TransactionEventType
from saleor.payment.models import TransactionEvent

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import AfterSaleRequest, EvidenceKind, MoneyMovement, TimelineEvent
from saleor_kuai_returns.plugin import PLUGIN_ID
from saleor_kuai_returns.tasks import sweep_deadlines

from .conftest import audit_findings, line_by_sku
from .test_lifecycle import report_refund

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/torn-seam.jpg")

SWITCH = """
mutation KuaiSwitch($id: ID!, $channel: ID!, $active: Boolean!) {
  pluginUpdate(id: $id, channelId: $channel, input: { active: $active }) {
    plugin { channelConfigurations { active channel { slug } } }
    errors { field code }
  }
}
"""


@pytest.fixture
def switch(staff_api_client, permission_manage_plugins):
    """What a shop admin does in the dashboard: the plugin's switch on one channel."""
    staff_api_client.user.user_permissions.add(permission_manage_plugins)

    def flip(channel, active):
        response = staff_api_client.post_graphql(
            SWITCH,
            {
                "id": PLUGIN_ID,
                "channel": graphene.Node.to_global_id("Channel", channel.pk),
                "active": active,
            },
        )
        data = get_graphql_content(response)["data"]["pluginUpdate"]
        assert data["errors"] == []
        return {
            item["channel"]["slug"]: item["active"]
            for item in data["plugin"]["channelConfigurations"]
        }

    return flip


def test_a_channel_nobody_configured_is_on_and_the_switch_is_per_channel(
    host, switch, channel_USD, channel_PLN
):
    # before any setting: the plugin's DEFAULT_ACTIVE
    assert (host.after_sale_enabled("main"), host.after_sale_enabled(channel_PLN.slug)) == (
        True,
        True,
    )
    # when the shop admin switches the main channel off
    assert switch(channel_USD, False) == {"main": False, channel_PLN.slug: True}
    # then only that channel is off, until it is switched on again
    assert (host.after_sale_enabled("main"), host.after_sale_enabled(channel_PLN.slug)) == (
        False,
        True,
    )
    switch(channel_USD, True)
    assert host.after_sale_enabled("main") is True


def test_a_channel_switched_off_takes_no_new_request_but_finishes_the_open_one(
    host, paid_order, buyer, merchant, switch, channel_USD, run_on_commit, app_api_client
):
    # given a refund filed while the channel was on, then the channel switched off
    tee, mug = line_by_sku(paid_order, "SKU_AA"), line_by_sku(paid_order, "SKU_B")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(tee.pk), 1),))
    open_one = run_on_commit(create_request, str(paid_order.pk), buyer, new, evidence=[PHOTO])
    switch(channel_USD, False)
    notes_before = paid_order.events.filter(type=OrderEvents.NOTE_ADDED).count()
    # when the buyer files another
    another = NewRequest(
        RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(mug.pk), 1),)
    )
    with pytest.raises(ActionError) as refused:
        run_on_commit(create_request, str(paid_order.pk), buyer, another, evidence=[PHOTO])
    # then it is refused and nothing was written
    assert refused.value.code is ActionErrorCode.AFTER_SALE_DISABLED
    assert list(AfterSaleRequest.objects.values_list("pk", flat=True)) == [open_one.pk]
    assert TimelineEvent.objects.count() == 1
    assert paid_order.events.filter(type=OrderEvents.NOTE_ADDED).count() == notes_before
    # when the merchant approves the open one and the payment app refunds it
    run_on_commit(act.approve_request, open_one.pk, merchant, version=0)
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    report_refund(app_api_client, granted, "PSP-refund-9")
    # then Saleor calls none of a switched-off plugin's hooks: the request waits
    open_one.refresh_from_db()
    assert open_one.state == "refunding"
    # when its refund deadline passes, and then the retry's
    with freeze_time(open_one.deadline_at):
        run_on_commit(sweep_deadlines.delay)
    open_one.refresh_from_db()
    assert open_one.state == "refund_failed"
    with freeze_time(open_one.deadline_at):
        run_on_commit(sweep_deadlines.delay)
    # then the retry finds the refund the app confirmed and pays nothing twice
    open_one.refresh_from_db()
    assert (open_one.state, open_one.refunded_amount) == ("refunded", Decimal("12.300"))
    granted.refresh_from_db()
    assert list(OrderGrantedRefund.objects.filter(order=paid_order)) == [granted]
    assert granted.status == OrderGrantedRefundStatus.SUCCESS
    assert TransactionEvent.objects.filter(type=TransactionEventType.REFUND_REQUEST).count() == 1
    assert list(
        MoneyMovement.objects.filter(request=open_one)
        .order_by("attempt")
        .values_list("attempt", "status", "provider_reference")
    ) == [(1, "succeeded", str(granted.pk)), (2, "superseded", "")]
    assert audit_findings(host) == []

"""Our request lifecycles end to end inside Saleor, with SaleorHost doing the shop's part."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from freezegun import freeze_time
from saleor.order import FulfillmentStatus, OrderEvents, OrderGrantedRefundStatus
from saleor.order.models import OrderGrantedRefund
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Stock

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RequestType
from saleor_kuai_returns.models import EvidenceKind, MoneyMovement, TimelineEvent
from saleor_kuai_returns.plugin import PLUGIN_ID
from saleor_kuai_returns.tasks import sweep_deadlines

from .conftest import line_by_sku, report_refund

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/torn-seam.jpg")


def test_return_and_refund_from_filing_to_the_payment_apps_confirmation(
    paid_order, buyer, merchant, run_on_commit, app_api_client
):
    # given the buyer files a return of 1 of 3 tees (12.30 paid each)
    tee = line_by_sku(paid_order, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    stock_before = stock.quantity
    new = NewRequest(
        RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, lines=((str(tee.pk), 1),)
    )
    request = run_on_commit(create_request, str(paid_order.pk), buyer, new, evidence=[PHOTO])
    assert (request.state, request.refund_ceiling, request.channel_slug) == (
        "awaiting_merchant_review",
        Decimal("12.300"),
        "main",
    )
    # when the merchant approves, the buyer ships it back, the merchant confirms receipt
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    run_on_commit(
        act.submit_return_shipment,
        request.pk,
        buyer,
        carrier="SF Express",
        tracking_number="SF1234567890",
        version=1,
    )
    run_on_commit(act.confirm_receipt, request.pk, merchant, version=2)
    # then Saleor has the return, the stock, and a granted refund awaiting the app
    request.refresh_from_db()
    assert request.state == "refunding"
    assert request.return_address.startswith("Example Warehouse\n")
    returned = paid_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert list(returned.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 1)]
    stock.refresh_from_db()
    assert stock.quantity == stock_before + 1
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert (granted.amount_value, granted.status) == (
        Decimal("12.30"),
        OrderGrantedRefundStatus.PENDING,
    )
    assert list(granted.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 1)]
    movement = MoneyMovement.objects.get(request=request)
    assert (movement.status, movement.provider_reference) == ("requested", str(granted.pk))
    # when the payment app reports the refund done (Saleor's test client runs the
    # on-commit hooks of the request itself)
    report = report_refund(app_api_client, granted, "PSP-refund-1")
    # then the plugin's refund hook settled the request
    assert report == {"alreadyProcessed": False, "errors": []}
    request.refresh_from_db()
    movement.refresh_from_db()
    granted.refresh_from_db()
    assert (request.state, request.refunded_amount) == ("refunded", Decimal("12.300"))
    assert movement.status == "succeeded"
    assert granted.status == OrderGrantedRefundStatus.SUCCESS
    assert list(
        TimelineEvent.objects.filter(request=request).values_list("event", "actor_kind")
    ) == [
        ("created", "buyer"),
        ("approve", "merchant"),
        ("submit_return_shipment", "buyer"),
        ("confirm_receipt", "merchant"),
        ("refund_succeeded", "system"),
    ]
    notes = paid_order.events.filter(type=OrderEvents.NOTE_ADDED)
    assert notes.count() == 5  # filed + one per transition
    assert notes.filter(user=buyer.user).count() == 2


def test_refund_before_shipment_releases_the_units_and_requests_the_money(
    order_with_lines, payment_app, transaction_item_generator, buyer, merchant, run_on_commit
):
    # given an unshipped order paid by a payment app
    transaction_item_generator(
        order_id=order_with_lines.pk,
        app=payment_app,
        charged_value=order_with_lines.total_gross_amount,
    )
    mug = line_by_sku(order_with_lines, "SKU_B")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=((str(mug.pk), 2),))
    request = run_on_commit(create_request, str(order_with_lines.pk), buyer, new)
    assert (request.state, request.before_shipment) == ("awaiting_merchant_review", True)
    # when the merchant approves
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    # then the mugs can no longer ship and their refund is requested
    request.refresh_from_db()
    mug.refresh_from_db()
    assert request.state == "refunding"
    assert mug.quantity_unfulfilled == 0
    released = order_with_lines.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert list(released.lines.values_list("order_line_id", "quantity")) == [(mug.pk, 2)]
    granted = OrderGrantedRefund.objects.get(order=order_with_lines)
    assert granted.amount_value == request.payout_amount == Decimal("49.20")
    assert list(granted.lines.values_list("order_line_id", "quantity")) == [(mug.pk, 2)]


def test_the_channels_review_window_sets_the_deadline(
    paid_order, buyer, channel_USD, run_on_commit
):
    # given the shop admin gave merchants 12 hours to review on this channel
    # (as the dashboard's form does, naming ``active``: Saleor creates the
    # channel's row inactive otherwise)
    get_plugins_manager(allow_replica=False).save_plugin_configuration(
        PLUGIN_ID,
        channel_USD.slug,
        {"active": True, "configuration": [{"name": "review", "value": "12"}]},
    )
    tee = line_by_sku(paid_order, "SKU_AA")
    new = NewRequest(
        RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, lines=((str(tee.pk), 1),)
    )
    # when
    request = run_on_commit(create_request, str(paid_order.pk), buyer, new, evidence=[PHOTO])
    # then
    assert request.deadline_at == request.created_at + timedelta(hours=12)


def test_the_sweeper_task_applies_a_missed_deadline_inside_saleor(paid_order, buyer, run_on_commit):
    # given a return the merchant never reviewed
    tee = line_by_sku(paid_order, "SKU_AA")
    new = NewRequest(
        RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, lines=((str(tee.pk), 1),)
    )
    request = run_on_commit(create_request, str(paid_order.pk), buyer, new, evidence=[PHOTO])
    # when beat's task runs at the deadline (Saleor's task class allows no unguarded writes)
    with freeze_time(request.deadline_at):
        run_on_commit(sweep_deadlines.delay)
    # then the request was approved on the merchant's behalf, and the order says so
    request.refresh_from_db()
    assert (request.state, request.merchant_missed_deadline) == ("awaiting_buyer_return", True)
    note = paid_order.events.filter(type=OrderEvents.NOTE_ADDED).latest("date")
    assert note.parameters["message"].startswith("After-sale request: deadline expired by system")
    assert (note.user, note.app) == (None, None)


def test_a_refund_the_payment_app_refuses_shows_as_failed(
    paid_order, buyer, merchant, run_on_commit, app_api_client
):
    # given a refund without return, approved and requested from the payment app
    tee = line_by_sku(paid_order, "SKU_AA")
    new = NewRequest(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, lines=((str(tee.pk), 2),))
    request = run_on_commit(create_request, str(paid_order.pk), buyer, new, evidence=[PHOTO])
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    granted = OrderGrantedRefund.objects.get(order=paid_order)
    assert granted.amount_value == Decimal("24.60")
    # when the app reports that the refund failed
    report = report_refund(app_api_client, granted, "PSP-refund-2", "REFUND_FAILURE")
    # then the request shows it at once, to be retried
    assert report == {"alreadyProcessed": False, "errors": []}
    request.refresh_from_db()
    assert request.state == "refund_failed"
    assert MoneyMovement.objects.get(request=request).status == "failed"

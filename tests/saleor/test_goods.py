"""Returns are recorded when the refund is decided and restocked when the goods
arrive; refunded unshipped units leave the order in the transaction that records
the refund, or not at all when the merchant shipped them meanwhile."""

from __future__ import annotations

from decimal import Decimal

from saleor.order import (
    FulfillmentStatus,
    OrderEvents,
    OrderGrantedRefundStatus,
    OrderStatus,
)
from saleor.order.actions import OrderFulfillmentLineInfo, create_fulfillments
from saleor.order.models import OrderGrantedRefund
from saleor.payment import TransactionEventType
from saleor.payment.models import TransactionEvent
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Allocation, Stock

from saleor_kuai_returns.actions.create import with_history

from .conftest import audit_findings, line_by_sku


def test_a_return_is_recorded_as_a_returned_fulfillment_without_restocking(
    host, fulfilled_order, make_request, run_on_commit
):
    # given the buyer sends back 2 of 3 tees, shipped from the fixture's warehouse
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    before = stock.quantity
    request = make_request(fulfilled_order, [(tee, 2)], request_type="return_and_refund")
    # when the return is recorded (twice: a follow-up may run again)
    run_on_commit(host.record_return, request)
    run_on_commit(host.record_return, request)
    # then Saleor shows one returned fulfillment; nothing is back in stock yet
    returned = fulfilled_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert list(returned.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 2)]
    assert returned.reason == f"After-sale request {request.pk}"
    assert returned.private_metadata == {"kuai_returns.return_for": str(request.pk)}
    assert tee.fulfillment_lines.get(fulfillment__status=FulfillmentStatus.FULFILLED).quantity == 1
    stock.refresh_from_db()
    assert stock.quantity == before
    fulfilled_order.refresh_from_db()
    assert fulfilled_order.status == OrderStatus.PARTIALLY_RETURNED
    assert fulfilled_order.events.filter(type=OrderEvents.FULFILLMENT_RETURNED).count() == 1
    line = host.load_order(str(fulfilled_order.pk)).snapshot.lines[str(tee.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_shipped) == (3, 2)


def test_a_restock_puts_the_returned_units_back_once(
    host, fulfilled_order, make_request, run_on_commit
):
    # given a recorded return of 2 tees
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    before = stock.quantity
    request = make_request(fulfilled_order, [(tee, 2)], request_type="return_and_refund")
    run_on_commit(host.record_return, request)
    # when the goods arrive (twice: a follow-up may run again), and the return is
    # recorded again afterwards (the other follow-up of the same decision)
    run_on_commit(host.restock_return, request)
    run_on_commit(host.restock_return, request)
    run_on_commit(host.record_return, request)
    # then the units are back once, in the warehouse they shipped from
    stock.refresh_from_db()
    assert stock.quantity == before + 2
    returned = fulfilled_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert returned.private_metadata == {
        "kuai_returns.return_for": str(request.pk),
        "kuai_returns.restocked": "true",
    }
    assert fulfilled_order.events.filter(type=OrderEvents.FULFILLMENT_RETURNED).count() == 1


def test_a_restock_records_the_return_first_when_that_was_not_done(
    host, fulfilled_order, make_request, run_on_commit
):
    # given
    mug = line_by_sku(fulfilled_order, "SKU_B")
    stock = Stock.objects.get(product_variant=mug.variant)
    before = stock.quantity
    request = make_request(fulfilled_order, [(mug, 1)], request_type="return_and_refund")
    # when
    run_on_commit(host.restock_return, request)
    # then
    returned = fulfilled_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert list(returned.lines.values_list("order_line_id", "quantity")) == [(mug.pk, 1)]
    stock.refresh_from_db()
    assert stock.quantity == before + 1


# --- before shipment: released in the refund's own transaction ---------------------------


def unshipped_refund(order, make_request, mug, units=2):
    return make_request(
        order, [(mug, units)], before_shipment=True, payout_amount=Decimal("24.60") * units
    )


def test_refunded_unshipped_units_leave_the_order_with_the_granted_refund(
    host,
    pay,
    order_with_lines,
    payment_app,
    transaction_item_generator,
    make_request,
    make_movement,
):
    # given an unshipped order paid by a payment app, whose 2 mugs are allocated
    transaction_item_generator(
        order_id=order_with_lines.pk,
        app=payment_app,
        charged_value=order_with_lines.total_gross_amount,
    )
    mug = line_by_sku(order_with_lines, "SKU_B")
    stock = Stock.objects.get(product_variant=mug.variant)
    allocated = stock.quantity_allocated
    request = unshipped_refund(order_with_lines, make_request, mug)
    first = make_movement(request, "49.20")
    # when the refund is requested, the payment app refuses it, and the payout's
    # next attempt is requested
    assert pay(first) == "requested"
    first_granted = OrderGrantedRefund.objects.get()
    TransactionEvent.objects.create(
        transaction=first_granted.transaction_item,
        type=TransactionEventType.REFUND_FAILURE,
        amount_value=Decimal("49.20"),
        currency="USD",
        related_granted_refund=first_granted,
    )
    assert pay(make_movement(request, "49.20", attempt=2)) == "requested"
    first.refresh_from_db()
    assert first.status == "failed"
    # then the mugs sit in one refunded fulfillment: nothing is left to ship
    released = order_with_lines.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert list(released.lines.values_list("order_line_id", "quantity", "stock_id")) == [
        (mug.pk, 2, None)
    ]
    assert released.total_refund_amount == Decimal("49.20")
    assert released.private_metadata == {"kuai_returns.release_for": str(request.pk)}
    mug.refresh_from_db()
    assert mug.quantity_unfulfilled == 0
    # (Saleor empties allocations; its beat task deletes the empty rows later)
    assert list(
        Allocation.objects.filter(order_line=mug).values_list("quantity_allocated", flat=True)
    ) == [0]
    stock.refresh_from_db()
    assert stock.quantity_allocated == allocated - 2
    # and they count as refunded once the refund reached the buyer, not before
    line = host.load_order(str(order_with_lines.pk)).snapshot.lines[str(mug.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_unshipped) == (0, 0)
    assert line.amount_refunded == Decimal(0)
    granted = OrderGrantedRefund.objects.exclude(pk=first_granted.pk).get()
    granted.status = OrderGrantedRefundStatus.SUCCESS
    granted.save(update_fields=["status"])
    line = host.load_order(str(order_with_lines.pk)).snapshot.lines[str(mug.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_unshipped) == (0, 2)
    assert (line.available_unshipped, line.amount_refunded) == (0, Decimal("49.20"))


def test_units_the_merchant_fulfilled_meanwhile_are_not_refunded_before_shipment(
    host,
    pay,
    order_with_lines,
    payment_app,
    transaction_item_generator,
    make_request,
    make_movement,
    site_settings,
):
    # given an approved refund of 2 unshipped mugs, and the merchant shipping
    # them before the payment ran
    transaction_item_generator(
        order_id=order_with_lines.pk,
        app=payment_app,
        charged_value=order_with_lines.total_gross_amount,
    )
    mug = line_by_sku(order_with_lines, "SKU_B")
    movement = make_movement(unshipped_refund(order_with_lines, make_request, mug), "49.20")
    warehouse = mug.allocations.get().stock.warehouse
    create_fulfillments(
        None,
        None,
        order_with_lines,
        {warehouse.pk: [OrderFulfillmentLineInfo(order_line=mug, quantity=2)]},
        get_plugins_manager(allow_replica=False),
        site_settings,
        notify_customer=False,
    )
    fulfillments = list(order_with_lines.fulfillments.values_list("pk", "status"))
    # when
    status = pay(movement)
    # then nothing is refunded, nothing released, and the reason says why
    movement.refresh_from_db()
    assert (status, movement.provider_reference) == ("failed", "")
    assert movement.error == (
        "SKU_B: 2 unit(s) to refund before shipment, but only 0 left unshipped (the merchant "
        "fulfilled them meanwhile: the buyer may file a return instead)"
    )
    assert list(order_with_lines.fulfillments.values_list("pk", "status")) == fulfillments
    assert not OrderGrantedRefund.objects.exists()
    assert audit_findings(host) == []


def test_units_the_platform_refunds_with_a_gift_card_leave_the_order_and_count_once(
    host, pay, order_with_lines, make_request, make_movement
):
    # given an unshipped order; the platform refunds its 2 mugs with its own gift card
    mug = line_by_sku(order_with_lines, "SKU_B")
    request = unshipped_refund(order_with_lines, make_request, mug)
    movement = make_movement(request, "49.20", method="gift_card", payer="platform")
    # when
    assert pay(movement) == "succeeded"
    # then the mugs will not ship; the order's payment gave nothing back for them
    released = order_with_lines.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert list(released.lines.values_list("order_line_id", "quantity")) == [(mug.pk, 2)]
    assert released.total_refund_amount == Decimal("0")
    assert released.private_metadata == {"kuai_returns.release_for": str(request.pk)}
    # and the line counts the refund once: the gift card, from our own records
    order = host.load_order(str(order_with_lines.pk))
    line = order.snapshot.lines[str(mug.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_unshipped) == (0, 0)
    line = with_history(order).lines[str(mug.pk)]
    assert (line.quantity_refunded_unshipped, line.amount_refunded) == (2, Decimal("49.200"))
    assert line.available_unshipped == 0

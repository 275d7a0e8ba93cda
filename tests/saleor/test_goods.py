"""Returns come back into stock; refunded unshipped units never ship."""

from __future__ import annotations

from decimal import Decimal

from saleor.order import FulfillmentStatus, OrderEvents, OrderStatus
from saleor.warehouse.models import Allocation, Stock

from .conftest import line_by_sku


def test_a_return_is_a_returned_fulfillment_and_the_units_go_back_to_stock(
    host, fulfilled_order, make_request, run_on_commit
):
    # given the buyer sent back 2 of 3 tees, shipped from the fixture's warehouse
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    before = stock.quantity
    request = make_request(
        fulfilled_order, [(tee, 2)], state="refunding", request_type="return_and_refund"
    )
    # when the receipt is recorded (twice: a task may run again)
    run_on_commit(host.record_return, request)
    run_on_commit(host.record_return, request)
    # then Saleor shows one returned fulfillment and the stock is back
    returned = fulfilled_order.fulfillments.get(status=FulfillmentStatus.RETURNED)
    assert list(returned.lines.values_list("order_line_id", "quantity")) == [(tee.pk, 2)]
    assert returned.reason == f"After-sale request {request.pk}"
    assert returned.private_metadata == {"kuai_returns.return_for": str(request.pk)}
    assert tee.fulfillment_lines.get(fulfillment__status=FulfillmentStatus.FULFILLED).quantity == 1
    stock.refresh_from_db()
    assert stock.quantity == before + 2
    fulfilled_order.refresh_from_db()
    assert fulfilled_order.status == OrderStatus.PARTIALLY_RETURNED
    assert fulfilled_order.events.filter(type=OrderEvents.FULFILLMENT_RETURNED).count() == 1
    line = host.load_order(str(fulfilled_order.pk)).snapshot.lines[str(tee.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_shipped) == (3, 2)


def test_refunded_unshipped_units_leave_the_order_and_their_allocation(
    host, order_with_lines, make_request, run_on_commit
):
    # given an unshipped order whose 3 tees are allocated in the warehouse
    tee = line_by_sku(order_with_lines, "SKU_AA")
    stock = Stock.objects.get(product_variant=tee.variant)
    allocated = stock.quantity_allocated
    request = make_request(
        order_with_lines,
        [(tee, 3)],
        state="refunding",
        before_shipment=True,
        payout_amount=Decimal("36.90"),
    )
    # when the refund is approved (twice: a task may run again)
    run_on_commit(host.release_unshipped, request)
    run_on_commit(host.release_unshipped, request)
    # then the units sit in one refunded fulfillment: nothing is left to ship
    released = order_with_lines.fulfillments.get(status=FulfillmentStatus.REFUNDED)
    assert list(released.lines.values_list("order_line_id", "quantity", "stock_id")) == [
        (tee.pk, 3, None)
    ]
    assert released.total_refund_amount == Decimal("36.90")
    assert released.private_metadata == {"kuai_returns.release_for": str(request.pk)}
    tee.refresh_from_db()
    assert tee.quantity_unfulfilled == 0
    # (Saleor empties allocations; its beat task deletes the empty rows later)
    assert list(
        Allocation.objects.filter(order_line=tee).values_list("quantity_allocated", flat=True)
    ) == [0]
    stock.refresh_from_db()
    assert stock.quantity_allocated == allocated - 3
    line = host.load_order(str(order_with_lines.pk)).snapshot.lines[str(tee.pk)]
    assert (line.quantity_shipped, line.quantity_refunded_unshipped) == (0, 3)
    assert (line.available_unshipped, line.amount_refunded) == (0, Decimal("36.90"))

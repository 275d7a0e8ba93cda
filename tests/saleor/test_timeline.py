"""Our notes are Saleor's own NOTE_ADDED events: the dashboard's order page renders them."""

from __future__ import annotations

import graphene
from saleor.account import CustomerEvents
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order import OrderEvents

from saleor_kuai_returns.host.base import SYSTEM_CALLER, Caller

from .conftest import line_by_sku

# The order page's query, as the dashboard asks it (the event fields it renders).
ORDER_DETAILS = """
query OrderDetails($id: ID!) {
  order(id: $id) {
    id
    number
    status
    lines { id productSku quantity quantityFulfilled }
    fulfillments { id status lines { quantity orderLine { id } } }
    grantedRefunds { id amount { amount currency } reason status lines { quantity } }
    events {
      id
      date
      type
      message
      email
      emailType
      amount
      quantity
      composedId
      orderNumber
      invoiceNumber
      transactionReference
      shippingCostsIncluded
      user { id email firstName lastName }
      app { id name appUrl }
      lines { quantity itemName orderLine { id productName variantName } }
      fulfilledItems { id quantity orderLine { id } }
      warehouse { id name }
      relatedOrder { id number }
      related { id }
      discount { valueType value reason amount { amount currency } }
    }
  }
}
"""


def test_notes_are_note_added_events_by_their_author(
    host, fulfilled_order, buyer, merchant, customer_user, staff_user, app
):
    # when the buyer, the merchant, an app and the system each leave a note
    order_id = str(fulfilled_order.pk)
    host.add_order_note(order_id, "After-sale request filed: return and refund.", buyer)
    host.add_order_note(order_id, "After-sale request: approve by merchant.", merchant)
    host.add_order_note(order_id, "Refund confirmed.", Caller(f"app:{app.pk}"))
    host.add_order_note(order_id, "Deadline passed.", SYSTEM_CALLER)
    host.add_order_note("00000000-0000-0000-0000-000000000000", "lost", SYSTEM_CALLER)
    # then each is a NOTE_ADDED with its author (ids alone resolve, as tasks pass them)
    notes = fulfilled_order.events.filter(type=OrderEvents.NOTE_ADDED).order_by("pk")
    assert [(event.parameters["message"], event.user, event.app) for event in notes] == [
        ("After-sale request filed: return and refund.", customer_user, None),
        ("After-sale request: approve by merchant.", staff_user, None),
        ("Refund confirmed.", None, app),
        ("Deadline passed.", None, None),
    ]
    assert customer_user.events.filter(type=CustomerEvents.NOTE_ADDED_TO_ORDER).count() == 1


def test_the_dashboards_order_query_renders_every_event_we_cause(
    host,
    pay,
    paid_order,
    buyer,
    merchant,
    staff_api_client,
    make_request,
    make_movement,
    run_on_commit,
):
    # given notes, a refund request and a return on one order
    tee = line_by_sku(paid_order, "SKU_AA")
    request = make_request(paid_order, [(tee, 1)], request_type="return_and_refund")
    run_on_commit(host.add_order_note, str(paid_order.pk), "After-sale request filed.", buyer)
    pay(make_movement(request, "12.30", requested_by=merchant.id))
    run_on_commit(host.record_return, request)
    run_on_commit(host.restock_return, request)
    run_on_commit(host.add_order_note, str(paid_order.pk), "Receipt confirmed.", merchant)
    # when the merchant opens the order in the dashboard
    response = staff_api_client.post_graphql(
        ORDER_DETAILS, {"id": graphene.Node.to_global_id("Order", paid_order.pk)}
    )
    # then the page loads with every event
    order = get_graphql_content(response)["data"]["order"]
    types = [event["type"] for event in order["events"]]
    assert types.count("NOTE_ADDED") == 2
    assert {"TRANSACTION_REFUND_REQUESTED", "FULFILLMENT_RETURNED"} <= set(types)
    notes = [event for event in order["events"] if event["type"] == "NOTE_ADDED"]
    assert [note["message"] for note in notes] == [
        "After-sale request filed.",
        "Receipt confirmed.",
    ]
    assert notes[0]["user"] is None  # Saleor shows customers only to MANAGE_USERS staff
    assert notes[1]["user"]["email"] == "staff_test@example.com"
    assert [
        (refund["amount"]["amount"], refund["status"]) for refund in order["grantedRefunds"]
    ] == [(12.3, "PENDING")]
    assert sorted(item["status"] for item in order["fulfillments"]) == ["FULFILLED", "RETURNED"]

"""Exchanges and reships go out through Saleor's replace path: a REISSUE draft
order for the goods sent, and a note with the tracking number on the order."""

from __future__ import annotations

from decimal import Decimal

import graphene
import pytest
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order import OrderEvents, OrderOrigin, OrderStatus
from saleor.order.models import Order
from saleor.product.models import ProductVariant, ProductVariantChannelListing

from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.actions.goods import send_pending_goods
from saleor_kuai_returns.domain import ErrorCode, NewRequest, Reason, RequestType
from saleor_kuai_returns.domain.commands import Replacement
from saleor_kuai_returns.domain.errors import TransitionNotAllowed
from saleor_kuai_returns.host.saleor import GoodsNotRecorded
from saleor_kuai_returns.models import EvidenceKind, Shipment, TimelineEvent

from .conftest import line_by_sku

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/wrong-size.jpg")


def gid(variant):
    return graphene.Node.to_global_id("ProductVariant", variant.pk)


def reissued(order):
    return Order.objects.filter(original=order, origin=OrderOrigin.REISSUE)


def notes(order):
    return list(
        order.events.filter(type=OrderEvents.NOTE_ADDED)
        .order_by("pk")
        .values_list("parameters__message", flat=True)
    )


@pytest.fixture
def tee_variants(fulfilled_order, channel_USD, channel_PLN):
    """Other variants of the tee's product (listed at 10.00 like the tee bought,
    or at 11.00), and one listed only in another channel."""
    product = line_by_sku(fulfilled_order, "SKU_AA").variant.product

    def variant(sku, name, channel, price):
        made = ProductVariant.objects.create(product=product, sku=sku, name=name)
        ProductVariantChannelListing.objects.create(
            variant=made, channel=channel, price_amount=Decimal(price), currency="USD"
        )
        return made

    return {
        "large": variant("SKU_AA_L", "L", channel_USD, "10"),
        "gold": variant("SKU_AA_GOLD", "Gold", channel_USD, "11"),
        "elsewhere": variant("SKU_AA_XL", "XL", channel_PLN, "10"),
    }


@pytest.fixture
def exchange_received(fulfilled_order, buyer, merchant, run_on_commit):
    """An exchange of one tee whose return the merchant received."""
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    new = NewRequest(RequestType.EXCHANGE, Reason.QUALITY_SIZE, lines=((str(tee.pk), 1),))
    request = run_on_commit(create_request, str(fulfilled_order.pk), buyer, new, evidence=[PHOTO])
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    run_on_commit(
        act.submit_return_shipment,
        request.pk,
        buyer,
        carrier="SF",
        tracking_number="SF1",
        version=1,
    )
    run_on_commit(act.confirm_receipt, request.pk, merchant, version=2)
    request.refresh_from_db()
    assert request.state == "awaiting_replacement_shipment"
    return request


def test_replacements_are_described_by_channel_price_and_product(
    host, fulfilled_order, tee_variants
):
    # given
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    mug = line_by_sku(fulfilled_order, "SKU_B")
    large, gold = tee_variants["large"], tee_variants["gold"]
    choices = [
        (str(tee.pk), gid(large)),
        (str(tee.pk), str(large.pk)),  # a plain pk
        (str(tee.pk), gid(gold)),
        (str(tee.pk), gid(mug.variant)),
        (str(tee.pk), gid(tee_variants["elsewhere"])),  # not sold in the order's channel
        (str(tee.pk), graphene.Node.to_global_id("ProductVariant", 999999)),
        (str(tee.pk), graphene.Node.to_global_id("Product", large.pk)),
        (str(tee.pk), "not-an-id"),
        ("not-a-line", gid(large)),
    ]
    # when
    described = host.describe_replacements(str(fulfilled_order.pk), choices)
    # then
    assert [(item.unit_price, item.same_product) for item in described] == [
        (Decimal("10"), True),
        (Decimal("10"), True),
        (Decimal("11"), True),
        (Decimal("20"), False),
        (None, True),
        (None, False),
        (None, False),
        (None, False),
        (Decimal("10"), False),
    ]
    assert [(item.line_id, item.variant_id) for item in described] == choices
    # and the same catalogue price compares equal to the line bought
    snapshot = host.load_order(str(fulfilled_order.pk)).snapshot.lines[str(tee.pk)]
    assert described[0] == Replacement(str(tee.pk), gid(large), snapshot.unit_price, True)


def test_an_unknown_order_describes_every_variant_as_neither(host, tee_variants):
    described = host.describe_replacements(
        "00000000-0000-0000-0000-000000000000", [("x", gid(tee_variants["large"]))]
    )
    assert described == (Replacement("x", gid(tee_variants["large"]), None, False),)


def test_an_exchange_ships_the_chosen_variant_as_a_reissue_draft_order(
    fulfilled_order, exchange_received, merchant, tee_variants, run_on_commit
):
    # given
    request = exchange_received
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    bought, large = tee.variant_id, tee_variants["large"]
    # when the merchant ships the tee in L, at the same price
    run_on_commit(
        act.ship_items,
        request.pk,
        merchant,
        carrier="ZTO",
        tracking_number="ZTO42",
        replacements=[(str(tee.pk), gid(large))],
        version=3,
    )
    # then Saleor has a draft replacement order with one tee in L
    draft = reissued(fulfilled_order).get()
    assert (draft.status, draft.user_id, draft.channel_id) == (
        OrderStatus.DRAFT,
        fulfilled_order.user_id,
        fulfilled_order.channel_id,
    )
    assert list(
        draft.lines.values_list(
            "variant_id",
            "quantity",
            "product_name",
            "variant_name",
            "product_sku",
            "product_variant_id",
            "undiscounted_base_unit_price_amount",
            "unit_price_gross_amount",
        )
    ) == [
        (
            large.pk,
            1,
            "Test product",
            "L",
            "SKU_AA_L",
            gid(large),
            Decimal("10.000"),
            tee.unit_price_gross_amount,
        )
    ]
    created = draft.events.get(type=OrderEvents.DRAFT_CREATED_FROM_REPLACE)
    assert (created.user, created.parameters["related_order_pk"]) == (
        merchant.user,
        str(fulfilled_order.pk),
    )
    # and our shipment keeps the draft's id; the order's timeline has the tracking
    shipment = Shipment.objects.get(request=request, kind="replacement")
    assert shipment.host_reference == str(draft.pk)
    assert shipment.items == [{"line_id": str(tee.pk), "variant_id": gid(large), "quantity": 1}]
    message = (
        "After-sale replacement sent with ZTO, tracking number ZTO42: "
        f"1 × Test product / L, SKU SKU_AA_L. Draft order #{draft.number} records it."
    )
    note = fulfilled_order.events.get(parameters__message=message)
    assert (note.type, note.user) == (OrderEvents.NOTE_ADDED, merchant.user)
    request.refresh_from_db()
    assert request.state == "awaiting_buyer_confirmation"
    # the tee bought is untouched
    tee.refresh_from_db()
    assert (tee.variant_id, tee.product_sku, tee.quantity) == (bought, "SKU_AA", 3)


def test_the_send_goods_task_twice_records_one_draft(
    host, fulfilled_order, exchange_received, merchant, tee_variants, run_on_commit
):
    # given a replacement shipped and recorded
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    run_on_commit(
        act.ship_items,
        exchange_received.pk,
        merchant,
        carrier="ZTO",
        tracking_number="ZTO42",
        replacements=[(str(tee.pk), gid(tee_variants["large"]))],
        version=3,
    )
    shipment = Shipment.objects.get(request=exchange_received, kind="replacement")
    before = notes(fulfilled_order)
    # when its follow-up runs again, and the host is asked again for the same shipment
    assert run_on_commit(send_pending_goods, str(exchange_received.pk), host=host) == 0
    again = host.send_goods(exchange_received, shipment)
    # then there is still one draft, and no second note
    assert list(reissued(fulfilled_order).values_list("pk", flat=True)) == [
        Order.objects.get(pk=again).pk
    ]
    assert again == shipment.host_reference
    assert notes(fulfilled_order) == before
    assert fulfilled_order.events.filter(type=OrderEvents.ORDER_REPLACEMENT_CREATED).count() == 1


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ("gold", ErrorCode.REPLACEMENT_PRICE_MISMATCH),  # the same product at 11.00
        ("mug", ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT),
        ("unknown", ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT),
        ("elsewhere", ErrorCode.REPLACEMENT_PRICE_MISMATCH),  # no price in this channel
    ],
)
def test_an_exchange_refuses_another_product_another_price_or_an_unknown_variant(
    fulfilled_order, exchange_received, merchant, tee_variants, run_on_commit, variant, code
):
    # given
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    chosen = {
        **{name: gid(made) for name, made in tee_variants.items()},
        "mug": gid(line_by_sku(fulfilled_order, "SKU_B").variant),
        "unknown": graphene.Node.to_global_id("ProductVariant", 999999),
    }[variant]
    before_notes = notes(fulfilled_order)
    before_events = TimelineEvent.objects.filter(request=exchange_received).count()
    # when
    with pytest.raises(TransitionNotAllowed) as refused:
        run_on_commit(
            act.ship_items,
            exchange_received.pk,
            merchant,
            carrier="ZTO",
            tracking_number="ZTO42",
            replacements=[(str(tee.pk), chosen)],
            version=3,
        )
    # then nothing was written, here or in Saleor
    assert refused.value.code is code
    exchange_received.refresh_from_db()
    assert (exchange_received.state, exchange_received.version) == (
        "awaiting_replacement_shipment",
        3,
    )
    assert TimelineEvent.objects.filter(request=exchange_received).count() == before_events
    assert not Shipment.objects.filter(request=exchange_received, kind="replacement").exists()
    assert not reissued(fulfilled_order).exists()
    assert notes(fulfilled_order) == before_notes


def test_a_reship_sends_the_missing_units_of_the_variant_bought(
    fulfilled_order, buyer, merchant, run_on_commit
):
    # given an approved reship of one missing mug
    mug = line_by_sku(fulfilled_order, "SKU_B")
    new = NewRequest(RequestType.RESHIP, Reason.MISSING_ITEMS, lines=((str(mug.pk), 1),))
    request = run_on_commit(create_request, str(fulfilled_order.pk), buyer, new, evidence=[PHOTO])
    run_on_commit(act.approve_request, request.pk, merchant, version=0)
    # when
    run_on_commit(
        act.ship_items, request.pk, merchant, carrier="YTO", tracking_number="YT7", version=1
    )
    # then
    draft = reissued(fulfilled_order).get()
    assert list(draft.lines.values_list("variant_id", "quantity", "product_sku")) == [
        (mug.variant_id, 1, "SKU_B")
    ]
    shipment = Shipment.objects.get(request=request)
    assert (shipment.kind, shipment.items, shipment.host_reference) == ("reship", [], str(draft.pk))
    assert (
        f"After-sale reship sent with YTO, tracking number YT7: 1 × {mug.product_name} / "
        f"{mug.variant_name}, SKU SKU_B. Draft order #{draft.number} records it."
    ) in notes(fulfilled_order)


def test_a_variant_gone_before_the_task_runs_fails_without_writing(
    host,
    fulfilled_order,
    exchange_received,
    merchant,
    tee_variants,
    django_capture_on_commit_callbacks,
):
    # given a replacement recorded by the merchant, whose variant is deleted
    # before the task gets to it
    tee = line_by_sku(fulfilled_order, "SKU_AA")
    large = tee_variants["large"]
    with django_capture_on_commit_callbacks(execute=False):
        act.ship_items(
            exchange_received.pk,
            merchant,
            carrier="ZTO",
            tracking_number="ZTO42",
            replacements=[(str(tee.pk), gid(large))],
            version=3,
        )
    large.delete()
    before = notes(fulfilled_order)
    # when
    with pytest.raises(GoodsNotRecorded):
        send_pending_goods(str(exchange_received.pk), host=host)
    # then Saleor has no draft and no note, and the shipment waits to be recorded
    assert not reissued(fulfilled_order).exists()
    assert notes(fulfilled_order) == before
    assert not fulfilled_order.events.filter(type=OrderEvents.ORDER_REPLACEMENT_CREATED).exists()
    assert Shipment.objects.get(request=exchange_received, kind="replacement").host_reference == ""


REPLACEMENT_PAGE = """
query Replacement($id: ID!) {
  order(id: $id) {
    number
    status
    origin
    original
    lines { productSku quantity variant { id } }
    events { type relatedOrder { number } }
  }
}
"""


def test_the_dashboard_links_the_order_and_its_replacement(
    fulfilled_order, exchange_received, merchant, tee_variants, run_on_commit, staff_api_client
):
    # given a replacement shipped
    tee, large = line_by_sku(fulfilled_order, "SKU_AA"), tee_variants["large"]
    run_on_commit(
        act.ship_items,
        exchange_received.pk,
        merchant,
        carrier="ZTO",
        tracking_number="ZTO42",
        replacements=[(str(tee.pk), gid(large))],
        version=3,
    )
    draft = reissued(fulfilled_order).get()

    def page(order):
        response = staff_api_client.post_graphql(
            REPLACEMENT_PAGE, {"id": graphene.Node.to_global_id("Order", order.pk)}
        )
        return get_graphql_content(response)["data"]["order"]

    # when the merchant opens the order, then its replacement
    original, replacement = page(fulfilled_order), page(draft)
    # then each links to the other, as for a replacement made in Saleor
    linked = [
        event["relatedOrder"]
        for event in original["events"]
        if event["type"] == "ORDER_REPLACEMENT_CREATED"
    ]
    assert linked == [{"number": str(draft.number)}]
    assert (replacement["status"], replacement["origin"], replacement["original"]) == (
        "DRAFT",
        "REISSUE",
        graphene.Node.to_global_id("Order", fulfilled_order.pk),
    )
    assert replacement["lines"] == [
        {"productSku": "SKU_AA_L", "quantity": 1, "variant": {"id": gid(large)}}
    ]
    assert [event["type"] for event in replacement["events"]] == ["DRAFT_CREATED_FROM_REPLACE"]

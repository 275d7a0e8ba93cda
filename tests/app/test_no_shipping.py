"""Lines that need no shipping (gift cards, digital products) on the sandbox
shop: refund only, and nothing for a gift card that was spent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from saleor_kuai_returns.actions.create import create_request
from saleor_kuai_returns.domain import ErrorCode, NewRequest, NotEligible, Reason, RequestType
from saleor_kuai_returns.models import AfterSaleRequest
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import LineSpec, make_order

from .conftest import NOW, PHOTO_EVIDENCE


@pytest.fixture
def gift_card_order(demo):
    return make_order(
        demo.channel,
        demo.buyer,
        [LineSpec("GC-100", "Gift card 100", 1, "100.00", is_shipping_required=False)],
        delivered_at=NOW - timedelta(days=1),
    )


def file(order, buyer, request_type):
    line = order.lines.get()
    new = NewRequest(request_type, Reason.QUALITY_FUNCTION, lines=((str(line.id), 1),))
    with freeze_time(NOW):
        return create_request(str(order.id), buyer, new, evidence=[PHOTO_EVIDENCE], now=NOW)


@pytest.mark.parametrize(
    "request_type", [RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE, RequestType.RESHIP]
)
def test_a_line_that_needs_no_shipping_cannot_be_returned_exchanged_or_reshipped(
    gift_card_order, buyer, request_type
):
    with pytest.raises(NotEligible) as refused:
        file(gift_card_order, buyer, request_type)
    assert refused.value.code is ErrorCode.SHIPPING_NOT_REQUIRED
    assert AfterSaleRequest.objects.count() == 0


def test_a_line_that_needs_no_shipping_may_be_refunded(gift_card_order, buyer):
    request = file(gift_card_order, buyer, RequestType.REFUND_ONLY)
    assert (request.state, request.requested_amount) == ("awaiting_merchant_review", 100)
    assert list(request.lines.values_list("needs_shipping", flat=True)) == [False]


def test_a_spent_gift_card_is_not_refundable(gift_card_order, buyer):
    shop.OrderLine.objects.filter(order=gift_card_order).update(gift_card_used=True)
    with pytest.raises(NotEligible) as refused:
        file(gift_card_order, buyer, RequestType.REFUND_ONLY)
    assert refused.value.code is ErrorCode.GIFT_CARD_USED
    assert AfterSaleRequest.objects.count() == 0

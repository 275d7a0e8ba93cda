"""The payout's own rule (spec §5): a refund never pays more than is still
refundable when it is sent, on the shop's figures at that moment."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import RequestType, State
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.money import (
    LinePayment,
    capped_payout,
    payout_ceiling,
    spread_refund,
)
from saleor_kuai_returns.domain.payout import PayoutCheck, check_payout
from saleor_kuai_returns.domain.request import PayoutKind

from .factories import filed, line, order
from .paths import TRACKING, B, M, run, to_state, unshipped_refund_request

REFUND = PayoutKind.REFUND


def payment(
    total_paid: str = "200.00",
    quantity: int = 2,
    *,
    currency: str = "CNY",
    quantity_refunded: int = 0,
    amount_refunded: str = "0",
) -> LinePayment:
    return LinePayment(
        currency=currency,
        quantity=quantity,
        total_paid=Decimal(total_paid),
        quantity_refunded=quantity_refunded,
        amount_refunded=Decimal(amount_refunded),
    )


def shop_refunded(units: int, amount: str, **fields):
    """The order now: line-1 (2 units, 200.00) with ``units`` refunded by the shop."""
    return order(line(quantity_refunded_shipped=units, amount_refunded=Decimal(amount), **fields))


# Capped by what the shop refunded meanwhile


def test_nothing_refunded_meanwhile_pays_the_decided_refund():
    # given a refund of 1 of 2 units, decided as 100.00
    view = filed()
    # when the payout is sent on the unchanged order
    check = check_payout(view, Decimal("100.00"), REFUND, order())
    # then
    assert check == PayoutCheck(decided=Decimal("100.00"), payable=Decimal("100.00"))
    assert (check.capped, check.nothing_left) == (False, False)
    assert check.explain("CNY") == ""


def test_a_unit_refunded_by_the_shop_pays_nothing_when_no_unit_is_left():
    # given the shop refunded both units from its dashboard meanwhile
    view = filed()
    # when
    check = check_payout(view, Decimal("100.00"), REFUND, shop_refunded(2, "200.00"))
    # then
    assert check.payable == Decimal("0")
    assert (check.capped, check.nothing_left) == (True, True)
    assert check.explain("CNY") == (
        "nothing paid: the shop had already refunded these units (100.00 CNY)"
    )


def test_one_unit_refunded_by_the_shop_leaves_the_other_to_a_one_unit_refund():
    # the request's unit is still unrefunded: the shop refunded the other one
    check = check_payout(filed(), Decimal("100.00"), REFUND, shop_refunded(1, "100.00"))
    assert check.payable == Decimal("100.00")
    assert check.capped is False


def test_a_two_unit_refund_is_capped_to_the_unit_the_shop_did_not_refund():
    # given a refund of both units, decided as 200.00
    view = filed(lines=(("line-1", 2),))
    # when the shop refunded one of them meanwhile
    check = check_payout(view, Decimal("200.00"), REFUND, shop_refunded(1, "100.00"))
    # then
    assert check.payable == Decimal("100.00")
    assert (check.capped, check.nothing_left) == (True, False)
    assert check.explain("CNY") == (
        "capped from 200.00 to 100.00 CNY: the shop refunded some of these units meanwhile"
    )


def test_money_refunded_without_units_is_taken_off_too():
    check = check_payout(filed(), Decimal("100.00"), REFUND, shop_refunded(0, "30.00"))
    assert check.payable == Decimal("70.00")
    assert check.explain("CNY") == (
        "capped from 100.00 to 70.00 CNY: the shop refunded some of these units meanwhile"
    )


def test_a_negotiated_refund_below_what_is_left_is_paid_as_decided():
    check = check_payout(filed(), Decimal("60.00"), REFUND, shop_refunded(0, "30.00"))
    assert check == PayoutCheck(Decimal("60.00"), Decimal("60.00"))
    assert check.capped is False


def test_a_refund_capped_to_exactly_what_is_left_is_not_capped():
    check = check_payout(filed(), Decimal("70.00"), REFUND, shop_refunded(0, "30.00"))
    assert (check.payable, check.capped) == (Decimal("70.00"), False)


# Lines the shop can no longer refund


def test_a_spent_gift_card_line_contributes_nothing():
    # given a refund of 1 unit (100.00) and a gift card (50.00), filed before it was spent
    card = line("card", quantity=1, total_paid="50.00", needs_shipping=False)
    view = filed(
        RequestType.REFUND_ONLY,
        the_order=order(line(), card),
        lines=(("line-1", 1), ("card", 1)),
    )
    assert view.requested_amount == Decimal("150.00")
    # when the card is spent before the payout
    now = order(line(), replace(card, gift_card_used=True))
    check = check_payout(view, Decimal("150.00"), REFUND, now)
    # then only the goods are paid
    assert check.payable == Decimal("100.00")


def test_a_refund_of_a_spent_gift_card_alone_pays_nothing():
    card = line("card", quantity=1, total_paid="50.00", needs_shipping=False)
    view = filed(
        RequestType.REFUND_ONLY,
        the_order=order(card),
        lines=(("card", 1),),
    )
    now = order(replace(card, gift_card_used=True))
    check = check_payout(view, Decimal("50.00"), REFUND, now)
    assert (check.payable, check.nothing_left) == (Decimal("0"), True)


def test_a_line_gone_from_the_order_contributes_nothing():
    # given a refund of line-1 and line-2
    other = line("line-2", quantity=1, total_paid="80.00")
    view = filed(the_order=order(line(), other), lines=(("line-1", 1), ("line-2", 1)))
    assert view.requested_amount == Decimal("180.00")
    # when line-1 was removed from the order meanwhile
    check = check_payout(view, Decimal("180.00"), REFUND, order(other))
    # then
    assert check.payable == Decimal("80.00")
    assert check.explain("CNY") == (
        "capped from 180.00 to 80.00 CNY: the shop refunded some of these units meanwhile"
    )


# Shipping and return freight


@pytest.mark.parametrize(
    ("shipping_refunded", "payable"),
    [
        ("0", "210.00"),
        ("4.00", "206.00"),
        ("10.00", "200.00"),
        ("15.00", "200.00"),
    ],
)
def test_a_whole_order_refund_before_shipment_pays_the_shipping_still_unrefunded(
    shipping_refunded, payable
):
    # given an unshipped order: 200.00 of goods and 10.00 shipping, refunded whole
    view = unshipped_refund_request()
    assert view.requested_amount == Decimal("210.00")
    # when the shop refunded some shipping meanwhile
    now = replace(order(line(shipped=0)), shipping_refunded=Decimal(shipping_refunded))
    # then
    assert check_payout(view, Decimal("210.00"), REFUND, now).payable == Decimal(payable)


def test_a_refund_after_shipment_never_pays_shipping():
    # given a shipped line's refund, somehow decided with the shipping on top
    check = check_payout(filed(), Decimal("110.00"), REFUND, order())
    assert check.payable == Decimal("100.00")


def test_return_freight_the_merchant_owes_is_paid_on_top():
    # given an accepted return-freight claim of 12.00
    view = run(to_state(State.AWAITING_BUYER_RETURN), (c.ClaimReturnFreight(Decimal("12.00")), B))
    view = run(view, (c.AcceptFreightClaim(), M), (TRACKING, B))
    assert view.freight_owed == Decimal("12.00")
    # then the refund with its freight is paid whole
    assert check_payout(view, Decimal("112.00"), REFUND, order()).payable == Decimal("112.00")
    # and once the shop refunded the goods, the freight is still owed
    refunded = check_payout(view, Decimal("112.00"), REFUND, shop_refunded(2, "200.00"))
    assert refunded.payable == Decimal("12.00")
    assert refunded.explain("CNY") == (
        "capped from 112.00 to 12.00 CNY: the shop refunded some of these units meanwhile"
    )


def test_contested_freight_is_not_paid_on_top():
    view = run(to_state(State.AWAITING_BUYER_RETURN), (c.ClaimReturnFreight(Decimal("12.00")), B))
    view = run(view, (c.ContestFreightClaim(), M))
    assert check_payout(view, Decimal("112.00"), REFUND, order()).payable == Decimal("100.00")


# Compensation is not a refund of paid units


@pytest.mark.parametrize(
    "now",
    [
        order(),
        shop_refunded(2, "200.00"),
        order(line("line-2")),
        order(line(gift_card_used=True)),
    ],
    ids=["unchanged", "all-refunded", "line-gone", "gift-card-spent"],
)
def test_priority_compensation_is_never_capped(now):
    check = check_payout(filed(), Decimal("100.00"), PayoutKind.PRIORITY_COMPENSATION, now)
    assert check == PayoutCheck(Decimal("100.00"), Decimal("100.00"))
    assert check.explain("CNY") == ""


# Currencies


def test_a_yen_refund_is_capped_and_explained_without_decimals():
    # given 1 of 3 units of a 3000 JPY line
    jpy = line(quantity=3, total_paid="3000", currency="JPY")
    view = filed(the_order=order(jpy, shipping="500", currency="JPY"))
    assert view.requested_amount == Decimal("1000")
    # when the shop refunded 250 JPY without units meanwhile
    now = order(replace(jpy, amount_refunded=Decimal("250")), currency="JPY")
    check = check_payout(view, Decimal("1000"), REFUND, now)
    # then
    assert check.payable == Decimal("750")
    assert check.explain("JPY") == (
        "capped from 1000 to 750 JPY: the shop refunded some of these units meanwhile"
    )


def test_a_yen_line_priced_in_thirds_pays_the_cumulative_unit_price():
    # 1000 JPY for 3 units: the units cost 333, 334 and 333
    jpy = line(quantity=3, total_paid="1000", currency="JPY")
    view = filed(the_order=order(jpy, currency="JPY"), lines=(("line-1", 2),))
    assert view.requested_amount == Decimal("667")
    # when the shop refunded the first unit (333) meanwhile, two units are left: 667
    now = order(
        replace(jpy, quantity_refunded_shipped=1, amount_refunded=Decimal("333")), currency="JPY"
    )
    check = check_payout(view, Decimal("667"), REFUND, now)
    assert (check.payable, check.capped) == (Decimal("667"), False)


def test_explanations_use_the_currency_precision():
    assert PayoutCheck(Decimal("100"), Decimal("0")).explain("CNY") == (
        "nothing paid: the shop had already refunded these units (100.00 CNY)"
    )
    assert PayoutCheck(Decimal("12.5"), Decimal("3")).explain("KWD") == (
        "capped from 12.500 to 3.000 KWD: the shop refunded some of these units meanwhile"
    )
    assert PayoutCheck(Decimal("100"), Decimal("-1")).explain("JPY") == (
        "nothing paid: the shop had already refunded these units (100 JPY)"
    )


def test_a_payout_check_is_capped_only_below_the_decided_amount():
    assert PayoutCheck(Decimal("10.00"), Decimal("10.00")).capped is False
    assert PayoutCheck(Decimal("10.00"), Decimal("9.99")).capped is True
    assert PayoutCheck(Decimal("10.00"), Decimal("0.01")).nothing_left is False
    assert PayoutCheck(Decimal("10.00"), Decimal("0.00")).nothing_left is True


# The money functions behind it


def test_payout_ceiling_adds_unrefunded_shipping_only_for_a_whole_order_before_shipment():
    units = [(payment(), 2)]
    assert payout_ceiling(units, "CNY", shipping_left=Decimal("10.00")) == Decimal("200.00")
    assert payout_ceiling(
        units, "CNY", shipping_left=Decimal("10.00"), whole_order_before_shipment=True
    ) == Decimal("210.00")
    assert payout_ceiling(
        units, "CNY", shipping_left=Decimal("-5.00"), whole_order_before_shipment=True
    ) == Decimal("200.00")


def test_payout_ceiling_adds_the_freight_and_rounds_to_the_currency():
    units = [(payment("1000", 3, currency="JPY"), 1)]
    assert payout_ceiling(units, "JPY", freight=Decimal("12")) == Decimal("345")
    assert payout_ceiling([], "CNY", freight=Decimal("12.00")) == Decimal("12.00")


def test_payout_ceiling_counts_what_the_shop_refunded():
    refunded_one = payment(quantity_refunded=1, amount_refunded="100.00")
    assert payout_ceiling([(refunded_one, 2)], "CNY") == Decimal("100.00")
    assert payout_ceiling([(payment(amount_refunded="30.00"), 1)], "CNY") == Decimal("70.00")


@pytest.mark.parametrize(
    ("amount", "ceiling", "paid"),
    [
        ("100.00", "150.00", "100.00"),
        ("100.00", "100.00", "100.00"),
        ("100.00", "99.99", "99.99"),
        ("100.00", "0.00", "0"),
        ("100.00", "-3.00", "0"),
    ],
)
def test_capped_payout_is_the_smaller_of_amount_and_ceiling_never_negative(amount, ceiling, paid):
    assert capped_payout(Decimal(amount), Decimal(ceiling)) == Decimal(paid)


# Spreading a refund over its lines


def two_lines():
    """line-1: 1 of 2 units paid 200.00 (100.00); line-2: 1 unit paid 80.00."""
    return [("line-1", payment(), 1), ("line-2", payment("80.00", 1), 1)]


def test_a_refund_spreads_over_lines_in_order_each_up_to_its_units():
    assert spread_refund(Decimal("150.00"), two_lines()) == {
        "line-1": Decimal("100.00"),
        "line-2": Decimal("50.00"),
    }


def test_a_refund_above_the_lines_leaves_the_rest_unspread():
    shares = spread_refund(Decimal("250.00"), two_lines())
    assert shares == {"line-1": Decimal("100.00"), "line-2": Decimal("80.00")}
    assert Decimal("250.00") - sum(shares.values()) == Decimal("70.00")


def test_a_small_refund_reaches_only_the_first_line():
    assert spread_refund(Decimal("60.00"), two_lines()) == {"line-1": Decimal("60.00")}


def test_the_order_of_the_lines_decides_who_gets_the_refund():
    assert spread_refund(Decimal("90.00"), list(reversed(two_lines()))) == {
        "line-2": Decimal("80.00"),
        "line-1": Decimal("10.00"),
    }


def test_nothing_to_spread_spreads_nothing():
    assert spread_refund(Decimal("0"), two_lines()) == {}
    assert spread_refund(Decimal("50.00"), []) == {}


def test_a_line_the_shop_refunded_takes_no_share():
    refunded = [("line-1", payment(quantity_refunded=2, amount_refunded="200.00"), 1)]
    assert spread_refund(Decimal("50.00"), [*refunded, two_lines()[1]]) == {
        "line-2": Decimal("50.00")
    }


def test_units_are_spread_at_their_cumulative_price():
    # 100.00 for 3 units: the first two cost 66.67 together, the last one 33.33
    thirds = payment("100.00", 3)
    assert spread_refund(Decimal("100.00"), [("a", thirds, 2)]) == {"a": Decimal("66.67")}
    after_two = payment("100.00", 3, quantity_refunded=2, amount_refunded="66.67")
    assert spread_refund(Decimal("100.00"), [("a", after_two, 1)]) == {"a": Decimal("33.33")}

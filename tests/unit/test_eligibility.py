"""Eligibility (spec §2): every refusal, every window at its boundary, the ceilings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    AfterSaleWindows,
    ErrorCode,
    ItemKind,
    NotEligible,
    Policy,
    Reason,
    RequestLine,
    RequestType,
    admit,
    line_eligibility,
)
from saleor_kuai_returns.domain.eligibility import (
    TypeOption,
    after_sale_window,
    check_line,
    window_closes_at,
)

from .factories import DELIVERED, NOW, line, new_request, order

SECOND = timedelta(seconds=1)
NO_REASON_CLOSES = DELIVERED + timedelta(days=7)
QUALITY_CLOSES = DELIVERED + timedelta(days=15)
FRESH_FOOD = Policy(
    product_type_windows={
        "fresh-food": AfterSaleWindows(no_reason=timedelta(days=1), no_reason_allowed=False)
    }
)

# Every reason that is judged against the quality window, with a type it allows.
QUALITY_WINDOW_REASONS = [
    (RequestType.RETURN_AND_REFUND, Reason.LOGISTICS_DAMAGED),
    (RequestType.REFUND_ONLY, Reason.LOGISTICS_LOST),
    (RequestType.REFUND_ONLY, Reason.LOGISTICS_LATE),
    (RequestType.RETURN_AND_REFUND, Reason.QUALITY_MATERIAL),
    (RequestType.EXCHANGE, Reason.QUALITY_SIZE),
    (RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION),
    (RequestType.EXCHANGE, Reason.QUALITY_COLOUR),
    (RequestType.RESHIP, Reason.MISSING_ITEMS),
    (RequestType.EXCHANGE, Reason.WRONG_ITEM),
]


def refused(new, the_order=None, now=NOW, policy=DEFAULT_POLICY, **kwargs) -> NotEligible:
    """The refusal ``admit`` raises (the default order: one delivered line of 2 × 100.00)."""
    with pytest.raises(NotEligible) as error:
        admit(new, the_order or order(), now, policy, **kwargs)
    return error.value


def unshipped_order(*lines, shipping: str = "10.00"):
    """An order nothing of which shipped (by default one line of 2 units paid 200.00)."""
    return order(*(lines or (line(shipped=0),)), shipping=shipping)


# Refusals of admit(), one code each


def test_no_lines():
    # when
    error = refused(new_request(lines=()))
    # then
    assert error.code is ErrorCode.NO_LINES


def test_duplicate_line():
    # when
    error = refused(new_request(lines=(("line-1", 1), ("line-1", 1))))
    # then
    assert error.code is ErrorCode.DUPLICATE_LINE


def test_unknown_line():
    # when
    error = refused(new_request(lines=(("line-9", 1),)))
    # then
    assert error.code is ErrorCode.UNKNOWN_LINE
    assert error.message == "no line 'line-9' on this order"


def test_line_in_another_currency():
    # given a JPY line on a CNY order
    the_order = order(line(currency="JPY", total_paid="2000"), currency="CNY")
    # when
    error = refused(new_request(), the_order)
    # then
    assert error.code is ErrorCode.CURRENCY_MISMATCH


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_below_one(quantity):
    # when
    error = refused(new_request(lines=(("line-1", quantity),)))
    # then
    assert error.code is ErrorCode.QUANTITY_INVALID
    assert error.message == "line 'line-1': quantity invalid"


def test_active_request_on_the_line():
    # given
    the_order = order(line(has_active_request=True))
    # when
    error = refused(new_request(), the_order)
    # then
    assert error.code is ErrorCode.ACTIVE_REQUEST_EXISTS


def test_resubmission_is_not_blocked_by_its_own_active_request():
    # given
    the_order = order(line(has_active_request=True, attempts=1))
    # when
    admission = admit(new_request(), the_order, NOW, DEFAULT_POLICY, attempt=2)
    # then
    assert admission.requested_amount == Decimal("100.00")


def test_attempt_cap_reached():
    # given five earlier attempts on the line
    the_order = order(line(attempts=5))
    # when
    error = refused(new_request(), the_order)
    # then
    assert error.code is ErrorCode.ATTEMPT_CAP_REACHED


def test_reason_already_ruled_for_the_merchant():
    # given
    the_order = order(line(reasons_ruled_for_merchant=frozenset({Reason.QUALITY_FUNCTION})))
    # when
    error = refused(new_request(reason=Reason.QUALITY_FUNCTION), the_order)
    # then
    assert error.code is ErrorCode.REASON_ALREADY_RULED


def test_another_reason_than_the_one_ruled_is_allowed():
    # given
    the_order = order(line(reasons_ruled_for_merchant=frozenset({Reason.QUALITY_FUNCTION})))
    # when
    admission = admit(new_request(reason=Reason.QUALITY_SIZE), the_order, NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")


@pytest.mark.parametrize(
    ("request_type", "reason"),
    [
        (RequestType.RESHIP, Reason.QUALITY_FUNCTION),
        (RequestType.RESHIP, Reason.NO_REASON),
        (RequestType.RESHIP, Reason.WRONG_ITEM),
        (RequestType.EXCHANGE, Reason.MISSING_ITEMS),
        (RequestType.RETURN_AND_REFUND, Reason.MISSING_ITEMS),
        (RequestType.EXCHANGE, Reason.LOGISTICS_LATE),
    ],
)
def test_reason_not_allowed_for_the_type(request_type, reason):
    # when
    error = refused(new_request(request_type, reason))
    # then
    assert error.code is ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE


def test_quantity_above_the_shipped_quantity():
    # when
    error = refused(new_request(lines=(("line-1", 3),)))
    # then
    assert error.code is ErrorCode.QUANTITY_TOO_HIGH


def test_quantity_above_what_is_left_after_earlier_returns():
    # given one of the two units already returned
    the_order = order(line(quantity_refunded_shipped=1, amount_refunded=Decimal("100.00")))
    # when
    error = refused(new_request(lines=(("line-1", 2),)), the_order)
    # then
    assert error.code is ErrorCode.QUANTITY_TOO_HIGH


def test_quantity_above_the_unshipped_quantity():
    # when
    error = refused(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 3),)),
        unshipped_order(),
    )
    # then
    assert error.code is ErrorCode.QUANTITY_TOO_HIGH


def test_window_closed():
    # when
    error = refused(new_request(), now=QUALITY_CLOSES)
    # then
    assert error.code is ErrorCode.WINDOW_CLOSED


def test_no_reason_not_allowed_for_the_product_type():
    # given a fresh-food line delivered an hour ago
    the_order = order(line(product_type="fresh-food", delivered_at=NOW - timedelta(hours=1)))
    # when
    error = refused(
        new_request(RequestType.RETURN_AND_REFUND, Reason.NO_REASON), the_order, policy=FRESH_FOOD
    )
    # then
    assert error.code is ErrorCode.NO_REASON_NOT_ALLOWED


@pytest.mark.parametrize(
    "the_line",
    [
        line(shipped=0, quantity_refunded_unshipped=2, amount_refunded=Decimal("200.00")),
        line(quantity_refunded_shipped=2, amount_refunded=Decimal("200.00")),
    ],
    ids=["cancelled before shipment", "returned after shipment"],
)
def test_nothing_left_on_the_line(the_line):
    # when
    error = refused(new_request(RequestType.REFUND_ONLY, Reason.NO_REASON), order(the_line))
    # then
    assert error.code is ErrorCode.NOTHING_LEFT


@pytest.mark.parametrize(
    ("request_type", "reason"),
    [
        (RequestType.RETURN_AND_REFUND, Reason.NO_REASON),
        (RequestType.EXCHANGE, Reason.NO_REASON),
        (RequestType.RESHIP, Reason.MISSING_ITEMS),
    ],
)
def test_type_requires_shipment(request_type, reason):
    # when
    error = refused(new_request(request_type, reason, lines=(("line-1", 2),)), unshipped_order())
    # then
    assert error.code is ErrorCode.TYPE_REQUIRES_SHIPMENT


@pytest.mark.parametrize(
    "reason",
    [
        Reason.LOGISTICS_DAMAGED,
        Reason.LOGISTICS_LOST,
        Reason.QUALITY_MATERIAL,
        Reason.QUALITY_SIZE,
        Reason.QUALITY_FUNCTION,
        Reason.QUALITY_COLOUR,
        Reason.MISSING_ITEMS,
        Reason.WRONG_ITEM,
    ],
)
def test_reason_requires_shipment(reason):
    # when
    error = refused(
        new_request(RequestType.REFUND_ONLY, reason, lines=(("line-1", 2),)), unshipped_order()
    )
    # then
    assert error.code is ErrorCode.REASON_REQUIRES_SHIPMENT


def test_whole_unshipped_quantity_required_before_shipment():
    # when
    error = refused(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 1),)),
        unshipped_order(),
    )
    # then
    assert error.code is ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED


def test_shipped_and_unshipped_lines_in_one_request():
    # given
    the_order = order(line("line-1"), line("line-2", total_paid="50.00", shipped=0))
    # when
    error = refused(
        new_request(
            RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 1), ("line-2", 2))
        ),
        the_order,
    )
    # then
    assert error.code is ErrorCode.MIXED_SHIPMENT_STATE


@pytest.mark.parametrize(("request_type", "reason"), QUALITY_WINDOW_REASONS)
def test_evidence_required(request_type, reason):
    # when
    error = refused(new_request(request_type, reason, evidence_count=0))
    # then
    assert error.code is ErrorCode.EVIDENCE_REQUIRED


def test_no_reason_needs_no_evidence():
    # when
    admission = admit(
        new_request(RequestType.RETURN_AND_REFUND, Reason.NO_REASON, evidence_count=0),
        order(),
        NOW,
        DEFAULT_POLICY,
    )
    # then
    assert admission.requested_amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("evidence_count", "policy"),
    [(10, DEFAULT_POLICY), (4, Policy(max_evidence_items=3))],
    ids=["platform cap", "stricter channel"],
)
def test_too_much_evidence(evidence_count, policy):
    # when
    error = refused(new_request(evidence_count=evidence_count), policy=policy)
    # then
    assert error.code is ErrorCode.TOO_MUCH_EVIDENCE


def test_evidence_at_the_cap_is_accepted():
    # when
    admission = admit(new_request(evidence_count=9), order(), NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")


def test_text_too_long():
    # when
    error = refused(new_request(description="质" * 501))
    # then
    assert error.code is ErrorCode.TEXT_TOO_LONG


def test_text_at_the_limit_is_accepted():
    # when
    admission = admit(new_request(description="质" * 500), order(), NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")


def test_negative_evidence_count():
    # when
    error = refused(new_request(evidence_count=-1))
    # then
    assert error.code is ErrorCode.INVALID_COUNT


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01"])
def test_requested_amount_not_positive(amount):
    # when
    error = refused(new_request(requested_amount=Decimal(amount)))
    # then
    assert error.code is ErrorCode.AMOUNT_NOT_POSITIVE


def test_nothing_left_to_pay_on_the_line():
    # given earlier partial refunds without units that used up the line's money
    the_order = order(line(amount_refunded=Decimal("200.00")))
    # when
    error = refused(new_request(), the_order)
    # then
    assert error.code is ErrorCode.AMOUNT_NOT_POSITIVE


def test_requested_amount_above_the_ceiling():
    # when
    error = refused(new_request(requested_amount=Decimal("100.01")))
    # then
    assert error.code is ErrorCode.AMOUNT_ABOVE_CEILING
    assert error.message == "asked 100.01, at most 100.00 CNY"


# check_line() on its own


def test_check_line_accepts_a_plain_return():
    # when
    error = check_line(
        line(),
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        1,
        NOW,
        DEFAULT_POLICY,
        attempt=1,
    )
    # then
    assert error is None


def test_check_line_reports_the_first_rule_broken():
    # given a line with an active request whose cap is also reached
    the_line = line(has_active_request=True, attempts=5)
    # when
    error = check_line(
        the_line, RequestType.RESHIP, Reason.QUALITY_FUNCTION, 1, NOW, DEFAULT_POLICY, attempt=6
    )
    # then
    assert error is ErrorCode.ACTIVE_REQUEST_EXISTS


# After-sale windows, counted from delivery


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NO_REASON_CLOSES - SECOND, None),
        (NO_REASON_CLOSES, ErrorCode.WINDOW_CLOSED),
        (NO_REASON_CLOSES + SECOND, ErrorCode.WINDOW_CLOSED),
    ],
    ids=["just before", "at", "after"],
)
@pytest.mark.parametrize("request_type", [RequestType.RETURN_AND_REFUND, RequestType.EXCHANGE])
def test_no_reason_window_is_seven_days_from_delivery(request_type, now, expected):
    # when
    error = check_line(line(), request_type, Reason.NO_REASON, 1, now, DEFAULT_POLICY, attempt=1)
    # then
    assert error == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (QUALITY_CLOSES - SECOND, None),
        (QUALITY_CLOSES, ErrorCode.WINDOW_CLOSED),
        (QUALITY_CLOSES + SECOND, ErrorCode.WINDOW_CLOSED),
    ],
    ids=["just before", "at", "after"],
)
@pytest.mark.parametrize(("request_type", "reason"), QUALITY_WINDOW_REASONS)
def test_quality_window_is_fifteen_days_from_delivery(request_type, reason, now, expected):
    # when
    error = check_line(line(), request_type, reason, 1, now, DEFAULT_POLICY, attempt=1)
    # then
    assert error == expected


def test_admit_one_second_before_the_no_reason_window_closes():
    # when
    admission = admit(
        new_request(RequestType.RETURN_AND_REFUND, Reason.NO_REASON),
        order(),
        NO_REASON_CLOSES - SECOND,
        DEFAULT_POLICY,
    )
    # then
    assert admission.before_shipment is False
    assert admission.refund_ceiling == Decimal("100.00")


@pytest.mark.parametrize("now", [NO_REASON_CLOSES, NO_REASON_CLOSES + SECOND], ids=["at", "after"])
def test_admit_refuses_no_reason_once_the_window_closed(now):
    # when
    error = refused(new_request(RequestType.RETURN_AND_REFUND, Reason.NO_REASON), now=now)
    # then
    assert error.code is ErrorCode.WINDOW_CLOSED


def test_a_quality_claim_is_still_open_after_the_no_reason_window():
    # when
    admission = admit(new_request(), order(), NO_REASON_CLOSES + SECOND, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")


def test_window_closes_at_for_each_kind_of_reason():
    # given
    the_line = line()
    # when
    no_reason = window_closes_at(the_line, Reason.NO_REASON, DEFAULT_POLICY)
    quality = window_closes_at(the_line, Reason.QUALITY_MATERIAL, DEFAULT_POLICY)
    wrong_item = window_closes_at(the_line, Reason.WRONG_ITEM, DEFAULT_POLICY)
    # then
    assert no_reason == DELIVERED + timedelta(days=7)
    assert quality == DELIVERED + timedelta(days=15)
    assert wrong_item == DELIVERED + timedelta(days=15)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (Reason.NO_REASON, timedelta(days=7)),
        (Reason.QUALITY_FUNCTION, timedelta(days=15)),
        (Reason.LOGISTICS_DAMAGED, timedelta(days=15)),
        (Reason.MISSING_ITEMS, timedelta(days=15)),
    ],
)
def test_after_sale_window_under_the_default_policy(reason, expected):
    # when
    window = after_sale_window(line(), reason, DEFAULT_POLICY)
    # then
    assert window == expected


def test_after_sale_window_follows_the_channel_settings():
    # given
    policy = Policy(no_reason_window=timedelta(days=3), quality_window=timedelta(days=30))
    # when
    no_reason = after_sale_window(line(), Reason.NO_REASON, policy)
    quality = after_sale_window(line(), Reason.QUALITY_SIZE, policy)
    # then
    assert (no_reason, quality) == (timedelta(days=3), timedelta(days=30))


# Product-type override


def test_product_type_override_shortens_the_no_reason_window():
    # given
    the_line = line(product_type="fresh-food")
    # when
    no_reason = after_sale_window(the_line, Reason.NO_REASON, FRESH_FOOD)
    quality = after_sale_window(the_line, Reason.QUALITY_FUNCTION, FRESH_FOOD)
    closes_at = window_closes_at(the_line, Reason.NO_REASON, FRESH_FOOD)
    # then
    assert no_reason == timedelta(days=1)
    assert quality == timedelta(days=15)
    assert closes_at == DELIVERED + timedelta(days=1)


def test_product_type_override_refuses_no_reason_inside_its_window():
    # given
    the_line = line(product_type="fresh-food")
    # when
    error = check_line(
        the_line,
        RequestType.RETURN_AND_REFUND,
        Reason.NO_REASON,
        1,
        DELIVERED + timedelta(days=1) - SECOND,
        FRESH_FOOD,
        attempt=1,
    )
    # then
    assert error is ErrorCode.NO_REASON_NOT_ALLOWED


def test_product_type_override_keeps_the_quality_window():
    # given
    the_line = line(product_type="fresh-food")
    # when
    before = check_line(
        the_line,
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        1,
        QUALITY_CLOSES - SECOND,
        FRESH_FOOD,
        attempt=1,
    )
    at = check_line(
        the_line,
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        1,
        QUALITY_CLOSES,
        FRESH_FOOD,
        attempt=1,
    )
    # then
    assert before is None
    assert at is ErrorCode.WINDOW_CLOSED


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DELIVERED + timedelta(days=1) - SECOND, None),
        (DELIVERED + timedelta(days=1), ErrorCode.WINDOW_CLOSED),
        (DELIVERED + timedelta(days=1) + SECOND, ErrorCode.WINDOW_CLOSED),
    ],
    ids=["just before", "at", "after"],
)
def test_product_type_no_reason_window_at_its_boundary(now, expected):
    # given a product type with a one-day no-reason window that allows no-reason returns
    policy = Policy(
        product_type_windows={"perishable": AfterSaleWindows(no_reason=timedelta(days=1))}
    )
    the_line = line(product_type="perishable")
    # when
    error = check_line(
        the_line, RequestType.RETURN_AND_REFUND, Reason.NO_REASON, 1, now, policy, attempt=1
    )
    # then
    assert error == expected


def test_product_type_override_does_not_touch_other_product_types():
    # given
    the_line = line(product_type="clothes")
    # when
    error = check_line(
        the_line,
        RequestType.RETURN_AND_REFUND,
        Reason.NO_REASON,
        1,
        NO_REASON_CLOSES - SECOND,
        FRESH_FOOD,
        attempt=1,
    )
    # then
    assert error is None


def test_no_reason_refund_before_shipment_ignores_the_product_type_override():
    # given an unshipped fresh-food line: cancelling before shipment is not a no-reason return
    the_order = unshipped_order(line(shipped=0, product_type="fresh-food"))
    # when
    admission = admit(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 2),)),
        the_order,
        NOW,
        FRESH_FOOD,
    )
    # then
    assert admission.before_shipment is True


# Shipped but not yet delivered: the window has not started


def test_window_of_an_undelivered_line_has_not_started():
    # given
    the_line = line(delivered_at=None)
    # when
    closes_at = window_closes_at(the_line, Reason.NO_REASON, DEFAULT_POLICY)
    # then
    assert closes_at is None


@pytest.mark.parametrize(
    ("request_type", "reason"),
    [*QUALITY_WINDOW_REASONS, (RequestType.RETURN_AND_REFUND, Reason.NO_REASON)],
)
def test_undelivered_line_is_eligible_long_after_shipment(request_type, reason):
    # given a line shipped but never delivered
    the_order = order(line(delivered_at=None))
    # when
    admission = admit(
        new_request(request_type, reason), the_order, NOW + timedelta(days=100), DEFAULT_POLICY
    )
    # then
    assert admission.before_shipment is False
    assert admission.lines == (RequestLine(snapshot=the_order.lines["line-1"], quantity=1),)


# Attempt cap


def test_fifth_attempt_is_allowed():
    # given four earlier attempts and the default cap of five
    the_order = order(line(attempts=4))
    # when
    admission = admit(new_request(), the_order, NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")


@pytest.mark.parametrize(("attempt", "expected"), [(5, None), (6, ErrorCode.ATTEMPT_CAP_REACHED)])
def test_attempt_cap_on_resubmission(attempt, expected):
    # given
    the_line = line(has_active_request=True, attempts=attempt - 1)
    # when
    error = check_line(
        the_line,
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        1,
        NOW,
        DEFAULT_POLICY,
        attempt=attempt,
        resubmission=True,
    )
    # then
    assert error == expected


def test_resubmission_beyond_the_cap_is_refused_by_admit():
    # given
    the_order = order(line(has_active_request=True, attempts=5))
    # when
    error = refused(new_request(), the_order, attempt=6)
    # then
    assert error.code is ErrorCode.ATTEMPT_CAP_REACHED


@pytest.mark.parametrize(("attempts", "expected"), [(1, None), (2, ErrorCode.ATTEMPT_CAP_REACHED)])
def test_attempt_cap_follows_the_channel_setting(attempts, expected):
    # given a channel allowing two attempts
    policy = Policy(attempt_cap=2)
    # when
    error = check_line(
        line(attempts=attempts),
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        1,
        NOW,
        policy,
        attempt=attempts + 1,
    )
    # then
    assert error == expected


# Ceilings, shipping and the requested amount


def test_whole_order_refunded_before_shipment_includes_shipping():
    # given an unshipped line of two units paid 200.00, shipping 10.00
    the_order = unshipped_order()
    # when
    admission = admit(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 2),)),
        the_order,
        NOW,
        DEFAULT_POLICY,
    )
    # then
    assert admission.before_shipment is True
    assert admission.whole_order_before_shipment is True
    assert admission.refund_ceiling == Decimal("210.00")
    assert admission.requested_amount == Decimal("210.00")


def test_whole_order_of_several_lines_before_shipment_includes_shipping():
    # given
    the_order = unshipped_order(
        line("line-1", shipped=0), line("line-2", quantity=3, total_paid="100.00", shipped=0)
    )
    # when
    admission = admit(
        new_request(
            RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-1", 2), ("line-2", 3))
        ),
        the_order,
        NOW,
        DEFAULT_POLICY,
    )
    # then
    assert admission.whole_order_before_shipment is True
    assert admission.refund_ceiling == Decimal("310.00")


def test_one_line_of_an_unshipped_order_excludes_shipping():
    # given
    the_order = unshipped_order(
        line("line-1", shipped=0), line("line-2", quantity=3, total_paid="100.00", shipped=0)
    )
    # when
    admission = admit(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-2", 3),)),
        the_order,
        NOW,
        DEFAULT_POLICY,
    )
    # then
    assert admission.before_shipment is True
    assert admission.whole_order_before_shipment is False
    assert admission.refund_ceiling == Decimal("100.00")


def test_unshipped_line_of_a_partly_shipped_order_excludes_shipping():
    # given line-1 shipped, line-2 not
    the_order = order(line("line-1"), line("line-2", total_paid="50.00", shipped=0))
    # when
    admission = admit(
        new_request(RequestType.REFUND_ONLY, Reason.NO_REASON, lines=(("line-2", 2),)),
        the_order,
        NOW,
        DEFAULT_POLICY,
    )
    # then
    assert admission.before_shipment is True
    assert admission.whole_order_before_shipment is False
    assert admission.refund_ceiling == Decimal("50.00")


def test_whole_order_returned_after_shipment_excludes_shipping():
    # when
    admission = admit(new_request(lines=(("line-1", 2),)), order(), NOW, DEFAULT_POLICY)
    # then
    assert admission.before_shipment is False
    assert admission.whole_order_before_shipment is False
    assert admission.refund_ceiling == Decimal("200.00")


def test_ceiling_splits_a_line_without_losing_a_cent():
    # given three units paid 100.00
    the_order = order(line(quantity=3, total_paid="100.00"))
    # when
    one = admit(new_request(lines=(("line-1", 1),)), the_order, NOW, DEFAULT_POLICY)
    two = admit(new_request(lines=(("line-1", 2),)), the_order, NOW, DEFAULT_POLICY)
    # then
    assert one.refund_ceiling == Decimal("33.33")
    assert two.refund_ceiling == Decimal("66.67")


def test_ceiling_after_an_earlier_partial_refund():
    # given 30.00 given back earlier without units
    the_order = order(line(amount_refunded=Decimal("30.00")))
    # when
    admission = admit(new_request(), the_order, NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("70.00")


def test_requested_amount_defaults_to_the_ceiling():
    # when
    admission = admit(new_request(), order(), NOW, DEFAULT_POLICY)
    # then
    assert admission.refund_ceiling == Decimal("100.00")
    assert admission.requested_amount == Decimal("100.00")


@pytest.mark.parametrize("amount", ["0.01", "60.00", "100.00"])
def test_requested_amount_up_to_the_ceiling_is_kept(amount):
    # when
    admission = admit(new_request(requested_amount=Decimal(amount)), order(), NOW, DEFAULT_POLICY)
    # then
    assert admission.requested_amount == Decimal(amount)
    assert admission.refund_ceiling == Decimal("100.00")


def test_admission_lists_the_lines_and_quantities():
    # given
    the_order = order(line("line-1"), line("line-2", total_paid="50.00"))
    # when
    admission = admit(
        new_request(lines=(("line-1", 2), ("line-2", 1))), the_order, NOW, DEFAULT_POLICY
    )
    # then
    assert admission.lines == (
        RequestLine(snapshot=the_order.lines["line-1"], quantity=2),
        RequestLine(snapshot=the_order.lines["line-2"], quantity=1),
    )
    assert admission.refund_ceiling == Decimal("225.00")


def test_reship_of_missing_goods_is_worth_what_was_paid():
    # when
    admission = admit(
        new_request(RequestType.RESHIP, Reason.MISSING_ITEMS), order(), NOW, DEFAULT_POLICY
    )
    # then
    assert admission.refund_ceiling == Decimal("100.00")
    assert admission.requested_amount == Decimal("100.00")


def test_reship_of_a_missing_gift_is_worth_its_declared_price():
    # given a free gift declared at 39.90 on the product page
    the_order = order(
        line(
            total_paid="0.00",
            quantity=1,
            item_kind=ItemKind.GIFT,
            declared_unit_price=Decimal("39.90"),
        )
    )
    # when
    admission = admit(
        new_request(RequestType.RESHIP, Reason.MISSING_ITEMS), the_order, NOW, DEFAULT_POLICY
    )
    # then
    assert admission.refund_ceiling == Decimal("39.90")
    assert admission.requested_amount == Decimal("39.90")


def test_reship_of_a_missing_free_gift_without_a_declared_price_is_admitted_at_zero():
    # given a free gift with no product page price
    the_order = order(line(total_paid="0.00", quantity=1, item_kind=ItemKind.GIFT))
    # when
    admission = admit(
        new_request(RequestType.RESHIP, Reason.MISSING_ITEMS), the_order, NOW, DEFAULT_POLICY
    )
    # then
    assert admission.refund_ceiling == Decimal("0.00")
    assert admission.requested_amount == Decimal("0.00")


# line_eligibility()

ALL_REASONS = tuple(Reason)
OPEN_FOR_A_SHIPPED_LINE = {
    RequestType.REFUND_ONLY: ALL_REASONS,
    RequestType.RETURN_AND_REFUND: tuple(r for r in Reason if r is not Reason.MISSING_ITEMS),
    RequestType.EXCHANGE: (
        Reason.LOGISTICS_DAMAGED,
        Reason.LOGISTICS_LOST,
        Reason.QUALITY_MATERIAL,
        Reason.QUALITY_SIZE,
        Reason.QUALITY_FUNCTION,
        Reason.QUALITY_COLOUR,
        Reason.WRONG_ITEM,
        Reason.NO_REASON,
    ),
    RequestType.RESHIP: (Reason.LOGISTICS_LOST, Reason.MISSING_ITEMS),
}


def test_line_eligibility_of_a_delivered_line():
    # when
    eligibility = line_eligibility(line(), NOW, DEFAULT_POLICY)
    # then
    assert eligibility.line_id == "line-1"
    assert eligibility.not_eligible_because is None
    assert eligibility.options == tuple(
        TypeOption(
            request_type=request_type,
            reasons=reasons,
            max_quantity=2,
            max_refund=Decimal("200.00"),
        )
        for request_type, reasons in OPEN_FOR_A_SHIPPED_LINE.items()
    )


def test_line_eligibility_after_the_no_reason_window():
    # when
    eligibility = line_eligibility(line(), NO_REASON_CLOSES, DEFAULT_POLICY)
    # then no type offers the no-reason return any more
    assert eligibility.not_eligible_because is None
    assert [option.request_type for option in eligibility.options] == list(RequestType)
    assert [Reason.NO_REASON in option.reasons for option in eligibility.options] == [
        False,
        False,
        False,
        False,
    ]
    assert eligibility.options[0].reasons == tuple(r for r in Reason if r is not Reason.NO_REASON)


def test_line_eligibility_of_an_unshipped_line():
    # when
    eligibility = line_eligibility(line(shipped=0), NOW, DEFAULT_POLICY)
    # then
    assert eligibility.options == (
        TypeOption(
            request_type=RequestType.REFUND_ONLY,
            reasons=(Reason.LOGISTICS_LATE, Reason.NO_REASON),
            max_quantity=2,
            max_refund=Decimal("200.00"),
            unshipped=True,
        ),
    )
    assert eligibility.not_eligible_because is None


def test_line_eligibility_after_a_partial_return():
    # given one of two units already returned and refunded
    the_line = line(quantity_refunded_shipped=1, amount_refunded=Decimal("100.00"))
    # when
    eligibility = line_eligibility(the_line, NOW, DEFAULT_POLICY)
    # then
    assert {option.max_quantity for option in eligibility.options} == {1}
    assert {option.max_refund for option in eligibility.options} == {Decimal("100.00")}


def test_line_eligibility_of_a_fresh_food_line_drops_no_reason():
    # given a fresh-food line delivered an hour ago
    the_line = line(product_type="fresh-food", delivered_at=NOW - timedelta(hours=1))
    # when
    eligibility = line_eligibility(the_line, NOW, FRESH_FOOD)
    # then
    assert eligibility.options[0].reasons == tuple(r for r in Reason if r is not Reason.NO_REASON)
    assert eligibility.not_eligible_because is None


@pytest.mark.parametrize(
    ("the_line", "now", "expected"),
    [
        (
            line(quantity_refunded_shipped=2, amount_refunded=Decimal("200.00")),
            NOW,
            ErrorCode.NOTHING_LEFT,
        ),
        (
            line(shipped=0, quantity_refunded_unshipped=2, amount_refunded=Decimal("200.00")),
            NOW,
            ErrorCode.NOTHING_LEFT,
        ),
        (line(has_active_request=True), NOW, ErrorCode.ACTIVE_REQUEST_EXISTS),
        (line(attempts=5), NOW, ErrorCode.ATTEMPT_CAP_REACHED),
        (line(), QUALITY_CLOSES, ErrorCode.WINDOW_CLOSED),
        (line(), QUALITY_CLOSES + timedelta(days=30), ErrorCode.WINDOW_CLOSED),
        (
            line(reasons_ruled_for_merchant=frozenset(Reason)),
            NOW,
            ErrorCode.REASON_ALREADY_RULED,
        ),
    ],
    ids=[
        "returned",
        "cancelled",
        "active request",
        "attempt cap",
        "window just closed",
        "window long closed",
        "every reason ruled",
    ],
)
def test_line_eligibility_says_why_nothing_can_be_filed(the_line, now, expected):
    # when
    eligibility = line_eligibility(the_line, now, DEFAULT_POLICY)
    # then
    assert eligibility.options == ()
    assert eligibility.not_eligible_because is expected


def test_line_eligibility_one_second_before_the_quality_window_closes():
    # when
    eligibility = line_eligibility(line(), QUALITY_CLOSES - SECOND, DEFAULT_POLICY)
    # then
    assert eligibility.not_eligible_because is None
    assert [option.request_type for option in eligibility.options] == list(RequestType)


def test_line_eligibility_of_an_undelivered_line_long_after_shipment():
    # when
    eligibility = line_eligibility(
        line(delivered_at=None), NOW + timedelta(days=100), DEFAULT_POLICY
    )
    # then
    assert eligibility.not_eligible_because is None
    assert eligibility.options[0].reasons == ALL_REASONS


def test_a_partly_shipped_line_may_refund_its_unshipped_remainder():
    # given 3 units ordered (300.00 CNY), 1 shipped and delivered
    the_order = order(line(quantity=3, total_paid="300.00", shipped=1))
    remainder = new_request(
        RequestType.REFUND_ONLY,
        Reason.NO_REASON,
        (("line-1", 2),),
        evidence_count=0,
        unshipped=True,
    )
    shipped_unit = new_request(RequestType.RETURN_AND_REFUND, lines=(("line-1", 1),))
    # when
    admitted = admit(remainder, the_order, NOW, DEFAULT_POLICY)
    # then the two unshipped units, without shipping (part of the order shipped)
    assert admitted.before_shipment is True
    assert admitted.whole_order_before_shipment is False
    assert admitted.refund_ceiling == Decimal("200.00")
    assert admit(shipped_unit, the_order, NOW, DEFAULT_POLICY).before_shipment is False
    # and without the flag the request is about the shipped unit
    with pytest.raises(NotEligible) as error:
        admit(replace(remainder, unshipped=False), the_order, NOW, DEFAULT_POLICY)
    assert error.value.code is ErrorCode.QUANTITY_TOO_HIGH


def test_line_eligibility_of_a_partly_shipped_line_offers_both_parts():
    the_line = line(quantity=3, total_paid="300.00", shipped=1)
    eligibility = line_eligibility(the_line, NOW, DEFAULT_POLICY)
    assert [
        (o.request_type, o.unshipped, o.max_quantity, o.max_refund) for o in eligibility.options
    ] == [
        (RequestType.REFUND_ONLY, False, 1, Decimal("100.00")),
        (RequestType.RETURN_AND_REFUND, False, 1, Decimal("100.00")),
        (RequestType.EXCHANGE, False, 1, Decimal("100.00")),
        (RequestType.RESHIP, False, 1, Decimal("100.00")),
        (RequestType.REFUND_ONLY, True, 2, Decimal("200.00")),
    ]


def test_line_eligibility_of_a_free_gift_offers_only_reship_at_its_declared_price():
    gift = line(
        "gift",
        quantity=1,
        total_paid="0.00",
        unit_price="0.00",
        item_kind=ItemKind.GIFT,
        declared_unit_price=Decimal("39.90"),
    )
    eligibility = line_eligibility(gift, NOW, DEFAULT_POLICY)
    assert [(o.request_type, o.max_refund) for o in eligibility.options] == [
        (RequestType.RESHIP, Decimal("39.90")),
    ]

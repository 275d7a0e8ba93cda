"""Drive a request through real events to any state, for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from saleor_kuai_returns.domain import (
    DEFAULT_POLICY,
    Actor,
    Policy,
    Reason,
    RejectionReason,
    RequestType,
    RequestView,
    State,
    decide,
)
from saleor_kuai_returns.domain import commands as c

from .factories import NOW, filed, line, order

B, M, P, S = Actor.BUYER, Actor.MERCHANT, Actor.PLATFORM, Actor.SYSTEM

Step = tuple[c.Command, Actor]


def run(
    view: RequestView,
    *steps: Step,
    now: datetime = NOW,
    policy: Policy = DEFAULT_POLICY,
) -> RequestView:
    for command, actor in steps:
        view = decide(view, command, actor, now, policy).view
    return view


def expire(view: RequestView, policy: Policy = DEFAULT_POLICY) -> RequestView:
    """Let the current deadline pass: the default outcome applies at its instant."""
    assert view.deadline is not None
    return decide(view, c.DeadlineExpired(), S, view.deadline.at, policy).view


def negotiate_and_reject(view: RequestView) -> RequestView:
    return run(
        view,
        (c.SendNegotiationMessage("Could you send a photo of the seam?"), M),
        (c.Reject(RejectionReason.OUTSIDE_POLICY), M),
    )


def reship_request() -> RequestView:
    return filed(RequestType.RESHIP, Reason.MISSING_ITEMS)


def exchange_request() -> RequestView:
    return filed(RequestType.EXCHANGE, Reason.QUALITY_SIZE)


def refund_only_request() -> RequestView:
    return filed(RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION)


def unshipped_refund_request() -> RequestView:
    return filed(
        RequestType.REFUND_ONLY,
        Reason.NO_REASON,
        the_order=order(line(shipped=0)),
        lines=(("line-1", 2),),
        evidence_count=0,
    )


TRACKING = c.SubmitReturnShipment(carrier="SF Express", tracking_number="SF1234567890")
SHIPMENT = c.ShipItems(carrier="ZTO", tracking_number="ZTO987654321")


def same_price_variants(view: RequestView) -> tuple[c.Replacement, ...]:
    """Another variant of each line's product at the price paid."""
    return tuple(
        c.Replacement(
            line_id=item.snapshot.line_id,
            variant_id=f"{item.snapshot.line_id}-other-size",
            unit_price=item.snapshot.unit_price,
            same_product=True,
        )
        for item in view.lines
    )


def replacement(view: RequestView) -> c.ShipItems:
    return c.ShipItems(
        carrier="ZTO", tracking_number="ZTO987654321", replacements=same_price_variants(view)
    )


def to_state(state: State) -> RequestView:
    """A freshly filed request (return and refund of 1 of 2 units paid 200.00 CNY,
    quality reason) driven to ``state`` through the events a user would send."""
    review = filed()
    exchange = exchange_request()
    paths: dict[State, RequestView] = {}
    paths[State.AWAITING_MERCHANT_REVIEW] = review
    paths[State.PROPOSAL_AWAITING_BUYER] = run(
        review, (c.ProposeChange(amount=Decimal("80.00")), M)
    )
    paths[State.REJECTED] = negotiate_and_reject(review)
    paths[State.AWAITING_BUYER_RETURN] = run(review, (c.Approve(), M))
    paths[State.AWAITING_MERCHANT_RECEIPT] = run(review, (c.Approve(), M), (TRACKING, B))
    paths[State.RECEIPT_REJECTED] = run(
        paths[State.AWAITING_MERCHANT_RECEIPT],
        (c.RejectReceipt(description="The box is empty.", evidence_count=2), M),
    )
    paths[State.AWAITING_REPLACEMENT_SHIPMENT] = run(
        exchange, (c.Approve(), M), (TRACKING, B), (c.ConfirmReceipt(), M)
    )
    paths[State.AWAITING_RESHIP] = run(reship_request(), (c.Approve(), M))
    if state is State.RESHIP_OVERDUE:
        return expire(paths[State.AWAITING_RESHIP])
    paths[State.AWAITING_BUYER_CONFIRMATION] = run(paths[State.AWAITING_RESHIP], (SHIPMENT, M))
    paths[State.ARBITRATION_RULING] = run(paths[State.REJECTED], (c.Escalate(), B))
    paths[State.ARBITRATION_BUYER_EVIDENCE] = run(
        paths[State.ARBITRATION_RULING], (c.RequestEvidence(), P)
    )
    paths[State.ARBITRATION_MERCHANT_EVIDENCE] = run(
        paths[State.ARBITRATION_BUYER_EVIDENCE], (c.SubmitArbitrationEvidence(count=1), B)
    )
    paths[State.REFUNDING] = run(refund_only_request(), (c.Approve(), M))
    paths[State.REFUND_FAILED] = run(paths[State.REFUNDING], (c.RefundFailed(), S))
    paths[State.REFUNDED] = run(paths[State.REFUNDING], (c.RefundSucceeded(), S))
    paths[State.COMPLETED] = run(paths[State.AWAITING_BUYER_CONFIRMATION], (c.ConfirmArrival(), B))
    paths[State.CLOSED] = expire(paths[State.REJECTED])
    paths[State.CANCELLED] = run(review, (c.Cancel(), B))
    return paths[state]


def after(view: RequestView, delta: timedelta) -> datetime:
    assert view.deadline is not None
    return view.deadline.at + delta

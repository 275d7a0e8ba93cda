"""Rows ⇄ the rules' plain data (``RequestView``)."""

from __future__ import annotations

from decimal import Decimal

from .domain import Deadline, DefaultOutcome, LineSnapshot, RequestLine, RequestView
from .domain.kinds import Actor, FreightClaimStatus, ItemKind, Reason, RequestType
from .domain.policy import PayoutMethod
from .domain.request import PausedDeadline, Payer, Payout, PayoutKind, Proposal
from .domain.states import State
from .models import AfterSaleRequest, AfterSaleRequestLine


def line_snapshot(line: AfterSaleRequestLine) -> LineSnapshot:
    return LineSnapshot(
        line_id=str(line.order_line_id),
        currency=line.currency,
        quantity=line.ordered_quantity,
        total_paid=line.total_paid,
        unit_price=line.unit_price,
        quantity_shipped=line.quantity_shipped,
        quantity_refunded_shipped=line.quantity_refunded_shipped,
        quantity_refunded_unshipped=line.quantity_refunded_unshipped,
        amount_refunded=line.amount_refunded,
        delivered_at=line.delivered_at,
        product_type=line.product_type or None,
        item_kind=ItemKind(line.item_kind),
        declared_unit_price=line.declared_unit_price,
        needs_shipping=line.needs_shipping,
    )


def snapshot_fields(snapshot: LineSnapshot) -> dict[str, object]:
    """The columns of a request line that copy the order line."""
    return {
        "order_line_id": snapshot.line_id,
        "currency": snapshot.currency,
        "ordered_quantity": snapshot.quantity,
        "total_paid": snapshot.total_paid,
        "unit_price": snapshot.unit_price,
        "quantity_shipped": snapshot.quantity_shipped,
        "quantity_refunded_shipped": snapshot.quantity_refunded_shipped,
        "quantity_refunded_unshipped": snapshot.quantity_refunded_unshipped,
        "amount_refunded": snapshot.amount_refunded,
        "delivered_at": snapshot.delivered_at,
        "product_type": snapshot.product_type or "",
        "item_kind": snapshot.item_kind.value,
        "declared_unit_price": snapshot.declared_unit_price,
        "needs_shipping": snapshot.needs_shipping,
    }


def to_view(request: AfterSaleRequest, lines: list[AfterSaleRequestLine]) -> RequestView:
    deadline = None
    if request.deadline_at is not None:
        deadline = Deadline(
            at=request.deadline_at,
            outcome=DefaultOutcome(request.deadline_outcome),
            turn=Actor(request.deadline_turn),
        )
    payout = None
    if request.payout_amount is not None:
        payout = Payout(
            amount=request.payout_amount,
            kind=PayoutKind(request.payout_kind),
            payer=Payer(request.payout_payer),
            attempt=request.payout_attempt,
            method=PayoutMethod(request.payout_method or PayoutMethod.REFUND),
        )
    proposal = None
    if request.proposal_type:
        proposal = Proposal(
            request_type=RequestType(request.proposal_type),
            amount=request.proposal_amount or Decimal(0),
            return_address=request.proposal_return_address or None,
        )
    paused = None
    if request.paused_state:
        assert request.paused_remaining is not None
        paused = PausedDeadline(State(request.paused_state), request.paused_remaining)
    return RequestView(
        request_type=RequestType(request.request_type),
        reason=Reason(request.reason),
        state=State(request.state),
        currency=request.currency,
        lines=tuple(RequestLine(line_snapshot(line), line.quantity) for line in lines),
        entered_at=request.state_entered_at,
        deadline=deadline,
        before_shipment=request.before_shipment,
        whole_order_before_shipment=request.whole_order_before_shipment,
        attempt=request.attempt,
        refund_ceiling=request.refund_ceiling,
        requested_amount=request.requested_amount,
        refunded_amount=request.refunded_amount,
        compensated_amount=request.compensated_amount,
        platform_advanced_amount=request.platform_advanced_amount,
        payout=payout,
        evidence_count=request.evidence_count,
        description=request.description,
        negotiation_message_sent=request.negotiation_message_sent,
        proposal=proposal,
        return_address=request.return_address or None,
        freight_claim=request.freight_claim,
        freight_claim_status=FreightClaimStatus(request.freight_claim_status),
        merchant_pays_all_freight=request.merchant_pays_all_freight,
        late_shipment_compensated=request.late_shipment_compensated,
        merchant_missed_deadline=request.merchant_missed_deadline,
        merchant_rejected=request.merchant_rejected,
        refund_stalled=request.refund_stalled,
        return_awaiting_restock=request.return_awaiting_restock,
        paused=paused,
        events=request.version,
    )


def apply_view(request: AfterSaleRequest, view: RequestView) -> None:
    """Copy the rules' answer onto the row (lines are handled by the caller)."""
    request.request_type = view.request_type.value
    request.reason = view.reason.value
    request.state = view.state.value
    request.currency = view.currency
    request.state_entered_at = view.entered_at
    request.deadline_at = view.deadline.at if view.deadline else None
    request.deadline_outcome = view.deadline.outcome.value if view.deadline else ""
    request.deadline_turn = view.deadline.turn.value if view.deadline else ""
    request.before_shipment = view.before_shipment
    request.whole_order_before_shipment = view.whole_order_before_shipment
    request.attempt = view.attempt
    request.refund_ceiling = view.refund_ceiling
    request.requested_amount = view.requested_amount
    request.refunded_amount = view.refunded_amount
    request.compensated_amount = view.compensated_amount
    request.platform_advanced_amount = view.platform_advanced_amount
    payout = view.payout
    request.payout_amount = payout.amount if payout else None
    request.payout_kind = payout.kind.value if payout else ""
    request.payout_payer = payout.payer.value if payout else ""
    request.payout_attempt = payout.attempt if payout else 0
    request.payout_method = payout.method.value if payout else ""
    request.evidence_count = view.evidence_count
    request.description = view.description
    request.negotiation_message_sent = view.negotiation_message_sent
    proposal = view.proposal
    request.proposal_type = proposal.request_type.value if proposal else ""
    request.proposal_amount = proposal.amount if proposal else None
    request.proposal_return_address = (proposal.return_address or "") if proposal else ""
    request.return_address = view.return_address or ""
    request.freight_claim = view.freight_claim
    request.freight_claim_status = view.freight_claim_status.value
    request.merchant_pays_all_freight = view.merchant_pays_all_freight
    request.late_shipment_compensated = view.late_shipment_compensated
    request.merchant_missed_deadline = view.merchant_missed_deadline
    request.merchant_rejected = view.merchant_rejected
    request.refund_stalled = view.refund_stalled
    request.return_awaiting_restock = view.return_awaiting_restock
    request.paused_state = view.paused.state.value if view.paused else ""
    request.paused_remaining = view.paused.remaining if view.paused else None
    request.version = view.events

"""What each accepted event changes on the request, and the effects it orders.

An applier gets the request as it was and returns it changed (state, deadline
and counters are set by the engine) with the effects to run after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from . import commands as c
from .effects import (
    Effect,
    LiabilityKind,
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
    ReleaseUnshippedQuantity,
    RestockReturnedItems,
    SendGoods,
)
from .eligibility import NewRequest, admit
from .errors import NotEligible, TransitionNotAllowed
from .guards import Context
from .kinds import FreightClaimStatus, RequestType
from .money import MissingItem, late_shipment_compensation, priority_compensation
from .request import Payer, Payout, PayoutKind, Proposal, RequestView

Change = tuple[RequestView, tuple[Effect, ...]]
Applier = Callable[[RequestView, c.Command, Context], Change]

_LIABILITY_FOR: dict[PayoutKind, LiabilityKind] = {
    PayoutKind.REFUND: LiabilityKind.PLATFORM_REFUND_FIRST,
    PayoutKind.PRIORITY_COMPENSATION: LiabilityKind.PRIORITY_COMPENSATION,
}


def unchanged(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return view, ()


def start_payout(view: RequestView, amount_kind: PayoutKind, payer: Payer) -> Change:
    """Money leaves for the buyer. When the platform pays first, the merchant
    owes it the same amount (spec §5)."""
    if amount_kind is PayoutKind.REFUND:
        amount = view.requested_amount + view.freight_owed
    else:
        amount = missing_items_compensation(view)
    effects: list[Effect] = [PayBuyer(amount, amount_kind, payer, attempt=1)]
    advanced = view.platform_advanced_amount
    if payer is Payer.PLATFORM:
        effects.append(RecordLiability(amount, _LIABILITY_FOR[amount_kind]))
        advanced += amount
    payout = Payout(amount=amount, kind=amount_kind, payer=payer)
    return replace(view, payout=payout, platform_advanced_amount=advanced), tuple(effects)


def refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The merchant refunds (or the system, or the platform acting for it)."""
    return start_payout(view, PayoutKind.REFUND, Payer.MERCHANT)


def refund_without_return(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return refund(replace(view, request_type=RequestType.REFUND_ONLY), command, ctx)


def approve(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """Approval (by the merchant, by the buyer accepting a proposal, or by the
    deadline): refund-only pays at once; the other types wait for goods."""
    address = command.return_address if isinstance(command, c.Approve) else None
    view = replace(view, return_address=address or view.return_address, proposal=None)
    effects: tuple[Effect, ...] = ()
    if view.before_shipment:
        effects = (ReleaseUnshippedQuantity(),)
    if view.request_type is RequestType.REFUND_ONLY:
        view, paid = refund(view, command, ctx)
        effects += paid
    return view, effects


def auto_approve(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return approve(replace(view, merchant_missed_deadline=True), command, ctx)


def accept_proposal(view: RequestView, command: c.Command, ctx: Context) -> Change:
    proposal = view.proposal
    assert proposal is not None
    view = replace(
        view,
        request_type=proposal.request_type,
        requested_amount=proposal.amount,
        return_address=proposal.return_address or view.return_address,
    )
    return approve(view, command, ctx)


def propose(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.ProposeChange)
    return replace(
        view,
        proposal=Proposal(
            request_type=command.request_type or view.request_type,
            amount=view.requested_amount if command.amount is None else command.amount,
            return_address=command.return_address,
        ),
    ), ()


def clear_proposal(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return replace(view, proposal=None), ()


def note_negotiation(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return replace(view, negotiation_message_sent=True), ()


def reject(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.Reject | c.RejectReceipt)
    return replace(
        view,
        merchant_rejected=True,
        evidence_count=view.evidence_count + command.evidence_count,
    ), ()


def resubmit(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.Resubmit)
    quantities = command.quantities or tuple(
        (line.snapshot.line_id, line.quantity) for line in view.lines
    )
    new = NewRequest(
        request_type=view.request_type,
        reason=command.reason or view.reason,
        lines=quantities,
        requested_amount=command.requested_amount,
        evidence_count=view.evidence_count
        if command.evidence_count is None
        else command.evidence_count,
        description=view.description if command.description is None else command.description,
        unshipped=view.before_shipment,
    )
    try:
        admission = admit(new, command.order, ctx.now, ctx.policy, attempt=view.attempt + 1)
    except NotEligible as error:
        raise TransitionNotAllowed(error.code, error.message) from error
    return replace(
        view,
        reason=new.reason,
        lines=admission.lines,
        before_shipment=admission.before_shipment,
        whole_order_before_shipment=admission.whole_order_before_shipment,
        refund_ceiling=admission.refund_ceiling,
        requested_amount=admission.requested_amount,
        evidence_count=new.evidence_count,
        description=new.description,
        attempt=view.attempt + 1,
        negotiation_message_sent=False,
    ), ()


def ship_goods(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return view, (SendGoods(),)


def add_evidence(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.AddEvidence | c.SubmitArbitrationEvidence)
    return replace(view, evidence_count=view.evidence_count + command.count), ()


def claim_freight(view: RequestView, command: c.Command, ctx: Context) -> Change:
    assert isinstance(command, c.ClaimReturnFreight)
    return replace(
        view, freight_claim=command.amount, freight_claim_status=FreightClaimStatus.CLAIMED
    ), ()


def accept_freight(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return replace(view, freight_claim_status=FreightClaimStatus.ACCEPTED), ()


def contest_freight(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return replace(view, freight_claim_status=FreightClaimStatus.CONTESTED), ()


def confirm_receipt(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The return arrived: restock it; return-and-refund pays now (spec §4)."""
    effects: tuple[Effect, ...] = (RestockReturnedItems(),)
    if view.request_type is RequestType.RETURN_AND_REFUND:
        view, paid = refund(view, command, ctx)
        effects += paid
    return view, effects


def auto_refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return refund(replace(view, merchant_missed_deadline=True), command, ctx)


def merchant_missed(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return replace(view, merchant_missed_deadline=True), ()


def missing_items_compensation(view: RequestView) -> Decimal:
    items = [
        MissingItem(
            kind=line.snapshot.item_kind,
            units=line.quantity,
            payment=line.snapshot.payment,
            declared_unit_price=line.snapshot.declared_unit_price,
        )
        for line in view.lines
    ]
    return priority_compensation(items, view.currency)


def late_shipment(view: RequestView, ctx: Context) -> Change:
    """Late-shipment compensation, paid once per request, owed by the merchant."""
    if view.late_shipment_compensated:
        return view, ()
    amount = late_shipment_compensation(view.paid_for_lines, view.currency, ctx.policy)
    view = replace(
        view,
        late_shipment_compensated=True,
        compensated_amount=view.compensated_amount + amount,
        platform_advanced_amount=view.platform_advanced_amount + amount,
    )
    return view, (
        PayLateShipmentCompensation(amount, ctx.policy.late_shipment_payout),
        RecordLiability(amount, LiabilityKind.LATE_SHIPMENT_COMPENSATION),
    )


def reship_late(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: a reship not sent within its window counts as a late shipment."""
    return late_shipment(replace(view, merchant_missed_deadline=True), ctx)


def compensate_missing(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: the merchant cannot reship — the platform pays priority compensation."""
    return start_payout(view, PayoutKind.PRIORITY_COMPENSATION, Payer.PLATFORM)


def retry_payout(view: RequestView, command: c.Command, ctx: Context) -> Change:
    payout = view.payout
    assert payout is not None
    again = replace(payout, attempt=payout.attempt + 1)
    effects: list[Effect] = [PayBuyer(again.amount, again.kind, again.payer, again.attempt)]
    if again.payer is Payer.PLATFORM:
        effects.append(RecordLiability(again.amount, _LIABILITY_FOR[again.kind]))
    return replace(view, payout=again), tuple(effects)


def payout_succeeded(view: RequestView, command: c.Command, ctx: Context) -> Change:
    payout = view.payout
    assert payout is not None
    if payout.kind is PayoutKind.REFUND:
        view = replace(view, refunded_amount=view.refunded_amount + payout.amount)
    else:
        view = replace(view, compensated_amount=view.compensated_amount + payout.amount)
    return replace(view, payout=None), ()

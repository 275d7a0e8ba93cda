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
    RecordReturn,
    RestockReturn,
    SendGoods,
)
from .eligibility import NewRequest, admit
from .errors import ErrorCode, NotEligible, TransitionNotAllowed
from .guards import Context
from .kinds import FreightClaimStatus, RequestType
from .money import MissingItem, late_shipment_compensation, priority_compensation
from .policy import PayoutMethod, Policy
from .request import Payer, Payout, PayoutKind, Proposal, RequestView

Change = tuple[RequestView, tuple[Effect, ...]]
Applier = Callable[[RequestView, c.Command, Context], Change]

_LIABILITY_FOR: dict[PayoutKind, LiabilityKind] = {
    PayoutKind.REFUND: LiabilityKind.PLATFORM_REFUND_FIRST,
    PayoutKind.PRIORITY_COMPENSATION: LiabilityKind.PRIORITY_COMPENSATION,
}


def unchanged(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return view, ()


def start_payout(
    view: RequestView, kind: PayoutKind, ctx: Context, *, platform: bool = False
) -> Change:
    """Money leaves for the buyer: the merchant's refund through the order's
    payment, or — when ``platform`` — what the platform pays (spec §5).

    The platform pays in the channel's ``platform_payout_method``: a gift card
    is its own money, which the merchant then owes it (a ledger entry); a
    refund takes the order's payment, the merchant's money, and books nothing.
    A new payout continues the attempt count of an earlier one that failed, so
    that every attempt of the request has its own idempotency key.
    """
    if kind is PayoutKind.REFUND:
        amount = view.requested_amount + view.freight_owed
    else:
        amount = missing_items_compensation(view)
    method = ctx.policy.platform_payout_method if platform else PayoutMethod.REFUND
    payer = Payer.PLATFORM if platform and method.platform_funded else Payer.MERCHANT
    attempt = view.payout.attempt + 1 if view.payout else 1
    payout = Payout(amount=amount, kind=kind, payer=payer, attempt=attempt, method=method)
    return replace(view, payout=payout), _pay(payout)


def _pay(payout: Payout) -> tuple[Effect, ...]:
    effects: list[Effect] = [
        PayBuyer(payout.amount, payout.kind, payout.payer, payout.attempt, payout.method)
    ]
    if payout.payer is Payer.PLATFORM:
        effects.append(RecordLiability(payout.amount, _LIABILITY_FOR[payout.kind]))
    return tuple(effects)


def refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The merchant refunds (or the system, or the platform acting for it). When
    every attempt of the merchant's refund failed before, the platform pays."""
    return start_payout(view, PayoutKind.REFUND, ctx, platform=view.refund_stalled)


def refund_without_return(view: RequestView, command: c.Command, ctx: Context) -> Change:
    return refund(replace(view, request_type=RequestType.REFUND_ONLY), command, ctx)


def approve(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """Approval (by the merchant, by the buyer accepting a proposal, or by the
    deadline): refund-only pays at once; the other types wait for goods."""
    address = command.return_address if isinstance(command, c.Approve) else None
    view = replace(view, return_address=address or view.return_address, proposal=None)
    if view.request_type is RequestType.REFUND_ONLY:
        return refund(view, command, ctx)
    return view, ()


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
    """The return arrived: record and restock it; return-and-refund pays now (spec §4)."""
    effects: tuple[Effect, ...] = (RecordReturn(), RestockReturn())
    if view.request_type is RequestType.RETURN_AND_REFUND:
        view, paid = refund(view, command, ctx)
        effects += paid
    return view, effects


def auto_refund(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """Spec §3: the receipt deadline refunds the buyer, whose parcel is on its
    way back: the shop records the return now; stock comes back when the
    merchant confirms the arrival (still possible after the refund)."""
    view = replace(view, merchant_missed_deadline=True, return_awaiting_restock=True)
    view, paid = refund(view, command, ctx)
    return view, (RecordReturn(), *paid)


def confirm_late_receipt(view: RequestView) -> Change:
    """The merchant confirms a return that arrived after its refund was made by
    the deadline: the goods go back in stock, nothing else changes."""
    if not view.return_awaiting_restock:
        raise TransitionNotAllowed(
            ErrorCode.WRONG_STATE,
            "confirm_receipt is not possible: no return awaits the merchant's confirmation",
        )
    return replace(view, return_awaiting_restock=False), (RestockReturn(),)


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
    """Late-shipment compensation, decided once per request. It counts as
    compensated when it is paid (``compensation_paid``). Paid as a gift card it
    is the platform's money, which the merchant owes it; paid as a refund it is
    the merchant's own."""
    if view.late_shipment_compensated:
        return view, ()
    amount = late_shipment_compensation(view.paid_for_lines, view.currency, ctx.policy)
    method = ctx.policy.late_shipment_payout
    payer = Payer.PLATFORM if method.platform_funded else Payer.MERCHANT
    effects: list[Effect] = [PayLateShipmentCompensation(amount, method, payer)]
    if payer is Payer.PLATFORM:
        effects.append(RecordLiability(amount, LiabilityKind.LATE_SHIPMENT_COMPENSATION))
    return replace(view, late_shipment_compensated=True), tuple(effects)


def compensation_paid(view: RequestView, amount: Decimal, payer: Payer) -> RequestView:
    """What a paid compensation outside the payout (late shipment) adds to the
    request's amounts."""
    advanced = view.platform_advanced_amount + (amount if payer is Payer.PLATFORM else 0)
    return replace(
        view,
        compensated_amount=view.compensated_amount + amount,
        platform_advanced_amount=advanced,
    )


def reship_late(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: a reship not sent within its window counts as a late shipment."""
    return late_shipment(replace(view, merchant_missed_deadline=True), ctx)


def compensate_missing(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """SEED: the merchant cannot reship — the platform pays priority compensation."""
    return start_payout(view, PayoutKind.PRIORITY_COMPENSATION, ctx, platform=True)


def platform_takes_over(view: RequestView, ctx: Context) -> Change:
    """A payout every attempt of which failed (on hold, then ruled for the
    buyer): the same amount and kind, paid now by the platform in its own way
    (``platform_payout_method``), as the payout's next attempt."""
    payout = view.payout
    assert payout is not None
    method = ctx.policy.platform_payout_method
    payer = Payer.PLATFORM if method.platform_funded else Payer.MERCHANT
    again = replace(payout, payer=payer, method=method, attempt=payout.attempt + 1)
    return replace(view, payout=again), _pay(again)


def retry_payout(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The same payout again, as a new attempt with its own idempotency key. It
    is sent only once every earlier attempt is known to have failed; an earlier
    one that reached the buyer settles the payout instead (``actions.money``)."""
    payout = view.payout
    assert payout is not None
    again = replace(payout, attempt=payout.attempt + 1)
    return replace(view, payout=again), _pay(again)


def payout_failed(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """An attempt failed (or was never confirmed): retried later, until the
    payout has had ``refund_max_attempts``; then it stops for staff."""
    payout = view.payout
    assert payout is not None
    if payout_exhausted(view, ctx.policy) and payout.payer is Payer.MERCHANT:
        return replace(view, refund_stalled=True), ()
    return view, ()


def payout_exhausted(view: RequestView, policy: Policy) -> bool:
    """The payout has had every attempt the policy allows."""
    return view.payout is not None and view.payout.attempt >= policy.refund_max_attempts


def payout_succeeded(view: RequestView, command: c.Command, ctx: Context) -> Change:
    """The payout reached the buyer: what reached them counts as refunded (or
    compensated), and as advanced by the platform when it was its money."""
    payout = view.payout
    assert payout is not None
    assert isinstance(command, c.RefundSucceeded)
    amount = payout.amount if command.amount is None else command.amount
    if payout.kind is PayoutKind.REFUND:
        view = replace(view, refunded_amount=view.refunded_amount + amount)
    else:
        view = replace(view, compensated_amount=view.compensated_amount + amount)
    by_platform = (
        payout.payer is Payer.PLATFORM if command.by_platform is None else command.by_platform
    )
    if by_platform:
        view = replace(view, platform_advanced_amount=view.platform_advanced_amount + amount)
    return replace(view, payout=None), ()

"""Guards: each returns the ``ErrorCode`` that refuses an event, or ``None``.

A guard gets ``command=None`` when ``available_actions`` asks whether an event
is open at all; guards about the command's own data then pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import commands as c
from .eligibility import check_evidence, check_shipping_needed
from .errors import ErrorCode
from .kinds import (
    REASON_RULES,
    REJECTION_NEEDS_DESCRIPTION,
    FreightClaimStatus,
    Reason,
    RequestType,
)
from .money import check_freight_claim, check_negotiated_amount, check_refund_amount
from .policy import Policy
from .request import RequestView


@dataclass(frozen=True)
class Context:
    now: datetime
    policy: Policy


Guard = Callable[[RequestView, c.Command | None, Context], ErrorCode | None]


def deadline_due(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if view.deadline is None or ctx.now < view.deadline.at:
        return ErrorCode.NOT_DUE
    return None


def no_money_moved(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    decided = view.payout is not None or view.late_shipment_compensated
    if view.refunded_amount or view.compensated_amount or decided:
        return ErrorCode.MONEY_ALREADY_MOVED
    return None


def attempts_left(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if view.attempt >= ctx.policy.attempt_cap:
        return ErrorCode.ATTEMPT_CAP_REACHED
    return None


def negotiated_first(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    """SEED: the merchant must communicate with the buyer before rejecting."""
    if not view.negotiation_message_sent:
        return ErrorCode.NEGOTIATION_REQUIRED
    return None


def rejection_explained(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if not isinstance(command, c.Reject):
        return None
    if error := check_evidence(command.evidence_count, command.description, ctx.policy):
        return error
    needs = command.reason in REJECTION_NEEDS_DESCRIPTION
    if needs and not command.description.strip() and command.evidence_count == 0:
        return ErrorCode.DESCRIPTION_REQUIRED
    return None


def receipt_rejection_proven(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if not isinstance(command, c.RejectReceipt):
        return None
    if error := check_evidence(command.evidence_count, command.description, ctx.policy):
        return error
    if command.evidence_count == 0:
        return ErrorCode.EVIDENCE_REQUIRED
    if not command.description.strip():
        return ErrorCode.DESCRIPTION_REQUIRED
    return None


def message_given(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if not isinstance(command, c.SendNegotiationMessage):
        return None
    if not command.text.strip():
        return ErrorCode.TEXT_REQUIRED
    if len(command.text) > ctx.policy.max_text_length:
        return ErrorCode.TEXT_TOO_LONG
    return None


def evidence_fits(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if not isinstance(command, c.AddEvidence | c.SubmitArbitrationEvidence):
        return None
    if command.count < 1:
        return ErrorCode.INVALID_COUNT
    total = view.evidence_count + command.count
    return check_evidence(total, command.text, ctx.policy)


def note_fits(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if isinstance(command, c.Escalate) and len(command.note) > ctx.policy.max_text_length:
        return ErrorCode.TEXT_TOO_LONG
    return None


def tracking_given(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if not isinstance(command, c.SubmitReturnShipment | c.ShipItems):
        return None
    if not command.carrier.strip() or not command.tracking_number.strip():
        return ErrorCode.TRACKING_REQUIRED
    return None


def replacement_matches(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    """Exchange: same product, any variant of equal price (spec §1)."""
    if not isinstance(command, c.ShipItems) or view.request_type is not RequestType.EXCHANGE:
        return None
    chosen = {item.line_id: item for item in command.replacements}
    if set(chosen) != {line.snapshot.line_id for line in view.lines}:
        return ErrorCode.REPLACEMENT_REQUIRED
    for line in view.lines:
        replacement = chosen[line.snapshot.line_id]
        if not replacement.same_product:
            return ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT
        if replacement.unit_price != line.snapshot.unit_price:
            return ErrorCode.REPLACEMENT_PRICE_MISMATCH
    return None


def type_allowed(request_type: RequestType, view: RequestView) -> ErrorCode | None:
    if view.before_shipment and request_type is not RequestType.REFUND_ONLY:
        return ErrorCode.TYPE_REQUIRES_SHIPMENT
    for line in view.lines:
        if error := check_shipping_needed(line.snapshot, request_type):
            return error
    if request_type not in REASON_RULES[view.reason].allowed_types:
        return ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE
    return None


def proposal_valid(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    if not isinstance(command, c.ProposeChange):
        return None
    changes_type = command.request_type not in (None, view.request_type)
    changes_amount = command.amount not in (None, view.requested_amount)
    if not (changes_type or changes_amount or command.return_address):
        return ErrorCode.PROPOSAL_EMPTY
    if command.request_type is not None and (error := type_allowed(command.request_type, view)):
        return error
    if command.amount is not None:
        return check_negotiated_amount(view.requested_amount, command.amount, view.currency)
    return None


def freight_liable(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    liable = REASON_RULES[view.reason].merchant_pays_return_freight
    if not (liable or view.merchant_pays_all_freight):
        return ErrorCode.FREIGHT_NOT_MERCHANT_LIABLE
    if view.freight_claim_status is not FreightClaimStatus.NONE:
        return ErrorCode.FREIGHT_CLAIM_EXISTS
    if isinstance(command, c.ClaimReturnFreight):
        return check_freight_claim(command.amount, ctx.policy, view.currency)
    return None


def freight_claim_open(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if view.freight_claim_status is not FreightClaimStatus.CLAIMED:
        return ErrorCode.FREIGHT_CLAIM_NOT_OPEN
    return None


def platform_may_intervene(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    """The platform steps in on its own only when allowed and a merchant missed a deadline."""
    if not (ctx.policy.platform_may_open_arbitration and view.merchant_missed_deadline):
        return ErrorCode.ARBITRATION_NOT_ALLOWED
    return None


def something_to_resume(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    return None if view.paused is not None else ErrorCode.NOTHING_TO_RESUME


def goods_with_buyer(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    """Rulings that send goods back need goods that shipped (and that ship at all)."""
    if view.before_shipment or not _all_need_shipping(view):
        return ErrorCode.RULING_NOT_APPLICABLE
    return None


def _all_need_shipping(view: RequestView) -> bool:
    return all(line.snapshot.needs_shipping for line in view.lines)


def missing_items_claimed(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if view.reason is not Reason.MISSING_ITEMS or not _all_need_shipping(view):
        return ErrorCode.RULING_NOT_APPLICABLE
    return None


def wrong_item_claimed(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if view.reason is not Reason.WRONG_ITEM or view.before_shipment:
        return ErrorCode.RULING_NOT_APPLICABLE
    if not _all_need_shipping(view):
        return ErrorCode.RULING_NOT_APPLICABLE
    if isinstance(command, c.RuleWrongItem) and command.resolution not in (
        RequestType.RETURN_AND_REFUND,
        RequestType.EXCHANGE,
    ):
        return ErrorCode.RULING_NOT_APPLICABLE
    return None


def no_payout_pending(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    """A case that came from a payout on hold may still see that payout reach
    the buyer: only ruling for the buyer (the platform pays it) or dismissing
    the case (back to the hold) keeps that money accounted for."""
    return ErrorCode.RULING_NOT_APPLICABLE if view.payout is not None else None


def payout_pending(view: RequestView, command: c.Command | None, ctx: Context) -> ErrorCode | None:
    return None if view.payout is not None else ErrorCode.WRONG_STATE


def merchant_rejected(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    return None if view.merchant_rejected else ErrorCode.RULING_NOT_APPLICABLE


def partial_amount_valid(
    view: RequestView, command: c.Command | None, ctx: Context
) -> ErrorCode | None:
    if not isinstance(command, c.RulePartialRefund):
        return None
    return check_refund_amount(command.amount, view.refund_ceiling, view.currency)

"""Use cases of a filed request, one function each (buyer, merchant, platform).

Each names the actor it acts as; ``execute`` locks the row, checks the caller's
right to act so, asks the rules and records the outcome. ``version`` is the
request version the caller saw; a stale one is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from ..domain import Actor, Reason, RejectionReason, RequestType
from ..domain import commands as c
from ..domain.states import State
from ..host import get_host
from ..host.base import SYSTEM_CALLER, Caller, Host
from ..models import AfterSaleRequest, Evidence, Shipment, ShipmentKind
from .core import execute, request_uuid
from .create import EvidenceItem
from .errors import ActionError, ActionErrorCode

Version = int | None


# --- buyer ---------------------------------------------------------------------


def cancel_request(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.Cancel(), Actor.BUYER, caller, version=version)


def resubmit_request(
    request_id: object,
    caller: Caller,
    *,
    reason: Reason | None = None,
    quantities: Sequence[tuple[str, int]] | None = None,
    requested_amount: Decimal | None = None,
    description: str | None = None,
    evidence: Sequence[EvidenceItem] | None = None,
    version: Version = None,
    host: Host | None = None,
) -> AfterSaleRequest:
    """Modify and resubmit after a rejection; eligibility is checked on a fresh
    snapshot of the order."""
    from .create import with_history

    host = host or get_host()
    order_id = _order_id_of(request_id)
    command = c.Resubmit(
        order=with_history(host.load_order(order_id)),
        reason=reason,
        quantities=tuple(quantities) if quantities is not None else None,
        requested_amount=requested_amount,
        evidence_count=None if evidence is None else len(evidence),
        description=description,
    )
    return execute(
        request_id,
        command,
        Actor.BUYER,
        caller,
        version=version,
        host=host,
        note=description or "",
        extra=None if evidence is None else _evidence_writer(caller, Actor.BUYER, evidence),
    )


def accept_proposal(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.AcceptProposal(), Actor.BUYER, caller, version=version)


def decline_proposal(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.DeclineProposal(), Actor.BUYER, caller, version=version)


def confirm_arrival(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.ConfirmArrival(), Actor.BUYER, caller, version=version)


def add_evidence(
    request_id: object,
    caller: Caller,
    evidence: Sequence[EvidenceItem],
    *,
    text: str = "",
    version: Version = None,
) -> AfterSaleRequest:
    return execute(
        request_id,
        c.AddEvidence(count=len(evidence), text=text),
        Actor.BUYER,
        caller,
        version=version,
        note=text,
        extra=_evidence_writer(caller, Actor.BUYER, evidence),
    )


def claim_return_freight(
    request_id: object, caller: Caller, amount: Decimal, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.ClaimReturnFreight(amount), Actor.BUYER, caller, version=version)


def submit_return_shipment(
    request_id: object,
    caller: Caller,
    *,
    carrier: str,
    tracking_number: str,
    as_merchant: bool = False,
    version: Version = None,
) -> AfterSaleRequest:
    """The buyer enters the return tracking, or the merchant does it for them."""
    actor = Actor.MERCHANT if as_merchant else Actor.BUYER
    return execute(
        request_id,
        c.SubmitReturnShipment(carrier=carrier, tracking_number=tracking_number),
        actor,
        caller,
        version=version,
        extra=_shipment_writer(caller, actor, ShipmentKind.RETURN, carrier, tracking_number),
    )


# --- merchant ------------------------------------------------------------------


def send_negotiation_message(
    request_id: object, caller: Caller, text: str, *, version: Version = None
) -> AfterSaleRequest:
    return execute(
        request_id,
        c.SendNegotiationMessage(text),
        Actor.MERCHANT,
        caller,
        version=version,
        note=text,
    )


def approve_request(
    request_id: object,
    caller: Caller,
    *,
    return_address: str | None = None,
    version: Version = None,
    host: Host | None = None,
    now: datetime | None = None,
) -> AfterSaleRequest:
    """Approve; the return address defaults to the channel's return warehouse."""
    host = host or get_host()
    if return_address is None:
        channel = (
            AfterSaleRequest.objects.filter(pk=request_uuid(request_id))
            .values_list("channel_slug", flat=True)
            .first()
        )
        return_address = host.return_address(channel) if channel else None
    return execute(
        request_id,
        c.Approve(return_address=return_address or None),
        Actor.MERCHANT,
        caller,
        version=version,
        host=host,
        now=now,
    )


def reject_request(
    request_id: object,
    caller: Caller,
    *,
    reason: RejectionReason,
    description: str = "",
    evidence: Sequence[EvidenceItem] = (),
    version: Version = None,
) -> AfterSaleRequest:
    return execute(
        request_id,
        c.Reject(reason=reason, description=description, evidence_count=len(evidence)),
        Actor.MERCHANT,
        caller,
        version=version,
        note=description,
        extra=_evidence_writer(caller, Actor.MERCHANT, evidence),
    )


def propose_change(
    request_id: object,
    caller: Caller,
    *,
    request_type: RequestType | None = None,
    amount: Decimal | None = None,
    return_address: str | None = None,
    version: Version = None,
) -> AfterSaleRequest:
    return execute(
        request_id,
        c.ProposeChange(request_type=request_type, amount=amount, return_address=return_address),
        Actor.MERCHANT,
        caller,
        version=version,
    )


def refund_without_return(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.RefundWithoutReturn(), Actor.MERCHANT, caller, version=version)


def confirm_receipt(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.ConfirmReceipt(), Actor.MERCHANT, caller, version=version)


def reject_receipt(
    request_id: object,
    caller: Caller,
    *,
    description: str,
    evidence: Sequence[EvidenceItem],
    version: Version = None,
) -> AfterSaleRequest:
    return execute(
        request_id,
        c.RejectReceipt(description=description, evidence_count=len(evidence)),
        Actor.MERCHANT,
        caller,
        version=version,
        note=description,
        extra=_evidence_writer(caller, Actor.MERCHANT, evidence),
    )


def ship_items(
    request_id: object,
    caller: Caller,
    *,
    carrier: str,
    tracking_number: str,
    replacements: Sequence[tuple[str, str]] = (),
    version: Version = None,
    host: Host | None = None,
) -> AfterSaleRequest:
    """Ship an exchange's replacement or the missing items, with tracking.

    ``replacements``: for an exchange, ``(order line id, variant id)`` per line —
    a variant of the same product at the same price (the host describes each)."""
    host = host or get_host()
    row = (
        AfterSaleRequest.objects.filter(pk=request_uuid(request_id))
        .values_list("request_type", "order_id")
        .first()
    )
    if row is None:
        raise ActionError(ActionErrorCode.NOT_FOUND, f"no after-sale request {request_id}")
    request_type, order_id = row
    exchange = request_type == RequestType.EXCHANGE
    described = host.describe_replacements(str(order_id), list(replacements)) if exchange else ()
    return execute(
        request_id,
        c.ShipItems(carrier=carrier, tracking_number=tracking_number, replacements=described),
        Actor.MERCHANT,
        caller,
        version=version,
        host=host,
        extra=_shipment_writer(
            caller,
            Actor.MERCHANT,
            ShipmentKind.REPLACEMENT if exchange else ShipmentKind.RESHIP,
            carrier,
            tracking_number,
            replacements=described,
        ),
    )


def declare_cannot_reship(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.DeclareCannotReship(), Actor.MERCHANT, caller, version=version)


def accept_freight_claim(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.AcceptFreightClaim(), Actor.MERCHANT, caller, version=version)


def contest_freight_claim(
    request_id: object, caller: Caller, *, version: Version = None
) -> AfterSaleRequest:
    return execute(request_id, c.ContestFreightClaim(), Actor.MERCHANT, caller, version=version)


def retry_refund(
    request_id: object, caller: Caller, *, version: Version = None, host: Host | None = None
) -> AfterSaleRequest:
    """Staff retry of a refund that failed: the channel's merchant, or the platform
    (which may have paid it first)."""
    host = host or get_host()
    row = (
        AfterSaleRequest.objects.filter(pk=request_uuid(request_id))
        .values_list("channel_slug", "buyer_id")
        .first()
    )
    as_platform = (
        row is not None
        and not host.may_act(caller, Actor.MERCHANT, *row)
        and host.may_act(caller, Actor.PLATFORM, *row)
    )
    actor = Actor.PLATFORM if as_platform else Actor.MERCHANT
    return execute(request_id, c.RetryRefund(), actor, caller, version=version, host=host)


# --- system --------------------------------------------------------------------


def expire_request(
    request_id: object, expected_state: State, *, now: datetime | None = None
) -> AfterSaleRequest:
    """Apply one request's default outcome, only if it is still in ``expected_state``."""
    return execute(
        request_id,
        c.DeadlineExpired(),
        Actor.SYSTEM,
        SYSTEM_CALLER,
        expected_state=expected_state,
        now=now or timezone.now(),
    )


def _order_id_of(request_id: object) -> str:
    order_id = (
        AfterSaleRequest.objects.filter(pk=request_uuid(request_id))
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise ActionError(ActionErrorCode.NOT_FOUND, f"no after-sale request {request_id}")
    return str(order_id)


# --- rows a use case adds --------------------------------------------------------


def _evidence_writer(caller: Caller, actor: Actor, items: Sequence[EvidenceItem]):  # type: ignore[no-untyped-def]
    def write(request: AfterSaleRequest) -> None:
        Evidence.objects.bulk_create(
            Evidence(
                request=request,
                actor_kind=actor.value,
                actor_id=caller.id,
                kind=item.kind,
                url=item.url,
                text=item.text,
            )
            for item in items
        )

    return write


def _shipment_writer(  # type: ignore[no-untyped-def]
    caller: Caller,
    actor: Actor,
    kind: str,
    carrier: str,
    tracking_number: str,
    *,
    replacements: Sequence[c.Replacement] = (),
):
    def write(request: AfterSaleRequest) -> None:
        quantities = {str(line.order_line_id): line.quantity for line in request.lines.all()}
        Shipment.objects.create(
            request=request,
            kind=kind,
            carrier=carrier.strip(),
            tracking_number=tracking_number.strip(),
            entered_by_kind=actor.value,
            entered_by_id=caller.id,
            items=[
                {
                    "line_id": item.line_id,
                    "variant_id": item.variant_id,
                    "quantity": quantities[item.line_id],
                }
                for item in replacements
            ],
        )

    return write

"""Requests brought to a given state through the actions (the API tests then
act on them): one builder per state, on the demo's orders."""

from __future__ import annotations

from decimal import Decimal

from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.appeals import file_appeal
from saleor_kuai_returns.actions.core import execute
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import Actor, NewRequest, Reason, RejectionReason, RequestType
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.host.base import SYSTEM_CALLER
from saleor_kuai_returns.models import AfterSaleRequest, EvidenceKind
from saleor_kuai_returns.sandbox.factory import Demo, caller_for

PHOTO = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")

KINDS = {
    "return": (RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, "TEE-RED-M"),
    "refund": (RequestType.REFUND_ONLY, Reason.QUALITY_FUNCTION, "TEE-RED-M"),
    "exchange": (RequestType.EXCHANGE, Reason.QUALITY_SIZE, "TEE-RED-M"),
    "reship": (RequestType.RESHIP, Reason.MISSING_ITEMS, "CAP-BLK"),
    "wrong_item": (RequestType.RETURN_AND_REFUND, Reason.WRONG_ITEM, "TEE-RED-M"),
}
# The platform's situations (see ``build_platform``).
PLATFORM_STATES = {
    "escalated",
    "escalated_reship",
    "escalated_wrong_item",
    "arbitration_buyer_evidence",
    "arbitration_merchant_evidence",
    "missed_reship",
    "opened",
    "ruled",
    "ruled_for_merchant",
    "appealed",
}


def filed(demo: Demo, kind: str = "return") -> AfterSaleRequest:
    request_type, reason, sku = KINDS[kind]
    order = demo.orders["delivered"]
    line = str(order.lines.get(sku=sku).pk)
    new = NewRequest(request_type, reason, lines=((line, 1),))
    return create_request(str(order.pk), caller_for(demo.buyer), new, evidence=[PHOTO])


def build(demo: Demo, state: str) -> AfterSaleRequest:
    """A request in ``state`` (or a named situation such as ``freight_claimed``)."""
    if state in PLATFORM_STATES:
        return build_platform(demo, state)
    buyer, merchant = caller_for(demo.buyer), caller_for(demo.merchant)
    kind = {
        "awaiting_reship": "reship",
        "awaiting_buyer_confirmation": "reship",
        "awaiting_replacement_shipment": "exchange",
        "refund_failed": "refund",
    }.get(state, "return")
    request = filed(demo, kind)
    if state == "awaiting_merchant_review":
        return _fresh(request)
    if state in {"negotiated", "rejected"}:
        act.send_negotiation_message(request.pk, merchant, "Could you send a video?")
        if state == "rejected":
            act.reject_request(
                request.pk,
                merchant,
                reason=RejectionReason.NO_QUALITY_ISSUE,
                description="It works in our test.",
            )
        return _fresh(request)
    if state == "proposal_awaiting_buyer":
        act.propose_change(request.pk, merchant, amount=Decimal("80.00"))
        return _fresh(request)
    if state == "refund_failed":
        # The caller runs this with the channel refusing refunds.
        act.approve_request(request.pk, merchant)
        return _fresh(request)
    act.approve_request(request.pk, merchant)
    if state == "freight_claimed":
        act.claim_return_freight(request.pk, buyer, Decimal("12.00"))
    if state in {"awaiting_merchant_receipt", "awaiting_replacement_shipment"}:
        act.submit_return_shipment(request.pk, buyer, carrier="SF", tracking_number="SF100")
    if state == "awaiting_replacement_shipment":
        act.confirm_receipt(request.pk, merchant)
    if state == "awaiting_buyer_confirmation":
        act.ship_items(request.pk, merchant, carrier="SF", tracking_number="SF200")
    return _fresh(request)


def build_platform(demo: Demo, state: str) -> AfterSaleRequest:
    """The platform's situations:

    - ``escalated`` (a tee return of 100.00), ``escalated_reship`` (a missing
      cap), ``escalated_wrong_item`` (a wrong tee): rejected after a message,
      then escalated by the buyer (in ``arbitration_ruling``);
    - ``arbitration_buyer_evidence`` / ``arbitration_merchant_evidence``: the
      escalated tee in either evidence round;
    - ``missed_reship``: a reship the merchant let pass its deadline (late
      shipment paid), on a channel whose platform may open arbitration itself;
      ``opened``: the platform did (nobody rejected it);
    - ``ruled``: the escalated tee ruled an unjustified rejection, refunded by the
      platform (the merchant owes 100.00); ``appealed``: the merchant appealed it;
      ``ruled_for_merchant``: the escalated tee ruled for the merchant."""
    buyer, merchant = caller_for(demo.buyer), caller_for(demo.merchant)
    platform = caller_for(demo.platform)
    if state in {"missed_reship", "opened"}:
        demo.channel.policy = {**demo.channel.policy, "platform_may_open_arbitration": True}
        demo.channel.save()
        request = filed(demo, "reship")
        approved = act.approve_request(request.pk, merchant)
        execute(
            request.pk,
            c.DeadlineExpired(),
            Actor.SYSTEM,
            SYSTEM_CALLER,
            now=approved.deadline_at,
        )
        if state == "opened":
            arb.open_arbitration(request.pk, platform)
        return _fresh(request)
    kind = {"escalated_reship": "reship", "escalated_wrong_item": "wrong_item"}.get(state, "return")
    request = filed(demo, kind)
    act.send_negotiation_message(request.pk, merchant, "Could you send a video?")
    act.reject_request(
        request.pk,
        merchant,
        reason=RejectionReason.NO_QUALITY_ISSUE,
        description="It works in our test.",
    )
    arb.escalate(request.pk, buyer, note="It does not.")
    if state in {"arbitration_buyer_evidence", "arbitration_merchant_evidence"}:
        arb.request_evidence(request.pk, platform)
    if state == "arbitration_merchant_evidence":
        arb.submit_arbitration_evidence(request.pk, buyer, [PHOTO])
    if state in {"ruled", "appealed"}:
        arb.rule_unjustified_rejection(request.pk, platform)
    if state == "appealed":
        file_appeal(request.pk, merchant, reason="The tee came back worn.")
    if state == "ruled_for_merchant":
        arb.rule_merchant_wins(request.pk, platform)
    return _fresh(request)


def _fresh(request: AfterSaleRequest) -> AfterSaleRequest:
    request.refresh_from_db()
    return request

"""``AfterSaleRequest``: everything spec §6 says a request exposes."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils import timezone

from ...conversion import to_view
from ...domain import Actor, RequestType, State, available_actions, kuaishou_status
from ...domain.kinds import FreightClaimStatus
from ...domain.request import Deadline, DefaultOutcome
from ...domain.states import TERMINAL_STATES
from ...models import AfterSaleRequest as RequestRow
from ..core import enums
from ..core.money import money_field
from ..core.shop import order_type, shop_types
from ..core.viewer import viewer_of
from .appeal import AfterSaleAppeal
from .order import OrderValue
from .parts import (
    AfterSaleDeadline,
    AfterSaleEvidence,
    AfterSaleFreightClaim,
    AfterSaleMoneyMovement,
    AfterSaleProposal,
    AfterSaleRequestLine,
    AfterSaleShipment,
    AfterSaleTimelineEvent,
    date_time_field,
)


def _list_of(item: Any, description: str) -> Any:
    return graphene.List(graphene.NonNull(item), required=True, description=description)


class AfterSaleRequest(graphene.ObjectType):
    created_at = date_time_field("When the buyer filed the request.")
    updated_at = date_time_field("When the request last changed.")
    version = graphene.Int(
        required=True,
        description="Bumped by every accepted event; give it to mutations as `version` "
        "to act only on what you saw.",
    )
    type = graphene.Field(
        enums.AfterSaleRequestTypeEnum, required=True, description="What the buyer asks for."
    )
    reason = graphene.Field(enums.AfterSaleReasonEnum, required=True, description="Why.")
    state = graphene.Field(enums.AfterSaleStateEnum, required=True, description="Where it stands.")
    kuaishou_status = graphene.Int(
        description="Kuaishou's refund status code for the state, for shops that reconcile "
        "with Kuaishou; `null` where Kuaishou has none."
    )
    attempt = graphene.Int(
        required=True, description="Filings of these lines so far, this one included."
    )
    description = graphene.String(required=True, description="The buyer's description.")
    channel_slug = graphene.String(required=True, description="Slug of the order's channel.")
    before_shipment = graphene.Boolean(
        required=True, description="Whether it covers units that had not shipped."
    )
    return_address = graphene.String(description="Where the goods go back, once approved.")
    order = graphene.Field(lambda: order_type(), description="The order it belongs to.")
    lines = _list_of(AfterSaleRequestLine, "The order lines and quantities it covers.")
    evidence = _list_of(AfterSaleEvidence, "Evidence from both sides, oldest first.")
    shipments = _list_of(AfterSaleShipment, "Returns and shipments, oldest first.")
    money_movements = _list_of(AfterSaleMoneyMovement, "Payments to the buyer, oldest first.")
    timeline = _list_of(AfterSaleTimelineEvent, "Everything that happened, oldest first.")
    appeals = _list_of(
        AfterSaleAppeal,
        "The merchant's appeals of rulings on it, oldest first; empty for a viewer who "
        "sees the request only as its buyer (an appeal is between merchant and platform).",
    )
    refund_ceiling = money_field("The most the request can pay.", source="refund_ceiling")
    requested_amount = money_field(
        "What the buyer asks for (negotiation only lowers it).", source="requested_amount"
    )
    refunded_amount = money_field("What was refunded.", source="refunded_amount")
    compensated_amount = money_field("What was paid as compensation.", source="compensated_amount")
    platform_advanced_amount = money_field(
        "What the platform paid first for the merchant (the merchant's liability).",
        source="platform_advanced_amount",
    )
    proposal = graphene.Field(AfterSaleProposal, description="A merchant's open proposal.")
    freight_claim = graphene.Field(
        AfterSaleFreightClaim, description="The buyer's return-freight claim, if any."
    )
    deadline = graphene.Field(
        AfterSaleDeadline, description="The running deadline; `null` once the request ended."
    )
    whose_turn = graphene.Field(
        enums.AfterSaleActorEnum, description="Who must act next; `null` once the request ended."
    )
    is_active = graphene.Boolean(required=True, description="Whether the request has not ended.")
    available_actions = _list_of(
        enums.AfterSaleActionEnum, "What the viewer may do now, as buyer, merchant or platform."
    )

    class Meta:
        description = (
            "An after-sale request on an order: a refund, a return, an exchange or a reship."
        )
        interfaces = (graphene.relay.Node,)

    @staticmethod
    def resolve_type(root: RequestRow, _info: Any) -> str:
        return root.request_type

    @staticmethod
    def resolve_kuaishou_status(root: RequestRow, _info: Any) -> int | None:
        return kuaishou_status(State(root.state), RequestType(root.request_type))

    @staticmethod
    def resolve_return_address(root: RequestRow, _info: Any) -> str | None:
        return root.return_address or None

    @staticmethod
    def resolve_order(root: RequestRow, info: Any) -> Any:
        if shop_types().order is None:
            return OrderValue(str(root.order_id), root.channel_slug)
        return viewer_of(info).host.graphql_order(str(root.order_id), info)

    @staticmethod
    def resolve_lines(root: RequestRow, _info: Any) -> Any:
        return root.lines.all()

    @staticmethod
    def resolve_evidence(root: RequestRow, _info: Any) -> Any:
        return root.evidence.all()

    @staticmethod
    def resolve_shipments(root: RequestRow, _info: Any) -> Any:
        return root.shipments.all()

    @staticmethod
    def resolve_money_movements(root: RequestRow, _info: Any) -> Any:
        return root.money_movements.all()

    @staticmethod
    def resolve_timeline(root: RequestRow, _info: Any) -> Any:
        return root.timeline.all()

    @staticmethod
    def resolve_appeals(root: RequestRow, info: Any) -> Any:
        if not viewer_of(info).sees_channel(root.channel_slug):
            return []
        return root.appeals.all()

    @staticmethod
    def resolve_proposal(root: RequestRow, _info: Any) -> RequestRow | None:
        return root if root.proposal_type else None

    @staticmethod
    def resolve_freight_claim(root: RequestRow, _info: Any) -> RequestRow | None:
        return root if root.freight_claim_status != FreightClaimStatus.NONE else None

    @staticmethod
    def resolve_deadline(root: RequestRow, _info: Any) -> Deadline | None:
        if root.deadline_at is None:
            return None
        return Deadline(
            root.deadline_at, DefaultOutcome(root.deadline_outcome), Actor(root.deadline_turn)
        )

    @staticmethod
    def resolve_whose_turn(root: RequestRow, _info: Any) -> str | None:
        return root.deadline_turn or None

    @staticmethod
    def resolve_is_active(root: RequestRow, _info: Any) -> bool:
        return State(root.state) not in TERMINAL_STATES

    @staticmethod
    def resolve_available_actions(root: RequestRow, info: Any) -> list[str]:
        viewer = viewer_of(info)
        roles = viewer.roles(root.channel_slug, root.buyer_id)
        if not roles or State(root.state) in TERMINAL_STATES:
            return []
        view = to_view(root, list(root.lines.all()))
        policy = viewer.policy(root.channel_slug)
        now = timezone.now()
        events = (event for actor in roles for event in available_actions(view, actor, now, policy))
        return [event.value for event in dict.fromkeys(events)]

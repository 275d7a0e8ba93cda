"""The API's root fields: ``AfterSaleQueries`` and ``AfterSaleMutations`` mix
into a shop's schema (Saleor's ``Query``/``Mutation``); ``build_schema`` serves
them alone (the sandbox)."""

from __future__ import annotations

from functools import cache
from typing import Any

import graphene

from .core.pagination import Page
from .mutations.arrival_confirm import AfterSaleArrivalConfirm
from .mutations.evidence_add import AfterSaleEvidenceAdd
from .mutations.items_ship import AfterSaleItemsShip
from .mutations.negotiation_message_send import AfterSaleNegotiationMessageSend
from .mutations.proposal_accept import AfterSaleProposalAccept
from .mutations.proposal_create import AfterSaleProposalCreate
from .mutations.proposal_decline import AfterSaleProposalDecline
from .mutations.receipt_confirm import AfterSaleReceiptConfirm
from .mutations.receipt_reject import AfterSaleReceiptReject
from .mutations.refund_retry import AfterSaleRefundRetry
from .mutations.refund_without_return import AfterSaleRefundWithoutReturn
from .mutations.request_approve import AfterSaleRequestApprove
from .mutations.request_cancel import AfterSaleRequestCancel
from .mutations.request_create import AfterSaleRequestCreate
from .mutations.request_reject import AfterSaleRequestReject
from .mutations.request_resubmit import AfterSaleRequestResubmit
from .mutations.reship_decline import AfterSaleReshipDecline
from .mutations.return_freight_claim import AfterSaleReturnFreightClaim
from .mutations.return_freight_claim_accept import AfterSaleReturnFreightClaimAccept
from .mutations.return_freight_claim_contest import AfterSaleReturnFreightClaimContest
from .mutations.return_shipment_submit import AfterSaleReturnShipmentSubmit
from .queries.eligibility import resolve_eligibility
from .queries.requests import (
    AfterSaleRequestFilterInput,
    AfterSaleRequestSortingInput,
    resolve_request,
    resolve_requests,
)
from .types.connection import AfterSaleRequestCountableConnection
from .types.eligibility import AfterSaleEligibility
from .types.request import AfterSaleRequest


class AfterSaleQueries(graphene.ObjectType):
    after_sale_request = graphene.Field(
        AfterSaleRequest,
        id=graphene.Argument(graphene.ID, required=True, description="ID of the request."),
        description="Look up an after-sale request by ID: a buyer's own, or one of a channel "
        "the caller manages; `null` otherwise. Requires signing in.",
    )
    after_sale_requests = graphene.Field(
        AfterSaleRequestCountableConnection,
        filter=AfterSaleRequestFilterInput(description="Which requests to list."),
        sort_by=AfterSaleRequestSortingInput(
            description="How to sort them; by default the newest first."
        ),
        first=graphene.Int(description="Return the first n requests (at most 100)."),
        after=graphene.String(description="Return the requests after this cursor."),
        last=graphene.Int(description="Return the last n requests (at most 100)."),
        before=graphene.String(description="Return the requests before this cursor."),
        description="List after-sale requests: a buyer sees those on their own orders, staff "
        "those of the channels they manage, the platform all. Requires signing in.",
    )
    after_sale_eligibility = graphene.Field(
        AfterSaleEligibility,
        order_id=graphene.Argument(graphene.ID, required=True, description="ID of the order."),
        description="What may be filed on an order now, line by line, and why not: for its "
        "buyer and the staff of its channel; `null` for anyone else. Requires signing in.",
    )

    @staticmethod
    def resolve_after_sale_request(_root: Any, info: Any, id: str) -> Any:
        return resolve_request(info, id)

    @staticmethod
    def resolve_after_sale_requests(_root: Any, info: Any, **args: Any) -> Page:
        return resolve_requests(info, **args)

    @staticmethod
    def resolve_after_sale_eligibility(_root: Any, info: Any, order_id: str) -> Any:
        return resolve_eligibility(info, order_id)


class AfterSaleMutations(graphene.ObjectType):
    # the buyer
    after_sale_request_create = AfterSaleRequestCreate.Field()
    after_sale_request_cancel = AfterSaleRequestCancel.Field()
    after_sale_request_resubmit = AfterSaleRequestResubmit.Field()
    after_sale_proposal_accept = AfterSaleProposalAccept.Field()
    after_sale_proposal_decline = AfterSaleProposalDecline.Field()
    after_sale_return_shipment_submit = AfterSaleReturnShipmentSubmit.Field()
    after_sale_arrival_confirm = AfterSaleArrivalConfirm.Field()
    after_sale_evidence_add = AfterSaleEvidenceAdd.Field()
    after_sale_return_freight_claim = AfterSaleReturnFreightClaim.Field()
    # the merchant
    after_sale_negotiation_message_send = AfterSaleNegotiationMessageSend.Field()
    after_sale_request_approve = AfterSaleRequestApprove.Field()
    after_sale_request_reject = AfterSaleRequestReject.Field()
    after_sale_proposal_create = AfterSaleProposalCreate.Field()
    after_sale_refund_without_return = AfterSaleRefundWithoutReturn.Field()
    after_sale_receipt_confirm = AfterSaleReceiptConfirm.Field()
    after_sale_receipt_reject = AfterSaleReceiptReject.Field()
    after_sale_items_ship = AfterSaleItemsShip.Field()
    after_sale_reship_decline = AfterSaleReshipDecline.Field()
    after_sale_return_freight_claim_accept = AfterSaleReturnFreightClaimAccept.Field()
    after_sale_return_freight_claim_contest = AfterSaleReturnFreightClaimContest.Field()
    after_sale_refund_retry = AfterSaleRefundRetry.Field()


class Query(AfterSaleQueries):
    class Meta:
        description = "The after-sale API's queries."


class Mutation(AfterSaleMutations):
    class Meta:
        description = "The after-sale API's mutations."


@cache
def build_schema() -> graphene.Schema:
    """The API alone, as the sandbox serves it (built once, when first asked)."""
    return graphene.Schema(query=Query, mutation=Mutation)

"""The API's root fields: ``AfterSaleQueries`` and ``AfterSaleMutations`` mix
into a shop's schema (Saleor's ``Query``/``Mutation``); ``build_schema`` serves
them alone (the sandbox)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import graphene

from .core.pagination import Page
from .core.shop import date_time_type
from .mutations.appeal_decide import AfterSaleAppealDecide
from .mutations.appeal_file import AfterSaleAppealFile
from .mutations.arbitration_dismiss import AfterSaleArbitrationDismiss
from .mutations.arbitration_evidence_request import AfterSaleArbitrationEvidenceRequest
from .mutations.arbitration_evidence_submit import AfterSaleArbitrationEvidenceSubmit
from .mutations.arbitration_open import AfterSaleArbitrationOpen
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
from .mutations.request_escalate import AfterSaleRequestEscalate
from .mutations.request_reject import AfterSaleRequestReject
from .mutations.request_resubmit import AfterSaleRequestResubmit
from .mutations.reship_decline import AfterSaleReshipDecline
from .mutations.return_freight_claim import AfterSaleReturnFreightClaim
from .mutations.return_freight_claim_accept import AfterSaleReturnFreightClaimAccept
from .mutations.return_freight_claim_contest import AfterSaleReturnFreightClaimContest
from .mutations.return_shipment_submit import AfterSaleReturnShipmentSubmit
from .mutations.ruling_buyer_wins_refund import AfterSaleRulingBuyerWinsRefund
from .mutations.ruling_merchant_wins import AfterSaleRulingMerchantWins
from .mutations.ruling_missing_items import AfterSaleRulingMissingItems
from .mutations.ruling_partial_refund import AfterSaleRulingPartialRefund
from .mutations.ruling_return_needed import AfterSaleRulingReturnNeeded
from .mutations.ruling_unjustified_rejection import AfterSaleRulingUnjustifiedRejection
from .mutations.ruling_wrong_item import AfterSaleRulingWrongItem
from .mutations.settlement_record import AfterSaleSettlementRecord
from .queries.appeals import AfterSaleAppealFilterInput, resolve_appeals
from .queries.eligibility import resolve_eligibility
from .queries.health import DEFAULT_DAYS, resolve_shop_health
from .queries.ledger import resolve_ledger
from .queries.requests import (
    AfterSaleRequestFilterInput,
    AfterSaleRequestSortingInput,
    resolve_request,
    resolve_requests,
)
from .types.connection import (
    AfterSaleAppealCountableConnection,
    AfterSaleRequestCountableConnection,
)
from .types.eligibility import AfterSaleEligibility
from .types.health import AfterSaleShopHealth
from .types.ledger import AfterSaleLedgerStatement
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

    after_sale_ledger = graphene.Field(
        AfterSaleLedgerStatement,
        channel=graphene.String(required=True, description="Slug of the channel."),
        start=graphene.Argument(
            lambda: date_time_type(),
            required=True,
            name="from",
            description="Start of the period (included).",
        ),
        end=graphene.Argument(
            lambda: date_time_type(),
            required=True,
            name="to",
            description="End of the period (excluded); after `from`.",
        ),
        description="A channel's merchant liability statement over a period: what its "
        "merchant owed the platform before, each entry, and what it owes after; `null` for a "
        "channel that never had an after-sale request. For the platform (every channel) and "
        "the channel's merchants.",
    )
    after_sale_shop_health = graphene.List(
        graphene.NonNull(AfterSaleShopHealth),
        required=True,
        channel=graphene.String(required=True, description="Slug of the channel."),
        days=graphene.Int(
            default_value=DEFAULT_DAYS,
            description="The rolling window in days up to now (the spec's are 30 and 90), "
            "from 1 to 365.",
        ),
        by_product=graphene.Boolean(
            default_value=False,
            description="Add a row per product that had a request in the window, the worst "
            "return rate first.",
        ),
        description="Shop health of a channel (its row first) and, when asked, of its "
        "products: return, dispute and merchant timeout rates and the average first response. "
        "For the platform (every channel) and the channel's merchants.",
    )
    after_sale_appeals = graphene.Field(
        AfterSaleAppealCountableConnection,
        filter=AfterSaleAppealFilterInput(description="Which appeals to list."),
        first=graphene.Int(description="Return the first n appeals (at most 100)."),
        after=graphene.String(description="Return the appeals after this cursor."),
        last=graphene.Int(description="Return the last n appeals (at most 100)."),
        before=graphene.String(description="Return the appeals before this cursor."),
        description="List merchants' appeals, the oldest first (a queue to decide): the "
        "platform sees every channel's, a merchant those of its channels.",
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

    @staticmethod
    def resolve_after_sale_ledger(
        _root: Any, info: Any, channel: str, start: datetime, end: datetime
    ) -> Any:
        return resolve_ledger(info, channel, start, end)

    @staticmethod
    def resolve_after_sale_shop_health(
        _root: Any, info: Any, channel: str, days: int | None, by_product: bool | None
    ) -> Any:
        return resolve_shop_health(info, channel, days, by_product)

    @staticmethod
    def resolve_after_sale_appeals(_root: Any, info: Any, **args: Any) -> Page:
        return resolve_appeals(info, **args)


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
    after_sale_request_escalate = AfterSaleRequestEscalate.Field()
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
    after_sale_appeal_file = AfterSaleAppealFile.Field()
    # the buyer or the merchant, whichever side's evidence round it is
    after_sale_arbitration_evidence_submit = AfterSaleArbitrationEvidenceSubmit.Field()
    # the platform
    after_sale_arbitration_open = AfterSaleArbitrationOpen.Field()
    after_sale_arbitration_evidence_request = AfterSaleArbitrationEvidenceRequest.Field()
    after_sale_arbitration_dismiss = AfterSaleArbitrationDismiss.Field()
    after_sale_ruling_buyer_wins_refund = AfterSaleRulingBuyerWinsRefund.Field()
    after_sale_ruling_return_needed = AfterSaleRulingReturnNeeded.Field()
    after_sale_ruling_missing_items = AfterSaleRulingMissingItems.Field()
    after_sale_ruling_wrong_item = AfterSaleRulingWrongItem.Field()
    after_sale_ruling_unjustified_rejection = AfterSaleRulingUnjustifiedRejection.Field()
    after_sale_ruling_partial_refund = AfterSaleRulingPartialRefund.Field()
    after_sale_ruling_merchant_wins = AfterSaleRulingMerchantWins.Field()
    after_sale_appeal_decide = AfterSaleAppealDecide.Field()
    after_sale_settlement_record = AfterSaleSettlementRecord.Field()


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

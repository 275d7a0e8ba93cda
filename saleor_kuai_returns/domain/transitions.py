"""The transition table: (event, state) → target, for every actor.

One row per (event, source state). A row names who may send the event, the
guards that may refuse it, what it changes (``apply``) and where it leads. The
same table yields the actions each viewer may take, the state diagram, and the
compare-and-set filter the deadline sweeper uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from . import arbitration as arb
from . import guards as g
from . import outcomes as o
from .kinds import Actor, Event, RequestType
from .policy import Policy
from .request import RequestView
from .states import ARBITRATION_STATES, PAYOUT_STATES, TERMINAL_STATES, State


@dataclass(frozen=True)
class ByType:
    """A target that depends on the request type (after the event's change)."""

    targets: Mapping[RequestType, State]

    def states(self) -> tuple[State, ...]:
        return tuple(dict.fromkeys(self.targets.values()))


@dataclass(frozen=True)
class Resume:
    """Back to the state that was paused when arbitration opened."""


@dataclass(frozen=True)
class Branch:
    """A target that depends on the request after the event's change and on the
    channel's policy: ``otherwise`` unless ``when`` holds."""

    when: Callable[[RequestView, Policy], bool]
    then: State
    otherwise: State

    def states(self) -> tuple[State, ...]:
        return (self.otherwise, self.then)


RESUME = Resume()
Target = State | ByType | Resume | Branch


@dataclass(frozen=True)
class Transition:
    event: Event
    source: State
    actors: frozenset[Actor]
    target: Target
    guards: tuple[g.Guard, ...] = ()
    apply: o.Applier = o.unchanged
    rule: str = ""  # the spec rule it implements, for tracing

    def resolve(self, view_after: RequestView, policy: Policy) -> State:
        if isinstance(self.target, State):
            return self.target
        if isinstance(self.target, ByType):
            return self.target.targets[view_after.request_type]
        if isinstance(self.target, Branch):
            branch = self.target
            return branch.then if branch.when(view_after, policy) else branch.otherwise
        assert view_after.paused is not None
        return view_after.paused.state

    def possible_targets(self) -> tuple[State, ...]:
        if isinstance(self.target, State):
            return (self.target,)
        if isinstance(self.target, ByType | Branch):
            return self.target.states()
        return ()

    @property
    def keeps_state(self) -> bool:
        return self.target == self.source


B, M, P, S = Actor.BUYER, Actor.MERCHANT, Actor.PLATFORM, Actor.SYSTEM
E = Event
ST = State

APPROVAL_TARGETS = ByType(
    MappingProxyType(
        {
            RequestType.REFUND_ONLY: ST.REFUNDING,
            RequestType.RETURN_AND_REFUND: ST.AWAITING_BUYER_RETURN,
            RequestType.EXCHANGE: ST.AWAITING_BUYER_RETURN,
            RequestType.RESHIP: ST.AWAITING_RESHIP,
        }
    )
)
RECEIPT_TARGETS = ByType(
    MappingProxyType(
        {
            RequestType.RETURN_AND_REFUND: ST.REFUNDING,
            RequestType.EXCHANGE: ST.AWAITING_REPLACEMENT_SHIPMENT,
        }
    )
)

ACTIVE = [s for s in State if s not in TERMINAL_STATES]
# States where the parties still negotiate: no money is moving, no arbitration.
OPEN = [s for s in ACTIVE if s not in PAYOUT_STATES and s not in ARBITRATION_STATES]
RETURN_LEG = [ST.AWAITING_BUYER_RETURN, ST.AWAITING_MERCHANT_RECEIPT]
# A payout attempt that failed: retried later, or on hold once the payout had
# every attempt the policy allows.
AFTER_FAILED_ATTEMPT = Branch(
    o.payout_exhausted, then=ST.REFUND_ON_HOLD, otherwise=ST.REFUND_FAILED
)


def _row(
    event: Event,
    sources: Iterable[State] | State,
    actors: Iterable[Actor] | Actor,
    target: Target | None,
    *guards: g.Guard,
    apply: o.Applier = o.unchanged,
    rule: str,
) -> list[Transition]:
    """Rows for one event from several sources; ``target=None`` keeps the state."""
    # In the states' declared order, so the table (and the diagram) never
    # depends on how a set happens to iterate.
    order = list(State)
    source_list = sorted([sources] if isinstance(sources, State) else sources, key=order.index)
    actor_set = frozenset([actors] if isinstance(actors, Actor) else actors)
    return [
        Transition(
            event=event,
            source=source,
            actors=actor_set,
            target=source if target is None else target,
            guards=guards,
            apply=apply,
            rule=rule,
        )
        for source in source_list
    ]


_ROWS: list[Transition] = [
    # --- buyer -----------------------------------------------------------------
    *_row(
        E.CANCEL,
        [s for s in ACTIVE if s not in PAYOUT_STATES],
        B,
        ST.CANCELLED,
        g.no_money_moved,
        rule="§4 buyer: cancel before money moves",
    ),
    *_row(
        E.RESUBMIT,
        ST.REJECTED,
        B,
        ST.AWAITING_MERCHANT_REVIEW,
        g.attempts_left,
        apply=o.resubmit,
        rule="§4 buyer: modify and resubmit after a rejection (SEED)",
    ),
    *_row(
        E.ACCEPT_PROPOSAL,
        ST.PROPOSAL_AWAITING_BUYER,
        B,
        APPROVAL_TARGETS,
        apply=o.accept_proposal,
        rule="§4 buyer: accept a merchant proposal",
    ),
    *_row(
        E.DECLINE_PROPOSAL,
        ST.PROPOSAL_AWAITING_BUYER,
        B,
        ST.AWAITING_MERCHANT_REVIEW,
        apply=o.clear_proposal,
        rule="§4 buyer: decline a merchant proposal",
    ),
    *_row(
        E.SUBMIT_RETURN_SHIPMENT,
        ST.AWAITING_BUYER_RETURN,
        [B, M],
        ST.AWAITING_MERCHANT_RECEIPT,
        g.tracking_given,
        rule="§4 buyer: submit return tracking; merchant: enter it for the buyer",
    ),
    *_row(
        E.ESCALATE,
        [ST.REJECTED, ST.RECEIPT_REJECTED],
        B,
        ST.ARBITRATION_RULING,
        g.note_fits,
        rule="§4 buyer: escalate within 7 days of a rejection or rejected receipt",
    ),
    *_row(
        E.CONFIRM_ARRIVAL,
        ST.AWAITING_BUYER_CONFIRMATION,
        B,
        ST.COMPLETED,
        rule="§4 buyer: confirm a replacement/reship arrived",
    ),
    *_row(
        E.ADD_EVIDENCE,
        OPEN,
        B,
        None,
        g.evidence_fits,
        apply=o.add_evidence,
        rule="§4 buyer: add evidence",
    ),
    *_row(
        E.CLAIM_RETURN_FREIGHT,
        RETURN_LEG,
        B,
        None,
        g.freight_liable,
        apply=o.claim_freight,
        rule="§5 merchant-liable return freight: the claim",
    ),
    # --- merchant ----------------------------------------------------------------
    *_row(
        E.SEND_NEGOTIATION_MESSAGE,
        ST.AWAITING_MERCHANT_REVIEW,
        M,
        None,
        g.message_given,
        apply=o.note_negotiation,
        rule="§4 merchant: communicate before rejecting (SEED)",
    ),
    *_row(
        E.APPROVE,
        ST.AWAITING_MERCHANT_REVIEW,
        M,
        APPROVAL_TARGETS,
        apply=o.approve,
        rule="§4 merchant: approve",
    ),
    *_row(
        E.REJECT,
        ST.AWAITING_MERCHANT_REVIEW,
        M,
        ST.REJECTED,
        g.negotiated_first,
        g.rejection_explained,
        apply=o.reject,
        rule="§4 merchant: reject with a reason code, after negotiating (SEED)",
    ),
    *_row(
        E.PROPOSE_CHANGE,
        ST.AWAITING_MERCHANT_REVIEW,
        M,
        ST.PROPOSAL_AWAITING_BUYER,
        g.proposal_valid,
        apply=o.propose,
        rule="§4 merchant: propose a change (type, amount, address)",
    ),
    *_row(
        E.REFUND_WITHOUT_RETURN,
        [ST.AWAITING_MERCHANT_REVIEW, *RETURN_LEG, ST.AWAITING_REPLACEMENT_SHIPMENT],
        M,
        ST.REFUNDING,
        apply=o.refund_without_return,
        rule="§4 merchant: refund directly without a return",
    ),
    *_row(
        E.CONFIRM_RECEIPT,
        ST.AWAITING_MERCHANT_RECEIPT,
        M,
        RECEIPT_TARGETS,
        apply=o.confirm_receipt,
        rule="§4 merchant: confirm receipt (refund at once; exchange ships)",
    ),
    *_row(
        E.REJECT_RECEIPT,
        ST.AWAITING_MERCHANT_RECEIPT,
        M,
        ST.RECEIPT_REJECTED,
        g.receipt_rejection_proven,
        apply=o.reject,
        rule="§4 merchant: reject receipt with evidence",
    ),
    *_row(
        E.SHIP_ITEMS,
        [ST.AWAITING_REPLACEMENT_SHIPMENT, ST.AWAITING_RESHIP, ST.RESHIP_OVERDUE],
        M,
        ST.AWAITING_BUYER_CONFIRMATION,
        g.tracking_given,
        g.replacement_matches,
        apply=o.ship_goods,
        rule="§4 merchant: ship a reship/replacement with tracking",
    ),
    *_row(
        E.DECLARE_CANNOT_RESHIP,
        [ST.AWAITING_RESHIP, ST.RESHIP_OVERDUE],
        M,
        ST.REFUNDING,
        apply=o.compensate_missing,
        rule="§4 ruling 'missing items': cannot reship → priority compensation (SEED)",
    ),
    *_row(
        E.ACCEPT_FREIGHT_CLAIM,
        RETURN_LEG,
        M,
        None,
        g.freight_claim_open,
        apply=o.accept_freight,
        rule="§4 merchant: accept a return-freight claim",
    ),
    *_row(
        E.CONTEST_FREIGHT_CLAIM,
        RETURN_LEG,
        M,
        None,
        g.freight_claim_open,
        apply=o.contest_freight,
        rule="§4 merchant: contest a return-freight claim",
    ),
    *_row(
        E.RETRY_REFUND,
        [ST.REFUND_FAILED, ST.REFUND_ON_HOLD],
        [M, P],
        ST.REFUNDING,
        apply=o.retry_payout,
        rule="staff retry of a failed refund",
    ),
    # --- platform ----------------------------------------------------------------
    *_row(
        E.OPEN_ARBITRATION,
        OPEN,
        P,
        ST.ARBITRATION_RULING,
        g.platform_may_intervene,
        rule="§4 platform: open arbitration on its own after a missed deadline",
    ),
    *_row(
        E.OPEN_ARBITRATION,
        ST.REFUND_ON_HOLD,
        P,
        ST.ARBITRATION_RULING,
        rule="the platform steps in when every attempt of a refund failed",
    ),
    *_row(
        E.REQUEST_EVIDENCE,
        ST.ARBITRATION_RULING,
        P,
        ST.ARBITRATION_BUYER_EVIDENCE,
        rule="§4 platform: request evidence (buyer, then merchant)",
    ),
    *_row(
        E.SUBMIT_ARBITRATION_EVIDENCE,
        ST.ARBITRATION_BUYER_EVIDENCE,
        B,
        ST.ARBITRATION_MERCHANT_EVIDENCE,
        g.evidence_fits,
        apply=o.add_evidence,
        rule="§3 arbitration evidence round: buyer",
    ),
    *_row(
        E.SUBMIT_ARBITRATION_EVIDENCE,
        ST.ARBITRATION_MERCHANT_EVIDENCE,
        M,
        ST.ARBITRATION_RULING,
        g.evidence_fits,
        apply=o.add_evidence,
        rule="§3 arbitration evidence round: merchant",
    ),
    *_row(
        E.DISMISS_ARBITRATION,
        ARBITRATION_STATES,
        P,
        RESUME,
        g.something_to_resume,
        rule="§3 deadlines resume with the remaining time after arbitration",
    ),
    *_row(
        E.RULE_BUYER_WINS_REFUND,
        ARBITRATION_STATES,
        P,
        ST.REFUNDING,
        apply=arb.buyer_wins_refund,
        rule="§4 ruling: buyer wins, refund (SEED)",
    ),
    *_row(
        E.RULE_RETURN_NEEDED,
        ARBITRATION_STATES,
        P,
        ST.AWAITING_BUYER_RETURN,
        g.no_payout_pending,
        g.goods_with_buyer,
        apply=arb.return_needed,
        rule="§4 ruling: buyer wins, return needed",
    ),
    *_row(
        E.RULE_MISSING_ITEMS,
        ARBITRATION_STATES,
        P,
        ST.AWAITING_RESHIP,
        g.no_payout_pending,
        g.missing_items_claimed,
        apply=arb.missing_items_confirmed,
        rule="§4 ruling: missing items confirmed (SEED)",
    ),
    *_row(
        E.RULE_WRONG_ITEM,
        ARBITRATION_STATES,
        P,
        ST.AWAITING_BUYER_RETURN,
        g.no_payout_pending,
        g.wrong_item_claimed,
        apply=arb.wrong_item_confirmed,
        rule="§4 ruling: wrong item confirmed (SEED)",
    ),
    *_row(
        E.RULE_UNJUSTIFIED_REJECTION,
        ARBITRATION_STATES,
        P,
        ST.REFUNDING,
        g.no_payout_pending,
        g.merchant_rejected,
        apply=arb.unjustified_rejection,
        rule="§4 ruling: unjustified rejection, platform refunds first (SEED)",
    ),
    *_row(
        E.RULE_PARTIAL_REFUND,
        ARBITRATION_STATES,
        P,
        ST.REFUNDING,
        g.no_payout_pending,
        g.partial_amount_valid,
        apply=arb.partial_refund,
        rule="§4 ruling: partial refund",
    ),
    *_row(
        E.RULE_MERCHANT_WINS,
        ARBITRATION_STATES,
        P,
        ST.CLOSED,
        g.no_payout_pending,
        apply=arb.merchant_wins,
        rule="§4 ruling: merchant wins",
    ),
    # --- system: default outcomes (one per non-terminal state, spec §3) ---------
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_MERCHANT_REVIEW,
        S,
        APPROVAL_TARGETS,
        g.deadline_due,
        apply=o.auto_approve,
        rule="§3 review 48 h → auto-approve (SEED)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.PROPOSAL_AWAITING_BUYER,
        S,
        ST.AWAITING_MERCHANT_REVIEW,
        g.deadline_due,
        apply=o.clear_proposal,
        rule="§3 proposal 48 h → back to review",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.REJECTED,
        S,
        ST.CLOSED,
        g.deadline_due,
        rule="§3 rejected 7 d → close",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_BUYER_RETURN,
        S,
        ST.CLOSED,
        g.deadline_due,
        rule="§3 buyer return 10 d → auto-close (SEED)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_MERCHANT_RECEIPT,
        S,
        ST.REFUNDING,
        g.deadline_due,
        apply=o.auto_refund,
        rule="§3 merchant receipt 10 d → auto-refund (SEED)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.RECEIPT_REJECTED,
        S,
        ST.CLOSED,
        g.deadline_due,
        rule="§3 rejected receipt 7 d → close",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_REPLACEMENT_SHIPMENT,
        S,
        ST.ARBITRATION_RULING,
        g.deadline_due,
        apply=o.merchant_missed,
        rule="§3 replacement 48 h → escalate to the platform",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_RESHIP,
        S,
        ST.RESHIP_OVERDUE,
        g.deadline_due,
        apply=o.reship_late,
        rule="§3 reship 24 h → late shipment, compensated (SEED)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.RESHIP_OVERDUE,
        S,
        ST.REFUNDING,
        g.deadline_due,
        apply=o.compensate_missing,
        rule="§4 missing items not reshipped → priority compensation (SEED)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.AWAITING_BUYER_CONFIRMATION,
        S,
        ST.COMPLETED,
        g.deadline_due,
        rule="§3 buyer confirmation 10 d → auto-complete",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.ARBITRATION_RULING,
        S,
        ST.REFUNDING,
        g.deadline_due,
        apply=arb.buyer_wins_refund,
        rule="ruling deadline → the buyer's claim stands",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.ARBITRATION_BUYER_EVIDENCE,
        S,
        ST.ARBITRATION_MERCHANT_EVIDENCE,
        g.deadline_due,
        rule="§3 evidence round 48 h → next round",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.ARBITRATION_MERCHANT_EVIDENCE,
        S,
        ST.ARBITRATION_RULING,
        g.deadline_due,
        rule="§3 evidence round 48 h → decide on the evidence so far",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.REFUNDING,
        S,
        AFTER_FAILED_ATTEMPT,
        g.deadline_due,
        apply=o.payout_failed,
        rule="unconfirmed refund → shown as failed (on hold after the last attempt)",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.REFUND_FAILED,
        S,
        ST.REFUNDING,
        g.deadline_due,
        apply=o.retry_payout,
        rule="failed refund → retried",
    ),
    *_row(
        E.DEADLINE_EXPIRED,
        ST.REFUND_ON_HOLD,
        S,
        ST.ARBITRATION_RULING,
        g.deadline_due,
        apply=o.merchant_missed,
        rule="refund on hold, nobody acted → the platform steps in",
    ),
    # --- system: the payment provider's answer ---------------------------------------
    *_row(
        E.REFUND_SUCCEEDED,
        PAYOUT_STATES,
        S,
        ST.REFUNDED,
        apply=o.payout_succeeded,
        rule="§5 refund confirmed by the payment provider",
    ),
    *_row(
        E.REFUND_SUCCEEDED,
        ARBITRATION_STATES,
        S,
        ST.REFUNDED,
        g.payout_pending,
        apply=o.payout_succeeded,
        rule="a payout on hold reached the buyer during its arbitration: the case is over",
    ),
    *_row(
        E.REFUND_FAILED,
        ST.REFUNDING,
        S,
        AFTER_FAILED_ATTEMPT,
        apply=o.payout_failed,
        rule="refund refused by the payment provider (on hold after the last attempt)",
    ),
]


def _index(rows: list[Transition]) -> Mapping[tuple[Event, State], Transition]:
    table: dict[tuple[Event, State], Transition] = {}
    for row in rows:
        key = (row.event, row.source)
        if key in table:
            raise AssertionError(f"two rows for {key}")
        table[key] = row
    return MappingProxyType(table)


TRANSITIONS: Mapping[tuple[Event, State], Transition] = _index(_ROWS)
TRANSITION_LIST: tuple[Transition, ...] = tuple(_ROWS)


def transitions_from(state: State) -> tuple[Transition, ...]:
    return tuple(row for row in TRANSITION_LIST if row.source is state)

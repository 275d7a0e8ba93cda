"""A Hypothesis state machine: random actors, events and clocks against the rules.

Invariants checked after every step:
- a terminal state never changes;
- refunded + compensated never exceeds what was paid plus allowed compensation;
- exactly one deadline while the request is active, none once it ended;
- the event counter equals the number of accepted transitions;
- money is paid out at most once, and the platform's advances equal the
  liabilities recorded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from saleor_kuai_returns.domain import (
    TERMINAL_STATES,
    Actor,
    Event,
    ItemKind,
    Policy,
    Reason,
    RejectionReason,
    RequestType,
    TransitionNotAllowed,
    decide,
    is_due,
    open_request,
)
from saleor_kuai_returns.domain import commands as c
from saleor_kuai_returns.domain.effects import (
    PayBuyer,
    PayLateShipmentCompensation,
    RecordLiability,
)
from saleor_kuai_returns.domain.request import Payer
from saleor_kuai_returns.domain.states import ARBITRATION_STATES
from saleor_kuai_returns.domain.transitions import transitions_from

from .factories import NOW, line, new_request, order
from .paths import same_price_variants

SETUPS = [
    (RequestType.RETURN_AND_REFUND, Reason.QUALITY_FUNCTION, True),
    (RequestType.RETURN_AND_REFUND, Reason.NO_REASON, True),
    (RequestType.RETURN_AND_REFUND, Reason.WRONG_ITEM, True),
    (RequestType.REFUND_ONLY, Reason.QUALITY_COLOUR, True),
    (RequestType.REFUND_ONLY, Reason.NO_REASON, False),
    (RequestType.EXCHANGE, Reason.QUALITY_SIZE, True),
    (RequestType.RESHIP, Reason.MISSING_ITEMS, True),
    (RequestType.REFUND_ONLY, Reason.MISSING_ITEMS, True),
]

amounts = st.decimals(min_value=Decimal("-5"), max_value=Decimal("400"), places=2)
texts = st.sampled_from(["", "ok", "x" * 500, "x" * 501])
counts = st.integers(min_value=-1, max_value=10)
types = st.sampled_from(list(RequestType))
tracking = st.sampled_from(["", "SF1234567890"])


def _simple(*commands: c.Command) -> dict[Event, st.SearchStrategy[c.Command]]:
    return {command.event: st.just(command) for command in commands}


# Each event's command strategy, so a step can aim at what the state accepts.
BY_EVENT: dict[Event, st.SearchStrategy[c.Command]] = {
    **_simple(
        c.Cancel(),
        c.AcceptProposal(),
        c.DeclineProposal(),
        c.ConfirmArrival(),
        c.RefundWithoutReturn(),
        c.ConfirmReceipt(),
        c.DeclareCannotReship(),
        c.AcceptFreightClaim(),
        c.ContestFreightClaim(),
        c.RetryRefund(),
        c.OpenArbitration(),
        c.RequestEvidence(),
        c.DismissArbitration(),
        c.RuleBuyerWinsRefund(),
        c.RuleReturnNeeded(),
        c.RuleMissingItems(),
        c.RuleUnjustifiedRejection(),
        c.RuleMerchantWins(),
        c.DeadlineExpired(),
        c.RefundSucceeded(),
        c.RefundFailed(),
    ),
    Event.SUBMIT_RETURN_SHIPMENT: st.builds(
        c.SubmitReturnShipment, carrier=st.just("SF"), tracking_number=tracking
    ),
    Event.ESCALATE: st.builds(c.Escalate, note=texts),
    Event.ADD_EVIDENCE: st.builds(c.AddEvidence, count=counts, text=texts),
    Event.CLAIM_RETURN_FREIGHT: st.builds(c.ClaimReturnFreight, amount=amounts),
    Event.SEND_NEGOTIATION_MESSAGE: st.builds(c.SendNegotiationMessage, text=texts),
    Event.APPROVE: st.builds(c.Approve, return_address=st.none() | st.just("Warehouse 1")),
    Event.REJECT: st.builds(
        c.Reject,
        reason=st.sampled_from(list(RejectionReason)),
        description=texts,
        evidence_count=counts,
    ),
    Event.PROPOSE_CHANGE: st.builds(
        c.ProposeChange,
        request_type=st.none() | types,
        amount=st.none() | amounts,
        return_address=st.none() | st.just("Warehouse 2"),
    ),
    Event.REJECT_RECEIPT: st.builds(c.RejectReceipt, description=texts, evidence_count=counts),
    Event.SHIP_ITEMS: st.builds(
        c.ShipItems,
        carrier=st.just("ZTO"),
        tracking_number=tracking,
        replacements=st.sampled_from(
            [(), (c.Replacement("line-1", "v-2", Decimal("0.00"), same_product=True),)]
        ),
    ),
    Event.SUBMIT_ARBITRATION_EVIDENCE: st.builds(
        c.SubmitArbitrationEvidence, count=counts, text=texts
    ),
    Event.RULE_WRONG_ITEM: st.builds(
        c.RuleWrongItem, resolution=types, compensation_requested=st.booleans()
    ),
    Event.RULE_PARTIAL_REFUND: st.builds(c.RulePartialRefund, amount=amounts),
}
COMMANDS = st.one_of(list(BY_EVENT.values()))


class AfterSaleMachine(RuleBasedStateMachine):
    @initialize(
        setup=st.sampled_from(SETUPS),
        total=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("5000"), places=2),
        quantity=st.integers(min_value=1, max_value=5),
        gift=st.booleans(),
        may_intervene=st.booleans(),
    )
    def file(self, setup, total, quantity, gift, may_intervene):
        request_type, reason, shipped = setup
        kind = ItemKind.GIFT if gift and request_type is RequestType.RESHIP else ItemKind.GOODS
        self.line = line(
            quantity=quantity,
            total_paid=str(total),
            shipped=None if shipped else 0,
            item_kind=kind,
            declared_unit_price=Decimal("25.00") if kind is ItemKind.GIFT else None,
        )
        self.order = order(self.line)
        self.policy = Policy(platform_may_open_arbitration=may_intervene)
        units = quantity if not shipped else max(1, quantity // 2)
        self.view = open_request(
            new_request(
                request_type,
                reason,
                (("line-1", units),),
                evidence_count=0 if reason is Reason.NO_REASON else 1,
            ),
            self.order,
            NOW,
            self.policy,
        )
        self.now = NOW
        self.accepted = 0
        self.payouts_paid = 0
        self.late_compensations = 0
        self.platform_paid = Decimal(0)

    def _send(self, command: c.Command, actor: Actor) -> None:
        before = self.view
        try:
            decision = decide(before, command, actor, self.now, self.policy)
        except TransitionNotAllowed:
            assert self.view is before
            return
        # A finished request takes one step only: a return's late arrival (stock only).
        if before.state in TERMINAL_STATES:
            assert (decision.event, decision.target) == (Event.CONFIRM_RECEIPT, before.state)
        # A party acting after the deadline: its default outcome came first.
        if decision.caught_up is not None:
            assert actor is not Actor.SYSTEM and is_due(before, self.now)
        for step in decision.steps:
            if step.event is Event.REFUND_SUCCEEDED:
                self.payouts_paid += 1
                payout = before.payout
                assert payout is not None
                if payout.payer is Payer.PLATFORM:
                    self.platform_paid += payout.amount
            for effect in step.effects:
                if isinstance(effect, PayLateShipmentCompensation):
                    self.late_compensations += 1
                if isinstance(effect, RecordLiability):
                    assert isinstance(step.effects[0], PayBuyer | PayLateShipmentCompensation)
                    assert step.effects[0].payer is Payer.PLATFORM
        self.view = decision.view
        self.accepted += len(decision.steps)

    @rule(data=st.data())
    def act(self, data):
        """Mostly an event the state knows, sent by an actor its row names;
        now and then any event from any actor (which must change nothing).
        Cancelling ends the story, so it is drawn only now and then."""
        rows = transitions_from(self.view.state)
        if not rows or not data.draw(st.integers(min_value=0, max_value=4)):
            self._send(data.draw(COMMANDS), data.draw(st.sampled_from(list(Actor))))
            return
        onward = [row for row in rows if row.event is not Event.CANCEL]
        if data.draw(st.integers(min_value=0, max_value=9)):
            rows = onward
        row = data.draw(st.sampled_from(rows))
        if row.event is Event.RESUBMIT:
            units = data.draw(st.integers(min_value=1, max_value=self.line.quantity))
            command = c.Resubmit(order=self.order, quantities=(("line-1", units),))
        else:
            command = data.draw(BY_EVENT[row.event])
        actor = data.draw(st.sampled_from(sorted(row.actors)))
        if row.event is Event.SHIP_ITEMS and self.view.request_type is RequestType.EXCHANGE:
            command = c.ShipItems(
                carrier="ZTO", tracking_number="Z1", replacements=same_price_variants(self.view)
            )
        self._send(command, actor)

    @rule(units=st.integers(min_value=1, max_value=5), reason=st.sampled_from(list(Reason)))
    def resubmit(self, units, reason):
        command = c.Resubmit(order=self.order, quantities=(("line-1", units),), reason=reason)
        self._send(command, Actor.BUYER)

    @rule(seconds=st.integers(min_value=0, max_value=15 * 24 * 3600))
    def wait(self, seconds):
        self.now += timedelta(seconds=seconds)

    @precondition(lambda self: self.view.deadline is not None)
    @rule(offset=st.sampled_from([-1, 0, 1]))
    def reach_deadline(self, offset):
        # the sweeper finds the request a second before, at, or after its deadline
        self.now = max(self.now, self.view.deadline.at + timedelta(seconds=offset))
        self._send(c.DeadlineExpired(), Actor.SYSTEM)

    @invariant()
    def one_deadline_while_active(self):
        active = self.view.state not in TERMINAL_STATES
        assert (self.view.deadline is not None) is active

    @invariant()
    def events_count_accepted_transitions(self):
        assert self.view.events == self.accepted

    @invariant()
    def money_within_bounds(self):
        paid = self.line.total_paid + self.order.shipping_paid
        view = self.view
        allowed_compensation = (
            self.policy.late_shipment_maximum
            + (self.line.declared_unit_price or 0) * self.line.quantity
            + self.line.total_paid
        )
        assert view.refunded_amount <= paid + self.policy.return_freight_maximum
        assert view.refunded_amount + view.compensated_amount <= (
            paid + self.policy.return_freight_maximum + allowed_compensation
        )
        assert view.refunded_amount >= 0
        assert view.compensated_amount >= 0

    @invariant()
    def money_moves_once(self):
        assert self.payouts_paid <= 1
        assert self.late_compensations <= 1
        assert self.view.platform_advanced_amount == self.platform_paid
        if self.view.refunded_amount:
            assert self.view.compensated_amount <= self.policy.late_shipment_maximum

    @invariant()
    def paused_only_during_arbitration(self):
        if self.view.paused is not None:
            assert self.view.state in ARBITRATION_STATES


AfterSaleMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAfterSaleMachine = AfterSaleMachine.TestCase

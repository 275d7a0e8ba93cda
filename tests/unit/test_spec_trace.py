"""Every row of the spec's tables, traced to the rule in ``domain/`` that implements
it and to the tests that check it. A rename on either side fails here."""

from __future__ import annotations

import importlib
from functools import reduce

import pytest

# spec row → (rule in saleor_kuai_returns.domain, tests as "module::function")
TRACE: dict[str, tuple[str, tuple[str, ...]]] = {
    # §1 request types
    "§1 refund_only: before shipment (whole unshipped) or after": (
        "eligibility.check_line",
        (
            "test_eligibility::test_whole_unshipped_quantity_required_before_shipment",
            "test_flows::test_shipped_refund_only_pays_at_approval",
        ),
    ),
    "§1 return_and_refund: after shipment": (
        "eligibility.check_line",
        (
            "test_eligibility::test_type_requires_shipment",
            "test_flows::test_return_and_refund_happy_path",
        ),
    ),
    "§1 exchange: same product, variant of equal price": (
        "guards.replacement_matches",
        (
            "test_guards::test_exchange_replacement_must_be_a_variant_of_the_same_product_at_equal_price",
            "test_guards::test_exchange_ships_a_variant_of_the_same_product_at_equal_price",
            "test_flows::test_exchange_path_moves_no_money",
        ),
    ),
    "§1 reship: missing items, after shipment": (
        "kinds.REASON_RULES",
        ("test_flows::test_reship_path", "test_eligibility::test_reason_not_allowed_for_the_type"),
    ),
    "§1 reasons: freight liability and evidence per reason": (
        "kinds.REASON_RULES",
        (
            "test_eligibility::test_evidence_required",
            "test_eligibility::test_no_reason_needs_no_evidence",
            "test_guards::test_freight_claims_only_for_merchant_liable_reasons",
        ),
    ),
    "§1 no-reason only where the product type allows it": (
        "policy.AfterSaleWindows",
        ("test_eligibility::test_no_reason_not_allowed_for_the_product_type",),
    ),
    # §2 eligibility
    "§2 one active request per line; quantity ≤ ordered − refunded": (
        "eligibility.check_line",
        (
            "test_eligibility::test_active_request_on_the_line",
            "test_eligibility::test_quantity_above_what_is_left_after_earlier_returns",
        ),
    ),
    "§2 after-sale window from delivery (7 d no-reason, 15 d quality, per product type)": (
        "eligibility.after_sale_window",
        (
            "test_eligibility::test_admit_refuses_no_reason_once_the_window_closed",
            "test_eligibility::test_product_type_no_reason_window_at_its_boundary",
        ),
    ),
    "§2 attempt cap per line, creations and resubmissions (5)": (
        "guards.attempts_left",
        (
            "test_eligibility::test_fifth_attempt_is_allowed",
            "test_guards::test_resubmission_counts_attempts_up_to_the_cap",
        ),
    ),
    "§2 evidence ≤ 9, text ≤ 500, required for merchant-fault reasons": (
        "eligibility.check_evidence",
        (
            "test_eligibility::test_too_much_evidence",
            "test_eligibility::test_text_too_long",
            "test_guards::test_evidence_is_capped_at_nine_items_per_request",
        ),
    ),
    # §3 timers
    "§3 review (return, exchange) 48 h → auto-approve": (
        "deadlines.DEADLINE_RULES",
        ("test_deadlines::test_at_the_deadline_the_default_outcome_applies",),
    ),
    "§3 review (refund only, shipped) 48 h → refund": (
        "deadlines.DeadlineRule.duration",
        ("test_deadlines::test_shipped_refund_only_review_is_48_hours",),
    ),
    "§3 review (refund only, unshipped) 24 h → refund, release quantity": (
        "deadlines.DeadlineRule.duration",
        (
            "test_deadlines::test_unshipped_refund_only_review_is_24_hours_and_auto_approves_into_refund",
        ),
    ),
    "§3 review (reship) 48 h → awaiting reship": (
        "transitions.APPROVAL_TARGETS",
        ("test_table::test_approval_leads_by_request_type",),
    ),
    "§3 buyer return 10 d → auto-close": (
        "deadlines.DEADLINE_RULES",
        ("test_flows::test_buyer_not_shipping_the_return_auto_closes",),
    ),
    "§3 merchant receipt 10 d after tracking → auto-refund (exchange too)": (
        "outcomes.auto_refund",
        (
            "test_deadlines::test_receipt_deadline_counts_from_the_tracking_number",
            "test_flows::test_exchange_receipt_deadline_auto_refunds",
        ),
    ),
    "§3 reship 24 h → late shipment, platform compensates": (
        "outcomes.reship_late",
        ("test_flows::test_late_reship_counts_as_late_shipment_and_compensates_once",),
    ),
    "§3 replacement shipment 48 h → escalate": (
        "deadlines.DEADLINE_RULES",
        ("test_deadlines::test_at_the_deadline_the_default_outcome_applies",),
    ),
    "§3 buyer confirmation 10 d → auto-complete": (
        "deadlines.DEADLINE_RULES",
        ("test_deadlines::test_at_the_deadline_the_default_outcome_applies",),
    ),
    "§3 rejected 7 d → close": (
        "deadlines.DEADLINE_RULES",
        ("test_guards::test_escalation_and_resubmission_close_with_the_rejection_window",),
    ),
    "§3 proposal 48 h → back to review": (
        "deadlines.DEADLINE_RULES",
        ("test_deadlines::test_at_the_deadline_the_default_outcome_applies",),
    ),
    "§3 evidence rounds 48 h each → decide on the evidence so far": (
        "deadlines.DEADLINE_RULES",
        ("test_arbitration::test_evidence_rounds_time_out_to_a_ruling_on_what_is_there",),
    ),
    "§3 deadlines pause during arbitration and resume with the time left": (
        "deadlines.pause",
        (
            "test_deadlines::test_arbitration_pauses_the_running_deadline_and_dismissal_resumes_what_was_left",
        ),
    ),
    # §4 actions
    "§4 buyer: create": ("engine.open_request", ("test_flows::test_return_and_refund_happy_path",)),
    "§4 buyer: cancel before money moves": (
        "guards.no_money_moved",
        (
            "test_guards::test_cancel_is_refused_once_money_moved",
            "test_flows::test_cancel_before_money_moves",
        ),
    ),
    "§4 buyer: return tracking (carrier + number)": (
        "guards.tracking_given",
        ("test_guards::test_return_shipment_needs_carrier_and_tracking",),
    ),
    "§4 buyer: modify and resubmit after a rejection": (
        "outcomes.resubmit",
        (
            "test_guards::test_resubmission_may_change_reason_quantity_and_amount",
            "test_guards::test_resubmission_rechecks_eligibility_on_a_fresh_order",
        ),
    ),
    "§4 buyer: accept or decline a proposal": (
        "outcomes.accept_proposal",
        (
            "test_flows::test_accepted_proposal_approves_with_the_new_terms",
            "test_flows::test_declined_proposal_returns_to_review_with_a_fresh_deadline",
        ),
    ),
    "§4 buyer: escalate within 7 days of a rejection or rejected receipt": (
        "engine.decide",
        (
            "test_guards::test_escalation_and_resubmission_close_with_the_rejection_window",
            "test_arbitration::test_unjustified_rejection_of_a_rejected_receipt",
        ),
    ),
    "§4 buyer: confirm arrival; add evidence": (
        "guards.evidence_fits",
        (
            "test_flows::test_reship_path",
            "test_guards::test_evidence_is_capped_at_nine_items_per_request",
        ),
    ),
    "§4 merchant: approve (return address)": (
        "outcomes.approve",
        ("test_flows::test_return_and_refund_happy_path",),
    ),
    "§4 merchant: reject with reason code, description, after negotiating": (
        "guards.negotiated_first",
        (
            "test_guards::test_reject_needs_a_negotiation_message_first",
            "test_guards::test_reasons_that_need_a_description_refuse_a_bare_rejection",
        ),
    ),
    "§4 merchant: propose a change (type, amount, address)": (
        "guards.proposal_valid",
        (
            "test_guards::test_a_proposal_must_change_something",
            "test_guards::test_a_proposed_type_must_fit_the_shipment_and_reason",
        ),
    ),
    "§4 merchant: refund directly without a return": (
        "outcomes.refund_without_return",
        ("test_flows::test_merchant_refunds_without_a_return",),
    ),
    "§4 merchant: enter the return tracking for the buyer": (
        "transitions.TRANSITIONS",
        ("test_flows::test_available_actions_during_the_return_leg",),
    ),
    "§4 merchant: confirm receipt (refund; exchange ships)": (
        "outcomes.confirm_receipt",
        (
            "test_flows::test_return_and_refund_happy_path",
            "test_flows::test_exchange_path_moves_no_money",
        ),
    ),
    "§4 merchant: reject receipt with evidence": (
        "guards.receipt_rejection_proven",
        ("test_guards::test_receipt_rejection_needs_evidence_and_a_description",),
    ),
    "§4 merchant: ship reship/replacement with tracking": (
        "guards.tracking_given",
        ("test_guards::test_reship_needs_tracking",),
    ),
    "§4 merchant: accept or contest a return-freight claim": (
        "guards.freight_claim_open",
        (
            "test_flows::test_accepted_return_freight_is_added_to_the_refund",
            "test_flows::test_contested_return_freight_is_not_added",
        ),
    ),
    "§4 platform: open arbitration (escalation, or itself after a missed deadline)": (
        "guards.platform_may_intervene",
        (
            "test_guards::test_the_platform_opens_arbitration_itself_only_when_allowed_after_a_missed_deadline",
        ),
    ),
    "§4 platform: request evidence": (
        "transitions.TRANSITIONS",
        ("test_arbitration::test_rulings_are_possible_in_every_evidence_round",),
    ),
    "§4 ruling: buyer wins, refund": (
        "arbitration.buyer_wins_refund",
        ("test_arbitration::test_buyer_wins_refund_is_paid_by_the_merchant",),
    ),
    "§4 ruling: buyer wins, return needed": (
        "arbitration.return_needed",
        ("test_arbitration::test_buyer_wins_return_needed_restarts_the_return_timer",),
    ),
    "§4 ruling: missing items confirmed": (
        "arbitration.missing_items_confirmed",
        (
            "test_arbitration::test_missing_items_confirmed_gives_the_merchant_24_hours_to_reship",
            "test_flows::test_missing_items_never_reshipped_get_priority_compensation",
        ),
    ),
    "§4 ruling: wrong item confirmed": (
        "arbitration.wrong_item_confirmed",
        (
            "test_arbitration::test_wrong_item_puts_all_freight_on_the_merchant_and_compensates_when_asked",
            "test_arbitration::test_wrong_item_return_refunds_the_freight_without_the_merchants_consent",
        ),
    ),
    "§4 ruling: unjustified rejection, platform refunds first": (
        "arbitration.unjustified_rejection",
        (
            "test_arbitration::test_unjustified_rejection_platform_refunds_first_and_the_merchant_owes_it",
        ),
    ),
    "§4 ruling: partial refund": (
        "arbitration.partial_refund",
        ("test_arbitration::test_partial_refund_pays_the_ruled_amount",),
    ),
    "§4 ruling: merchant wins, same reason cannot reopen": (
        "arbitration.merchant_wins",
        (
            "test_arbitration::test_merchant_wins_closes_and_blocks_the_reason",
            "test_eligibility::test_reason_already_ruled_for_the_merchant",
        ),
    ),
    # §5 money
    "§5 refund ceiling per line: paid for the units minus already refunded": (
        "money.line_refund_ceiling",
        (
            "test_money::test_line_refund_ceiling_after_earlier_unit_refunds",
            "test_money::test_refunding_unit_by_unit_adds_up_to_the_total",
        ),
    ),
    "§5 outbound shipping only for a whole unshipped refund": (
        "money.request_refund_ceiling",
        (
            "test_flows::test_whole_order_refund_before_shipment_includes_outbound_shipping",
            "test_flows::test_part_of_an_unshipped_order_refunds_no_shipping",
        ),
    ),
    "§5 a negotiated amount only goes down": (
        "money.check_negotiated_amount",
        ("test_guards::test_a_negotiated_amount_may_only_go_down",),
    ),
    "§5 priority compensation: accessories/gifts declared, goods paid": (
        "money.priority_compensation",
        (
            "test_money::test_priority_compensation_pays_accessories_and_gifts_at_the_declared_price",
            "test_flows::test_missing_gift_is_compensated_at_its_declared_price",
        ),
    ),
    "§5 platform refund-first: merchant liability, goods recovery": (
        "effects.OpenGoodsRecovery",
        (
            "test_arbitration::test_unjustified_rejection_platform_refunds_first_and_the_merchant_owes_it",
        ),
    ),
    "§5 late-shipment compensation clamp(rate × paid, min, max), gift card or refund": (
        "money.late_shipment_compensation",
        (
            "test_money::test_late_shipment_compensation_under_the_default_policy",
            "test_arbitration::test_late_shipment_compensation_as_a_refund_when_the_channel_says_so",
        ),
    ),
    "§5 merchant-liable return freight added to the refund": (
        "request.RequestView.freight_owed",
        ("test_flows::test_accepted_return_freight_is_added_to_the_refund",),
    ),
    "§5 every money movement once": (
        "effects.PayBuyer",
        ("test_state_machine::TestAfterSaleMachine",),
    ),
    # §6 what a request exposes
    "§6 the one deadline, its default outcome, whose turn, available actions": (
        "engine.available_actions",
        (
            "test_flows::test_available_actions_for_each_viewer_in_review",
            "test_deadlines::test_deadline_length_and_turn",
        ),
    ),
}


def _resolve(dotted: str) -> object:
    module_name, *attributes = dotted.split(".")
    module = importlib.import_module(f"saleor_kuai_returns.domain.{module_name}")
    return reduce(getattr, attributes, module)


@pytest.mark.parametrize("row", sorted(TRACE))
def test_spec_row_is_traced_to_a_rule_and_tests(row):
    rule, tests = TRACE[row]
    assert _resolve(rule) is not None
    assert tests
    for test in tests:
        module_name, function = test.split("::")
        module = importlib.import_module(f"tests.unit.{module_name}")
        assert hasattr(module, function), test


def test_every_timer_row_of_the_spec_is_traced():
    timers = [row for row in TRACE if row.startswith("§3")]
    assert len(timers) == 13

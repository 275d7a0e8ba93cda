"""Error codes the rules return, and the exceptions that carry them."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why the rules refuse something. Stable: clients switch on these values."""

    WRONG_ACTOR = "wrong_actor"
    WRONG_STATE = "wrong_state"
    NOT_DUE = "not_due"
    # A party acted after the request's deadline: its default outcome happened
    # first, and the action is not possible after it.
    DEADLINE_PASSED = "deadline_passed"
    WINDOW_CLOSED = "window_closed"
    ATTEMPT_CAP_REACHED = "attempt_cap_reached"
    ACTIVE_REQUEST_EXISTS = "active_request_exists"
    QUANTITY_INVALID = "quantity_invalid"
    NOTHING_LEFT = "nothing_left"
    QUANTITY_TOO_HIGH = "quantity_too_high"
    WHOLE_UNSHIPPED_QUANTITY_REQUIRED = "whole_unshipped_quantity_required"
    MIXED_SHIPMENT_STATE = "mixed_shipment_state"
    NO_LINES = "no_lines"
    UNKNOWN_LINE = "unknown_line"
    INVALID_COUNT = "invalid_count"
    DUPLICATE_LINE = "duplicate_line"
    CURRENCY_MISMATCH = "currency_mismatch"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_ABOVE_CEILING = "amount_above_ceiling"
    AMOUNT_INCREASE_NOT_ALLOWED = "amount_increase_not_allowed"
    TYPE_REQUIRES_SHIPMENT = "type_requires_shipment"
    REASON_REQUIRES_SHIPMENT = "reason_requires_shipment"
    REASON_NOT_ALLOWED_FOR_TYPE = "reason_not_allowed_for_type"
    NO_REASON_NOT_ALLOWED = "no_reason_not_allowed"
    REASON_ALREADY_RULED = "reason_already_ruled"
    SHIPPING_NOT_REQUIRED = "shipping_not_required"
    GIFT_CARD_USED = "gift_card_used"
    EVIDENCE_REQUIRED = "evidence_required"
    TOO_MUCH_EVIDENCE = "too_much_evidence"
    TEXT_TOO_LONG = "text_too_long"
    TEXT_REQUIRED = "text_required"
    NEGOTIATION_REQUIRED = "negotiation_required"
    DESCRIPTION_REQUIRED = "description_required"
    PROPOSAL_EMPTY = "proposal_empty"
    REPLACEMENT_REQUIRED = "replacement_required"
    REPLACEMENT_NOT_SAME_PRODUCT = "replacement_not_same_product"
    REPLACEMENT_PRICE_MISMATCH = "replacement_price_mismatch"
    TRACKING_REQUIRED = "tracking_required"
    FREIGHT_NOT_MERCHANT_LIABLE = "freight_not_merchant_liable"
    FREIGHT_CLAIM_NOT_OPEN = "freight_claim_not_open"
    FREIGHT_CLAIM_EXISTS = "freight_claim_exists"
    ARBITRATION_NOT_ALLOWED = "arbitration_not_allowed"
    NOTHING_TO_RESUME = "nothing_to_resume"
    MONEY_ALREADY_MOVED = "money_already_moved"
    RULING_NOT_APPLICABLE = "ruling_not_applicable"
    APPEAL_NOT_ALLOWED = "appeal_not_allowed"
    APPEAL_EXISTS = "appeal_exists"
    APPEAL_DECIDED = "appeal_decided"


class DomainError(Exception):
    """Base class: every refusal of the rules carries one ``ErrorCode``."""

    def __init__(self, code: ErrorCode, message: str = "") -> None:
        self.code = code
        self.message = message or code.value.replace("_", " ")
        super().__init__(f"{code.value}: {self.message}")


class TransitionNotAllowed(DomainError):
    """``decide()`` refused an event."""


class NotEligible(DomainError):
    """A request cannot be filed (or resubmitted) as asked."""


class AppealRefused(DomainError):
    """A merchant's appeal cannot be filed or decided as asked."""


class PolicyError(ValueError):
    """A policy value is out of range; ``field`` names the setting."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class MoneyError(DomainError):
    """An amount is malformed, in the wrong currency, or out of bounds."""

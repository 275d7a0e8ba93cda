"""Errors: a permission error for queries, typed errors for mutations.

Each mutation has its own error class whose ``code`` enum lists only the codes
that mutation can raise (as Saleor's ``OrderGrantRefundCreateErrorCode``); the
codes are the domain's and the actions' own values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import graphene
from graphql import GraphQLError

from ...actions.errors import ActionErrorCode
from ...domain.errors import ErrorCode
from .enums import enum_type


class PermissionDenied(GraphQLError):
    """Nobody signed in, or a caller who may not read this. Saleor reports an
    error's class name as ``extensions.exception.code``: ``PermissionDenied``,
    as for its own."""

    def __init__(self, message: str = "You do not have permission to perform this action.") -> None:
        super().__init__(message)


class ApiErrorCode(StrEnum):
    """Refusals of the API layer itself, before any action runs."""

    INVALID = "invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


Code = ErrorCode | ActionErrorCode | ApiErrorCode

CODE_TEXTS: dict[Code, str] = {
    ActionErrorCode.NOT_FOUND: "No such request, order or appeal, or an ID that names none.",
    ActionErrorCode.PERMISSION_DENIED: "The caller may not act so on this request, order, "
    "appeal or channel.",
    ActionErrorCode.STALE_VERSION: "The request changed since the version given.",
    ActionErrorCode.STATE_CHANGED: "The request left the state expected.",
    ActionErrorCode.AFTER_SALE_DISABLED: "After-sale service is switched off on the channel.",
    ApiErrorCode.INVALID: "A value is malformed (too long, not a URL, a control character).",
    ApiErrorCode.IDEMPOTENCY_KEY_REUSED: "The idempotency key was used for another request, "
    "or with other arguments (another amount, another settlement).",
    ErrorCode.WRONG_ACTOR: "It is the other side's turn (its evidence round).",
    ErrorCode.WRONG_STATE: "Not possible in the request's current state.",
    ErrorCode.NOT_DUE: "The deadline has not passed yet.",
    ErrorCode.DEADLINE_PASSED: "The request's deadline passed: its default outcome happened "
    "first, and this is not possible after it.",
    ErrorCode.WINDOW_CLOSED: "The window for this has closed.",
    ErrorCode.ATTEMPT_CAP_REACHED: "The line has had as many requests as the policy allows.",
    ErrorCode.ACTIVE_REQUEST_EXISTS: "A line already has an active request.",
    ErrorCode.QUANTITY_INVALID: "A quantity is below one.",
    ErrorCode.NOTHING_LEFT: "Nothing is left on the line to file for.",
    ErrorCode.QUANTITY_TOO_HIGH: "A quantity is above what is left on the line.",
    ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED: "Before shipment, the whole unshipped "
    "quantity must be refunded.",
    ErrorCode.MIXED_SHIPMENT_STATE: "Shipped and unshipped units cannot share a request.",
    ErrorCode.NO_LINES: "No lines were given.",
    ErrorCode.UNKNOWN_LINE: "A line is not on the order.",
    ErrorCode.INVALID_COUNT: "A count of evidence is invalid.",
    ErrorCode.DUPLICATE_LINE: "A line is given twice.",
    ErrorCode.CURRENCY_MISMATCH: "Amounts are in different currencies.",
    ErrorCode.AMOUNT_INVALID: "An amount has more decimal places than its currency.",
    ErrorCode.AMOUNT_NOT_POSITIVE: "An amount is zero or negative.",
    ErrorCode.AMOUNT_ABOVE_CEILING: "An amount is above what may be paid.",
    ErrorCode.AMOUNT_INCREASE_NOT_ALLOWED: "A negotiated amount may only go down.",
    ErrorCode.TYPE_REQUIRES_SHIPMENT: "This type needs goods that shipped.",
    ErrorCode.REASON_REQUIRES_SHIPMENT: "This reason needs goods that shipped.",
    ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE: "This reason does not go with this type.",
    ErrorCode.NO_REASON_NOT_ALLOWED: "The product type does not allow no-reason returns.",
    ErrorCode.REASON_ALREADY_RULED: "The platform already ruled for the merchant on this reason.",
    ErrorCode.SHIPPING_NOT_REQUIRED: "The line needs no shipping (a gift card, a digital "
    "product): refund only.",
    ErrorCode.GIFT_CARD_USED: "The gift card bought on the line was spent: it is not refundable.",
    ErrorCode.EVIDENCE_REQUIRED: "Evidence is required.",
    ErrorCode.TOO_MUCH_EVIDENCE: "More evidence than the policy allows.",
    ErrorCode.TEXT_TOO_LONG: "A text is longer than the policy allows.",
    ErrorCode.TEXT_REQUIRED: "A text is required.",
    ErrorCode.NEGOTIATION_REQUIRED: "Send the buyer a message before rejecting.",
    ErrorCode.DESCRIPTION_REQUIRED: "A description or evidence is required.",
    ErrorCode.PROPOSAL_EMPTY: "The proposal changes nothing.",
    ErrorCode.REPLACEMENT_REQUIRED: "Each line needs its replacement variant.",
    ErrorCode.REPLACEMENT_NOT_SAME_PRODUCT: "A replacement is not a variant of the product bought.",
    ErrorCode.REPLACEMENT_PRICE_MISMATCH: "A replacement's price differs from the one bought.",
    ErrorCode.TRACKING_REQUIRED: "A carrier and a tracking number are required.",
    ErrorCode.FREIGHT_NOT_MERCHANT_LIABLE: "The merchant is not liable for return freight.",
    ErrorCode.FREIGHT_CLAIM_NOT_OPEN: "No return-freight claim awaits an answer.",
    ErrorCode.FREIGHT_CLAIM_EXISTS: "Return freight was already claimed.",
    ErrorCode.ARBITRATION_NOT_ALLOWED: "The platform may not open arbitration here.",
    ErrorCode.NOTHING_TO_RESUME: "No paused state to resume.",
    ErrorCode.MONEY_ALREADY_MOVED: "Money already moved; the request can no longer be cancelled.",
    ErrorCode.RULING_NOT_APPLICABLE: "This ruling does not apply to the request.",
    ErrorCode.APPEAL_NOT_ALLOWED: "The request has no ruling against the merchant to appeal.",
    ErrorCode.APPEAL_EXISTS: "The ruling was appealed already.",
    ErrorCode.APPEAL_DECIDED: "The appeal was decided already.",
}

# What every mutation on a filed request can answer.
REQUEST_CODES: tuple[Code, ...] = (
    ActionErrorCode.NOT_FOUND,
    ActionErrorCode.PERMISSION_DENIED,
    ActionErrorCode.STALE_VERSION,
    ErrorCode.WRONG_STATE,
    ErrorCode.DEADLINE_PASSED,
)
# And those whose call may move money (they take an idempotency key).
MONEY_CODES: tuple[Code, ...] = (
    *REQUEST_CODES,
    ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
    ApiErrorCode.INVALID,
)
# The eligibility rules (spec §2), checked on filing and on resubmission.
FILING_CODES: tuple[Code, ...] = (
    ErrorCode.NO_LINES,
    ErrorCode.DUPLICATE_LINE,
    ErrorCode.UNKNOWN_LINE,
    ErrorCode.QUANTITY_INVALID,
    ErrorCode.QUANTITY_TOO_HIGH,
    ErrorCode.NOTHING_LEFT,
    ErrorCode.WHOLE_UNSHIPPED_QUANTITY_REQUIRED,
    ErrorCode.MIXED_SHIPMENT_STATE,
    ErrorCode.CURRENCY_MISMATCH,
    ErrorCode.ATTEMPT_CAP_REACHED,
    ErrorCode.REASON_ALREADY_RULED,
    ErrorCode.REASON_NOT_ALLOWED_FOR_TYPE,
    ErrorCode.NO_REASON_NOT_ALLOWED,
    ErrorCode.TYPE_REQUIRES_SHIPMENT,
    ErrorCode.REASON_REQUIRES_SHIPMENT,
    ErrorCode.SHIPPING_NOT_REQUIRED,
    ErrorCode.GIFT_CARD_USED,
    ErrorCode.WINDOW_CLOSED,
    ErrorCode.EVIDENCE_REQUIRED,
    ErrorCode.INVALID_COUNT,
    ErrorCode.TOO_MUCH_EVIDENCE,
    ErrorCode.TEXT_TOO_LONG,
    ErrorCode.AMOUNT_INVALID,
    ErrorCode.AMOUNT_NOT_POSITIVE,
    ErrorCode.AMOUNT_ABOVE_CEILING,
)


class AfterSaleError(graphene.ObjectType):
    field = graphene.String(
        description="Name of the input field that caused the error; `null` when no "
        "single field did."
    )
    message = graphene.String(description="The error message.")

    class Meta:
        abstract = True


def error_code_enum(mutation: str, codes: Iterable[Code]) -> Any:
    """The ``<Mutation>ErrorCode`` enum: exactly ``codes``, each described."""
    field = mutation[0].lower() + mutation[1:]
    return enum_type(
        f"{mutation}ErrorCode",
        f"Error codes of `{field}`.",
        [(code.value, CODE_TEXTS[code]) for code in dict.fromkeys(codes)],
    )

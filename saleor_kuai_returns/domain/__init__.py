"""The after-sale rules of the spec, as pure Python (standard library only).

Everything later — models, Celery, GraphQL, Saleor wiring — executes decisions
made here: ``open_request`` files a request, ``decide`` applies an event,
``available_actions`` says what a viewer may do, ``DEADLINE_RULES`` gives every
state's single deadline and default outcome.
"""

from .commands import Command
from .deadlines import DEADLINE_RULES, deadline_for, is_due, pause, resume
from .effects import Effect, LiabilityKind
from .eligibility import (
    LineEligibility,
    NewRequest,
    OrderSnapshot,
    admit,
    line_eligibility,
)
from .engine import Decision, available_actions, decide, open_request, whose_turn
from .errors import (
    DomainError,
    ErrorCode,
    MoneyError,
    NotEligible,
    PolicyError,
    TransitionNotAllowed,
)
from .kinds import (
    REASON_RULES,
    Actor,
    Event,
    ItemKind,
    Reason,
    RejectionReason,
    RequestType,
)
from .policy import DEFAULT_POLICY, AfterSaleWindows, PayoutMethod, Policy
from .request import (
    Deadline,
    DefaultOutcome,
    LineSnapshot,
    RequestLine,
    RequestView,
)
from .states import TERMINAL_STATES, State, kuaishou_status
from .transitions import TRANSITION_LIST, TRANSITIONS, Transition

__all__ = [
    "DEADLINE_RULES",
    "DEFAULT_POLICY",
    "REASON_RULES",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "TRANSITION_LIST",
    "Actor",
    "AfterSaleWindows",
    "Command",
    "Deadline",
    "Decision",
    "DefaultOutcome",
    "DomainError",
    "Effect",
    "ErrorCode",
    "Event",
    "ItemKind",
    "LiabilityKind",
    "LineEligibility",
    "LineSnapshot",
    "MoneyError",
    "NewRequest",
    "NotEligible",
    "OrderSnapshot",
    "PayoutMethod",
    "Policy",
    "PolicyError",
    "Reason",
    "RejectionReason",
    "RequestLine",
    "RequestType",
    "RequestView",
    "State",
    "Transition",
    "TransitionNotAllowed",
    "admit",
    "available_actions",
    "deadline_for",
    "decide",
    "is_due",
    "kuaishou_status",
    "line_eligibility",
    "open_request",
    "pause",
    "resume",
    "whose_turn",
]

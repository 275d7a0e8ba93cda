"""Platform arbitration, one function per use case (spec §3–§4).

The buyer escalates; the platform opens a case itself when a merchant missed a
deadline (a per-channel option), asks each side for evidence, dismisses the case
(the paused deadline resumes with the time it had left) or rules. Who may act as
the platform is the host's business (Saleor: the permission group named in the
plugin's configuration).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..domain import Actor, RequestType
from ..domain import commands as c
from ..host.base import Caller
from ..models import AfterSaleRequest
from .core import execute
from .create import EvidenceItem
from .requests import _evidence_writer

Version = int | None


def escalate(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The buyer asks the platform to step in after a rejection or a rejected receipt."""
    return execute(
        request_id, c.Escalate(note=note), Actor.BUYER, caller, version=version, note=note
    )


def open_arbitration(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The platform opens a case on its own after the merchant missed a deadline."""
    return execute(
        request_id, c.OpenArbitration(), Actor.PLATFORM, caller, version=version, note=note
    )


def request_evidence(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The platform asks the buyer, then the merchant, for evidence."""
    return execute(
        request_id, c.RequestEvidence(), Actor.PLATFORM, caller, version=version, note=note
    )


def submit_arbitration_evidence(
    request_id: object,
    caller: Caller,
    evidence: Sequence[EvidenceItem],
    *,
    text: str = "",
    as_merchant: bool = False,
    version: Version = None,
) -> AfterSaleRequest:
    """The side whose evidence round it is hands in its evidence."""
    actor = Actor.MERCHANT if as_merchant else Actor.BUYER
    return execute(
        request_id,
        c.SubmitArbitrationEvidence(count=len(evidence), text=text),
        actor,
        caller,
        version=version,
        note=text,
        extra=_evidence_writer(caller, actor, evidence),
    )


def dismiss_arbitration(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """Close the case without a ruling: the request resumes where it was paused."""
    return execute(
        request_id, c.DismissArbitration(), Actor.PLATFORM, caller, version=version, note=note
    )


def _rule(
    command: c.Command, request_id: object, caller: Caller, note: str, version: Version
) -> AfterSaleRequest:
    return execute(request_id, command, Actor.PLATFORM, caller, version=version, note=note)


def rule_buyer_wins_refund(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The buyer wins: refund now, paid by the merchant."""
    return _rule(c.RuleBuyerWinsRefund(), request_id, caller, note, version)


def rule_return_needed(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The buyer wins but sends the goods back first; the return timers restart."""
    return _rule(c.RuleReturnNeeded(), request_id, caller, note, version)


def rule_missing_items(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """Missing items confirmed: the merchant reships within the reship window."""
    return _rule(c.RuleMissingItems(), request_id, caller, note, version)


def rule_wrong_item(
    request_id: object,
    caller: Caller,
    *,
    resolution: RequestType = RequestType.RETURN_AND_REFUND,
    compensation_requested: bool = False,
    note: str = "",
    version: Version = None,
) -> AfterSaleRequest:
    """Wrong item confirmed: return or exchange with all freight at the merchant's
    cost; late-shipment compensation when the buyer asked for it."""
    command = c.RuleWrongItem(resolution=resolution, compensation_requested=compensation_requested)
    return _rule(command, request_id, caller, note, version)


def rule_unjustified_rejection(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The merchant's rejection was unjustified: the platform refunds first and
    the merchant owes it the amount."""
    return _rule(c.RuleUnjustifiedRejection(), request_id, caller, note, version)


def rule_partial_refund(
    request_id: object,
    caller: Caller,
    *,
    amount: Decimal,
    note: str = "",
    version: Version = None,
) -> AfterSaleRequest:
    """Refund part of what the buyer asked, paid by the merchant."""
    return _rule(c.RulePartialRefund(amount=amount), request_id, caller, note, version)


def rule_merchant_wins(
    request_id: object, caller: Caller, *, note: str = "", version: Version = None
) -> AfterSaleRequest:
    """The merchant wins: closed, and these lines cannot be reopened for the same reason."""
    return _rule(c.RuleMerchantWins(), request_id, caller, note, version)

"""Merchant appeals on PostgreSQL: filed within the window against a ruling
that went against the merchant, decided once by the platform; upheld, the
merchant's charges for the case are taken back and the buyer keeps the money."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions.appeals import decide_appeal, file_appeal
from saleor_kuai_returns.actions.errors import ActionError, ActionErrorCode
from saleor_kuai_returns.domain import ErrorCode
from saleor_kuai_returns.domain.errors import AppealRefused
from saleor_kuai_returns.ledger import balance
from saleor_kuai_returns.models import AfterSaleRequest, Appeal, LiabilityEntry
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import caller_for

from .conftest import HOUR, NOW, at

RULED = NOW + 3 * HOUR
CHANNEL = "default-channel"


@pytest.fixture
def ruled_unjustified(escalated, platform, run_on_commit):
    """The platform refunded 100.00 first and charged it to the merchant."""
    at(RULED, run_on_commit, arb.rule_unjustified_rejection, escalated.id, platform)
    return escalated


def state_of(request):
    request.refresh_from_db()
    return {
        "request": (request.state, request.refunded_amount, request.ruled_against_merchant),
        "ledger": list(LiabilityEntry.objects.order_by("created_at").values_list("kind", "amount")),
        "payments": list(shop.Payment.objects.values_list("kind", "amount", "status")),
        "appeals": list(Appeal.objects.values_list("ruling", "status", "decided_by")),
    }


def test_an_upheld_appeal_takes_the_charge_back_and_leaves_the_buyer_paid(
    demo, ruled_unjustified, merchant, platform, run_on_commit
):
    request = ruled_unjustified
    appeal = at(
        RULED + timedelta(days=6),
        run_on_commit,
        file_appeal,
        request.id,
        merchant,
        reason="The tee was returned worn; photos attached to the case.",
    )
    assert (appeal.ruling, appeal.ruled_at, appeal.status) == (
        "rule_unjustified_rejection",
        RULED,
        "open",
    )
    at(RULED + timedelta(days=8), run_on_commit, decide_appeal, appeal.id, platform, upheld=True)
    assert state_of(request) == {
        "request": ("refunded", Decimal("100.000"), False),
        "ledger": [
            ("platform_refund_first", Decimal("100.000")),
            ("appeal_upheld", Decimal("-100.000")),
        ],
        # the platform's own money, as a gift card: the buyer keeps it
        "payments": [("gift_card", Decimal("100.000"), "succeeded")],
        "appeals": [("rule_unjustified_rejection", "upheld", f"user:{demo.platform.pk}")],
    }
    assert balance(CHANNEL) == Decimal("0")
    notes = list(demo.orders["delivered"].notes.values_list("message", flat=True))
    assert notes[-2:] == [
        "The merchant appealed the ruling (unjustified rejection).",
        "The platform upheld the merchant's appeal.",
    ]


def test_a_dismissed_appeal_changes_no_money(ruled_unjustified, merchant, platform, run_on_commit):
    request = ruled_unjustified
    appeal = at(RULED + HOUR, run_on_commit, file_appeal, request.id, merchant, reason="Unfair.")
    at(RULED + 2 * HOUR, run_on_commit, decide_appeal, appeal.id, platform, upheld=False)
    after = state_of(request)
    assert after["request"] == ("refunded", Decimal("100.000"), True)
    assert after["ledger"] == [("platform_refund_first", Decimal("100.000"))]
    assert [status for _, status, _ in after["appeals"]] == ["dismissed"]
    # and it is decided once
    with pytest.raises(AppealRefused) as refused:
        at(RULED + 3 * HOUR, run_on_commit, decide_appeal, appeal.id, platform, upheld=True)
    assert refused.value.code is ErrorCode.APPEAL_DECIDED
    assert state_of(request) == after


@pytest.mark.parametrize(
    ("when", "reason", "code"),
    [
        (RULED + timedelta(days=7), "Too late.", ErrorCode.WINDOW_CLOSED),
        (RULED + HOUR, "   ", ErrorCode.DESCRIPTION_REQUIRED),
        (RULED + HOUR, "x" * 501, ErrorCode.TEXT_TOO_LONG),
    ],
)
def test_an_appeal_out_of_time_or_without_a_reason_is_refused(
    ruled_unjustified, merchant, run_on_commit, when, reason, code
):
    before = state_of(ruled_unjustified)
    with pytest.raises(AppealRefused) as refused:
        at(when, run_on_commit, file_appeal, ruled_unjustified.id, merchant, reason=reason)
    assert refused.value.code is code
    assert state_of(ruled_unjustified) == before


def test_an_appeal_on_a_request_that_changed_since_the_merchant_saw_it_is_refused(
    ruled_unjustified, merchant, run_on_commit
):
    # given the merchant saw the request before the ruling's refund was confirmed
    before = state_of(ruled_unjustified)
    seen = ruled_unjustified.version - 1
    # when it appeals what it saw
    with pytest.raises(ActionError) as refused:
        at(
            RULED + HOUR,
            run_on_commit,
            file_appeal,
            ruled_unjustified.id,
            merchant,
            reason="Unfair.",
            version=seen,
        )
    # then nothing is filed; the current version is accepted
    assert refused.value.code is ActionErrorCode.STALE_VERSION
    assert state_of(ruled_unjustified) == before
    appeal = at(
        RULED + HOUR,
        run_on_commit,
        file_appeal,
        ruled_unjustified.id,
        merchant,
        reason="Unfair.",
        version=seen + 1,
    )
    assert appeal.status == "open"


def test_a_ruling_is_appealed_once(ruled_unjustified, merchant, run_on_commit):
    at(RULED + HOUR, run_on_commit, file_appeal, ruled_unjustified.id, merchant, reason="Unfair.")
    with pytest.raises(AppealRefused) as refused:
        at(
            RULED + HOUR,
            run_on_commit,
            file_appeal,
            ruled_unjustified.id,
            merchant,
            reason="Again.",
        )
    assert refused.value.code is ErrorCode.APPEAL_EXISTS
    assert Appeal.objects.count() == 1


def test_a_ruling_for_the_merchant_or_no_ruling_cannot_be_appealed(
    escalated, merchant, platform, run_on_commit
):
    with pytest.raises(AppealRefused) as refused:
        at(RULED, run_on_commit, file_appeal, escalated.id, merchant, reason="Why?")
    assert refused.value.code is ErrorCode.APPEAL_NOT_ALLOWED
    at(RULED, run_on_commit, arb.rule_merchant_wins, escalated.id, platform)
    with pytest.raises(AppealRefused) as refused:
        at(RULED + HOUR, run_on_commit, file_appeal, escalated.id, merchant, reason="Why?")
    assert refused.value.code is ErrorCode.APPEAL_NOT_ALLOWED
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("who", ["buyer", "other_merchant", "clerk", "platform"])
def test_only_the_merchant_of_the_channel_appeals(demo, ruled_unjustified, run_on_commit, who):
    with pytest.raises(ActionError) as refused:
        at(
            RULED + HOUR,
            run_on_commit,
            file_appeal,
            ruled_unjustified.id,
            caller_for(getattr(demo, who)),
            reason="Unfair.",
        )
    assert refused.value.code is ActionErrorCode.PERMISSION_DENIED
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("who", ["buyer", "merchant", "other_merchant", "clerk"])
def test_only_the_platform_decides_an_appeal(demo, ruled_unjustified, merchant, run_on_commit, who):
    appeal = at(
        RULED + HOUR, run_on_commit, file_appeal, ruled_unjustified.id, merchant, reason="Unfair."
    )
    before = state_of(ruled_unjustified)
    with pytest.raises(ActionError) as refused:
        at(
            RULED + 2 * HOUR,
            run_on_commit,
            decide_appeal,
            appeal.id,
            caller_for(getattr(demo, who)),
            upheld=True,
        )
    assert refused.value.code is ActionErrorCode.PERMISSION_DENIED
    assert state_of(ruled_unjustified) == before
    assert AfterSaleRequest.objects.get().ruled_against_merchant is True


def test_an_unknown_appeal_is_not_found(platform):
    with pytest.raises(ActionError) as refused:
        decide_appeal("not-a-uuid", platform, upheld=True)
    assert refused.value.code is ActionErrorCode.NOT_FOUND

"""Fixtures for the app tests: the sandbox shop on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

import saleor_kuai_returns.sandbox.celery  # noqa: F401 - the sandbox's Celery app is current
from saleor_kuai_returns.actions import arbitration as arb
from saleor_kuai_returns.actions import requests as act
from saleor_kuai_returns.actions.create import EvidenceItem, create_request
from saleor_kuai_returns.domain import NewRequest, Reason, RejectionReason, RequestType
from saleor_kuai_returns.models import EvidenceKind
from saleor_kuai_returns.sandbox.factory import Demo, caller_for, make_demo

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(db) -> Demo:
    return make_demo(NOW)


@pytest.fixture
def buyer(demo):
    return caller_for(demo.buyer)


@pytest.fixture
def merchant(demo):
    return caller_for(demo.merchant)


@pytest.fixture
def platform(demo):
    return caller_for(demo.platform)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what actions schedule after commit (tasks run in-process)."""

    def runner(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return runner


HOUR = timedelta(hours=1)


def audit_findings(now):
    """What the money audit finds at ``now``, one line each (none is the goal)."""
    from saleor_kuai_returns.audit import audit
    from saleor_kuai_returns.host import get_host

    return [str(finding) for finding in audit(now=now, host=get_host())]


PHOTO_EVIDENCE = EvidenceItem(EvidenceKind.IMAGE, url="https://img.example.com/1.jpg")


def at(moment, run_on_commit, action, *args, **kwargs):
    """Run an action at ``moment`` with what it schedules after commit."""
    with freeze_time(moment):
        return run_on_commit(action, *args, **kwargs)


@pytest.fixture
def escalated(demo, buyer, merchant, run_on_commit):
    """A return of one tee (paid 100.00) the merchant rejected at NOW + 1 h and the
    buyer escalated at NOW + 2 h."""
    order = demo.orders["delivered"]
    new = NewRequest(
        RequestType.RETURN_AND_REFUND,
        Reason.QUALITY_FUNCTION,
        lines=((str(order.lines.get(sku="TEE-RED-M").id), 1),),
    )
    request = at(
        NOW, run_on_commit, create_request, str(order.id), buyer, new, evidence=[PHOTO_EVIDENCE]
    )
    at(NOW + HOUR, run_on_commit, act.send_negotiation_message, request.id, merchant, "Photo?")
    at(
        NOW + HOUR,
        run_on_commit,
        act.reject_request,
        request.id,
        merchant,
        reason=RejectionReason.NO_QUALITY_ISSUE,
        description="It works in our test.",
    )
    at(NOW + 2 * HOUR, run_on_commit, arb.escalate, request.id, buyer, note="It does not.")
    request.refresh_from_db()
    assert (request.state, request.deadline_at) == ("arbitration_ruling", NOW + 74 * HOUR)
    return request

"""The deadline sweeper: claims due requests with ``SELECT … FOR UPDATE SKIP
LOCKED`` and applies their default outcomes through the actions' own staging.

Many workers may sweep at once: each claims rows no other worker holds, so no
request is expired twice; a merchant action holding a row simply makes the
sweeper skip it this round, and a request the merchant changed meanwhile is no
longer due when it is next claimed (the claim re-reads the locked row).

A batch costs the same handful of queries at any size (see ``actions.core.write``);
its cost grows with the batch, never with the table (the partial index
``kuai_request_due_idx`` holds only running deadlines).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from .actions.core import Staged, stage, write
from .app_settings import app_settings
from .domain import Actor, Policy
from .domain import commands as c
from .host.base import SYSTEM_CALLER, Host
from .models import AfterSaleRequest, AfterSaleRequestLine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    claimed: int  # due requests locked by this batch
    expired: int  # of those, how many took their default outcome


def due_requests(now: datetime) -> QuerySet[AfterSaleRequest]:
    """Due requests no other transaction holds, oldest deadline first, locked when
    evaluated; read through the partial index on ``deadline_at``."""
    return (
        AfterSaleRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(deadline_at__lte=now)
        .filter(Q(sweep_retry_at__isnull=True) | Q(sweep_retry_at__lte=now))
        .order_by("deadline_at")
    )


def claim_due(now: datetime, batch_size: int) -> list[AfterSaleRequest]:
    """Lock up to ``batch_size`` due requests. Must run inside a transaction."""
    return list(due_requests(now)[:batch_size])


def sweep_batch(now: datetime, *, batch_size: int, host: Host) -> Batch:
    """Expire one batch in one transaction.

    A request whose default outcome raises is logged and left as it is until
    ``SWEEP_RETRY_DELAY`` passed, so broken rows never hold back the deadlines
    behind them.
    """
    with transaction.atomic():
        due = claim_due(now, batch_size)
        if not due:
            return Batch(0, 0)
        lines: dict[object, list[AfterSaleRequestLine]] = defaultdict(list)
        for line in AfterSaleRequestLine.objects.filter(request__in=due).order_by(
            "request_id", "order_line_id"
        ):
            lines[line.request_id].append(line)
        policies: dict[str, Policy] = {}
        staged: list[Staged] = []
        broken: list[object] = []
        for request in due:
            slug = request.channel_slug
            if slug not in policies:
                policies[slug] = host.policy_for(slug)
            try:
                staged.append(
                    stage(
                        request,
                        lines[request.pk],
                        c.DeadlineExpired(),
                        Actor.SYSTEM,
                        SYSTEM_CALLER,
                        now,
                        host,
                        policy=policies[slug],
                    )
                )
            except Exception:
                logger.exception(
                    "After-sale request %s (%s): its default outcome failed; tried again later.",
                    request.pk,
                    request.state,
                )
                broken.append(request.pk)
        write(staged, now=now)
        if broken:
            AfterSaleRequest.objects.filter(pk__in=broken).update(
                sweep_retry_at=now + app_settings.SWEEP_RETRY_DELAY
            )
    return Batch(len(due), len(staged))


def expire_due(now: datetime, *, batch_size: int, host: Host) -> int:
    """Expire one batch; returns how many requests took their default outcome."""
    return sweep_batch(now, batch_size=batch_size, host=host).expired

"""The deadline sweeper: claims due requests with ``SELECT … FOR UPDATE SKIP
LOCKED`` and applies their default outcomes through the actions' own staging.

Many workers may sweep at once: each claims rows no other worker holds, so no
request is expired twice; a merchant action holding a row simply makes the
sweeper skip it this round.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from .actions.core import Staged, stage, write
from .domain import Actor, Policy
from .domain import commands as c
from .host.base import SYSTEM_CALLER, Host
from .models import AfterSaleRequest, AfterSaleRequestLine


def claim_due(now: datetime, batch_size: int) -> list[AfterSaleRequest]:
    """Lock up to ``batch_size`` due requests no other transaction holds.
    Must run inside a transaction; uses the partial index on ``deadline_at``."""
    return list(
        AfterSaleRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(deadline_at__lte=now)
        .order_by("deadline_at")[:batch_size]
    )


def expire_due(now: datetime, *, batch_size: int, host: Host) -> int:
    """Expire one batch in one transaction; returns how many were expired."""
    with transaction.atomic():
        due = claim_due(now, batch_size)
        if not due:
            return 0
        lines: dict[object, list[AfterSaleRequestLine]] = defaultdict(list)
        for line in AfterSaleRequestLine.objects.filter(request__in=due).order_by(
            "request_id", "order_line_id"
        ):
            lines[line.request_id].append(line)
        policies: dict[str, Policy] = {}
        staged: list[Staged] = []
        for request in due:
            slug = request.channel_slug
            if slug not in policies:
                policies[slug] = host.policy_for(slug)
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
        write(staged)
    return len(staged)

"""``afterSaleEligibility``: per line, what the buyer may file now and why not."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ...actions.create import with_history
from ...domain import line_eligibility
from ...host.base import OrderNotFound
from ..core import ids
from ..core.viewer import viewer_of
from ..types.eligibility import EligibilityValue, LineValue

NO_LABELS = ("", "", "")


def resolve_eligibility(info: Any, order_id: str) -> EligibilityValue | None:
    """``None`` for an order that does not exist or that the caller may not see:
    only its buyer and staff who act on its channel see it."""
    viewer = viewer_of(info)
    viewer.require_signed_in()
    pk = ids.uuid_from_global_id(order_id, ids.ORDER)
    if pk is None:
        return None
    try:
        order = viewer.host.load_order(str(pk))
    except OrderNotFound:
        return None
    if not viewer.roles(order.channel_slug, order.buyer_id):
        return None
    policy = viewer.policy(order.channel_slug)
    enabled = viewer.host.after_sale_enabled(order.channel_slug)
    now = timezone.now()
    snapshot = with_history(order)
    return EligibilityValue(
        order=order,
        enabled=enabled,
        lines=[
            LineValue(
                eligibility=line_eligibility(line, now, policy),
                labels=order.line_labels.get(line_id, NO_LABELS),
                currency=order.snapshot.currency,
                disabled=not enabled,
            )
            for line_id, line in snapshot.lines.items()
        ],
    )

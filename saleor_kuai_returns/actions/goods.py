"""Goods the merchant sends: an exchange's replacement, missing items reshipped."""

from __future__ import annotations

from django.db import transaction

from ..host.base import Host
from ..lock_objects import shipment_qs_select_for_update
from ..models import AfterSaleRequest, ShipmentKind

OUTBOUND = (ShipmentKind.REPLACEMENT, ShipmentKind.RESHIP)


def send_pending_goods(request_id: str, *, host: Host) -> int:
    """Record each outbound shipment of the request on the order, exactly once:
    the shipment row is locked while the shop records it and keeps the shop's
    reference, so a repeated task finds nothing left to do."""
    request = AfterSaleRequest.objects.get(pk=request_id)
    sent = 0
    with transaction.atomic():
        pending = shipment_qs_select_for_update().filter(
            request=request, kind__in=OUTBOUND, host_reference=""
        )
        for shipment in pending:
            shipment.host_reference = host.send_goods(request, shipment)
            shipment.save(update_fields=["host_reference"])
            sent += 1
    return sent

"""Row locks, one function per model, ordered by primary key."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AfterSaleRequest, Appeal, MoneyMovement, Shipment


def request_qs_select_for_update() -> QuerySet[AfterSaleRequest]:
    return AfterSaleRequest.objects.order_by("pk").select_for_update(of=("self",))


def money_movement_qs_select_for_update() -> QuerySet[MoneyMovement]:
    return MoneyMovement.objects.order_by("pk").select_for_update(of=("self",))


def shipment_qs_select_for_update() -> QuerySet[Shipment]:
    return Shipment.objects.order_by("pk").select_for_update(of=("self",))


def appeal_qs_select_for_update() -> QuerySet[Appeal]:
    return Appeal.objects.order_by("pk").select_for_update(of=("self",))

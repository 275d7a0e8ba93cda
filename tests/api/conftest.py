"""Fixtures for the API tests: the sandbox shop on PostgreSQL, its people with
their API tokens, and a client that sends GraphQL through the real view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

import saleor_kuai_returns.sandbox.celery  # noqa: F401 - the sandbox's Celery app is current
from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.models import (
    AfterSaleRequest,
    ApiIdempotencyKey,
    Appeal,
    Evidence,
    LiabilityEntry,
    MoneyMovement,
    Shipment,
    TimelineEvent,
)
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import Demo, make_demo, token_for

from .states import build

PHOTO = {"kind": "IMAGE", "url": "https://img.example.com/1.jpg"}
# Every role the API meets; the sandbox has no apps (Saleor's host tests cover them).
ROLES = ["buyer", "other_buyer", "anonymous", "clerk", "other_merchant", "merchant", "platform"]


@pytest.fixture
def demo(db) -> Demo:
    # Delivered two days ago: every after-sale window is open today.
    return make_demo(timezone.now())


@dataclass
class Response:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert "errors" not in self.body, self.body
        return self.body["data"]


@pytest.fixture
def api(client, demo, django_capture_on_commit_callbacks):
    """``api(query, variables, as_="buyer")``: a GraphQL call through the view, with
    what it schedules after commit run (as the server would)."""

    tokens = {role: token_for(getattr(demo, role)) for role in ROLES if role != "anonymous"}

    def call(query: str, variables: dict[str, Any] | None = None, *, as_: str = "buyer"):
        headers = {}
        if as_ != "anonymous":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[as_]}"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/graphql/",
                json.dumps({"query": query, "variables": variables or {}}),
                content_type="application/json",
                **headers,
            )
        return Response(response.status_code, response.json())

    return call


@pytest.fixture
def state(demo, django_capture_on_commit_callbacks):
    """``state("rejected")``: a request in that state, with what its actions
    scheduled after commit run (a refund pays, or fails and is retried)."""

    def make(name: str) -> AfterSaleRequest:
        refund_mode = demo.channel.refund_mode
        if name == "refund_failed":
            demo.channel.refund_mode = shop.RefundMode.FAIL
            demo.channel.save()
        with django_capture_on_commit_callbacks(execute=True):
            request = build(demo, name)
        demo.channel.refund_mode = refund_mode
        demo.channel.save()
        request.refresh_from_db()
        return request

    return make


def order_id(order: shop.Order) -> str:
    return ids.to_global_id(ids.ORDER, order.pk)


def line_id(order: shop.Order, sku: str) -> str:
    return ids.to_global_id(ids.ORDER_LINE, order.lines.get(sku=sku).pk)


def request_id(request: AfterSaleRequest) -> str:
    return ids.to_global_id(ids.REQUEST, request.pk)


def snapshot(request: AfterSaleRequest | None = None) -> tuple[Any, ...]:
    """Every row a refused call must leave as it was."""
    row = None
    if request is not None:
        request.refresh_from_db()
        row = (request.state, request.version, request.updated_at, request.deadline_at)
    return (
        row,
        AfterSaleRequest.objects.count(),
        TimelineEvent.objects.count(),
        Evidence.objects.count(),
        Shipment.objects.count(),
        MoneyMovement.objects.count(),
        ApiIdempotencyKey.objects.count(),
        shop.Payment.objects.count(),
        shop.OrderNote.objects.count(),
        list(Appeal.objects.values_list("status", "decided_at")),
        LiabilityEntry.objects.count(),
    )


HOUR = timedelta(hours=1)

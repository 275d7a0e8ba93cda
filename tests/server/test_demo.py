"""The demo data: loaded into an empty database once, its people found again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.demo import ROLES, load_demo
from saleor_kuai_returns.sandbox.factory import make_demo, token_for

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_the_roles_are_the_demo_factorys_people():
    # given
    demo = make_demo(NOW)
    # then
    assert [(role.attribute, role.username) for role in ROLES] == [
        (role.attribute, getattr(demo, role.attribute).username) for role in ROLES
    ]


def test_an_empty_database_gets_the_demo_with_a_token_for_each_person():
    # when
    loaded = load_demo(NOW)
    # then
    users = get_user_model().objects
    assert loaded.created is True
    assert [(p.role.label, p.token) for p in loaded.people] == [
        (role.label, token_for(users.get(username=role.username))) for role in ROLES
    ]
    assert len({p.token for p in loaded.people}) == 6
    assert [
        [(line.sku, line.quantity, line.shipped) for line in o.lines] for o in loaded.orders
    ] == [
        [("CAP-BLK", 1, 1), ("TEE-RED-M", 2, 2)],
        [("MUG-WHT", 2, 0)],
        [("KETTLE-1", 1, 1), ("KETTLE-GIFT", 1, 1)],
    ]
    assert {o.channel for o in loaded.orders} == {"default-channel"}


def test_loading_again_keeps_the_demo_and_its_tokens():
    # given
    first = load_demo(NOW)
    # when
    again = load_demo(NOW)
    # then
    assert again.created is False
    assert again.people == first.people
    assert again.orders == first.orders
    assert (shop.Order.objects.count(), shop.ApiToken.objects.count()) == (3, 6)

"""Who calls our API, from Saleor's own GraphQL context, and which channels' requests
each caller may see."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from jwt import InvalidTokenError
from saleor.account.models import Group
from saleor.core.jwt import create_access_token
from saleor.graphql.api import API_PATH
from saleor.graphql.context import get_context_value

from saleor_kuai_returns.domain import Actor
from saleor_kuai_returns.host.base import ANONYMOUS, SYSTEM_CALLER, Caller


def context_for(authorization=None):
    """``info.context`` as Saleor's GraphQL view builds it for a POST to /graphql/."""
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    request = RequestFactory().post(
        str(API_PATH), data="{}", content_type="application/json", **headers
    )
    return get_context_value(request)


def fresh(caller):
    """The caller with its user or app reloaded, without cached permissions."""
    if caller.app is not None:
        return Caller(caller.id, app=type(caller.app).objects.get(pk=caller.app.pk))
    return Caller(caller.id, user=type(caller.user).objects.get(pk=caller.user.pk))


# --- caller_from_context ---------------------------------------------------------------


def test_a_staff_token_is_its_user(host, merchant, staff_user):
    # when
    caller = host.caller_from_context(context_for(f"JWT {create_access_token(staff_user)}"))
    # then
    assert (caller.id, caller.user, caller.app) == (f"user:{staff_user.pk}", staff_user, None)
    assert host.may_act(caller, Actor.MERCHANT, "main", "") is True


def test_a_customer_token_is_the_buyer(host, customer_user):
    caller = host.caller_from_context(context_for(f"Bearer {create_access_token(customer_user)}"))
    assert (caller.id, caller.user, caller.app) == (f"user:{customer_user.pk}", customer_user, None)
    assert host.may_act(caller, Actor.BUYER, "main", f"user:{customer_user.pk}") is True


def test_an_app_token_is_its_app(host, app, permission_manage_orders):
    # given
    app.permissions.add(permission_manage_orders)
    _, token = app.tokens.create(name="after-sale")
    # when
    caller = host.caller_from_context(context_for(f"Bearer {token}"))
    # then
    assert (caller.id, caller.user, caller.app) == (f"app:{app.pk}", None, app)
    assert host.may_act(caller, Actor.MERCHANT, "main", "") is True


def test_nobody_signed_in_is_anonymous(host, app):
    # no token at all
    assert host.caller_from_context(context_for()) == ANONYMOUS
    # the token of an app switched off
    _, token = app.tokens.create(name="after-sale")
    app.is_active = False
    app.save(update_fields=["is_active"])
    assert host.caller_from_context(context_for(f"Bearer {token}")) == ANONYMOUS


def test_an_invalid_user_token_is_refused_as_saleor_refuses_it(host, staff_user):
    # given the token of a user deactivated since
    token = create_access_token(staff_user)
    staff_user.is_active = False
    staff_user.save(update_fields=["is_active"])
    # then the caller is not taken for anonymous: Saleor's GraphQL view turns this
    # error into the response's error, so the client knows to sign in again
    with pytest.raises(InvalidTokenError):
        host.caller_from_context(context_for(f"JWT {token}"))


# --- visible_channels ------------------------------------------------------------------


def test_staff_restricted_to_a_channel_see_that_channel(host, merchant, channel_PLN):
    assert host.visible_channels(fresh(merchant)) == frozenset({"main"})


def test_staff_with_a_group_for_every_channel_see_all(
    host, merchant, staff_user, permission_manage_orders, channel_PLN
):
    # given a second group, without channel restriction
    everywhere = Group.objects.create(name="All orders", restricted_access_to_channels=False)
    everywhere.permissions.add(permission_manage_orders)
    staff_user.groups.add(everywhere)
    # then
    assert host.visible_channels(fresh(merchant)) is None


def test_staff_without_order_rights_see_nothing(
    host, merchant, order_staff_group, permission_manage_orders
):
    order_staff_group.permissions.remove(permission_manage_orders)
    assert host.visible_channels(fresh(merchant)) == frozenset()


def test_the_platform_sees_every_channel(
    host, staff_user, permission_manage_orders, permission_manage_payments, channel_PLN
):
    # given a member of the platform's group (the KUAI_RETURNS_PLATFORM_GROUP
    # setting), a group restricted to no channel of its own
    platform = Group.objects.create(name="After-sale platform", restricted_access_to_channels=True)
    platform.permissions.add(permission_manage_orders, permission_manage_payments)
    staff_user.groups.add(platform)
    # then every channel
    assert host.visible_channels(fresh(Caller(f"user:{staff_user.pk}", user=staff_user))) is None


def test_a_group_with_the_platforms_name_but_without_its_rights_shows_nothing_more(
    host, merchant, staff_user, channel_PLN
):
    # given a merchant of the main channel who joined a group named like the
    # platform's, which holds no permission (restricted to no channel: an
    # unrestricted group gives every channel's orders, as in Saleor)
    staff_user.groups.add(
        Group.objects.create(name="After-sale platform", restricted_access_to_channels=True)
    )
    # then only the merchant's own channel
    assert host.visible_channels(fresh(merchant)) == frozenset({"main"})


def test_apps_see_every_channel_with_order_rights_only(host, app, permission_manage_orders):
    caller = Caller(f"app:{app.pk}", app=app)
    assert host.visible_channels(fresh(caller)) == frozenset()
    app.permissions.add(permission_manage_orders)
    assert host.visible_channels(fresh(caller)) is None


def test_buyers_and_nobody_see_no_channel_and_the_system_sees_all(
    host, buyer, customer_user, permission_manage_orders
):
    # even with order rights, a customer is not staff
    customer_user.user_permissions.add(permission_manage_orders)
    assert host.visible_channels(fresh(buyer)) == frozenset()
    assert host.visible_channels(ANONYMOUS) == frozenset()
    assert host.visible_channels(SYSTEM_CALLER) is None

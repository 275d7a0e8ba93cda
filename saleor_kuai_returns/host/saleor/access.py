"""Who calls and what they may do, in Saleor's terms.

- A caller is an app (its token), else the signed-in user (JWT), as Saleor's
  GraphQL context resolves them; ids are ``"app:<pk>"`` and ``"user:<pk>"``.
- Merchants are staff with ``MANAGE_ORDERS`` on the order's channel. Saleor
  gives channel access per permission group: a group with
  ``restricted_access_to_channels=False`` reaches every channel, a restricted one
  only its ``channels``; a user reaches the union over all their groups (as
  Saleor's ``AccessibleChannelsByUserIdLoader`` computes it for orders).
- The platform is the staff of the permission group named by the Django
  setting ``KUAI_RETURNS_PLATFORM_GROUP`` (plugins cannot add permissions), and
  only while that group holds ``MANAGE_ORDERS`` and ``HANDLE_PAYMENTS``: a
  group created with the name alone makes nobody the platform, and nobody who
  may edit plugin settings can name another. The platform sees every channel.
- Apps reach every channel in Saleor; order rights make them merchants.
- Moving money (a decision that pays the buyer) also needs ``HANDLE_PAYMENTS``,
  which Saleor's own refunds require, on the order's channel.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.functional import LazyObject
from saleor.account.models import Group, User
from saleor.app.models import App
from saleor.core.utils.lazyobjects import unwrap_lazy
from saleor.permission.enums import OrderPermissions, PaymentPermissions

from ...app_settings import app_settings
from ...domain import Actor
from ..base import ANONYMOUS, Caller

# What the platform's group must hold (Saleor's "<app label>.<codename>").
PLATFORM_PERMISSIONS = (OrderPermissions.MANAGE_ORDERS, PaymentPermissions.HANDLE_PAYMENTS)


def caller_from_context(context: Any) -> Caller:
    """The app whose token signs the request, else the signed-in user, else
    ``ANONYMOUS`` — in that order, as Saleor's own context does (an app token
    leaves ``context.user`` empty). A user token Saleor refuses (expired, its
    user deactivated) raises Saleor's ``jwt.InvalidTokenError``, which its
    GraphQL view reports in the response, as for its own fields."""
    # Imported here: Saleor's GraphQL package imports most of Saleor, and this
    # module is loaded with the host at Django start-up.
    from saleor.graphql.app.dataloaders import get_app_promise

    app = get_app_promise(context).get()
    if app is not None and app.is_active:
        return Caller(f"app:{app.pk}", app=app)
    user = getattr(context, "user", None)
    if isinstance(user, LazyObject):
        # Saleor authenticates lazily; a lazy "nobody" is not ``None``.
        user = unwrap_lazy(user)
    if user is not None and user.is_active:
        return Caller(f"user:{user.pk}", user=user)
    return ANONYMOUS


def visible_channels(caller: Caller) -> frozenset[str] | None:
    """Channels whose requests the caller sees as merchant or platform: ``None``
    for all of them. Restricted groups give their channels only, so a channel
    added later stays hidden until a group gives it."""
    if caller.is_system:
        return None
    if caller.app is not None:
        return None if _app_manages_orders(caller.app) else frozenset()
    user = caller.user
    if user is None or not user.is_active or not user.is_staff:
        return frozenset()
    if is_platform(user):
        return None
    if not user.has_perm(OrderPermissions.MANAGE_ORDERS):
        return frozenset()
    if user.groups.filter(restricted_access_to_channels=False).exists():
        return None
    as_merchant = user.groups.filter(channels__isnull=False).values_list(
        "channels__slug", flat=True
    )
    return frozenset(as_merchant)


def may_act(caller: Caller, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
    """Buyers on their own orders, merchants on their channels, the platform by
    its group, the system only as itself."""
    if actor is Actor.SYSTEM:
        return caller.is_system
    if actor is Actor.MERCHANT and caller.app is not None:
        return _app_manages_orders(caller.app)
    user = caller.user
    if user is None or not user.is_active:
        return False
    if actor is Actor.BUYER:
        return bool(buyer_id) and buyer_id == f"user:{user.pk}"
    if not user.is_staff:
        return False
    if actor is Actor.PLATFORM:
        return is_platform(user)
    return user.has_perm(OrderPermissions.MANAGE_ORDERS) and _reaches_channel(user, channel_slug)


def may_move_money(caller: Caller, channel_slug: str) -> bool:
    """The system always; an app with ``HANDLE_PAYMENTS``; staff with
    ``HANDLE_PAYMENTS`` who reach the channel (the platform reaches all)."""
    if caller.is_system:
        return True
    user, app = requestor(caller)
    if app is not None:
        return bool(app.is_active and app.has_perm(PaymentPermissions.HANDLE_PAYMENTS))
    if user is None or not user.is_active or not user.is_staff:
        return False
    if not user.has_perm(PaymentPermissions.HANDLE_PAYMENTS):
        return False
    return _reaches_channel(user, channel_slug) or is_platform(user)


def is_platform(user: User) -> bool:
    """Whether the user is in the platform's group, and that group holds what
    the platform needs (one query)."""
    return platform_groups().filter(user=user).exists()


def platform_groups() -> Any:
    """The group named ``KUAI_RETURNS_PLATFORM_GROUP`` if it holds every one of
    ``PLATFORM_PERMISSIONS`` (a queryset of at most one group)."""
    groups = Group.objects.filter(name=app_settings.PLATFORM_GROUP)
    for permission in PLATFORM_PERMISSIONS:
        app_label, codename = permission.value.split(".")
        groups = groups.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        )
    return groups


def platform_group_lacks() -> list[str] | None:
    """The permissions the platform's group lacks (their Saleor names), or
    ``None`` when no group has the setting's name (system check W003)."""
    group = Group.objects.filter(name=app_settings.PLATFORM_GROUP).first()
    if group is None:
        return None
    held = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    return [permission.name for permission in PLATFORM_PERMISSIONS if permission.value not in held]


def requestor(caller: Caller) -> tuple[Any, Any]:
    """The user or app behind a caller id ("user:<pk>", "app:<pk>", "system")."""
    if caller.user is not None or caller.app is not None:
        return caller.user, caller.app
    kind, _, pk = caller.id.partition(":")
    if kind == "user" and pk.isdigit():
        return User.objects.filter(pk=int(pk)).first(), None
    if kind == "app" and pk.isdigit():
        return None, App.objects.filter(pk=int(pk)).first()
    return None, None


def _app_manages_orders(app: App) -> bool:
    return bool(app.is_active and app.has_perm(OrderPermissions.MANAGE_ORDERS))


def _reaches_channel(user: User, channel_slug: str) -> bool:
    return user.groups.filter(
        Q(restricted_access_to_channels=False) | Q(channels__slug=channel_slug)
    ).exists()

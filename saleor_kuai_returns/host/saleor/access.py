"""Who calls and what they may do, in Saleor's terms.

- A caller is an app (its token), else the signed-in user (JWT), as Saleor's
  GraphQL context resolves them; ids are ``"app:<pk>"`` and ``"user:<pk>"``.
- Merchants are staff with ``MANAGE_ORDERS`` on the order's channel. Saleor
  gives channel access per permission group: a group with
  ``restricted_access_to_channels=False`` reaches every channel, a restricted one
  only its ``channels``; a user reaches the union over all their groups (as
  Saleor's ``AccessibleChannelsByUserIdLoader`` computes it for orders).
- The platform is the permission group named in the channel's plugin settings
  (else ``KUAI_RETURNS_PLATFORM_GROUP``): plugins cannot add permissions.
- Apps reach every channel in Saleor; order rights make them merchants.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.functional import LazyObject
from saleor.account.models import User
from saleor.app.models import App
from saleor.channel.models import Channel
from saleor.core.utils.lazyobjects import unwrap_lazy
from saleor.permission.enums import OrderPermissions
from saleor.plugins.models import PluginConfiguration

from ...app_settings import app_settings
from ...domain import Actor
from ...plugin import PLATFORM_GROUP, PLUGIN_ID, channel_configuration, configuration_values
from ..base import ANONYMOUS, Caller


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
    as_platform = _platform_channels(user)
    if as_platform is None:
        return None
    if not user.has_perm(OrderPermissions.MANAGE_ORDERS):
        return as_platform
    if user.groups.filter(restricted_access_to_channels=False).exists():
        return None
    as_merchant = user.groups.filter(channels__isnull=False).values_list(
        "channels__slug", flat=True
    )
    return as_platform | frozenset(as_merchant)


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
        group = platform_group(channel_configuration(channel_slug))
        return user.groups.filter(name=group).exists()
    return user.has_perm(OrderPermissions.MANAGE_ORDERS) and _reaches_channel(user, channel_slug)


def platform_group(values: dict[str, Any]) -> str:
    """The platform's group name in one channel's settings."""
    return str(values.get(PLATFORM_GROUP) or app_settings.PLATFORM_GROUP)


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


def _platform_channels(user: User) -> frozenset[str] | None:
    """The channels whose platform group the user is in; ``None`` when that is
    every channel. Two queries besides the user's groups, whatever the number of
    channels."""
    names = set(user.groups.values_list("name", flat=True))
    if not names:
        return frozenset()
    saved = {
        slug: configuration_values(configuration)
        for slug, configuration in PluginConfiguration.objects.filter(
            identifier=PLUGIN_ID, channel__isnull=False
        ).values_list("channel__slug", "configuration")
    }
    slugs = list(Channel.objects.values_list("slug", flat=True))
    ours = frozenset(slug for slug in slugs if platform_group(saved.get(slug, {})) in names)
    return None if len(ours) == len(slugs) else ours

"""Who reads the API, asked of the host once per API request: the caller, the
channels they see, their rights per channel, each channel's policy. Cached on
the request so a page of requests costs the same queries as one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from graphql import GraphQLError

from ...domain import Actor, Policy
from ...host import get_host
from ...host.base import ANONYMOUS, Caller, Host
from .errors import PermissionDenied

CONTEXT_ATTRIBUTE = "_kuai_returns_viewer"
ROLES = (Actor.BUYER, Actor.MERCHANT, Actor.PLATFORM)


@dataclass
class Viewer:
    caller: Caller
    host: Host
    _channels: frozenset[str] | None = None
    _channels_known: bool = False
    _rights: dict[tuple[Actor, str, str], bool] = field(default_factory=dict)
    _policies: dict[str, Policy] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.caller != ANONYMOUS

    def require_signed_in(self) -> None:
        if not self.signed_in:
            raise PermissionDenied("Sign in to see after-sale requests.")

    def visible_channels(self) -> frozenset[str] | None:
        """Channels seen as staff or platform; ``None``: all of them."""
        if not self._channels_known:
            self._channels = self.host.visible_channels(self.caller)
            self._channels_known = True
        return self._channels

    def sees_channel(self, channel_slug: str) -> bool:
        """Whether the viewer sees the channel as staff or the platform."""
        channels = self.visible_channels()
        return channels is None or channel_slug in channels

    def require_channel(self, channel_slug: str) -> None:
        """Staff reads of a channel (its ledger, its health): the platform and the
        channel's merchants only."""
        self.require_signed_in()
        if not self.sees_channel(channel_slug):
            raise PermissionDenied()
        # PostgreSQL refuses NUL in text: such a slug names no channel.
        if "\x00" in channel_slug:
            raise GraphQLError(f"Received channel is invalid: {channel_slug!r}.")

    def require_staff(self) -> None:
        """Staff reads across channels (appeals): the platform, and merchants of
        at least one channel."""
        self.require_signed_in()
        if self.visible_channels() == frozenset():
            raise PermissionDenied()

    def may_act(self, actor: Actor, channel_slug: str, buyer_id: str) -> bool:
        # A buyer's right depends on the buyer; a merchant's or the platform's
        # on the channel only.
        key = (actor, channel_slug, buyer_id if actor is Actor.BUYER else "")
        if key not in self._rights:
            self._rights[key] = self.host.may_act(self.caller, actor, channel_slug, buyer_id)
        return self._rights[key]

    def roles(self, channel_slug: str, buyer_id: str) -> tuple[Actor, ...]:
        return tuple(actor for actor in ROLES if self.may_act(actor, channel_slug, buyer_id))

    def policy(self, channel_slug: str) -> Policy:
        if channel_slug not in self._policies:
            self._policies[channel_slug] = self.host.policy_for(channel_slug)
        return self._policies[channel_slug]

    def visible(self) -> Q:
        """The requests this viewer may read: their own as a buyer, and those of
        the channels they see as staff."""
        channels = self.visible_channels()
        if channels is None:
            return Q()
        allowed = Q(channel_slug__in=sorted(channels))
        if self.signed_in and not self.caller.is_system:
            allowed |= Q(buyer_id=self.caller.id)
        return allowed


def viewer_of(info: Any) -> Viewer:
    context = info.context
    cached = getattr(context, CONTEXT_ATTRIBUTE, None)
    if isinstance(cached, Viewer):
        return cached
    host = get_host()
    viewer = Viewer(caller=host.caller_from_context(context), host=host)
    setattr(context, CONTEXT_ATTRIBUTE, viewer)
    return viewer

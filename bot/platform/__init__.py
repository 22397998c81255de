"""Everything that differs between chat platforms lives in this package; plugins and features stay neutral.

One module per platform (`onebot_v11`, `onebot_v12`, `qqbot`) implements `base.Platform` and registers it; the
functions here find the bot's (or the event's) platform — a dict lookup — and hand over. Adding a platform is one
module that registers itself (DEVELOPING.md, "Adding a platform").
"""

from __future__ import annotations

from typing import Any

from nonebot.adapters import Bot, Event

from ..core import privacy
from ..core.actor import Actor
from ..core.parts import File, Media, Part
from . import onebot_v11, onebot_v12, qqbot  # noqa: F401  (each registers itself)
from .base import Arrival, Departure, Platform, of, of_event, register, registered

__all__ = [
    "Arrival",
    "Departure",
    "Platform",
    "access_tokens",
    "actor_of",
    "adapters_for",
    "arrival_of",
    "capabilities",
    "departure_of",
    "file_handed_over",
    "has_location_segment",
    "is_group_message",
    "location_of",
    "media_in",
    "media_loader",
    "mentioned_ids",
    "of",
    "platform_of",
    "protocol_of",
    "register",
    "registered",
    "render",
    "reply",
    "send",
    "send_file",
    "session_key_of",
    "supported_adapters",
    "user_key_of",
]


def supported_adapters() -> set[str]:
    """What every plugin lists in `supported_adapters`: the adapters of the registered platforms."""
    return {p.adapter_module for p in registered()}


def adapters_for(config: dict[str, Any]) -> list[type]:
    """The NoneBot adapters `create_app` registers with this configuration."""
    return [p.adapter for p in registered() if p.wanted(config)]


def access_tokens() -> list[str]:
    """The token of each endpoint a registered adapter listens on ("" for an open one)."""
    return [token for p in registered() if (token := p.access_token()) is not None]


def protocol_of(bot: Bot) -> str:
    """The protocol an account speaks: `v11`, `v12`, `qq` (the official QQ bot)."""
    return of(bot).protocol


def platform_of(bot: Bot) -> str:
    """The stored platform name of an account: `qq`, `wechat` (or the v12 implementation's), `qqbot`."""
    return of(bot).name_of(bot)


def capabilities(bot: Bot) -> frozenset[str]:
    """What the account's platform takes and tells: "image", "file", "location" (a shared location arrives), "link",
    "private" (writing first in private chat), "owner" (who owns a group)."""
    return of(bot).capabilities_of(bot)


def is_group_message(bot: Bot, event: Event) -> bool:
    """Whether the event is a group message (cheap, for the chatter gate)."""
    return of(bot).is_group_message(event)


def user_key_of(bot: Bot, event: Event) -> str | None:
    """`<platform>:<user id>` of a message event (`Actor.key` before any binding)."""
    actor = actor_of(bot, event)
    return None if actor is None else actor.key


def session_key_of(bot: Bot, event: Event) -> str:
    """The conversation key of a message event (`Actor.session_key`)."""
    actor = actor_of(bot, event)
    return "" if actor is None else actor.session_key


def actor_of(bot: Bot, event: Event) -> Actor | None:
    """The actor of a message event, or None for events that are no message."""
    return of(bot).actor_of(bot, event)


def mentioned_ids(bot: Bot, event: Event) -> list[str]:
    """Users @-mentioned in the message, in order, excluding the bot itself and @all."""
    return of(bot).mentioned_ids(bot, event)


def media_in(bot: Bot, event: Event) -> list[Media]:
    """Pictures and voice messages that came with a message event, as the platform hands them over (not fetched)."""
    return of(bot).media_in(event)


def media_loader(bot: Bot):
    """How the evidence service fetches a medium the platform gives by id only (OneBot v12 `get_file`)."""

    async def load(medium: Media) -> bytes:
        return await of(bot).load_media(bot, medium)

    return load


def location_of(event: Event) -> tuple[float, float] | None:
    """A shared location (lat, lng); never stored or logged."""
    found = of_event(event)
    return None if found is None else found.location_of(event)


def has_location_segment(event: Event) -> bool:
    """Cheap check for the gate: does the message carry a location or a card that may be one?"""
    found = of_event(event)
    return found is not None and found.has_location_segment(event)


def departure_of(bot: Bot, event: Event) -> Departure | None:
    """Someone (or the bot) left a group, as the notice reports it; None for any other event."""
    return of(bot).departure_of(bot, event)


def arrival_of(bot: Bot, event: Event) -> Arrival | None:
    """Someone joined a group, as the notice reports it; None for any other event."""
    return of(bot).arrival_of(bot, event)


def file_handed_over(bot: Bot, api: str, data: dict[str, Any]) -> str | None:
    """The local file a successful API call handed over to the platform (to delete it), or None."""
    return of(bot).file_handed_over(api, data)


async def render(bot: Bot, parts: list[Part]):
    """Build the adapter's message from neutral parts; user text always stays plain text."""
    return await of(bot).render(bot, parts)


async def send(bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """Send parts to a group or a private chat, not as a reply (pushes, notices, the outbox).

    A refusal a retry cannot change raises `bot.core.sender.PermanentSendError` with the platform's reason. What goes
    to a group passes the group guard (`bot.core.privacy.for_group`).
    """
    if target_kind == "group":
        parts = privacy.for_group(parts)
    await of(bot).send(bot, target_kind, target_id, parts)


async def send_file(bot: Bot, target_kind: str, target_id: str, file: File) -> None:
    """Hand over a file as the platform can (an upload, or where to get it); never to a group (the group guard says
    where to get it instead)."""
    if target_kind == "group":
        await send(bot, target_kind, target_id, [file])
        return
    await of(bot).send_file(bot, target_kind, target_id, file)


async def reply(bot: Bot, event: Event, parts: list[Part] | str) -> None:
    """Answer the chat the event came from (passively where the platform wants it; files as the platform allows);
    an answer in a group passes the group guard (`bot.core.privacy.for_group`)."""
    found = of(bot)
    actor = found.actor_of(bot, event)
    if actor is None:
        return
    if isinstance(parts, str):
        parts = [parts]
    if actor.group_id is not None:
        parts = privacy.for_group(parts)
    await found.reply(bot, event, actor, parts)

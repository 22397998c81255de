"""Everything that differs between chat platforms lives in this package; plugins and features stay neutral.

- `onebot`: OneBot v11 (a personal QQ account through NapCat, Lagrange, LLOneBot) and v12 (WeChat);
- `qqbot`: the official QQ bot platform through nonebot-adapter-qq (openids, passive replies, no files).

Each function here looks at the bot (or the event) once and hands over to the protocol's module.
"""

from __future__ import annotations

from nonebot.adapters import Bot, Event

from ..core import privacy
from ..core.actor import QQBOT, Actor
from ..core.parts import File, Media, Part
from . import onebot, qqbot
from .membership import Departure, departure_of, is_departure

GROUP_MESSAGE_EVENTS = onebot.GROUP_MESSAGE_EVENTS + qqbot.GROUP_MESSAGE_EVENTS

__all__ = [
    "GROUP_MESSAGE_EVENTS",
    "Departure",
    "actor_of",
    "capabilities",
    "departure_of",
    "has_location_segment",
    "is_departure",
    "location_of",
    "media_in",
    "media_loader",
    "mentioned_ids",
    "platform_of",
    "protocol_of",
    "render",
    "reply",
    "send",
    "send_file",
    "session_key_of",
    "takes_images",
    "user_key_of",
]


def protocol_of(bot: Bot) -> str:
    """The protocol an account speaks: `v11`, `v12`, `qq` (the official QQ bot)."""
    return qqbot.PROTOCOL if qqbot.is_qqbot(bot) else onebot.protocol_of(bot)


def platform_of(bot: Bot) -> str:
    """`qq` for OneBot v11, `wechat` (or the implementation's platform) for v12, `qqbot` for the official QQ bot."""
    return QQBOT if qqbot.is_qqbot(bot) else onebot.platform_of(bot)


def capabilities(bot: Bot) -> frozenset[str]:
    """What the account's platform takes and tells: "image", "file", "location" (a shared location arrives), "link",
    "private" (writing first in private chat), "owner" (who owns a group)."""
    return qqbot.CAPABILITIES if qqbot.is_qqbot(bot) else onebot.capabilities_of(bot)


def takes_images(bot: Bot) -> bool:
    """Whether pictures can be sent (kept for callers that ask only this)."""
    return "image" in capabilities(bot)


def user_key_of(bot: Bot, event: Event) -> str | None:
    """`<platform>:<user id>` of a message event, cheaply (for the chatter gate)."""
    if qqbot.is_qqbot(bot):
        return qqbot.user_key_of(event)
    user_id = getattr(event, "user_id", None)
    return None if user_id is None else f"{onebot.platform_of(bot)}:{user_id}"


def session_key_of(bot: Bot, event: Event) -> str:
    """The conversation key of a message event, cheaply (same as `Actor.session_key`)."""
    if qqbot.is_qqbot(bot):
        return qqbot.session_key_of(event)
    group_id = getattr(event, "group_id", None)
    return f"{onebot.platform_of(bot)}:{group_id or 'private'}:{getattr(event, 'user_id', '')}"


def actor_of(bot: Bot, event: Event) -> Actor | None:
    """The actor of a message event, or None for events that are no message."""
    return qqbot.actor_of(bot, event) if qqbot.is_qqbot(bot) else onebot.actor_of(bot, event)


def mentioned_ids(bot: Bot, event: Event) -> list[str]:
    """Users @-mentioned in the message, in order, excluding the bot itself and @all."""
    return qqbot.mentioned_ids(bot, event) if qqbot.is_qqbot(bot) else onebot.mentioned_ids(bot, event)


def media_in(bot: Bot, event: Event) -> list[Media]:
    """Pictures and voice messages that came with a message event, as the platform hands them over (not fetched)."""
    return qqbot.media_in(event) if qqbot.is_qqbot(bot) else onebot.media_in(event)


def media_loader(bot: Bot):
    """How to fetch a medium the platform gives only by id (OneBot v12 `get_file`); None where media come as urls."""
    if qqbot.is_qqbot(bot) or onebot.protocol_of(bot) != "v12":
        return None

    async def load(medium: Media) -> bytes:
        return await onebot.load_file(bot, medium.file_id or "")

    return load


def location_of(event: Event) -> tuple[float, float] | None:
    """A shared location (lat, lng); never stored or logged. The official QQ bot delivers none."""
    return onebot.location_of(event)


def has_location_segment(event: Event) -> bool:
    """Cheap check for the gate: does the message carry a location or a JSON card?"""
    return onebot.has_location_segment(event)


async def render(bot: Bot, parts: list[Part]):
    """Build the adapter's message from neutral parts; user text always stays plain text."""
    if qqbot.is_qqbot(bot):
        return qqbot.render(parts)
    return await onebot.render(bot, parts)


async def send(bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """Send parts to a group or a private chat, not as a reply (pushes, notices, the outbox).

    A refusal a retry cannot change raises `bot.core.sender.PermanentSendError` with the platform's reason. What goes
    to a group passes the group guard (`bot.core.privacy.for_group`).
    """
    if target_kind == "group":
        parts = privacy.for_group(parts)
    if qqbot.is_qqbot(bot):
        await qqbot.send(bot, target_kind, target_id, parts)
    else:
        await onebot.send(bot, target_kind, target_id, parts)


async def send_file(bot: Bot, target_kind: str, target_id: str, file: File) -> None:
    """Hand over a file: QQ's file upload, a v12 file segment, or (official QQ bot) where to get it; never to a
    group (the group guard says where to get it instead)."""
    if target_kind == "group":
        await send(bot, target_kind, target_id, [file])
        return
    if qqbot.is_qqbot(bot):
        await qqbot.send_file(bot, target_kind, target_id, file)
    else:
        await onebot.send_file(bot, target_kind, target_id, file)


async def reply(bot: Bot, event: Event, parts: list[Part] | str) -> None:
    """Answer the chat the event came from (passively where the platform wants it; files as the platform allows);
    an answer in a group passes the group guard (`bot.core.privacy.for_group`)."""
    actor = actor_of(bot, event)
    if actor is None:
        return
    if isinstance(parts, str):
        parts = [parts]
    if actor.group_id is not None:
        parts = privacy.for_group(parts)
    if qqbot.is_qqbot(bot):
        await qqbot.reply(bot, event, actor, parts)
    else:
        await onebot.reply(bot, event, actor, parts)

"""Handler helpers: who is asking, what they typed, and replies that never turn user text into CQ codes."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from nonebot.adapters import Bot, Event, Message
from nonebot.params import Command, CommandArg, Depends

from . import platform
from .core.actor import Actor
from .core.errors import Refusal
from .core.parts import Mention, Part


def _actor(bot: Bot, event: Event) -> Actor:
    """The actor of a message event."""
    actor = platform.actor_of(bot, event)
    if actor is None:
        raise ValueError("not a message event")
    return actor


def _arg_text(arg: Message = CommandArg()) -> str:
    """The plain text after the command, trimmed."""
    return arg.extract_plain_text().strip()


def _command_name(command: tuple[str, ...] = Command()) -> str:
    """Which alias the command was called by."""
    return command[0]


def _mentions(bot: Bot, event: Event) -> list[str]:
    """Users @-mentioned (raw ids)."""
    return platform.mentioned_ids(bot, event)


ActorDep = Annotated[Actor, Depends(_actor)]
ArgText = Annotated[str, Depends(_arg_text)]
CommandName = Annotated[str, Depends(_command_name)]
Mentions = Annotated[list[str], Depends(_mentions)]


async def respond(bot: Bot, event: Event, content: str | list[Part], *, mention: bool = False) -> None:
    """Reply in the chat of the event; in a group, `mention` @-mentions the asker first."""
    parts: list[Part] = [content] if isinstance(content, str) else list(content)
    actor = platform.actor_of(bot, event)
    if mention and actor is not None and actor.group_id is not None:
        parts.insert(0, Mention(actor.user_id))
        if parts and isinstance(parts[1], str):
            parts[1] = " " + parts[1]
    await platform.reply(bot, event, parts)


async def answer(bot: Bot, event: Event, work: Awaitable[str | list[Part] | None], *, mention: bool = False) -> None:
    """Await a handler's reply and send it; a refusal is answered with its own message."""
    try:
        reply = await work
    except Refusal as refusal:
        reply = str(refusal)
    if reply:
        await respond(bot, event, reply, mention=mention)


def split_args(text: str) -> list[str]:
    """Words of an argument, split on any white space (full-width too)."""
    return text.replace("\u3000", " ").split()

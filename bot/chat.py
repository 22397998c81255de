"""Replies that never turn user text into CQ codes, and the reading of a message into a command call."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from nonebot.adapters import Bot, Event

from bot import platform
from bot.core.commands import Command, registry
from bot.core.parts import Mention, Part

# Half- and full-width command starts: a phone keyboard often gives `／`.
COMMAND_STARTS = ("/", "#", "／", "＃")


async def respond(bot: Bot, event: Event, content: str | list[Part], *, mention: bool = False) -> None:
    """Reply in the chat of the event; in a group, `mention` @-mentions the asker first."""
    parts: list[Part] = [content] if isinstance(content, str) else list(content)
    actor = platform.actor_of(bot, event)
    if mention and actor is not None and actor.group_id is not None:
        first = parts[0] if parts else ""
        parts = [Mention(actor.user_id), " " + first if isinstance(first, str) else first, *parts[1:]]
    await platform.reply(bot, event, parts)


@dataclass(frozen=True)
class Parsed:
    """A message read as a command: the declaration, what was typed, and the argument left for it."""

    spec: Command | None  # None: it started like a command but names none
    alias: str
    arg: str


def first_text(event: Event) -> str:
    """The plain text of the message (NoneBot has already removed an @ of the bot at its start)."""
    try:
        return event.get_plaintext()
    except ValueError:
        return ""


def parse_command(text: str) -> Parsed | None:
    """`/驿站 乌当`, `／驿站`, `/ 驿站`, `#驿站乌当` → the declaration and its argument; None when no command start."""
    stripped = text.strip()
    if not stripped.startswith(COMMAND_STARTS):
        return None
    rest = stripped[1:].lstrip()
    head, _, tail = rest.replace("\u3000", " ").partition(" ")
    if head not in registry.heads:
        # `/驿站乌当`: the longest declared name the text starts with.
        known = [name for name in registry.heads if head.startswith(name)]
        if not known:
            return Parsed(None, head, tail)
        name = max(known, key=len)
        head, tail = name, rest[len(name) :]
    found = registry.find(head, tail)
    if found is None:
        return Parsed(None, head, tail)
    spec, arg = found
    return Parsed(spec, head, arg)


def closest_command(word: str) -> str | None:
    """The declared command a mistyped word most likely meant."""
    names = sorted(registry.heads)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.4)
    if close:
        return close[0]
    for name in names:
        if word and (name in word or word in name):
            return name
    return None

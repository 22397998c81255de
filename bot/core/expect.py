"""Short replies the bot waits for without a conversation: a bare letter after /答题, 满意 after a 回访 question.

A kind of the waiting store (bot/core/waiting.py, kind `reply`), keyed by the person's user key and the command the
reply stands for. How a plain text reads as that command's argument is registered once per command (`reader`), next
to its declaration; a match is turned into the declared command (`/答题 B`, `/回访 SQ… 满意`), so it passes the same
role checks and rate limits as the typed command. Entries expire; each is used once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from . import clock
from .actor import Actor
from .waiting import REPLY, Wait, Waiting

# command → how a plain text reads as its argument (None: it is no such reply)
_READERS: dict[str, Callable[[str], str | None]] = {}


def reader(command: str, read: Callable[[str], str | None]) -> None:
    """Say how a plain reply reads as the argument of a declared command (once, at import)."""
    _READERS[command] = read


class Expectations:
    """The replies the bot waits for, in the waiting store."""

    def __init__(self, waiting: Waiting) -> None:
        self.waiting = waiting

    async def expect(
        self, user_key: str, command: str, until: datetime, *, session_key: str | None = None, prefix: str = ""
    ) -> None:
        """Wait for a reply standing for `command` (in this chat only, or any chat of the person when no
        `session_key`); its argument is `prefix` and what the command's reader made of the text. A newer one for the
        same command and chat replaces the older."""
        if command not in _READERS:
            raise KeyError(f"no reader for the command {command}")
        await self.waiting.put(Wait(REPLY, session_key or "", user_key, command, {"prefix": prefix}, until))

    async def forget(self, user_key: str, command: str) -> None:
        """Stop waiting for a command's reply from someone."""
        found = await self.waiting.find(REPLY, user_key=user_key)
        await self.waiting.remove([w for w in found if w.ref == command])

    def has(self, user_key: str) -> bool:
        """Cheap check for the chatter gate (a set lookup)."""
        return self.waiting.for_user(user_key)

    async def match(self, actor: Actor, text: str) -> tuple[str, str] | None:
        """(command, argument) when the text is an expected reply of this person here; the entry is used up."""
        found = await self.waiting.find(REPLY, user_key=actor.key)
        now = clock.now()
        for wait in reversed([w for w in found if w.until > now]):
            if wait.session_key not in ("", actor.session_key):
                continue
            read = _READERS.get(wait.ref, lambda _: None)(text.strip())
            if read is not None:
                await self.waiting.remove([wait])
                return wait.ref, f"{wait.data.get('prefix', '')} {read}".strip()
        return None

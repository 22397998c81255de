"""Short replies the bot waits for without a conversation: a bare letter after /答题, 满意 after a 回访 question.

One dict lookup per message (by user key) decides whether a plain message is such a reply; a match is turned
into the declared command it stands for (`/答题 B`, `/回访 SQ… 满意`), so it passes the same role checks and
rate limits as the typed command. Entries expire; each is used once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import clock
from .actor import Actor


@dataclass
class Expected:
    """A reply someone may give: what it reads as, until when, in which chat."""

    command: str  # the declared command name it stands for
    parse: Callable[[str], str | None]  # the plain text -> the command's argument, or None when it is no such reply
    until: datetime
    session_key: str | None  # only in this chat; None: any chat of this person


class Expectations:
    """The replies this process waits for, by user key."""

    def __init__(self) -> None:
        self._by_user: dict[str, list[Expected]] = {}

    def expect(self, user_key: str, expected: Expected) -> None:
        """Wait for a reply (a newer one for the same command and chat replaces the older)."""
        waiting = [
            e
            for e in self._by_user.get(user_key, [])
            if not (e.command == expected.command and e.session_key == expected.session_key)
        ]
        waiting.append(expected)
        self._by_user[user_key] = waiting

    def forget(self, user_key: str, command: str) -> None:
        """Stop waiting for a command's reply from someone."""
        waiting = [e for e in self._by_user.get(user_key, []) if e.command != command]
        if waiting:
            self._by_user[user_key] = waiting
        else:
            self._by_user.pop(user_key, None)

    def has(self, user_key: str) -> bool:
        """Cheap check for the chatter gate."""
        return user_key in self._by_user

    def match(self, actor: Actor, text: str) -> tuple[str, str] | None:
        """(command, argument) when the text is an expected reply of this person here; the entry is used up."""
        waiting = self._by_user.get(actor.key)
        if not waiting:
            return None
        now = clock.now()
        alive = [e for e in waiting if e.until > now]
        found = None
        for entry in reversed(alive):
            if entry.session_key not in (None, actor.session_key):
                continue
            arg = entry.parse(text.strip())
            if arg is not None:
                found = entry
                break
        if found is not None:
            alive.remove(found)
        if alive:
            self._by_user[actor.key] = alive
        else:
            self._by_user.pop(actor.key, None)
        return (found.command, found.parse(text.strip()) or "") if found else None

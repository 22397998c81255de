"""One person, two ids: joining a private chat to a group on a platform that gives them different ids.

The official QQ bot names a person by a `member_openid` in each group and by a `user_openid` in private chat, and
tells the bot nothing that joins them. Phone and plate are asked only in private chat, so a driver binds once:
`/登记` in private chat gives a one-time code, and `/绑定 <code>` sent in the branch group joins the two. The code
travels from private chat to the group, never the other way: the message that shows it in the group is the one that
uses it up, so nobody who reads the group can bind their own private chat to someone else's record.

Afterwards a private chat acts as the person of the group it was bound to (`Actor.person`), and a private message to
that person goes to the private chat's id. Links live in memory (a province has a few thousand), reloaded after a
change here and at least every `_CACHE_SECONDS` (another process may have made one).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete, select

from . import clock
from .actor import Actor
from .db import Database
from .models import BindCode, IdentityLink

_CACHE_SECONDS = 30
CODE_DIGITS = 6
# Wrong codes one group member may try in a window before /绑定 stops listening to them for the rest of it.
_MAX_MISSES = 5
_MISS_WINDOW_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Link:
    """A private chat joined to a person's id in one group."""

    platform: str
    private_id: str
    member_id: str
    group_id: str


class TooManyTries(Exception):
    """Too many wrong codes from one group member in a short time."""


class IdentityLinks:
    """Bind codes, and the links they make, kept in memory for the dispatcher and the sender."""

    def __init__(self, database: Database, code_minutes: int = 10) -> None:
        self.database = database
        self.code_minutes = code_minutes
        self._loaded_at = -_CACHE_SECONDS
        self._by_private: dict[tuple[str, str], Link] = {}  # the most recently bound group of a private chat
        self._by_member: dict[tuple[str, str], Link] = {}
        self._misses: dict[str, list[float]] = {}

    def forget(self) -> None:
        """Reload the links at the next look."""
        self._loaded_at = -_CACHE_SECONDS

    async def fresh(self) -> None:
        """Reload the links when the cache is old."""
        if time.monotonic() - self._loaded_at < _CACHE_SECONDS:
            return
        async with self.database.reading() as session:
            rows = (await session.execute(select(IdentityLink).order_by(IdentityLink.linked_at, IdentityLink.id))).all()
        by_private: dict[tuple[str, str], Link] = {}
        by_member: dict[tuple[str, str], Link] = {}
        for (row,) in rows:
            link = Link(row.platform, row.private_id, row.member_id, row.group_id)
            by_private[(row.platform, row.private_id)] = link  # ordered by time: the latest wins
            by_member[(row.platform, row.member_id)] = link
        self._by_private, self._by_member = by_private, by_member
        self._loaded_at = time.monotonic()

    def resolve(self, actor: Actor) -> Actor:
        """A bound private chat as the person it was bound to; everyone else unchanged (a dict lookup)."""
        if not actor.is_private or not self._by_private:
            return actor
        link = self._by_private.get((actor.platform, actor.user_id))
        return actor if link is None else replace(actor, person=link.member_id)

    def link_of_private(self, platform: str, private_id: str) -> Link | None:
        """The group a private chat is bound to, if any."""
        return self._by_private.get((platform, private_id))

    def private_chat_of(self, platform: str, member_id: str) -> str | None:
        """The private chat id of a person known by their group id, if they bound one."""
        link = self._by_member.get((platform, member_id))
        return None if link is None else link.private_id

    async def issue(self, platform: str, private_id: str) -> str:
        """A fresh one-time code for this private chat (an earlier one of theirs stops working)."""
        now = clock.now()
        async with self.database.session() as session:
            await session.execute(delete(BindCode).where(BindCode.expires_at < now))
            await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
            taken = set((await session.scalars(select(BindCode.code).where(BindCode.platform == platform))).all())
            code = _new_code(taken)
            session.add(
                BindCode(
                    platform=platform,
                    code=code,
                    private_id=private_id,
                    expires_at=now + timedelta(minutes=self.code_minutes),
                )
            )
        return code

    async def bind(self, platform: str, code: str, member_id: str, group_id: str) -> Link | None:
        """Use up a code sent in a group: join its private chat to this member. None for a wrong or old code."""
        self._count_tries(f"{platform}:{member_id}")
        now = clock.now()
        async with self.database.session() as session:
            found = await session.scalar(
                select(BindCode).where(BindCode.platform == platform, BindCode.code == code).with_for_update()
            )
            if found is None or found.expires_at < now:
                self._misses.setdefault(f"{platform}:{member_id}", []).append(time.monotonic())
                return None
            private_id = found.private_id
            await session.delete(found)
            existing = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
            )
            if existing is None:
                session.add(
                    IdentityLink(
                        platform=platform, private_id=private_id, member_id=member_id, group_id=group_id, linked_at=now
                    )
                )
            else:
                existing.private_id, existing.group_id, existing.linked_at = private_id, group_id, now
        self._misses.pop(f"{platform}:{member_id}", None)
        link = Link(platform, private_id, member_id, group_id)
        # Known at once in this process (the next message's routing reads the cache before any reload); the
        # reload after forget() tidies whatever this link replaced.
        self._by_private[(platform, private_id)] = self._by_member[(platform, member_id)] = link
        self.forget()
        return link

    def _count_tries(self, who: str) -> None:
        """Refuse a member who sent too many wrong codes lately (a code has a million values; guessing is slow)."""
        window_start = time.monotonic() - _MISS_WINDOW_SECONDS
        misses = [at for at in self._misses.get(who, []) if at > window_start]
        if misses:
            self._misses[who] = misses
        else:
            self._misses.pop(who, None)
        if len(misses) >= _MAX_MISSES:
            raise TooManyTries(who)


def _new_code(taken: set[str]) -> str:
    """A random code of CODE_DIGITS digits that no live code uses."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in taken:
            return code

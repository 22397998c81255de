"""One person, two ids: joining a private chat to a group on a platform that gives them different ids.

The official QQ bot names a person by a `member_openid` in each group and by a `user_openid` in private chat, and
tells the bot nothing that joins them. Phone and plate are asked only in private chat, so a driver binds once:

1. `/登记` (or `/绑定`) in private chat gives a one-time code;
2. `/绑定 <code>` sent in the branch group *claims* it for the sender (the first sender only: the code is spent
   for everyone else the moment the bot sees it, even when it does not answer — rate limit, lockout, not a branch);
3. back in private chat the owner sees who claimed it, in which group and when, and confirms (`/绑定 确认`) or
   cancels. Only then is the link made.

A code someone copied from the group therefore binds nothing without the owner's word, and an existing link is never
replaced by another private chat: the person unbinds first (`/解绑`). Wrong codes are counted in the database per
group member, across restarts and processes, and a success does not reset the count.

Afterwards a private chat acts as the person of the group it was bound to last (`Actor.person`), and a private
message to any group id it was bound to goes to the private chat. Links live in memory (a province has a few
thousand), reloaded after a change here and at least every `_CACHE_SECONDS`; a private chat the cache does not know
is looked up once in the database (another process may have just bound it).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select

from . import clock
from .actor import QQBOT, Actor
from .db import Database
from .models import BindCode, BindMiss, IdentityLink

_CACHE_SECONDS = 30
# No 0/O, 1/I/L: read aloud or copied by hand without doubt. 32 ** 8 ≈ 1.1e12 codes, ten live at a time.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# Wrong codes one group member may send in a window before /绑定 stops listening to them for the rest of it.
MAX_MISSES = 5
MISS_WINDOW = timedelta(minutes=10)
# Platforms where one person has two ids; elsewhere the private chat's id is the person's and nothing is looked up.
TWO_ID_PLATFORMS = frozenset({QQBOT})


@dataclass(frozen=True, slots=True)
class Link:
    """A private chat joined to a person's id in one group."""

    platform: str
    private_id: str
    member_id: str
    group_id: str


@dataclass(frozen=True, slots=True)
class PendingClaim:
    """A code of this private chat that a group member sent: waiting for the owner's word."""

    member_id: str
    group_id: str
    name: str
    claimed_at: datetime


class Claimed(Enum):
    """What sending a code in a group did."""

    CLAIMED = "claimed"  # waiting for the owner to confirm in private chat (also when sent again by the same member)
    TAKEN = "taken"  # another member sent it first: it binds nobody but them, and only if the owner agrees
    BAD = "bad"  # no such live code (counted as a miss)
    TOO_MANY = "too_many"  # this member sent too many wrong codes lately (a live code they send is spent)
    LINKED_ELSEWHERE = "linked_elsewhere"  # this member is bound to another private chat: /解绑 there first


class Confirmed(Enum):
    """What the owner's confirmation did."""

    LINKED = "linked"
    NOTHING_PENDING = "nothing_pending"
    LINKED_ELSEWHERE = "linked_elsewhere"


def normal_code(text: str) -> str | None:
    """The code in what someone typed (any case, spaces or dashes between), or None when it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def spotted_code(text: str) -> str | None:
    """A bind code in a group message — `/绑定 <code>`, `绑定 <code>` or the code alone — else None.

    Run on every group message of a two-id platform (a length check and a few string operations), so that a code
    shown in a group is spent even when the bot does not answer that message.
    """
    if len(text) > 40:
        return None
    rest = text.strip().lstrip("/#／＃").lstrip()
    rest = rest.removeprefix("绑定")
    return normal_code(rest)


class IdentityLinks:
    """Bind codes, claims and the links they make, kept in memory for the dispatcher and the sender."""

    def __init__(self, database: Database, code_minutes: int = 10) -> None:
        self.database = database
        self.code_minutes = code_minutes
        self._loaded_at = -_CACHE_SECONDS
        self._by_private: dict[tuple[str, str], Link] = {}  # the most recently bound group of a private chat
        self._by_member: dict[tuple[str, str], Link] = {}

    # ---- the cache ------------------------------------------------------------------------------------------
    def forget(self) -> None:
        """Reload the links at the next look."""
        self._loaded_at = -_CACHE_SECONDS

    async def fresh(self) -> None:
        """Reload the links when the cache is old."""
        if time.monotonic() - self._loaded_at < _CACHE_SECONDS:
            return
        async with self.database.reading() as session:
            rows = (await session.scalars(select(IdentityLink).order_by(IdentityLink.linked_at, IdentityLink.id))).all()
        by_private: dict[tuple[str, str], Link] = {}
        by_member: dict[tuple[str, str], Link] = {}
        for row in rows:
            link = _link(row)
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

    async def resolve_now(self, actor: Actor) -> Actor:
        """`resolve`, asking the database when the cache does not know a private chat of a two-id platform."""
        resolved = self.resolve(actor)
        if resolved.person is not None or not actor.is_private or actor.platform not in TWO_ID_PLATFORMS:
            return resolved
        link = await self.current_link(actor.platform, actor.user_id)
        return actor if link is None else replace(actor, person=link.member_id)

    def link_of_private(self, platform: str, private_id: str) -> Link | None:
        """The group a private chat is bound to (the latest), if any — from the cache."""
        return self._by_private.get((platform, private_id))

    def private_chat_of(self, platform: str, member_id: str) -> str | None:
        """The private chat id of a person known by their group id, if they bound one — from the cache."""
        link = self._by_member.get((platform, member_id))
        return None if link is None else link.private_id

    async def current_link(self, platform: str, private_id: str) -> Link | None:
        """The group a private chat is bound to: the cache, else one indexed look in the database."""
        cached = self._by_private.get((platform, private_id))
        if cached is not None:
            return cached
        async with self.database.reading() as session:
            row = await session.scalar(
                select(IdentityLink)
                .where(IdentityLink.platform == platform, IdentityLink.private_id == private_id)
                .order_by(IdentityLink.linked_at.desc(), IdentityLink.id.desc())
                .limit(1)
            )
        if row is None:
            return None
        self.forget()  # the cache is behind another process: reload it at the next look
        return _link(row)

    async def private_chat_for(self, platform: str, member_id: str) -> str | None:
        """`private_chat_of`, asking the database when the cache does not know the person."""
        cached = self.private_chat_of(platform, member_id)
        if cached is not None or platform not in TWO_ID_PLATFORMS:
            return cached
        async with self.database.reading() as session:
            return await session.scalar(
                select(IdentityLink.private_id).where(
                    IdentityLink.platform == platform, IdentityLink.member_id == member_id
                )
            )

    async def ids_of_private_chat(self, platform: str, target_id: str) -> list[str]:
        """Every id a private chat is queued under: its own, and the group id of each person bound to it."""
        if platform not in TWO_ID_PLATFORMS:
            return [target_id]
        private_id = await self.private_chat_for(platform, target_id) or target_id
        async with self.database.reading() as session:
            members = (
                await session.scalars(
                    select(IdentityLink.member_id).where(
                        IdentityLink.platform == platform, IdentityLink.private_id == private_id
                    )
                )
            ).all()
        return [private_id, *members]

    # ---- codes and claims -----------------------------------------------------------------------------------
    async def issue(self, platform: str, private_id: str) -> str:
        """A fresh one-time code for this private chat (an earlier one of theirs, claimed or not, stops working)."""
        now = clock.now()
        async with self.database.session() as session:
            await session.execute(delete(BindCode).where(BindCode.expires_at < now))
            await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                taken = await session.scalar(
                    select(BindCode.id).where(BindCode.platform == platform, BindCode.code == code)
                )
                if taken is None:
                    break
            session.add(
                BindCode(
                    platform=platform,
                    code=code,
                    private_id=private_id,
                    expires_at=now + timedelta(minutes=self.code_minutes),
                )
            )
        return code

    async def claim(
        self, platform: str, code: str, member_id: str, group_id: str, name: str = "", *, count_miss: bool = True
    ) -> Claimed:
        """A group member sent a code: the first one claims it for the owner to confirm; nobody else can.

        The dispatcher calls this with `count_miss=False` for every code it sees in a group, before any check that
        could leave the message unanswered, so a code shown in a group is spent at once.
        """
        now = clock.now()
        async with self.database.session() as session:
            found = await session.scalar(
                select(BindCode).where(BindCode.platform == platform, BindCode.code == code).with_for_update()
            )
            live = found is not None and found.expires_at >= now
            if await self._misses(session, platform, member_id, now) >= MAX_MISSES:
                if live and found is not None and found.claimed_by is None:
                    await session.delete(found)  # shown in the group: nobody may use it any more
                return Claimed.TOO_MANY
            if found is None or not live:
                if count_miss:
                    session.add(BindMiss(platform=platform, member_id=member_id, missed_at=now))
                return Claimed.BAD
            if found.claimed_by is not None and (found.claimed_by, found.claimed_group) != (member_id, group_id):
                return Claimed.TAKEN
            if found.claimed_by is None:
                found.claimed_by, found.claimed_group, found.claimed_at = member_id, group_id, now
                found.claimed_name = name[:64] or None
            bound_to = await session.scalar(
                select(IdentityLink.private_id).where(
                    IdentityLink.platform == platform, IdentityLink.member_id == member_id
                )
            )
        # Claimed all the same (shown in the group, so spent for everyone else); confirming it will be refused.
        elsewhere = bound_to is not None and bound_to != found.private_id
        return Claimed.LINKED_ELSEWHERE if elsewhere else Claimed.CLAIMED

    async def spend_shown(self, actor: Actor, code: str) -> None:
        """A code seen in a group message: claimed by its first sender, so no later one can use it (no miss counted:
        the command's own answer counts it, if the message gets one)."""
        if actor.group_id is not None and actor.platform in TWO_ID_PLATFORMS:
            await self.claim(actor.platform, code, actor.user_id, actor.group_id, actor.nickname, count_miss=False)

    async def pending(self, platform: str, private_id: str) -> PendingClaim | None:
        """A live code of this private chat that a group member claimed, waiting for the owner."""
        async with self.database.reading() as session:
            found = await session.scalar(
                select(BindCode).where(
                    BindCode.platform == platform,
                    BindCode.private_id == private_id,
                    BindCode.claimed_by.is_not(None),
                    BindCode.expires_at >= clock.now(),
                )
            )
        if found is None or found.claimed_by is None or found.claimed_group is None or found.claimed_at is None:
            return None
        return PendingClaim(found.claimed_by, found.claimed_group, found.claimed_name or "", found.claimed_at)

    async def confirm(self, platform: str, private_id: str) -> tuple[Confirmed, Link | None]:
        """The owner agrees: the claim of their code becomes the link (the code is used up either way)."""
        now = clock.now()
        async with self.database.session() as session:
            found = await session.scalar(
                select(BindCode)
                .where(
                    BindCode.platform == platform,
                    BindCode.private_id == private_id,
                    BindCode.claimed_by.is_not(None),
                    BindCode.expires_at >= now,
                )
                .with_for_update()
            )
            if found is None or found.claimed_by is None or found.claimed_group is None:
                return Confirmed.NOTHING_PENDING, None
            member_id, group_id = found.claimed_by, found.claimed_group
            await session.delete(found)
            existing = await session.scalar(
                select(IdentityLink)
                .where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
                .with_for_update()
            )
            if existing is not None and existing.private_id != private_id:
                return Confirmed.LINKED_ELSEWHERE, None
            if existing is None:
                session.add(
                    IdentityLink(
                        platform=platform, private_id=private_id, member_id=member_id, group_id=group_id, linked_at=now
                    )
                )
            else:  # bound before: this private chat now acts for that group again
                existing.group_id, existing.linked_at = group_id, now
        link = Link(platform, private_id, member_id, group_id)
        # Known at once in this process (the next message's routing reads the cache before any reload).
        self._by_private[(platform, private_id)] = self._by_member[(platform, member_id)] = link
        self.forget()
        return Confirmed.LINKED, link

    async def cancel(self, platform: str, private_id: str) -> bool:
        """The owner refuses (or changes their mind): their code, claimed or not, is gone."""
        async with self.database.session() as session:
            gone = await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
        return bool(gone.rowcount)  # type: ignore[attr-defined]

    async def make_current(self, platform: str, member_id: str) -> bool:
        """The private chat this group id is bound to acts for this group from now on (it may be bound to
        several: one person in two branch groups). False when the group id is bound to no private chat."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
            )
            if row is None:
                return False
            row.linked_at = clock.now()
            link = _link(row)
        self._by_private[(platform, link.private_id)] = self._by_member[(platform, member_id)] = link
        self.forget()
        return True

    # ---- unbinding ------------------------------------------------------------------------------------------
    async def links_of_private(self, platform: str, private_id: str) -> list[Link]:
        """Every group a private chat is bound to, latest first."""
        async with self.database.reading() as session:
            rows = (
                await session.scalars(
                    select(IdentityLink)
                    .where(IdentityLink.platform == platform, IdentityLink.private_id == private_id)
                    .order_by(IdentityLink.linked_at.desc(), IdentityLink.id.desc())
                )
            ).all()
        return [_link(row) for row in rows]

    async def unlink_private(self, platform: str, private_id: str) -> list[Link]:
        """/解绑 in private chat: this private chat stops acting for anyone. Returns the links removed."""
        removed = await self.links_of_private(platform, private_id)
        async with self.database.session() as session:
            await session.execute(
                delete(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.private_id == private_id)
            )
            await session.execute(
                delete(BindCode).where(BindCode.platform == platform, BindCode.private_id == private_id)
            )
        self._drop(removed)
        return removed

    async def unlink_member(self, platform: str, member_id: str) -> Link | None:
        """/解绑 in a group, or the person left it: their id there is no longer joined to any private chat."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
            )
            if row is None:
                return None
            link = _link(row)
            await session.delete(row)
        self._drop([link])
        return link

    def _drop(self, links: list[Link]) -> None:
        for link in links:
            self._by_member.pop((link.platform, link.member_id), None)
            if self._by_private.get((link.platform, link.private_id)) == link:
                del self._by_private[(link.platform, link.private_id)]
        self.forget()  # another link of the same private chat may take over: reload

    @staticmethod
    async def _misses(session, platform: str, member_id: str, now: datetime) -> int:
        """Wrong codes this member sent in the window."""
        count = await session.scalar(
            select(func.count(BindMiss.id)).where(
                BindMiss.platform == platform, BindMiss.member_id == member_id, BindMiss.missed_at > now - MISS_WINDOW
            )
        )
        return int(count or 0)


def _link(row: IdentityLink) -> Link:
    return Link(row.platform, row.private_id, row.member_id, row.group_id)

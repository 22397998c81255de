"""One person, two ids: a private chat joined to a person's id in a group, on a platform that gives them different
ids (`bot.core.platforms.two_ids`; the official QQ bot names a person by a `member_openid` in each group and by a
`user_openid` in private chat, and tells the bot nothing that joins them). Codes and claims: `bindcodes.py`.

An existing link is never replaced by another private chat: the person unbinds first (`/解绑`). For a person who
holds a role, a link gives the private chat nothing until they prove it in the group (`bot/core/proof.py`).
Unbinding, a new binding and the member leaving tell `revoked` (their web sessions end).

A private chat acts as the person of the group it was bound to last (`Actor.person`), and a private message to any
group id it was bound to goes to the private chat. There is one path to a link: one indexed look in the database
(`resolve`), made only for a private chat of a two-id platform — so a link another process made or removed a moment
ago counts at once, and nothing is cached that could need forgetting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from . import clock
from .actor import Actor, user_key
from .bindcodes import BindCodes, Confirmed
from .db import Database
from .models import BindCode, IdentityLink
from .platforms import two_ids

# Told when a person's standing changes (user key, why): their role proof and web sessions end.
Revoke = Callable[[str, str], Awaitable[object]]


async def revoke_nothing(key: str, why: str) -> None:
    """The default listener: nothing to end."""


@dataclass(frozen=True, slots=True)
class Link:
    """A private chat joined to a person's id in one group."""

    platform: str
    private_id: str
    member_id: str
    group_id: str
    proven: bool = field(default=False, compare=False)  # the person proved it in the group (proof.py)


class IdentityLinks(BindCodes):
    """The links bind codes make: who a private chat acts for, and where a person's private messages go."""

    def __init__(self, database: Database, code_minutes: int = 10) -> None:
        super().__init__(database, code_minutes)
        self.revoked: Revoke = revoke_nothing  # set by build_services: a link removed or changed ends sessions

    async def resolve(self, actor: Actor) -> Actor:
        """A private chat of a two-id platform as the person its link names; everyone else unchanged."""
        return (await self.resolve_link(actor))[0]

    async def resolve_link(self, actor: Actor) -> tuple[Actor, Link | None]:
        """`resolve`, and the link it followed (None for everyone but a bound private chat of a two-id platform)."""
        if not actor.is_private or not two_ids(actor.platform):
            return actor, None
        link = await self.current_link(actor.platform, actor.user_id)
        return replace(actor, person=None if link is None else link.member_id), link

    async def current_link(self, platform: str, private_id: str) -> Link | None:
        """The group a private chat is bound to (the latest)."""
        if not two_ids(platform):
            return None
        async with self.database.reading() as session:
            row = await session.scalar(
                select(IdentityLink)
                .where(IdentityLink.platform == platform, IdentityLink.private_id == private_id)
                .order_by(IdentityLink.linked_at.desc(), IdentityLink.id.desc())
                .limit(1)
            )
        return None if row is None else _link(row)

    async def private_chat_for(self, platform: str, member_id: str) -> str | None:
        """The private chat bound to a person known by their group id, from the database."""
        if not two_ids(platform):
            return None
        async with self.database.reading() as session:
            return await session.scalar(
                select(IdentityLink.private_id).where(
                    IdentityLink.platform == platform, IdentityLink.member_id == member_id
                )
            )

    async def ids_of_private_chat(self, platform: str, target_id: str) -> list[str]:
        """Every id a private chat is queued under: its own, and the group id of each person bound to it."""
        if not two_ids(platform):
            return [target_id]
        async with self.database.reading() as session:  # one read: the chat a target id stands for, and its ids
            bound = await session.scalar(
                select(IdentityLink.private_id).where(
                    IdentityLink.platform == platform, IdentityLink.member_id == target_id
                )
            )
            private_id = bound or target_id
            members = (
                await session.scalars(
                    select(IdentityLink.member_id).where(
                        IdentityLink.platform == platform, IdentityLink.private_id == private_id
                    )
                )
            ).all()
        return [private_id, *members]

    async def confirm(self, platform: str, private_id: str) -> tuple[Confirmed, Link | None]:
        """The owner agrees, after being shown the claim: it becomes the link (the code is used up either way)."""
        now = clock.now()
        try:
            async with self.database.session() as session:
                found = await session.scalar(
                    select(BindCode)
                    .where(
                        BindCode.platform == platform,
                        BindCode.private_id == private_id,
                        BindCode.claimed_by.is_not(None),
                        BindCode.question_shown_at.is_not(None),
                        BindCode.contested.is_(False),
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
                            platform=platform,
                            private_id=private_id,
                            member_id=member_id,
                            group_id=group_id,
                            linked_at=now,
                        )
                    )
                else:  # bound before: this private chat now acts for that group again, as a new binding
                    existing.group_id, existing.linked_at = group_id, now
                    existing.proven_at = existing.proof_code = existing.proof_expires_at = None
        except IntegrityError:  # another private chat's confirmation for the same member won the race
            return Confirmed.LINKED_ELSEWHERE, None
        await self.revoked(user_key(platform, member_id), "rebound")  # a binding change: sessions begun before end
        return Confirmed.LINKED, Link(platform, private_id, member_id, group_id)

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
        for link in removed:
            await self.revoked(user_key(platform, link.member_id), "unbound")
        return removed

    async def unlink_member(self, platform: str, member_id: str, why: str = "unbound") -> Link | None:
        """/解绑 in a group (`why` "unbound"), or the person left it ("left"): their id there is no longer joined to
        any private chat, and their web sessions end."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
            )
            link = None if row is None else _link(row)
            if row is not None:
                await session.delete(row)
        await self.revoked(user_key(platform, member_id), why)
        return link


def _link(row: IdentityLink) -> Link:
    return Link(row.platform, row.private_id, row.member_id, row.group_id, row.proven_at is not None)

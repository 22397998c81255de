"""Role proof: a private chat bound to someone who holds a role acts for them only after they prove it in the group.

A bind code travels from private chat to the group, so whoever holds a private chat can have it bound to a group
member by luring them into posting the code (bot/core/identity.py). For a driver that gives away their own record,
which the group notice of the binding lets them undo; for a secretary, a department handler or a superuser it would
give away everyone's. So for them (`Roles.holds_any`, checked at use time: a driver named secretary later proves too)
the link gives the private chat nothing until the person sends, in the group and under their own group id, the
explicit command `/绑定 授权 <code>` with a code the bot showed only in that private chat. Chatter never proves.

The proof ends with the link (/解绑, the member leaving), with a new binding, and when a role is taken away
(`unprove`). Notices for a role holder go to their private chat only once it is proven; otherwise, and for anyone
known only by a group id, the group gets an @ asking them to bind (`reach`): never a private message to a group id.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from sqlalchemy import select, update

from . import clock
from .actor import Actor, split_key, user_key
from .bindcodes import MAX_MISSES, lock_key
from .branches import Roles
from .db import Database
from .identity import IdentityLinks, Link
from .models import BindMiss, Branch, DepartmentHandler, IdentityLink, Member, Secretary
from .platforms import two_ids

PROOF_DIGITS = 6  # digits only: never mistaken for a bind code (which has letters), typed easily on a phone
PROOF_MINUTES = 10


class Proved(Enum):
    """What `/绑定 授权 <code>` did."""

    PROVEN = "proven"
    ALREADY = "already"  # proven before: nothing changes
    BAD = "bad"  # not the code shown in this member's private chat, or expired (counted as a miss)
    NOT_BOUND = "not_bound"  # this member's id is bound to no private chat
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class ProofNeeded:
    """A private chat that acts for nobody until the person proves it: the group to prove it in, and the code."""

    group_id: str
    code: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a private message to an id can go: `private` (that chat id), `group` (an @ of `member_id` there, asking
    them to bind, or when `bound`, a role holder who bound a private chat, to prove it with /绑定 授权) or `nowhere`
    (a role holder's group id with no group known: nothing is sent)."""

    kind: str
    id: str = ""
    member_id: str = ""
    bound: bool = False


class RoleProof:
    """Proof codes, the proof itself, and where a private message may go on a two-id platform."""

    def __init__(self, database: Database, roles: Roles, identities: IdentityLinks) -> None:
        self.database = database
        self.roles = roles
        self.identities = identities

    async def needed(self, actor: Actor, link: Link | None) -> ProofNeeded | None:
        """For a private chat bound to a role holder (`link`: the one `resolve_link` followed) that is not proven:
        the group and a live code (the same code until it expires). None for everyone else."""
        if link is None or link.proven or actor.person is None or not await self.roles.holds_any(actor.key):
            return None
        now = clock.now()
        async with self.database.session() as session:
            row = await session.scalar(
                select(IdentityLink).where(
                    IdentityLink.platform == link.platform, IdentityLink.member_id == link.member_id
                )
            )
            if row is None or row.proven_at is not None:  # unbound or proven a moment ago
                return None
            if row.proof_code is None or row.proof_expires_at is None or row.proof_expires_at < now:
                row.proof_code = "".join(secrets.choice("0123456789") for _ in range(PROOF_DIGITS))
                row.proof_expires_at = now + timedelta(minutes=PROOF_MINUTES)
            return ProofNeeded(row.group_id, row.proof_code, PROOF_MINUTES)

    async def prove(self, platform: str, member_id: str, group_id: str, code: str) -> Proved:
        """`/绑定 授权 <code>` sent in a group by `member_id`: their own link becomes proven when the code is the one
        shown in its private chat. Wrong codes count towards the bind-code lockout."""
        now = clock.now()
        async with self.database.session() as session:
            await lock_key(session, f"bind-member:{platform}:{member_id}")
            if await self.identities.misses(session, platform, member_id, now) >= MAX_MISSES:
                return Proved.TOO_MANY
            row = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
            )
            if row is None or row.group_id != group_id:
                return Proved.NOT_BOUND
            if row.proven_at is not None:
                return Proved.ALREADY
            live = row.proof_code is not None and row.proof_expires_at is not None and row.proof_expires_at >= now
            if not live or not hmac.compare_digest(row.proof_code or "", code):
                session.add(BindMiss(platform=platform, member_id=member_id, missed_at=now))
                return Proved.BAD
            row.proven_at, row.proof_code, row.proof_expires_at = now, None, None
        return Proved.PROVEN

    async def unprove(self, key: str) -> None:
        """A role taken away (or any change of standing): the person's private chats must prove again."""
        platform, member_id = split_key(key)
        if not two_ids(platform):
            return
        async with self.database.session() as session:
            await session.execute(
                update(IdentityLink)
                .where(IdentityLink.platform == platform, IdentityLink.member_id == member_id)
                .values(proven_at=None, proof_code=None, proof_expires_at=None)
            )

    async def acts_for(self, private_chat: str, key: str) -> bool:
        """Whether the private chat `private_chat` (`<platform>:<id>`) still acts for the person `key`: its own id, or
        bound to them (and proven, for a role holder). A sign-in link asked for there is confirmed only then, so a
        link an impostor got before /解绑 or a role change opens nothing after it."""
        if private_chat == key:
            return True
        platform, private_id = split_key(private_chat)
        member_platform, member_id = split_key(key)
        if platform != member_platform or not two_ids(platform):
            return False
        async with self.database.reading() as session:
            link = await session.scalar(
                select(IdentityLink).where(
                    IdentityLink.platform == platform,
                    IdentityLink.private_id == private_id,
                    IdentityLink.member_id == member_id,
                )
            )
        if link is None:
            return False
        return link.proven_at is not None or not await self.roles.holds_any(key)

    async def reach(self, platform: str, target_id: str) -> Reach:
        """Where a private message addressed to `target_id` may go. Elsewhere than on a two-id platform: that chat.
        There: the private chat bound to it (for a role holder only once proven); a private chat's own id as it is;
        an id known as someone's in a group (a member, a secretary, a department handler, a superuser who acted in
        a branch group) gets an @ there instead; a role holder's id with no group known gets nothing; any other id
        (someone who wrote to the bot in private chat) as it is."""
        if not two_ids(platform):
            return Reach("private", target_id)
        key = user_key(platform, target_id)
        async with self.database.reading() as session:
            link = await session.scalar(
                select(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == target_id)
            )
            if link is not None:
                if link.proven_at is not None or not await self.roles.holds_any(key):
                    return Reach("private", link.private_id)
                return Reach("group", link.group_id, target_id, bound=True)
            is_private_chat = await session.scalar(
                select(IdentityLink.id)
                .where(IdentityLink.platform == platform, IdentityLink.private_id == target_id)
                .limit(1)
            )
            if is_private_chat is not None:
                return Reach("private", target_id)
            group_id = await _group_of(session, platform, key)
        if group_id is not None:
            return Reach("group", group_id, target_id)
        return Reach("nowhere") if await self.roles.holds_any(key) else Reach("private", target_id)


async def _group_of(session, platform: str, key: str) -> str | None:
    """The branch group a person's id belongs to (a group id names one person in one group): where they are a
    secretary or a member, where they were named a department handler, or where they opened a branch or named a
    secretary (a superuser)."""
    active = (Branch.platform == platform) & Branch.active
    looks = (
        select(Branch.group_id)
        .join(Secretary, Secretary.branch_id == Branch.id)
        .where(active, Secretary.user_key == key),
        select(Branch.group_id)
        .join(Member, Member.branch_id == Branch.id)
        .where(active, Member.user_key == key, Member.left_at.is_(None)),
        select(DepartmentHandler.group_id).where(
            DepartmentHandler.user_key == key, DepartmentHandler.group_id.is_not(None)
        ),
        select(Branch.group_id).where(active, Branch.created_by == key),
        select(Branch.group_id)
        .join(Secretary, Secretary.branch_id == Branch.id)
        .where(active, Secretary.appointed_by == key),
    )
    for look in looks:
        group_id = await session.scalar(look.limit(1))
        if group_id is not None:
            return group_id
    return None

"""Leaving and forgetting, framework-neutral: a member or the bot leaves a group; after the retention period every
copy of a leaver's personal data is erased or pseudonymised (counted, never named, in the log)."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select, update

from bot.core import clock
from bot.core.actor import split_key
from bot.core.bindcodes import MISS_WINDOW
from bot.core.db import Database
from bot.core.identity import Revoke, revoke_nothing
from bot.core.models import BindCode, BindMiss, Branch, IdentityLink, LedgerEntry, Member, OutboxItem, Secretary
from bot.core.outbox import EXPIRED, FAILED, PENDING, SENT
from bot.features.branch.models import BranchSeen, BranchWelcome
from bot.features.web.sessions import WebSessions

from . import texts

ForgetPerson = Callable[[str], Awaitable[int]]
FORGOTTEN = "forgotten"  # what a private chat's id becomes in a forgotten outbox row


@dataclass(frozen=True, slots=True)
class RetentionRules:
    """How long personal data stays after it served its purpose."""

    member_days: int = 180  # after a member left their branch
    outbox_days: int = 7  # message texts, after the item was sent (or given up)
    export_hours: int = 24  # export files, a backstop behind the records sweep
    session_days: int = 30  # web sign-ins (who, when, from which private chat), after they began


@dataclass(frozen=True, slots=True)
class Purge:
    """What one retention run erased (counts only: this goes to the log)."""

    members: int = 0
    ledger_lines: int = 0
    appeals: int = 0
    outbox_texts: int = 0
    export_files: int = 0


def pseudonym() -> str:
    """A new, unguessable stand-in for a person's key (not derived from the QQ number, so it cannot be reversed)."""
    return f"gone:{uuid.uuid4().hex[:20]}"


class Retention:
    """Members and the bot leaving groups, and the daily purge."""

    def __init__(
        self,
        database: Database,
        rules: RetentionRules,
        forget_person: ForgetPerson | None = None,
        export_dir: Path | None = None,
        revoke: Revoke = revoke_nothing,
        sessions: WebSessions | None = None,
    ) -> None:
        self.database = database
        self.rules = rules
        self.forget_person = forget_person
        self.export_dir = export_dir
        self.revoke = revoke  # a person who left or was erased: their proof and web sessions end
        self.sessions = sessions

    async def group_lost(self, platform: str, group_id: str) -> str | None:
        """The bot was removed from a group or it was dissolved: the branch stops, its members count as left, its
        unsent items fail; returns the branch's name (None when there was no active branch)."""
        now = clock.now()
        async with self.database.session() as session:
            branch = await session.scalar(
                select(Branch).where(Branch.platform == platform, Branch.group_id == group_id)
            )
            if branch is None or not branch.active:
                return None
            branch.active = False
            leaving = list(
                (
                    await session.scalars(
                        select(Member.user_key).where(Member.branch_id == branch.id, Member.left_at.is_(None))
                    )
                ).all()
            )
            # its secretaries too, with or without a member record of their own: their standing came from this group
            leaving += (await session.scalars(select(Secretary.user_key).where(Secretary.branch_id == branch.id))).all()
            await session.execute(
                update(Member).where(Member.branch_id == branch.id, Member.left_at.is_(None)).values(left_at=now)
            )
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.status == PENDING,
                    OutboxItem.platform == platform,
                    OutboxItem.target_kind == "group",
                    OutboxItem.target_id == group_id,
                )
                .values(status=FAILED, last_error=texts.BOT_GONE)
            )
            # private chats bound to people of that group (official QQ bot) no longer act for anyone there
            bound = (
                await session.scalars(
                    select(IdentityLink.member_id).where(
                        IdentityLink.platform == platform, IdentityLink.group_id == group_id
                    )
                )
            ).all()
            await session.execute(
                delete(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.group_id == group_id)
            )
            name = branch.name
        for key in dict.fromkeys([*leaving, *(f"{platform}:{member_id}" for member_id in bound)]):
            await self.revoke(key, "left")  # everyone there counts as left: their web sessions end too
        return name

    async def purge(self) -> Purge:
        """Erase what the retention periods no longer allow to keep."""
        members, ledger_lines, appeals = await self.erase_departed()
        async with self.database.session() as session:  # unused bind codes name a private chat: gone once stale
            await session.execute(delete(BindCode).where(BindCode.expires_at < clock.now()))
            await session.execute(delete(BindMiss).where(BindMiss.missed_at < clock.now() - MISS_WINDOW))
            # who left a branch group, registered or not, is not kept past the members' period
            departed = clock.now() - timedelta(days=self.rules.member_days)
            await session.execute(delete(BranchSeen).where(BranchSeen.left_at < departed))
        if self.sessions is not None:
            await self.sessions.forget(before=clock.now() - timedelta(days=self.rules.session_days))
        return Purge(members, ledger_lines, appeals, await self.forget_outbox(), self.remove_exports())

    async def erase_departed(self) -> tuple[int, int, int]:
        """Members who left more than `member_days` ago: contact data erased, name and key pseudonymised; their
        ledger lines keep their points under the same pseudonym; when they are in no branch any more, their
        appeals are forgotten too. Returns (members, ledger lines, appeals)."""
        cutoff = clock.now() - timedelta(days=self.rules.member_days)
        async with self.database.session() as session:
            ids = list(
                (
                    await session.scalars(
                        select(Member.id).where(
                            Member.left_at.is_not(None), Member.left_at < cutoff, Member.erased_at.is_(None)
                        )
                    )
                ).all()
            )
        members = ledger_lines = appeals = 0
        for member_id in ids:
            erased, lines, gone_key, key = await self._erase_member(member_id)
            members += erased
            ledger_lines += lines
            if key is not None:  # whatever the person still had open ends
                await self.revoke(key, "erased")
            if gone_key is not None and self.sessions is not None:  # in no branch any more: their sign-ins too
                await self.sessions.forget(user_key=gone_key)
            if gone_key is not None and self.forget_person is not None:
                appeals += await self.forget_person(gone_key)
        return members, ledger_lines, appeals

    async def _erase_member(self, member_id: int) -> tuple[int, int, str | None, str | None]:
        """Erase one member record; returns (1 or 0, ledger lines changed, the key when the person is gone for good,
        the record's key)."""
        now = clock.now()
        async with self.database.session() as session:
            member = await session.get(Member, member_id)
            if member is None or member.erased_at is not None:
                return 0, 0, None, None
            key, alias = member.user_key, pseudonym()
            elsewhere = await session.scalar(
                select(Member.id).where(Member.user_key == key, Member.id != member.id, Member.erased_at.is_(None))
            )
            member.name = texts.PSEUDONYM.format(id=member.id)
            member.phone = member.plate = member.hometown = member.route = None
            member.status_confirmed_by = None
            member.user_key = alias
            member.erased_at = member.updated_at = now
            lines = update(LedgerEntry).where(LedgerEntry.user_key == key)
            if elsewhere is not None:  # still in another branch: only this branch's lines go
                lines = lines.where(LedgerEntry.branch_id == member.branch_id)
            changed = await session.execute(lines.values(user_key=alias))
            platform, raw = split_key(key)  # a private chat bound to this record (official QQ bot) is forgotten too
            await session.execute(
                delete(IdentityLink).where(IdentityLink.platform == platform, IdentityLink.member_id == raw)
            )
            await session.execute(  # who was welcomed to this branch is personal data too
                update(BranchWelcome)
                .where(BranchWelcome.branch_id == member.branch_id, BranchWelcome.user_key == key)
                .values(user_key=alias)
            )
            await session.execute(  # and where they were seen writing
                delete(BranchSeen).where(BranchSeen.branch_id == member.branch_id, BranchSeen.user_key == key)
            )
            gone = None if elsewhere is not None else key
            return 1, int(changed.rowcount or 0), gone, key  # type: ignore[attr-defined]

    async def forget_outbox(self) -> int:
        """Message texts (and private chats' ids) of items finished more than `outbox_days` ago."""
        now = clock.now()
        cutoff = now - timedelta(days=self.rules.outbox_days)
        async with self.database.session() as session:
            finished = OutboxItem.status.in_((SENT, FAILED, EXPIRED))
            old = or_(OutboxItem.sent_at < cutoff, (OutboxItem.sent_at.is_(None) & (OutboxItem.created_at < cutoff)))
            result = await session.execute(
                update(OutboxItem)
                .where(finished, old, OutboxItem.forgotten_at.is_(None))
                .values(parts=[], forgotten_at=now)
            )
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.forgotten_at == now, OutboxItem.target_kind == "private")
                .values(target_id=FORGOTTEN)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def remove_exports(self) -> int:
        """Export files older than `export_hours` (the records sweep normally removes them within minutes)."""
        folder = self.export_dir
        if folder is None or not folder.is_dir():
            return 0
        cutoff = time.time() - self.rules.export_hours * 3600
        removed = 0
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

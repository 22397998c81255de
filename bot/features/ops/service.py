"""Operations, framework-neutral: broadcasts (/通知), and the service that holds retention and the health view."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, text, update

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import Conflict, NotFound, PermissionDenied, Roles
from bot.core.db import Database
from bot.core.models import Branch
from bot.core.outbox import Target, batch_report, enqueue, new_batch_id
from bot.core.parts import Mention, Part

from . import texts
from .models import AWAITING, DONE, DROPPED, SENDING, Broadcast
from .retention import Retention, RetentionRules
from .status import Health

ALL, HERE = texts.ALL, texts.HERE
SUPERUSER_HEADER, SECRETARY_HEADER = texts.SUPERUSER_HEADER, texts.SECRETARY_HEADER
SUPERUSER_USAGE, SECRETARY_USAGE = texts.SUPERUSER_USAGE, texts.SECRETARY_USAGE
_FIRST_WORD = re.compile(r"^(\S+)\s*(.*)$", re.S)
_NAME_SEPARATORS = re.compile(r"[,，、;；]")


@dataclass(frozen=True, slots=True)
class BroadcastRules:
    """The limits of /通知."""

    max_chars: int = 1500
    repeat_minutes: int = 5
    confirm_minutes: int = 10
    expire_hours: int = 24


@dataclass(frozen=True, slots=True)
class Plan:
    """What a /通知 asks for: the text and the branch groups it goes to."""

    header: str
    text: str
    branches: list[Branch]


@dataclass(frozen=True, slots=True)
class Queued:
    """A broadcast handed to the delivery outbox."""

    batch: str
    branches: list[str]


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    """The same text went to (some of) the same groups a moment ago: nothing was sent."""

    minutes_ago: int
    branches: list[str]
    confirm_minutes: int


@dataclass(frozen=True, slots=True)
class Failure:
    """One group a broadcast did not reach, and why."""

    branch: str
    reason: str


@dataclass(frozen=True, slots=True)
class Report:
    """How one broadcast went, with branch names."""

    created_at: datetime
    total: int
    sent: int
    pending: int
    failures: list[Failure]


def fingerprint(text_: str) -> str:
    """A digest of a notice text (the double-tap guard compares these)."""
    return hashlib.sha256(text_.strip().encode("utf-8")).hexdigest()


def _lock_key(user_key: str) -> int:
    """A PostgreSQL advisory lock number for one sender."""
    return int(hashlib.sha256(f"ops-broadcast:{user_key}".encode()).hexdigest()[:15], 16)


class Broadcasts:
    """/通知: who may send where, the double-tap guard, delivery through the outbox, and the outcome."""

    def __init__(
        self,
        database: Database,
        roles: Roles,
        rules: BroadcastRules | None = None,
        retention: Retention | None = None,
        health: Health | None = None,
    ) -> None:
        self.database = database
        self.roles = roles
        self.rules = rules or BroadcastRules()
        # The rest of operations, reached as `services.broadcasts.retention` and `services.broadcasts.health`.
        self.retention = retention or Retention(database, RetentionRules())
        self.health = health or Health(database)

    async def plan(self, actor: Actor, here: Branch | None, arg: str) -> Plan:
        """Read `/通知 …` for this person: a committee (superusers at the top) names the target first — 全部 is every
        branch in its subtree —, secretaries send to their branch."""
        scope = await self.roles.scope(actor)
        if scope.committee_member:
            match = _FIRST_WORD.match(arg.strip())
            if match is None:
                raise Conflict(SUPERUSER_USAGE)
            target, body = match.groups()
            branches = await self._superuser_targets(target, here)
            outside = [b.name for b in branches if not scope.sees_branch(b.id)]
            if target == ALL:
                branches = [b for b in branches if scope.sees_branch(b.id)]
            elif outside:  # named branches beyond the subtree: as if they did not exist
                raise NotFound(texts.MISSING_BRANCHES.format(names="、".join(f"「{n}」" for n in outside)))
            return Plan(SUPERUSER_HEADER, self._checked(body, SUPERUSER_USAGE), branches)
        if here is not None:
            if not await self.roles.can_manage(actor, here):
                raise PermissionDenied(texts.ONLY_MANAGERS_HERE)
            branches = [here]
        elif actor.is_private:
            branches = [b for b in await self.roles.managed_branches(actor.key) if b.active]
            if not branches:
                raise PermissionDenied(texts.ONLY_MANAGERS)
        else:
            raise Conflict(texts.NO_BRANCH_HERE)
        first = _FIRST_WORD.match(arg.strip())
        if first is not None and first.group(1) == ALL:
            raise PermissionDenied(texts.ALL_NEEDS_SUPERUSER)
        return Plan(SECRETARY_HEADER, self._checked(arg, SECRETARY_USAGE), branches)

    def _checked(self, body: str, usage: str) -> str:
        """The notice text, refused when empty or too long for the platform."""
        body = body.strip()
        if not body:
            raise Conflict(texts.EMPTY.format(usage=usage))
        if len(body) > self.rules.max_chars:
            raise Conflict(texts.TOO_LONG.format(length=len(body), limit=self.rules.max_chars))
        return body

    async def _superuser_targets(self, target: str, here: Branch | None) -> list[Branch]:
        """全部, 本支部, or a list of branch names (every name must exist and be active)."""
        if target == ALL:
            async with self.database.session() as session:
                branches = list((await session.scalars(select(Branch).where(Branch.active).order_by(Branch.id))).all())
            if not branches:
                raise Conflict(texts.NO_ACTIVE_BRANCHES)
            return branches
        if target == HERE:
            if here is None:
                raise Conflict(texts.HERE_ONLY_IN_GROUP)
            return [here]
        names = list(dict.fromkeys(n.strip() for n in _NAME_SEPARATORS.split(target) if n.strip()))
        async with self.database.session() as session:
            found = {b.name: b for b in (await session.scalars(select(Branch).where(Branch.name.in_(names)))).all()}
        missing = [n for n in names if n not in found]
        if missing:
            listed = "、".join(f"「{n}」" for n in missing)
            raise NotFound(texts.MISSING_BRANCHES.format(names=listed))
        inactive = [n for n in names if not found[n].active]
        if inactive:
            listed = "、".join(f"「{n}」" for n in inactive)
            raise Conflict(texts.INACTIVE_BRANCHES.format(names=listed))
        return [found[n] for n in names]

    async def send(self, actor: Actor, plan: Plan) -> Queued | NeedsConfirmation:
        """Queue the notice to every group of the plan, unless the same text just went to one of them."""
        now = clock.now()
        ids = {b.id for b in plan.branches}
        digest = fingerprint(plan.text)
        async with self.database.session() as session:
            await self._lock(session, actor.key)
            recent = (
                await session.scalars(
                    select(Broadcast)
                    .where(
                        Broadcast.sender_key == actor.key,
                        Broadcast.fingerprint == digest,
                        Broadcast.status.in_((SENDING, DONE)),
                        Broadcast.created_at >= now - timedelta(minutes=self.rules.repeat_minutes),
                    )
                    .order_by(Broadcast.created_at.desc())
                )
            ).all()
            earlier = next((b for b in recent if ids & set(b.branch_ids)), None)
            if earlier is not None:
                await session.execute(
                    update(Broadcast)
                    .where(Broadcast.sender_key == actor.key, Broadcast.status == AWAITING)
                    .values(status=DROPPED)
                )
                session.add(self._row(actor, plan, digest, AWAITING, now))
                overlap = [b.name for b in plan.branches if b.id in set(earlier.branch_ids)]
                minutes = max(int((now - earlier.created_at).total_seconds() // 60), 0)
                return NeedsConfirmation(minutes, overlap, self.rules.confirm_minutes)
            row = self._row(actor, plan, digest, SENDING, now)
            session.add(row)
            await session.flush()
            await self._enqueue(session, row, plan.branches)
        return Queued(row.batch or "", [b.name for b in plan.branches])

    async def confirm(self, actor: Actor) -> Queued:
        """/通知 确认: send the notice the double-tap guard held back."""
        now = clock.now()
        async with self.database.session() as session:
            await self._lock(session, actor.key)
            row = await session.scalar(
                select(Broadcast)
                .where(
                    Broadcast.sender_key == actor.key,
                    Broadcast.status == AWAITING,
                    Broadcast.created_at >= now - timedelta(minutes=self.rules.confirm_minutes),
                )
                .order_by(Broadcast.created_at.desc())
                .limit(1)
            )
            if row is None:
                raise NotFound(texts.NOTHING_TO_CONFIRM.format(minutes=self.rules.confirm_minutes))
            branches = list(
                (await session.scalars(select(Branch).where(Branch.id.in_(row.branch_ids), Branch.active))).all()
            )
            if not branches:
                row.status = DROPPED
                raise Conflict(texts.ALL_TARGETS_GONE)
            row.status, row.batch, row.sent_at, row.created_at = SENDING, new_batch_id(), now, now
            row.branch_ids = [b.id for b in branches]
            await session.flush()
            await self._enqueue(session, row, branches)
        return Queued(row.batch or "", [b.name for b in branches])

    async def last_report(self, actor: Actor) -> Report:
        """How the person's last broadcast went."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(Broadcast)
                .where(Broadcast.sender_key == actor.key, Broadcast.status.in_((SENDING, DONE)))
                .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
                .limit(1)
            )
            if row is None:
                raise NotFound(texts.NEVER_SENT)
            return await self._report(session, row)

    async def report_finished(self, render: Callable[[Report], str]) -> int:
        """Tell each sender, once, how a broadcast went when nothing of it is left to send; returns how many."""
        async with self.database.session() as session:
            open_ids = list(
                (
                    await session.scalars(
                        select(Broadcast.id).where(Broadcast.status == SENDING, Broadcast.reported_at.is_(None))
                    )
                ).all()
            )
        told = 0
        for broadcast_id in open_ids:
            async with self.database.session() as session:
                row = await session.get(Broadcast, broadcast_id)
                if row is None or row.status != SENDING:
                    continue
                report = await self._report(session, row)
                if report.pending:
                    continue
                claimed = await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.status == SENDING)
                    .values(status=DONE, reported_at=clock.now())
                )
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    continue  # another process told them
                said = render(report)
                parts: list[Part] = [said]
                if row.reply_kind == "group":
                    parts = [Mention(row.reply_user_id), " " + said]
                await enqueue(
                    session,
                    Target(row.platform, row.reply_kind, row.reply_id, row.self_id),
                    parts,
                    purpose="broadcast_report",
                    dedupe_key=f"broadcast-report:{row.batch}",
                )
                told += 1
        return told

    async def _report(self, session, row: Broadcast) -> Report:
        """A broadcast's outcome with branch names instead of group ids."""
        outcome = await batch_report(session, row.batch or "")
        names = {
            (b.platform, b.group_id): b.name
            for b in (await session.scalars(select(Branch).where(Branch.id.in_(row.branch_ids)))).all()
        }
        by_group = {group_id: name for (_, group_id), name in names.items()}
        failures = [
            Failure(by_group.get(target, texts.OTHER_GROUP.format(id=target)), reason)
            for target, reason in outcome.failed
        ]
        return Report(row.sent_at or row.created_at, outcome.total, outcome.sent, outcome.pending, failures)

    def _row(self, actor: Actor, plan: Plan, digest: str, status: str, now: datetime) -> Broadcast:
        """A broadcast row for a plan."""
        group = actor.group_id is not None
        return Broadcast(
            batch=new_batch_id() if status == SENDING else None,
            sender_key=actor.key,
            platform=actor.platform,
            self_id=actor.self_id,
            reply_kind="group" if group else "private",
            reply_id=actor.group_id if group else actor.user_id,
            reply_user_id=actor.user_id,
            header=plan.header,
            text=plan.text,
            fingerprint=digest,
            branch_ids=[b.id for b in plan.branches],
            status=status,
            created_at=now,
            sent_at=now if status == SENDING else None,
        )

    async def _enqueue(self, session, row: Broadcast, branches: list[Branch]) -> None:
        """One outbox item per group, in the caller's transaction, expiring if it cannot go out in time."""
        not_after = clock.now() + timedelta(hours=self.rules.expire_hours)
        for branch in branches:
            await enqueue(
                session,
                Target(branch.platform, "group", branch.group_id, branch.self_id),
                [f"{row.header}\n{row.text}"],
                purpose="broadcast",
                dedupe_key=f"broadcast:{row.batch}:{branch.id}",
                batch=row.batch,
                not_after=not_after,
            )

    async def _lock(self, session, user_key: str) -> None:
        """Serialise one sender's broadcasts (SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a lock)."""
        if self.database.dialect == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(user_key)})


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> Broadcasts:
    """Operations of a process from the `OPS_*` settings: broadcasts, retention and the health view."""
    from bot.core.settings import load_config

    from .config import Config

    config = load_config(Config)
    rules = BroadcastRules(
        max_chars=config.ops_broadcast_max_chars,
        repeat_minutes=config.ops_broadcast_repeat_minutes,
        confirm_minutes=config.ops_broadcast_confirm_minutes,
        expire_hours=config.ops_broadcast_expire_hours,
    )

    async def forget_person(user_key: str) -> int:
        return await services.appeals.forget_person(user_key)

    retention = Retention(
        services.database,
        RetentionRules(config.ops_retention_days, config.ops_outbox_keep_days, config.ops_export_keep_hours),
        forget_person=forget_person,
        export_dir=services.records.export_dir,
        revoke=services.revoke,
        sessions=services.web_sessions,
    )
    health = Health(
        services.database,
        services.sender.accounts,
        services.sender.limits.delivery_platform_rules,
        services.web_sessions.open_count,
        backups_enabled=config.ops_backup_enabled,
    )
    return Broadcasts(services.database, services.roles, rules, retention, health)

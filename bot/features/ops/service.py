"""Operations rules, framework-neutral: broadcasts (/通知), a branch's group going away, retention of departed members."""

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
from bot.core.models import Branch, Member, OutboxItem
from bot.core.outbox import FAILED, PENDING, Target, batch_report, enqueue, new_batch_id
from bot.core.parts import Mention, Part

from .models import AWAITING, DONE, DROPPED, SENDING, Broadcast

ALL = "全部"
HERE = "本支部"
SUPERUSER_HEADER = "【行业党委通知】"
SECRETARY_HEADER = "【支部通知】"
SUPERUSER_USAGE = "用法：/通知 全部 <内容> ｜ /通知 支部A,支部B <内容> ｜ 在支部群里：/通知 本支部 <内容>"
SECRETARY_USAGE = "用法：/通知 <内容>（在支部群里发往本支部；私聊机器人发往您负责的全部支部）"
_FIRST_WORD = re.compile(r"^(\S+)\s*(.*)$", re.S)
_NAME_SEPARATORS = re.compile(r"[,，、;；]")
PSEUDONYM = "已离开成员#{id}"


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

    def __init__(self, database: Database, roles: Roles, rules: BroadcastRules | None = None) -> None:
        self.database = database
        self.roles = roles
        self.rules = rules or BroadcastRules()

    async def plan(self, actor: Actor, here: Branch | None, arg: str) -> Plan:
        """Read `/通知 …` for this person: superusers name the target first, secretaries send to their branch."""
        if actor.is_superuser:
            match = _FIRST_WORD.match(arg.strip())
            if match is None:
                raise Conflict(SUPERUSER_USAGE)
            target, body = match.groups()
            branches = await self._superuser_targets(target, here)
            return Plan(SUPERUSER_HEADER, self._checked(body, SUPERUSER_USAGE), branches)
        if here is not None:
            if not await self.roles.can_manage(actor, here):
                raise PermissionDenied("只有本支部书记或行业党委可以发通知。")
            branches = [here]
        elif actor.is_private:
            branches = [b for b in await self.roles.managed_branches(actor.key) if b.active]
            if not branches:
                raise PermissionDenied("只有支部书记或行业党委可以发通知。")
        else:
            raise Conflict("本群还没有开通支部。请在支部群里发送，或私聊机器人发往您负责的支部。")
        first = _FIRST_WORD.match(arg.strip())
        if first is not None and first.group(1) == ALL:
            raise PermissionDenied(f"向全部支部发通知需要行业党委权限。{SECRETARY_USAGE}")
        return Plan(SECRETARY_HEADER, self._checked(arg, SECRETARY_USAGE), branches)

    def _checked(self, body: str, usage: str) -> str:
        """The notice text, refused when empty or too long for the platform."""
        body = body.strip()
        if not body:
            raise Conflict(f"通知内容不能为空。{usage}")
        if len(body) > self.rules.max_chars:
            raise Conflict(f"通知内容太长：{len(body)} 字，最多 {self.rules.max_chars} 字。请删减，或分成几条发送。")
        return body

    async def _superuser_targets(self, target: str, here: Branch | None) -> list[Branch]:
        """全部, 本支部, or a list of branch names (every name must exist and be active)."""
        if target == ALL:
            async with self.database.session() as session:
                branches = list((await session.scalars(select(Branch).where(Branch.active).order_by(Branch.id))).all())
            if not branches:
                raise Conflict("目前没有启用的支部，通知没有发送。")
            return branches
        if target == HERE:
            if here is None:
                raise Conflict(f"「本支部」只能在支部群里使用。{SUPERUSER_USAGE}")
            return [here]
        names = list(dict.fromkeys(n.strip() for n in _NAME_SEPARATORS.split(target) if n.strip()))
        async with self.database.session() as session:
            found = {b.name: b for b in (await session.scalars(select(Branch).where(Branch.name.in_(names)))).all()}
        missing = [n for n in names if n not in found]
        if missing:
            listed = "、".join(f"「{n}」" for n in missing)
            raise NotFound(f"没有找到支部：{listed}，通知没有发送。请核对支部名称。{SUPERUSER_USAGE}")
        inactive = [n for n in names if not found[n].active]
        if inactive:
            listed = "、".join(f"「{n}」" for n in inactive)
            raise Conflict(f"支部 {listed} 已停用（机器人已不在群里），通知没有发送。")
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
                raise NotFound(f"没有等待确认的通知（确认需在 {self.rules.confirm_minutes} 分钟内）。")
            branches = list(
                (await session.scalars(select(Branch).where(Branch.id.in_(row.branch_ids), Branch.active))).all()
            )
            if not branches:
                row.status = DROPPED
                raise Conflict("这条通知要发往的支部都已停用，没有发送。")
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
                raise NotFound("您还没有发过通知。")
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
                if not claimed.rowcount:
                    continue  # another process told them
                parts: list[Part] = [render(report)]
                if row.reply_kind == "group":
                    parts = [Mention(row.reply_user_id), " " + parts[0]]
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
        failures = [Failure(by_group.get(target, f"群 {target}"), reason) for target, reason in outcome.failed]
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


async def group_lost(database: Database, platform: str, group_id: str) -> str | None:
    """The bot was removed from a group or it was dissolved: its branch stops; returns the branch's name."""
    async with database.session() as session:
        branch = await session.scalar(select(Branch).where(Branch.platform == platform, Branch.group_id == group_id))
        if branch is None or not branch.active:
            return None
        branch.active = False
        await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.status == PENDING,
                OutboxItem.platform == platform,
                OutboxItem.target_kind == "group",
                OutboxItem.target_id == group_id,
            )
            .values(status=FAILED, last_error="机器人已不在该群（被移出或群已解散），不再发送")
        )
        return branch.name


async def erase_departed(database: Database, retention_days: int) -> int:
    """Erase contact data of members who left more than `retention_days` ago; their history stays, pseudonymised."""
    now = clock.now()
    async with database.session() as session:
        members = (
            await session.scalars(
                select(Member).where(
                    Member.left_at.is_not(None),
                    Member.left_at < now - timedelta(days=retention_days),
                    Member.erased_at.is_(None),
                )
            )
        ).all()
        for member in members:
            member.name = PSEUDONYM.format(id=member.id)
            member.phone = member.plate = member.hometown = member.route = None
            member.erased_at = member.updated_at = now
        return len(members)


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> Broadcasts:
    """The broadcast service of a process, from the `OPS_*` settings."""
    from bot.core.settings import load_config

    from .config import Config

    config = load_config(Config)
    rules = BroadcastRules(
        max_chars=config.ops_broadcast_max_chars,
        repeat_minutes=config.ops_broadcast_repeat_minutes,
        confirm_minutes=config.ops_broadcast_confirm_minutes,
        expire_hours=config.ops_broadcast_expire_hours,
    )
    return Broadcasts(services.database, services.roles, rules)

"""The health view behind /状态: accounts, branch groups, the outbox, study pushes, the database. No NoneBot here."""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot import __version__
from bot.core import clock
from bot.core.branches import UNBOUND
from bot.core.db import Database
from bot.core.models import BotAccount, Branch, OutboxItem
from bot.core.outbox import EXPIRED, FAILED, PENDING, SENDING, SENT
from bot.core.sender import PlatformRules
from bot.core.sqlite_backup import sqlite_path

from .backups import LastBackup, failed_since, last_good

STUDY_PUSH = "study_push"
_CODE = re.compile(r"(?:retcode|code|错误码)\W{0,4}(-?\d+)", re.I)
PUSH_LOOKBACK_DAYS = 30


@dataclass(frozen=True, slots=True)
class Account:
    """A bot account: how it connects, whether it is online, how many branch groups it serves."""

    self_id: str
    platform: str
    protocol: str
    online: bool
    connected_at: datetime | None
    disconnected_at: datetime | None
    branches: int


@dataclass(frozen=True, slots=True)
class BranchPush:
    """A branch's last successful study push (None: none in the look-back window)."""

    name: str
    last_push: datetime | None


@dataclass(frozen=True, slots=True)
class Status:
    """Everything /状态 shows."""

    version: str
    accounts: list[Account]
    active_branches: int
    inactive_branches: int
    backlog: int
    backlog_due: int
    oldest_due: datetime | None
    sent_24h: int
    failed_24h: int
    failure_reasons: list[tuple[str, int]]
    pushes: list[BranchPush]
    database_kind: str
    database_bytes: int | None
    now: datetime
    # Platform refusals of the last 24 hours: (bot account, error code or "", how many), most first.
    refusals: list[tuple[str, str, int]] = field(default_factory=list)
    calendar_warning: str | None = None
    # What each platform lets the bot send on its own, as configured (DELIVERY_PLATFORM_RULES).
    platform_rules: dict[str, PlatformRules] = field(default_factory=dict)
    # The last good backup of either database, failed runs in the last 24 hours, and whether backups are on.
    last_backup: LastBackup | None = None
    backup_failures: int = 0
    backups_enabled: bool = True
    web_sessions: int | None = None  # web view sessions open now
    waiting_branches: int = 0  # imported with the organization, no group has opened them yet


def refusal_code(reason: str) -> str:
    """The platform's error code in a stored failure reason, or ""."""
    match = _CODE.search(reason)
    return match.group(1) if match else ""


class Health:
    """The /状态 view over one database; `online` gives the connected (platform, self_id) pairs."""

    def __init__(
        self,
        database: Database,
        online: Callable[[], list[tuple[str, str]]] = list,
        platform_rules: dict[str, PlatformRules] | None = None,
        web_sessions: Callable[[], Awaitable[int]] | None = None,
        backups_enabled: bool = True,
    ) -> None:
        self.database = database
        self.online = online
        self.platform_rules = platform_rules or {}
        self.backups_enabled = backups_enabled
        self.web_sessions = web_sessions

    async def collect(self) -> Status:
        """Everything /状态 shows, now."""
        connected = {self_id: platform for platform, self_id in self.online()}
        state = await collect(self.database, connected)
        return replace(
            state,
            refusals=await refusals(self.database),
            calendar_warning=calendar_warning(),
            platform_rules=self.platform_rules,
            last_backup=await last_good(self.database),
            backup_failures=await failed_since(self.database, state.now - timedelta(hours=24)),
            backups_enabled=self.backups_enabled,
            web_sessions=None if self.web_sessions is None else await self.web_sessions(),
        )


def calendar_warning() -> str | None:
    """The appeals calendar's coverage warning, when the appeals area offers one."""
    try:
        from bot.features.appeals.holidays import coverage_warning
    except ImportError:  # pragma: no cover - the appeals area without the warning
        return None
    return coverage_warning(clock.today())


async def refusals(database: Database) -> list[tuple[str, str, int]]:
    """Failed items of the last 24 hours per bot account and error code."""
    since = clock.now() - timedelta(hours=24)
    async with database.reading() as session:
        rows = (
            await session.execute(
                select(OutboxItem.self_id, OutboxItem.last_error).where(
                    OutboxItem.created_at >= since, OutboxItem.status.in_((FAILED, EXPIRED))
                )
            )
        ).all()
    counted = Counter((self_id or "", refusal_code(error or "")) for self_id, error in rows)
    return [(self_id, code, count) for (self_id, code), count in counted.most_common()]


async def collect(database: Database, online: dict[str, str]) -> Status:
    """Gather the status; `online` maps connected self_ids to their platform."""
    now = clock.now()
    since = now - timedelta(hours=24)
    async with database.session() as session:
        known = {a.self_id: a for a in (await session.scalars(select(BotAccount))).all()}
        per_account = dict(
            (
                await session.execute(
                    select(Branch.self_id, func.count()).where(Branch.active).group_by(Branch.self_id)
                )
            ).all()
        )
        # A branch the organization import made is waiting for its group (待开通), not one that was closed.
        bound = Branch.platform != UNBOUND
        active, inactive, waiting = (
            await session.execute(
                select(
                    func.count().filter(Branch.active),
                    func.count().filter(~Branch.active, bound),
                    func.count().filter(~Branch.active, ~bound),
                ).select_from(Branch)
            )
        ).one()
        backlog, due, oldest = (
            await session.execute(
                select(
                    func.count(),
                    func.count().filter(OutboxItem.next_attempt_at <= now),
                    func.min(OutboxItem.next_attempt_at),
                ).where(OutboxItem.status.in_((PENDING, SENDING)))
            )
        ).one()
        sent, failed = (
            await session.execute(
                select(
                    func.count().filter(OutboxItem.status == SENT),
                    func.count().filter(OutboxItem.status.in_((FAILED, EXPIRED))),
                ).where(OutboxItem.created_at >= since)
            )
        ).one()
        reasons = (
            await session.execute(
                select(OutboxItem.last_error, func.count())
                .where(OutboxItem.created_at >= since, OutboxItem.status.in_((FAILED, EXPIRED)))
                .group_by(OutboxItem.last_error)
                .order_by(func.count().desc())
                .limit(3)
            )
        ).all()
        last = dict(
            (
                await session.execute(
                    select(OutboxItem.target_id, func.max(OutboxItem.sent_at))
                    .where(
                        OutboxItem.purpose == STUDY_PUSH,
                        OutboxItem.status == SENT,
                        OutboxItem.target_kind == "group",
                        OutboxItem.sent_at >= now - timedelta(days=PUSH_LOOKBACK_DAYS),
                    )
                    .group_by(OutboxItem.target_id)
                )
            ).all()
        )
        branches = (
            await session.execute(select(Branch.name, Branch.group_id).where(Branch.active).order_by(Branch.id))
        ).all()
        kind, size = await _database_size(session, database)
    accounts = []
    for self_id in sorted(set(known) | set(online)):
        row = known.get(self_id)
        platform = online.get(self_id) or (row.platform if row else "")
        protocol = row.protocol if row else ""
        accounts.append(
            Account(
                self_id,
                platform,
                protocol,
                self_id in online,
                row.connected_at if row else None,
                row.disconnected_at if row else None,
                per_account.get(self_id, 0),
            )
        )
    pushes = [BranchPush(name, last.get(group_id)) for name, group_id in branches]
    due_oldest = oldest if oldest is not None and oldest <= now else None
    return Status(
        __version__,
        accounts,
        active,
        inactive,
        backlog,
        due,
        due_oldest,
        sent,
        failed,
        [(reason or "", count) for reason, count in reasons],
        pushes,
        kind,
        size,
        now,
        waiting_branches=waiting,
    )


async def _database_size(session, database: Database) -> tuple[str, int | None]:
    """The database's kind and size on disk (SQLite: the file and its WAL)."""
    if database.dialect == "postgresql":
        size = await session.scalar(text("SELECT pg_database_size(current_database())"))
        return "PostgreSQL", int(size)
    path = sqlite_path(database.url)
    if path is None:
        return "SQLite", None
    return "SQLite", await asyncio.to_thread(_file_sizes, path)


def _file_sizes(path: Path) -> int:
    """The size of a SQLite file and its WAL."""
    total = 0
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            total += os.path.getsize(candidate)
    return total

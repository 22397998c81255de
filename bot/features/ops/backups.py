"""The daily backup of either database, and its record: what /状态 and /metrics show as the last good backup.

SQLite: the online backup API, the copy checked with integrity_check. PostgreSQL: pg_dump in custom format, verified
by a restore into a scratch database on the same server. Either way old backups are pruned, and each run leaves a
row in `ops_backup` (in the database, so every process sees the leader's backups). No NoneBot here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.core import clock, postgres, sqlite_backup
from bot.core.db import Database

from .config import Config
from .models import BackupRecord

log = logging.getLogger("redwheel.ops")


@dataclass(frozen=True, slots=True)
class LastBackup:
    """The last good backup: when, of which database, how big, whether a restore was tried."""

    kind: str
    file: str
    size: int | None
    taken_at: datetime
    verified: bool


async def last_good(database: Database) -> LastBackup | None:
    """The newest backup that succeeded, or None."""
    async with database.reading() as session:
        row = await session.scalar(
            select(BackupRecord).where(BackupRecord.ok).order_by(BackupRecord.taken_at.desc()).limit(1)
        )
    return None if row is None else LastBackup(row.kind, row.file, row.size, row.taken_at, row.verified)


async def failed_since(database: Database, since: datetime) -> int:
    """How many backup runs failed since a moment (for /状态's warning)."""
    async with database.reading() as session:
        rows = await session.scalars(select(BackupRecord.id).where(~BackupRecord.ok, BackupRecord.taken_at >= since))
        return len(rows.all())


def last_scheduled(config: Config, now: datetime) -> datetime:
    """The most recent moment the daily backup was due (today's time, or yesterday's when not reached yet)."""
    local = clock.local(now)
    due = local.replace(hour=config.ops_backup_time.hour, minute=config.ops_backup_time.minute, second=0, microsecond=0)
    return due if due <= local else due - timedelta(days=1)


async def due(database: Database, config: Config, now: datetime) -> bool:
    """Whether no good backup was taken since the last scheduled time (a new leader catches a missed one up)."""
    good = await last_good(database)
    return good is None or good.taken_at < last_scheduled(config, now)


def folder_for(config: Config, data_dir: Path) -> Path:
    """Where backups go: OPS_BACKUP_DIR, else <data dir>/backups."""
    return config.ops_backup_dir or data_dir / "backups"


async def take(database: Database, config: Config, data_dir: Path) -> BackupRecord:
    """Take today's backup of whichever database this is, prune old ones, and record the run (ok or failed)."""
    now = clock.now()
    folder = folder_for(config, data_dir)
    live = sqlite_backup.sqlite_path(database.url)
    record = BackupRecord(kind=database.dialect, file="", size=None, taken_at=now, verified=False, ok=False)
    try:
        if live is not None:
            info, removed = await asyncio.to_thread(
                sqlite_backup.daily_backup, live, folder, config.ops_backup_keep_days, now
            )
            record.file, record.size, record.verified = info.path.name, info.size, True
        else:
            done = await asyncio.to_thread(
                postgres.daily_backup,
                database.url,
                folder,
                config.ops_backup_keep_days,
                clock.local(now),
                config.ops_backup_verify,
            )
            record.file, record.size, record.verified, removed = done.path.name, done.size, done.verified, done.removed
        record.ok = True
        log.info(
            "daily backup written (%s bytes, verified: %s); %s old backups removed",
            record.size,
            record.verified,
            len(removed),
        )
    except Exception as error:  # recorded and shown in /状态; the text of a tool's error names no person
        record.error = f"{type(error).__name__}: {error}"[:300]
        log.error("daily backup failed: %s", type(error).__name__)
    await keep(database, record)
    return record


async def keep(database: Database, record: BackupRecord) -> None:
    """Store one run's row: the daily job's and `python -m bot.admin backup`'s alike, so /状态 sees both."""
    async with database.session() as session:
        session.add(record)

"""SQLite backups through the online backup API, verified restores with an atomic swap, and pruning of old backups.

Plain `sqlite3`, no NoneBot: used by the `python -m bot.admin` tool and by the daily backup job (features/ops).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

DEFAULT_KEEP_DAYS = 7
_NAME = re.compile(r"^redwheel-(\d{8}-\d{6})(\.db|\.pgdump)$")
_SIDECARS = ("-wal", "-shm", "-journal")


class RestoreRefused(Exception):
    """A backup that must not replace the live database; the message says why (in Chinese)."""


class DatabaseInUse(RestoreRefused):
    """The live database is open in another process (the bot still runs)."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One verified backup file."""

    path: Path
    size: int
    revisions: frozenset[str]


@dataclass(frozen=True, slots=True)
class RestoreInfo:
    """What a restore did."""

    live: Path
    kept_previous: Path | None
    revisions: frozenset[str]


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).resolve()


def backup_name(at: datetime) -> str:
    """The file name of a backup taken at a local time."""
    return f"redwheel-{at:%Y%m%d-%H%M%S}.db"


def _open_existing(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """Open a database file that must exist (never creates an empty one)."""
    connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=timeout, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    return connection


def _revisions(connection: sqlite3.Connection) -> frozenset[str]:
    """The alembic revisions a database is at."""
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        raise RestoreRefused("这不是红色方向盘的数据库（没有版本表 alembic_version）。") from error
    return frozenset(row[0] for row in rows)


def _integrity(connection: sqlite3.Connection) -> None:
    """PRAGMA integrity_check, as a refusal when it finds anything."""
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise RestoreRefused(f"文件已损坏或不是 SQLite 数据库（{error}）。") from error
    problems = [row[0] for row in rows if row[0] != "ok"]
    if problems:
        raise RestoreRefused(f"文件未通过完整性检查：{'；'.join(problems[:3])}")


def _remove(path: Path) -> None:
    """Delete a database file and its sidecar files."""
    for candidate in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
        candidate.unlink(missing_ok=True)


def backup_sqlite(source: Path, target: Path) -> BackupInfo:
    """Copy a live database with the online backup API into `target` (a complete, checked, single file).

    The copy is one backup step: a consistent snapshot while writers in WAL mode carry on. It is
    written beside the target and renamed into place only after `PRAGMA integrity_check` passes.
    """
    if not source.is_file():
        raise FileNotFoundError(f"找不到数据库文件：{source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _remove(partial)
    src = _open_existing(source)
    dst = sqlite3.connect(partial, isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        _integrity(dst)
        revisions = _revisions(dst)
    except BaseException:
        dst.close()
        _remove(partial)
        raise
    finally:
        src.close()
    dst.close()
    os.chmod(partial, 0o600)  # it holds personal data
    os.replace(partial, target)
    return BackupInfo(target, target.stat().st_size, revisions)


def verify_backup(path: Path, known: set[str]) -> frozenset[str]:
    """Check a database file (integrity and schema revisions known to this code); returns its revisions."""
    connection = _open_existing(path, timeout=5)
    try:
        _integrity(connection)
        revisions = _revisions(connection)
    finally:
        connection.close()
    if not revisions:
        raise RestoreRefused("备份里没有版本信息（alembic_version 为空），无法确认来自哪个版本。")
    unknown = sorted(revisions - known)
    if unknown:
        raise RestoreRefused(
            f"备份来自更新版本的程序（数据库版本 {', '.join(unknown)} 本程序不认识）。请先升级程序，再恢复这个备份。"
        )
    return revisions


def _release_live(live: Path) -> None:
    """Make sure nothing else has the live database open, and fold its WAL into the file.

    Leaving WAL mode needs the only connection to the database: while the bot runs this fails.
    """
    try:
        connection = _open_existing(live, timeout=2)
    except sqlite3.DatabaseError as error:  # a damaged live file: it is replaced anyway
        raise RestoreRefused(f"无法打开现有数据库（{error}）。") from error
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        raise DatabaseInUse("现有数据库正被其他程序使用（机器人可能还在运行）。请先停止机器人，再执行恢复。") from error
    finally:
        connection.close()


def restore_sqlite(backup: Path, live: Path, known: set[str], now: datetime) -> RestoreInfo:
    """Replace the live database by a backup: restore into a temporary file, verify, then swap atomically.

    The bot must be stopped. Until the final rename nothing touches the live database; the previous
    file is kept beside it (`*.before-restore-<time>.db`).
    """
    if not backup.is_file():
        raise RestoreRefused(f"找不到备份文件：{backup}")
    live.parent.mkdir(parents=True, exist_ok=True)
    staging = live.with_name(live.name + ".restoring")
    _remove(staging)
    shutil.copyfile(backup, staging)
    try:
        revisions = verify_backup(staging, known)
        connection = _open_existing(staging)
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.close()
    except BaseException:
        _remove(staging)
        raise
    kept: Path | None = None
    try:
        if live.exists():
            _release_live(live)
            kept = live.with_name(f"{live.stem}.before-restore-{now:%Y%m%d-%H%M%S}{live.suffix}")
            try:
                os.link(live, kept)
            except OSError:
                shutil.copy2(live, kept)
        for suffix in _SIDECARS:  # after leaving WAL mode none should be left; never let a stale one apply
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        os.chmod(staging, 0o600)
        os.replace(staging, live)
    finally:
        _remove(staging)
    return RestoreInfo(live, kept, revisions)


def backups_in(folder: Path, suffix: str = ".db") -> list[tuple[datetime, Path]]:
    """Backups made by Redwheel in a folder (SQLite `.db`, or PostgreSQL `.pgdump`), oldest first (by the time in
    their name)."""
    found: list[tuple[datetime, Path]] = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match and match.group(2) == suffix:
                found.append((datetime.strptime(match.group(1), "%Y%m%d-%H%M%S"), path))
    return sorted(found)


def prune_backups(folder: Path, keep_days: int, now: datetime, suffix: str = ".db") -> list[Path]:
    """Delete backups older than `keep_days` (never the newest one); returns what was deleted."""
    found = backups_in(folder, suffix)
    limit = now.replace(tzinfo=None) - timedelta(days=keep_days)
    removed = []
    for taken, path in found[:-1]:
        if taken < limit:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path)
    return removed


def daily_backup(source: Path, folder: Path, keep_days: int, now: datetime) -> tuple[BackupInfo, list[Path]]:
    """The daily job's work: one new backup, then pruning of old ones."""
    info = backup_sqlite(source, folder / backup_name(now))
    return info, prune_backups(folder, keep_days, now)

"""PostgreSQL backups and restores with the server's own tools: pg_dump (custom format) and pg_restore."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from .sqlite_backup import RestoreRefused, prune_backups

SUFFIX = ".pgdump"


@dataclass(frozen=True, slots=True)
class Command:
    """A command line, the environment it needs (the password), and how to show it without the password."""

    args: list[str]
    env: dict[str, str]

    def shown(self) -> str:
        """The command as a person would type it (the password never printed)."""
        prefix = "PGPASSWORD=*** " if "PGPASSWORD" in self.env else ""
        return prefix + shlex.join(self.args)


def _connection(url: str) -> tuple[list[str], dict[str, str], str]:
    """libpq options for a SQLAlchemy URL: (arguments, environment, database name)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("not a PostgreSQL URL")
    args: list[str] = []
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args, env, parsed.database or ""


def dump_command(url: str, target: Path) -> Command:
    """pg_dump in custom format (compressed, restorable with pg_restore)."""
    args, env, name = _connection(url)
    return Command(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args, "--dbname", name], env)


def restore_command(url: str, dump: Path) -> Command:
    """pg_restore in one transaction: the database is replaced by the dump or left as it was."""
    args, env, name = _connection(url)
    return Command(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            name,
            str(dump),
        ],
        env,
    )


def _run(command: Command, capture: bool = False) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool; a missing tool or a failure becomes a clear message."""
    if shutil.which(command.args[0]) is None:
        raise RestoreRefused(
            f"找不到 {command.args[0]}：请安装 PostgreSQL 客户端工具（如 apt install postgresql-client）。"
        )
    result = subprocess.run(
        command.args, env={**os.environ, **command.env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RestoreRefused(f"{command.args[0]} 失败：{(result.stderr or result.stdout).strip()[:500]}")
    return result


def dump(url: str, target: Path) -> Command:
    """Write a dump; returns the command that ran."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = dump_command(url, target)
    _run(command)
    os.chmod(target, 0o600)  # it holds personal data
    return command


def dump_revisions(path: Path) -> frozenset[str]:
    """The alembic revisions recorded in a pg_dump file (read with pg_restore, without restoring)."""
    if not path.is_file():
        raise RestoreRefused(f"找不到备份文件：{path}")
    listing = Command(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)], {})
    try:
        output = _run(listing).stdout
    except RestoreRefused as error:
        raise RestoreRefused(f"备份文件无法读取，可能已损坏或不是 pg_dump 自定义格式（{error}）。") from error
    revisions: set[str] = set()
    reading = False
    for line in output.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            reading = True
        elif reading and line == "\\.":
            reading = False
        elif reading and line.strip():
            revisions.add(line.strip())
    return frozenset(revisions)


def restore(url: str, path: Path, known: set[str]) -> tuple[Command, frozenset[str]]:
    """Check the dump's revisions, then pg_restore it into the database in one transaction."""
    revisions = dump_revisions(path)
    if not revisions:
        raise RestoreRefused("备份里没有版本信息（alembic_version），不是红色方向盘的数据库备份。")
    unknown = sorted(revisions - known)
    if unknown:
        raise RestoreRefused(
            f"备份来自更新版本的程序（数据库版本 {', '.join(unknown)} 本程序不认识）。请先升级程序，再恢复这个备份。"
        )
    command = restore_command(url, path)
    _run(command)
    return command, revisions


def backup_name(at: datetime) -> str:
    """The file name of a PostgreSQL backup taken at a local time."""
    return f"redwheel-{at:%Y%m%d-%H%M%S}{SUFFIX}"


def _tool(tool: str, url: str, *extra: str, database: str | None = None) -> Command:
    """A client tool's command line on the URL's server (`database`: another database than the URL's)."""
    args, env, name = _connection(url)
    return Command([tool, *args, *extra, database or name], env)


def verify_by_restore(url: str, dump_file: Path, scratch: str) -> frozenset[str]:
    """Restore a dump into a new scratch database on the same server, read its schema revisions, drop it again.

    Returns the revisions found in the restored copy; any failure (the dump unreadable, a table that does not load,
    no revisions) is a RestoreRefused. The role needs the right to create databases (CREATEDB)."""
    args, env, name = _connection(url)
    _run(_tool("createdb", url, "--maintenance-db", name, database=scratch))
    try:
        into = ["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", scratch, str(dump_file)]
        _run(Command(["pg_restore", *args, *into], env))
        query = ["--no-psqlrc", "-At", "-c", "SELECT version_num FROM alembic_version", "--dbname", scratch]
        output = _run(Command(["psql", *args, *query], env)).stdout
        revisions = frozenset(line.strip() for line in output.splitlines() if line.strip())
    finally:
        _run(_tool("dropdb", url, "--if-exists", "--maintenance-db", name, database=scratch))
    if not revisions:
        raise RestoreRefused("备份恢复到临时数据库后读不到版本信息（alembic_version）。")
    return revisions


@dataclass(frozen=True, slots=True)
class DailyBackup:
    """What the daily PostgreSQL backup did."""

    path: Path
    size: int
    revisions: frozenset[str]
    verified: bool
    removed: list[Path]


def daily_backup(url: str, folder: Path, keep_days: int, now: datetime, verify: bool = True) -> DailyBackup:
    """pg_dump (custom format) into the folder, verified by a restore into a scratch database, then old dumps pruned.

    A dump that fails verification is deleted, so a folder holds only dumps that restored."""
    target = folder / backup_name(now)
    partial = target.with_name(target.name + ".partial")
    dump(url, partial)
    revisions: frozenset[str] = frozenset()
    try:
        if verify:
            _, _, name = _connection(url)
            revisions = verify_by_restore(url, partial, f"{name[:40]}_verify_{now:%Y%m%d%H%M%S}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return DailyBackup(target, target.stat().st_size, revisions, verify, prune_backups(folder, keep_days, now, SUFFIX))

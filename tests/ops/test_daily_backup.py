"""The daily backup of either database: taken, verified, pruned, recorded — and a PostgreSQL dump really restores."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.core import clock, postgres
from bot.core.models import Branch
from bot.features.ops import backups, replies, texts
from bot.features.ops.config import Config
from bot.features.ops.status import Health


async def _branch(database, name: str) -> None:
    async with database.session() as session:
        session.add(Branch(name=name, platform="qq", group_id="5001", created_by="qq:1", created_at=clock.now()))


def _libpq(url: str) -> tuple[list[str], str]:
    """Connection options for the client tools, and the database's name."""
    parsed = make_url(url)
    return ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432)], parsed.database or ""


def _tool(*args: str) -> None:
    """A PostgreSQL client tool, which must succeed."""
    subprocess.run(args, check=True, env=os.environ)


async def _restored_names(url: str, dump_file: Path) -> list[str]:
    """Restore a dump into a scratch database of the same server and read the branches back."""
    options, _ = _libpq(url)
    scratch = f"redwheel_restore_{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(_tool, "createdb", *options, scratch)
    try:
        restore = ["pg_restore", *options, "--no-owner", "--exit-on-error", "--dbname", scratch, str(dump_file)]
        await asyncio.to_thread(_tool, *restore)
        parsed = make_url(url)
        connection = await asyncpg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432, database=scratch)
        try:
            return [row["name"] for row in await connection.fetch("SELECT name FROM branch ORDER BY id")]
        finally:
            await connection.close()
    finally:
        await asyncio.to_thread(_tool, "dropdb", *options, "--if-exists", scratch)


async def test_the_daily_backup_is_verified_pruned_recorded_and_shown(database, tmp_path):
    await _branch(database, "乌当区货车司机流动党员党支部")
    folder = tmp_path / "backups"
    config = Config(ops_backup_dir=folder, ops_backup_keep_days=7)
    suffix = ".db" if database.is_sqlite else ".pgdump"
    old = folder / f"redwheel-20000101-033000{suffix}"
    folder.mkdir()
    old.write_bytes(b"an old backup")
    clock.set_now(datetime(2026, 12, 2, 3, 30, tzinfo=clock.tz()))
    assert await backups.due(database, config, clock.now())

    record = await backups.take(database, config, tmp_path)

    assert record.ok and record.verified and record.error is None
    written = folder / record.file
    assert written.is_file() and written.suffix == suffix
    assert oct(written.stat().st_mode & 0o777) == "0o600"  # it holds personal data
    assert not old.exists()  # pruned: older than seven days
    if not database.is_sqlite:  # a pg_dump file restores into a new database with the rows it was taken with
        assert await _restored_names(database.url, written) == ["乌当区货车司机流动党员党支部"]
    assert not await backups.due(database, config, clock.now() + timedelta(hours=5))
    assert await backups.due(database, config, clock.now() + timedelta(days=1, minutes=1))

    shown = replies.status(await Health(database).collect())
    kind = "SQLite，" if database.is_sqlite else "PostgreSQL，"
    verified = texts.BACKUP_VERIFIED[database.dialect]
    line = next(line for line in shown.splitlines() if line.startswith("备份："))
    assert line.startswith(f"备份：最近一次成功 12-02 03:30（{kind}") and line.endswith(f"，{verified}）")


async def test_a_failed_backup_is_recorded_and_shown_beside_the_last_good_one(database, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    clock.set_now(datetime(2026, 12, 2, 3, 30, tzinfo=clock.tz()))
    record = await backups.take(database, Config(ops_backup_dir=blocker), tmp_path)
    assert not record.ok and record.error
    shown = replies.status(await Health(database).collect())
    assert f"{texts.BACKUP_NONE}{texts.BACKUP_FAILED.format(count=1)}" in shown.splitlines()
    off = replies.status(await Health(database, backups_enabled=False).collect())
    assert texts.BACKUP_OFF + texts.BACKUP_FAILED.format(count=1) in off.splitlines()


async def test_a_dump_that_does_not_restore_is_not_kept(database, tmp_path):
    if database.is_sqlite:
        return  # SQLite's copy is checked in place (test_admin_cli covers a corrupt file)
    folder = tmp_path / "backups"
    good = postgres.daily_backup(database.url, folder, 7, clock.local(clock.now()))
    assert good.verified and good.revisions
    broken = tmp_path / "broken.pgdump"
    broken.write_bytes(good.path.read_bytes()[:200])  # cut short: pg_restore cannot read it
    with pytest.raises(postgres.RestoreRefused, match="pg_restore"):
        postgres.verify_by_restore(database.url, broken, f"redwheel_verify_{uuid.uuid4().hex[:8]}")

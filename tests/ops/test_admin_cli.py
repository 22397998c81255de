"""The admin command line as a person on the server runs it: backup, restore, export, import."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.admin import texts as admin_texts
from bot.admin.__main__ import main
from bot.core import clock
from bot.core.branches import UNBOUND
from bot.core.db import Database
from bot.core.migrate import upgrade
from bot.core.models import Branch
from bot.features.ops import replies
from bot.features.ops import texts as ops_texts
from bot.features.ops.status import Health
from tests.support.botprocess import ROOT


def admin(
    *args: str, url: str | None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m bot.admin …` against one database (url None: the one the settings name)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.admin", *(("--database-url", url) if url else ()), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
    )


async def _database_with(path: Path, names: list[str]) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    await upgrade(database)
    async with database.session() as session:
        for n, name in enumerate(names):
            session.add(Branch(name=name, platform="qq", group_id=str(n), created_by="qq:1", created_at=clock.now()))
    await database.dispose()
    return url


async def _names(url: str) -> list[str]:
    database = Database(url)
    async with database.reading() as session:
        names = list((await session.scalars(select(Branch.name).order_by(Branch.id))).all())
    await database.dispose()
    return names


async def test_backup_then_restore_into_a_fresh_install(tmp_path):
    url = await _database_with(tmp_path / "live.db", ["一支部", "二支部"])
    backup = tmp_path / "backups" / "one.db"
    done = admin("backup", "--to", str(backup), url=url)
    assert done.returncode == 0 and "已备份" in done.stdout
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'new-machine' / 'redwheel.db'}"
    (tmp_path / "new-machine").mkdir()
    restored = admin("restore", str(backup), url=fresh)
    assert restored.returncode == 0, restored.stderr
    assert await _names(fresh) == ["一支部", "二支部"]


async def test_a_backup_while_the_bot_writes(tmp_path):
    url = await _database_with(tmp_path / "live.db", ["一支部"])
    database = Database(url)

    async def writer():
        for n in range(200):
            async with database.session() as session:
                session.add(
                    Branch(name=f"写入{n}", platform="qq", group_id=f"w{n}", created_by="qq:1", created_at=clock.now())
                )

    task = asyncio.create_task(writer())
    result = await asyncio.to_thread(admin, "backup", "--to", str(tmp_path / "during.db"), url=url)
    await task
    await database.dispose()
    assert result.returncode == 0, result.stderr
    check = sqlite3.connect(tmp_path / "during.db")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("SELECT count(*) FROM branch").fetchone()[0] >= 1
    check.close()


async def test_a_corrupt_or_newer_backup_is_refused_and_the_live_database_untouched(tmp_path):
    url = await _database_with(tmp_path / "live.db", ["一支部"])
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 500)
    refused = admin("restore", str(corrupt), url=url)
    assert refused.returncode == 1 and "未执行" in refused.stderr
    newer = tmp_path / "newer.db"
    await _database_with(newer, ["来自未来"])
    connection = sqlite3.connect(newer)
    connection.execute(
        "UPDATE alembic_version SET version_num = 'future_9999' WHERE rowid = (SELECT min(rowid) FROM alembic_version)"
    )
    connection.commit()
    connection.close()
    refused = admin("restore", str(newer), url=url)
    assert refused.returncode == 1 and "现有数据库没有改动" in refused.stderr
    assert await _names(url) == ["一支部"]


async def test_export_and_import_across_databases(tmp_path):
    url = await _database_with(tmp_path / "live.db", ["一支部", "二支部"])
    dump = tmp_path / "all.jsonl"
    exported = admin("export", str(dump), url=url)
    assert exported.returncode == 0, exported.stderr
    target = await _database_with(tmp_path / "target.db", [])
    imported = admin("import", str(dump), url=target)
    assert imported.returncode == 0, imported.stderr
    assert await _names(target) == ["一支部", "二支部"]


async def test_an_export_moves_to_sqlite_or_postgresql(tmp_path, database):
    url = await _database_with(tmp_path / "live.db", ["一支部", "二支部"])
    dump = tmp_path / "all.jsonl"
    assert admin("export", str(dump), url=url).returncode == 0
    await database.dispose()  # the command line works on the database while we hold no connection
    imported = admin("import", str(dump), url=database.url)
    assert imported.returncode == 0, imported.stderr
    assert await _names(database.url) == ["一支部", "二支部"]


async def test_loading_a_province_station_list_from_csv(tmp_path):
    url = await _database_with(tmp_path / "live.db", [])
    path = tmp_path / "province.csv"
    path.write_text(
        "名称,类型,省份,城市,区县,道路,方向,地址,纬度,经度,服务,车位,营业时间,电话\n"
        "好驿站,司机之家,贵州,贵阳,乌当,,,一号路,26.6,106.7,淋浴、停车,10,24小时,\n"
        "坏驿站,飞船站,贵州,贵阳,乌当,,,二号路,26.6,106.7,淋浴,10,24小时,\n",
        encoding="utf-8",
    )
    first = admin("stations", str(path), url=url)
    assert first.returncode == 0, first.stderr
    assert "新增 1 个" in first.stdout and "第 3 行" in first.stdout
    again = admin("stations", str(path), url=url)
    assert "新增 0 个，更新 0 个" in again.stdout


async def test_status_shows_a_backup_taken_from_the_command_line_and_imported_branches_as_waiting(tmp_path):
    """/状态 after `python -m bot.admin backup`: that backup is the last good one (it said 还没有成功的备份); a branch
    the organization import made, still waiting for its group, is 待开通, not 停用."""
    url = await _database_with(tmp_path / "live.db", ["一支部"])
    database = Database(url)
    async with database.session() as session:
        session.add(
            Branch(
                name="待开通支部",
                platform=UNBOUND,
                group_id="待开通支部",
                active=False,
                created_by="admin:ops",
                created_at=clock.now(),
            )
        )
    done = admin("backup", "--to", str(tmp_path / "backups" / "manual.db"), url=url)
    assert done.returncode == 0, done.stderr
    lines = replies.status(await Health(database).collect()).splitlines()
    await database.dispose()
    backup = next(line for line in lines if line.startswith("备份："))
    assert (
        backup.startswith("备份：最近一次成功 ") and "（SQLite，" in backup and backup.endswith("，已通过完整性检查）")
    )
    branches = ops_texts.BRANCHES.format(active=1, inactive=0) + ops_texts.BRANCHES_WAITING.format(waiting=1)
    assert branches == "支部：启用 1 个，停用 0 个，待开通 1 个（已导入，等群里发送 /支部 开通）"
    assert branches in lines


def _refused(done: subprocess.CompletedProcess, sentence: str) -> None:
    """Refused in one sentence with exit code 2, no traceback."""
    assert (done.returncode, done.stdout, done.stderr) == (2, "", sentence + "\n")


async def test_bad_input_is_refused_in_one_sentence_and_nothing_is_created(tmp_path):
    _refused(admin("backup", url="foo://"), admin_texts.BAD_URL.format(url="「foo://」"))
    missing = tmp_path / "nonexist" / "dir" / "x.db"
    _refused(
        admin("export", str(tmp_path / "x.jsonl"), url=f"sqlite+aiosqlite:///{missing}"),
        admin_texts.NO_DATABASE_FILE.format(path=missing),
    )
    assert not (tmp_path / "nonexist").exists() and not (tmp_path / "x.jsonl").exists()
    org = tmp_path / "org.csv"
    org.write_text("级别,名称,上级,区划代码,部门\n省,贵州省道路货运行业党委,,520000,\n", encoding="utf-8")
    typo = tmp_path / "redwheeel.db"
    _refused(
        admin("org", "import", str(org), url=f"sqlite+aiosqlite:///{typo}"),
        admin_texts.NO_DATABASE_FILE.format(path=typo),
    )
    assert not typo.exists()
    url = await _database_with(tmp_path / "live.db", [])
    gone = tmp_path / "no-such-org.csv"
    _refused(admin("org", "import", str(gone), url=url), admin_texts.NO_INPUT.format(path=gone))
    # A new installation makes its database on purpose, then imports into it.
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    assert admin("init", url=fresh).stdout == admin_texts.INITIALISED + "\n"
    assert "组织导入完成" in admin("org", "import", str(org), url=fresh).stdout
    # The embedded default (no --database-url, no DATABASE_URL): a province loads its tree before the first start.
    data = tmp_path / "data"
    data.mkdir()
    environment = {k: v for k, v in os.environ.items() if k.upper() != "DATABASE_URL"} | {"DATA_DIR": str(data)}
    first = admin("org", "import", str(org), url=None, cwd=tmp_path, env=environment)  # no .env in tmp_path
    assert "组织导入完成" in first.stdout, first.stderr
    assert (data / "redwheel.db").is_file()


def test_a_bad_holiday_table_is_named_in_chinese(tmp_path, capsys):
    header = tmp_path / "org.csv"
    header.write_text("级别,名称,上级\n", encoding="utf-8")
    one = tmp_path / "one.csv"
    one.write_text("2027-01-01\n", encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["holidays", "import", str(header), "--to", out]) == 1
    assert main(["holidays", "import", str(one), "--to", out]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "未导入：第 1 行：「级别」不是日期，日期应写成 2027-01-01。",
        "未导入：第 1 行：应为三列「日期,类型,名称」，例如 2027-01-01,假日,元旦。",
    ]
    assert main(["holidays", "import", str(tmp_path / "gone.csv"), "--to", out]) == 2
    assert capsys.readouterr().err == admin_texts.NO_INPUT.format(path=tmp_path / "gone.csv") + "\n"


def test_a_mistyped_command_is_said_in_chinese(capsys):
    for argv, said in (
        (["frobnicate"], "没有「frobnicate」这个命令。未做任何改动；用法见 python -m bot.admin --help。"),
        (["backup", "extra"], "多余的参数：extra。未做任何改动；用法见 python -m bot.admin --help。"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: python -m bot.admin") and err.endswith(said + "\n") and "invalid" not in err

"""`python -m bot.admin backup|restore|export|import …`: run by a person on the server (see docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.core import clock, postgres, sqlite_backup
from bot.core.settings import environment, get_settings
from bot.core.sqlite_backup import RestoreRefused

from . import texts

STOP_FIRST = "注意：恢复前必须先停止机器人（例如 systemctl stop redwheel），恢复完成后再启动。"


def _url(args: argparse.Namespace) -> str:
    """The database to work on: --database-url, else DATABASE_URL (.env), else the default SQLite file."""
    return args.database_url or get_settings().database_url


def _backup_folder() -> Path:
    """Where backups go by default (OPS_BACKUP_DIR, else <data dir>/backups)."""
    configured = environment().get("ops_backup_dir")
    return Path(configured) if configured else get_settings().data_dir / "backups"


def _load_models() -> None:
    """Import every table definition (the features' models import without NoneBot)."""
    from bot.core.migrate import import_all_models

    import_all_models()


def init(args: argparse.Namespace) -> int:
    """Create the database if it does not exist, and bring its tables to this version (what the bot does at start)."""
    from bot.core.db import Database
    from bot.core.migrate import upgrade

    _load_models()

    async def run() -> None:
        database = Database(_url(args))
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    print(texts.INITIALISED)
    return 0


def backup(args: argparse.Namespace) -> int:
    """Take a backup now, and record it where /状态 and /metrics read the last good backup."""
    url = _url(args)
    now = clock.now()
    live = sqlite_backup.sqlite_path(url)
    if live is None:
        target = Path(args.to) if args.to else _backup_folder() / f"redwheel-{now:%Y%m%d-%H%M%S}.pgdump"
        command = postgres.dump_command(url, target)
        print(f"PostgreSQL：用 pg_dump 备份（自定义格式，可用 pg_restore 恢复）：\n  {command.shown()}")
        postgres.dump(url, target)
        size = target.stat().st_size
        print(f"已备份到 {target}（{size} 字节）")
        _record_backup(url, "postgresql", target, size, verified=False, at=now)
        return 0
    target = Path(args.to) if args.to else _backup_folder() / sqlite_backup.backup_name(now)
    info = sqlite_backup.backup_sqlite(live, target)
    print(
        f"已备份 {live} → {info.path}（{info.size} 字节，完整性检查通过，"
        f"数据库版本 {', '.join(sorted(info.revisions))}）"
    )
    _record_backup(url, "sqlite", info.path, info.size, verified=True, at=now)
    return 0


def _record_backup(url: str, kind: str, path: Path, size: int, *, verified: bool, at: datetime) -> None:
    """Leave the row the daily job leaves (`ops_backup`), so /状态 shows this backup as the last good one."""
    from bot.core.db import Database
    from bot.features.ops.backups import keep
    from bot.features.ops.models import BackupRecord

    async def run() -> None:
        database = Database(url)
        try:
            record = BackupRecord(kind=kind, file=path.name, size=size, taken_at=at, verified=verified, ok=True)
            await keep(database, record)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except SQLAlchemyError:  # a database older than the backup record: the file is written all the same
        print(texts.BACKUP_NOT_RECORDED)


def restore(args: argparse.Namespace) -> int:
    """Replace the database by a backup, after checking it."""
    from bot.core.migrate import known_revisions

    url = _url(args)
    source = Path(args.path)
    print(STOP_FIRST)
    live = sqlite_backup.sqlite_path(url)
    if live is None:
        command = postgres.restore_command(url, source)
        print(f"PostgreSQL：先检查备份的数据库版本，再用 pg_restore 在一个事务里恢复：\n  {command.shown()}")
        _, revisions = postgres.restore(url, source, known_revisions())
        print(f"已恢复 {source}（数据库版本 {', '.join(sorted(revisions))}）。启动机器人时会自动升级数据库结构。")
        return 0
    info = sqlite_backup.restore_sqlite(source, live, known_revisions(), clock.now())
    print(f"已恢复 {source} → {info.live}（完整性检查通过，数据库版本 {', '.join(sorted(info.revisions))}）。")
    if info.kept_previous:
        print(f"原数据库已另存为 {info.kept_previous}，确认无误后可删除。")
    print("启动机器人时会自动升级数据库结构。")
    return 0


async def _export(url: str, path: Path) -> dict[str, int]:
    """Export, and log who exported personal data."""
    from bot.core.db import Database
    from bot.core.models import AccessLog

    from .transfer import export_jsonl

    database = Database(url)
    try:
        counts = await export_jsonl(database, path)
        async with database.session() as session:
            session.add(
                AccessLog(
                    actor_key=f"admin:{getpass.getuser()}",
                    action="导出全部数据",
                    subject=str(path)[:128],
                    branch_id=None,
                    at=clock.now(),
                )
            )
        return counts
    finally:
        await database.dispose()


async def _import(url: str, path: Path, replace: bool) -> dict[str, int]:
    """Import into the database."""
    from bot.core.db import Database

    from .transfer import import_jsonl

    database = Database(url)
    try:
        return await import_jsonl(database, path, replace=replace)
    finally:
        await database.dispose()


def export(args: argparse.Namespace) -> int:
    """Write every table as JSON lines."""
    _load_models()
    counts = asyncio.run(_export(_url(args), Path(args.path)))
    print(f"已导出 {sum(counts.values())} 行（{len(counts)} 张表）到 {args.path}。文件含个人信息，请妥善保管。")
    return 0


def import_(args: argparse.Namespace) -> int:
    """Read an export into the database."""
    _load_models()
    print("注意：导入前请先停止机器人。")
    counts = asyncio.run(_import(_url(args), Path(args.path), args.replace))
    print(f"已导入 {sum(counts.values())} 行（{len(counts)} 张表）。")
    return 0


async def _stations(url: str, path: Path) -> None:
    """Load a station list into the database (the running bot picks it up at its next start)."""
    from bot.core.db import Database
    from bot.core.migrate import upgrade
    from bot.features.stations.service import StationService

    database = Database(url)
    try:
        await upgrade(database)
        report = await StationService(database).import_csv(path)
    finally:
        await database.dispose()
    print(f"新增 {report.added} 个，更新 {report.updated} 个驿站；{len(report.errors)} 行有问题未导入。")
    for error in report.errors:
        print(f"  第 {error.line} 行：{error.reason}")


def stations(args: argparse.Namespace) -> int:
    """Import stations from a CSV (idempotent: a re-run changes nothing)."""
    _load_models()
    asyncio.run(_stations(_url(args), Path(args.path)))
    print("重启机器人后生效（或由书记在群里 /驿站 添加 单个驿站）。")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse that says what was wrong in Chinese (its own words are English), with the usage line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, texts.bad_arguments(message, self.prog) + "\n")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    main = _Parser(prog="python -m bot.admin", description="红色方向盘运维工具：备份、恢复、导出、导入。")
    main.add_argument("--database-url", help="要操作的数据库（默认取 DATABASE_URL / .env）")
    commands = main.add_subparsers(dest="command", required=True)
    one = commands.add_parser("init", help="新建数据库（文件不存在时）并升级到当前结构；其他命令都不会新建数据库")
    one.set_defaults(run=init)
    one = commands.add_parser("backup", help="立即备份（SQLite 用在线备份 API；PostgreSQL 用 pg_dump）")
    one.add_argument("--to", help="备份文件路径（默认 data/backups/redwheel-<时间>.db）")
    one.set_defaults(run=backup)
    one = commands.add_parser("restore", help="从备份恢复（须先停止机器人）")
    one.add_argument("path")
    one.set_defaults(run=restore)
    one = commands.add_parser("export", help="导出全部表为 JSON Lines（SQLite 与 PostgreSQL 通用）")
    one.add_argument("path")
    one.set_defaults(run=export)
    one = commands.add_parser("import", help="从 JSON Lines 导入到空数据库（须先停止机器人）")
    one.add_argument("path")
    one.add_argument("--replace", action="store_true", help="先清空目标数据库的全部数据")
    one.set_defaults(run=import_)
    one = commands.add_parser("stations", help="从 CSV 导入驿站（可重复执行；坏行会列出行号和原因）")
    one.add_argument("path")
    one.set_defaults(run=stations)
    from . import holidays, org

    holidays.add_parser(commands)
    org.add_parser(commands)
    return main


# Commands that work on no database, and those whose purpose is to make one (every other refuses a missing file).
NO_DATABASE = frozenset({"holidays"})
MAKES_DATABASE = frozenset({"init", "restore"})
# Commands that load data and bring the tables up first: on the embedded default database (no --database-url, no
# DATABASE_URL) they may make it, as the bot's first start would — a province loads its organization before that.
LOADS_DATA = frozenset({"org", "roster", "stations"})
# Commands whose `path` is a file to read (export writes its path).
READS_PATH = frozenset({"restore", "import", "stations", "org", "roster", "holidays"})


def refusal(args: argparse.Namespace) -> str | None:
    """Why a command must not run on what was typed, before it touches anything (None: it may run)."""
    path = vars(args).get("path")
    if args.command in READS_PATH and path is not None and not Path(path).is_file():
        return texts.NO_INPUT.format(path=path)
    if args.command in NO_DATABASE:
        return None
    try:
        url = make_url(_url(args))
    except ArgumentError:
        return texts.BAD_URL.format(url="")
    shown = f"「{url.render_as_string(hide_password=True)}」"
    if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        return texts.BAD_URL.format(url=shown)
    if url.drivername == "postgresql+asyncpg":
        return None
    if not url.database or url.database == ":memory:":
        return texts.BAD_URL.format(url=shown)
    file = Path(url.database)
    embedded = not args.database_url and not environment().get("database_url")
    may_make = args.command in MAKES_DATABASE or (embedded and args.command in LOADS_DATA)
    if not may_make and not file.is_file():
        return texts.NO_DATABASE_FILE.format(path=file)
    if not file.parent.is_dir():
        return texts.NO_DATABASE_FOLDER.format(path=file.parent)
    return None


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input (a wrong database URL, a missing database or file) is refused in one sentence
    with exit code 2 before anything is created; a refusal of the command itself exits with 1."""
    args = parser().parse_args(argv)
    refused = refusal(args)
    if refused is not None:
        print(refused, file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except RestoreRefused as error:
        print(f"未执行：{error}", file=sys.stderr)
        if args.command == "restore":
            print("现有数据库没有改动。", file=sys.stderr)
        return 1
    except OSError as error:  # a file that vanished or cannot be written: said in words, never a traceback
        print(texts.FILE_FAILED.format(path=error.filename or "", why=texts.file_error(error)), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

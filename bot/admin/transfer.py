"""A portable dump of every table as JSON lines, readable into SQLite or PostgreSQL alike.

Line 1 is a header (format, schema revisions, time), then one line per row (`{"t": table, "r": {...}}`)
table by table in dependency order, and a last line with the row counts: a file cut short is refused.
Times are written in ISO 8601 with their zone, so nothing depends on the database that wrote them.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table, delete, func, inspect, select, text
from sqlalchemy.types import TypeDecorator

from bot import __version__
from bot.core import clock
from bot.core.db import Base, Database
from bot.core.migrate import known_revisions, schema_state, upgrade
from bot.core.sqlite_backup import RestoreRefused

FORMAT = "redwheel-export"
FORMAT_VERSION = 1
BATCH = 500


def _encode(value: Any) -> Any:
    """A value as JSON."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    return value


def _decoder(column) -> Any:
    """How to read one column's JSON value back."""
    if isinstance(column.type, JSON):
        return lambda v: v
    # A TypeDecorator (AwareDateTime) reads like the type it wraps.
    type_ = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    try:
        kind = type_.python_type
    except NotImplementedError:
        return lambda v: v
    if kind is datetime:

        def read_datetime(v):
            if v is None:
                return None
            parsed = datetime.fromisoformat(v)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

        return read_datetime
    if kind is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind is Decimal:
        return lambda v: None if v is None else Decimal(v)
    if kind is bytes:
        return lambda v: None if v is None else base64.b64decode(v["$base64"])
    return lambda v: v


async def _tables(database: Database) -> list[Table]:
    """The tables of this code that exist in the database, parents before children."""
    async with database.engine.connect() as connection:
        present = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    return [table for table in Base.metadata.sorted_tables if table.name in present]


async def export_jsonl(database: Database, path: Path) -> dict[str, int]:
    """Write every table to `path`; returns rows per table."""
    current, _ = await schema_state(database)
    tables = await _tables(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    counts: dict[str, int] = {}
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "revisions": sorted(current),
        "exported_at": clock.now().isoformat(),
        "source": database.dialect,
        "redwheel": __version__,
    }
    with partial.open("w", encoding="utf-8") as out:
        os.chmod(partial, 0o600)  # it holds personal data
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        async with database.engine.connect() as connection:
            for table in tables:
                counts[table.name] = 0
                order = list(table.primary_key.columns) or list(table.columns)[:1]
                result = await connection.stream(select(table).order_by(*order))
                async for row in result.mappings():
                    record = {"t": table.name, "r": {k: _encode(v) for k, v in row.items()}}
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    counts[table.name] += 1
        out.write(json.dumps({"end": True, "counts": counts}, ensure_ascii=False) + "\n")
    os.replace(partial, path)
    return counts


def _lines(path: Path) -> Iterator[dict]:
    """The records of an export file."""
    with path.open(encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise RestoreRefused(f"导出文件第 {number} 行不是有效的 JSON，文件可能已损坏。") from error


def read_header(path: Path) -> dict:
    """The header of an export file, checked."""
    if not path.is_file():
        raise RestoreRefused(f"找不到导出文件：{path}")
    header = next(_lines(path), None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RestoreRefused("这不是红色方向盘的导出文件（第一行缺少 redwheel-export 标记）。")
    if header.get("version") != FORMAT_VERSION:
        raise RestoreRefused(f"导出文件格式版本 {header.get('version')} 本程序不支持。")
    unknown = sorted(set(header.get("revisions") or []) - known_revisions())
    if unknown:
        raise RestoreRefused(
            f"导出文件来自更新版本的程序（数据库版本 {', '.join(unknown)} 本程序不认识）。请先升级程序再导入。"
        )
    return header


async def _reset_sequences(session, tables: list[Table]) -> None:
    """PostgreSQL: move each id sequence past the imported ids."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        column = keys[0].name
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column}), 0) + 1, false) "
                f"FROM {table.name}"
            ),
            {"table": table.name, "column": column},
        )


# Rows the migrations write into a new database (the root committee and its joint meeting, the waiting store's change
# counter): an export carries its own, so they are no data that makes a database "not empty".
SEEDED = frozenset({"committee", "department", "waiting_version"})


async def import_jsonl(database: Database, path: Path, replace: bool = False) -> dict[str, int]:
    """Read an export into the database (migrated first) in one transaction; returns rows per table.

    The database must be empty unless `replace`, which deletes every row first (in the same transaction).
    """
    read_header(path)
    await upgrade(database)
    tables = {table.name: table for table in await _tables(database)}
    decoders = {name: {c.name: _decoder(c) for c in table.columns} for name, table in tables.items()}
    counts: dict[str, int] = {}
    async with database.session() as session:
        for table in reversed(list(tables.values())):
            rows = await session.scalar(select(func.count()).select_from(table))
            if rows and not replace and table.name not in SEEDED:
                raise RestoreRefused(
                    f"目标数据库已有数据（表 {table.name} 有 {rows} 行）。请导入到一个空数据库，或加 --replace 先清空。"
                )
            if rows:
                await session.execute(delete(table))
        pending: list[dict] = []
        current: str | None = None
        finished: dict | None = None

        async def flush() -> None:
            if pending and current is not None:
                await session.execute(tables[current].insert(), pending)
                pending.clear()

        for record in _lines(path):
            if "format" in record:
                continue
            if record.get("end"):
                finished = record
                break
            name = record.get("t")
            if name not in tables:
                raise RestoreRefused(f"导出文件里的表 {name} 在本程序的数据库里不存在。")
            if name != current:
                await flush()
                current = name
            columns = decoders[name]
            pending.append({k: columns[k](v) for k, v in record["r"].items() if k in columns})
            counts[name] = counts.get(name, 0) + 1
            if len(pending) >= BATCH:
                await flush()
        await flush()
        if finished is None:
            raise RestoreRefused("导出文件不完整（缺少结尾行），可能在导出或拷贝时被截断；没有导入任何数据。")
        expected = {k: v for k, v in finished.get("counts", {}).items() if v}
        if expected != {k: v for k, v in counts.items() if v}:
            raise RestoreRefused("导出文件的行数与结尾记录不符，文件可能已损坏；没有导入任何数据。")
        if database.dialect == "postgresql":
            await _reset_sequences(session, list(tables.values()))
    return counts

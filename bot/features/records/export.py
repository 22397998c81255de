"""The ledger export (台账): XLSX or CSV, a unique file per export written 0600, every cell safe to open in Excel,
and files removed soon after they were handed over."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import time
import uuid
from pathlib import Path

import xlsxwriter
from sqlalchemy import func, select

from bot.core import clock, ledger
from bot.core.db import Database
from bot.core.models import Branch, LedgerEntry, Member
from bot.core.validation import mask_phone, mask_plate

from . import texts

FORMATS = ("xlsx", "csv")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_PREFIX = "台账-"


def safe_cell(value: object) -> object:
    """A cell that a spreadsheet never runs: text starting with = + - @ tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _write_private(path: Path, data: bytes) -> None:
    """Create a new file readable by the bot's user only (0600); never overwrite one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _csv_bytes(rows: list[list[object]]) -> bytes:
    """UTF-8 with BOM so Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    """One sheet; strings stay strings (never formulas, never links)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(texts.EXPORT_SHEET)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, len(rows[0]) - 1, 14)
    book.close()
    return buffer.getvalue()


def sweep(folder: Path, older_than_seconds: float) -> int:
    """Remove export files older than the setting; returns how many went."""
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than_seconds
    removed = 0
    for path in folder.glob(f"{EXPORT_PREFIX}*"):
        try:
            if path.stat().st_mtime <= limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


class LedgerExports:
    """The ledger export over one database (a part of RecordsService)."""

    database: Database

    async def export_rows(self, branch: Branch, full: bool) -> list[list[object]]:
        """The header and one row per member with their figures; phones and plates masked unless `full`."""
        first = clock.today().replace(day=1)
        async with self.database.reading() as session:
            totals = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.sum(LedgerEntry.points))
                        .where(LedgerEntry.branch_id == branch.id)
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            month = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.sum(LedgerEntry.points))
                        .where(LedgerEntry.branch_id == branch.id, LedgerEntry.day >= first)
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            studies = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.count())
                        .where(
                            LedgerEntry.branch_id == branch.id,
                            LedgerEntry.kind == ledger.STUDY,
                            LedgerEntry.reverses_id.is_(None),
                        )
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            members = (
                await session.scalars(select(Member).where(Member.branch_id == branch.id).order_by(Member.id))
            ).all()
        rows: list[list[object]] = [list(texts.EXPORT_HEADER)]
        for m in members:
            row: list[object] = [
                m.name,
                (m.phone or "") if full else mask_phone(m.phone),
                (m.plate or "") if full else mask_plate(m.plate),
                m.hometown or "",
                m.route or "",
                m.status or texts.PENDING.format(declared=m.declared_status),
                clock.local(m.registered_at).strftime("%Y-%m-%d"),
                texts.LEFT if m.left_at else texts.PRESENT,
                int(studies.get(m.user_key) or 0),
                int(month.get(m.user_key) or 0),
                int(totals.get(m.user_key) or 0),
            ]
            rows.append([safe_cell(value) for value in row])
        return rows

    async def export(self, branch: Branch, folder: Path, full: bool, fmt: str = "csv") -> Path:
        """Write the branch's ledger to a new file of its own (0600) in `folder`; masked unless `full`."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        rows = await self.export_rows(branch, full)
        name = f"{EXPORT_PREFIX}{branch.id}-{clock.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:12]}.{fmt}"
        return await asyncio.to_thread(_store, folder, name, rows, fmt)


def _store(folder: Path, name: str, rows: list[list[object]], fmt: str) -> Path:
    """Render and write one export file (in a worker thread)."""
    data = _xlsx_bytes(rows) if fmt == "xlsx" else _csv_bytes(rows)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    _write_private(path, data)
    return path

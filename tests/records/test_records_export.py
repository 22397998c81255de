"""The ledger export: unique files, 0600, formula-safe cells in CSV and XLSX, removal after a short time."""

from __future__ import annotations

import asyncio
import csv
import os
import stat
import zipfile
from datetime import datetime

import pytest

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.members import MemberRecords
from bot.features.records.export import safe_cell, sweep
from bot.features.records.service import RecordsService

SUPERUSER = Actor("qq", "10000", "5001", "10001")
NASTY = ('=HYPERLINK("http://x","点我")', "+86 贵阳", "-2+3", "@SUM(A1)", "\t=1", "\r=1")


@pytest.fixture
async def branch_with_free_text(database):
    """Members whose 户籍地 and 常跑路线 start like formulas."""
    clock.set_now(datetime(2026, 11, 10, 9, 0, tzinfo=clock.tz()))
    branches = BranchDirectory(database)
    members = MemberRecords(database, Roles(database, branches))
    branch = await branches.open(SUPERUSER, "导出支部")
    for i, text in enumerate(NASTY):
        await members.register(
            Actor("qq", str(i + 1), "5001", "10001"),
            branch,
            {"name": f"司机{i}", "phone": "13812345678", "status": "群众", "hometown": text, "route": text},
        )
    return RecordsService(database), branch


def test_cells_that_start_like_formulas_get_a_quote():
    for text in NASTY:
        assert safe_cell(text) == "'" + text
    assert safe_cell("贵阳") == "贵阳" and safe_cell(3) == 3 and safe_cell("") == ""


async def test_csv_cells_are_escaped(branch_with_free_text, tmp_path):
    service, branch = branch_with_free_text
    path = await service.export(branch, tmp_path, full=True, fmt="csv")
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    assert [r[3] for r in rows[1:]] == ["'" + t for t in NASTY]
    assert [r[4] for r in rows[1:]] == ["'" + t for t in NASTY]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_xlsx_keeps_strings_as_strings(branch_with_free_text, tmp_path):
    service, branch = branch_with_free_text
    path = await service.export(branch, tmp_path, full=False, fmt="xlsx")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    assert "'=HYPERLINK(&quot;http://x&quot;" in strings or '\'=HYPERLINK("http://x"' in strings
    assert "138****5678" in strings and "13812345678" not in strings  # masked


async def test_two_exports_in_the_same_second_never_share_a_file(branch_with_free_text, tmp_path):
    service, branch = branch_with_free_text
    paths = await asyncio.gather(
        *(service.export(branch, tmp_path, full=False, fmt=f) for f in ("csv", "csv", "xlsx", "xlsx"))
    )
    assert len({p.name for p in paths}) == 4
    assert all(p.exists() for p in paths)
    assert len({p.name.split("-")[2] for p in paths}) == 1  # all in one second, still apart


async def test_export_files_are_swept_after_the_setting(branch_with_free_text, tmp_path):
    service, branch = branch_with_free_text
    old = await service.export(branch, tmp_path, full=True)
    fresh = await service.export(branch, tmp_path, full=True)
    os.utime(old, (old.stat().st_atime - 3600, old.stat().st_mtime - 3600))
    (tmp_path / "other.txt").write_text("not an export")
    assert sweep(tmp_path, 600) == 1
    assert not old.exists() and fresh.exists() and (tmp_path / "other.txt").exists()

"""The web view's XLSX exports: the overview's table of a period, the board as filtered, a branch's ledger.

Built in memory (nothing written to disk); strings stay strings (never formulas or links), and every text cell that
a spreadsheet could run gets the same leading ' as the chat's `/台账 导出`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

import xlsxwriter
from fastapi.responses import Response

from bot.core import clock
from bot.features.records.export import safe_cell

from . import texts
from .overview import Overview
from .queries import BoardLine

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "percent"


def workbook(sheet_name: str, title: str, header: Sequence[str], rows: list[list[object]]) -> bytes:
    """One sheet: a title line, a bold frozen header, the rows (numbers as numbers, rates as percentages)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True, "bg_color": "#F3E5E3", "border": 1})
    percent = book.add_format({"num_format": "0.00%"})
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 12}))
    for c, name in enumerate(header):
        sheet.write_string(1, c, name, bold)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, tuple) and value[0] == PERCENT:
                sheet.write_number(r, c, value[1], percent)
            elif isinstance(value, bool) or value is None:
                sheet.write_string(r, c, "" if value is None else ("是" if value else ""))
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(safe_cell(str(value))))
    sheet.freeze_panes(2, 1)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, max(len(header) - 1, 1), 12)
    book.close()
    return buffer.getvalue()


def download(data: bytes, filename: str) -> Response:
    """An XLSX attachment with a Chinese file name (RFC 5987)."""
    disposition = f"attachment; filename*=utf-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


def _pct(value: float) -> tuple[str, float]:
    return (PERCENT, round(value, 4))


def overview_rows(overview: Overview) -> list[list[object]]:
    """One row per unit and the whole's row last, as the overview's table shows them."""
    rows: list[list[object]] = []
    for line in overview.lines:
        f, a, now = line.figures, line.appeals, line.now
        status = [f.by_status.get(s, 0) for s in ("党员", "预备党员", "积极分子", "群众", "待认定")]
        rows.append(
            [
                line.unit.name,
                f.members,
                *status,
                _pct(f.study_rate),
                _pct(f.quiz_rate),
                f.activities,
                f.attendance,
                a.collected,
                a.closed,
                _pct(a.close_rate),
                _pct(a.on_time_rate),
                _pct(a.follow_up_rate),
                _pct(a.satisfaction_rate),
                _pct(a.county_rate),
                now.open,
                now.overdue,
                now.supervised,
            ]
        )
    t, now = overview.totals, overview.now
    rows.append(
        [
            overview.root.name,
            overview.members,
            *([""] * 5),
            _pct(overview.study_rate),
            "",
            sum(line.figures.activities for line in overview.lines),
            sum(line.figures.attendance for line in overview.lines),
            t.collected,
            t.closed,
            _pct(t.close_rate),
            _pct(t.on_time_rate),
            _pct(t.follow_up_rate),
            _pct(t.satisfaction_rate),
            _pct(t.county_rate),
            now.open,
            now.overdue,
            now.supervised,
        ]
    )
    return rows


def _when(moment: datetime | None) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def board_rows(lines: list[BoardLine], left: dict[int, str]) -> list[list[object]]:
    """One row per appeal as the board lists it (no personal data: no phone, description or place)."""
    return [
        [
            line.appeal.number,
            line.appeal.state,
            line.supervised,
            line.appeal.category,
            line.appeal.level or "",
            line.branch,
            line.appeal.department or "",
            _when(line.appeal.received_at),
            line.limit if line.due else "",
            _when(line.due),
            left.get(line.appeal.id, ""),
            _when(line.appeal.closed_at),
            line.appeal.satisfaction or "",
        ]
        for line in lines
    ]


def title(what: str, period: str, at: datetime | None = None) -> str:
    """The first line of a sheet: what, the period, and when its figures were counted (a cached overview's time,
    not the download's)."""
    return texts.EXPORT_TITLE.format(what=what, period=period, at=clock.local(at) if at else clock.now())

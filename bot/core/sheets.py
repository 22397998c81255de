"""Tables people keep in a spreadsheet (the organization, a roster), read from CSV or XLSX as rows with line numbers.

A CSV may be UTF-8 (with or without a BOM, as Excel saves it) or GBK (as older Chinese Excel saves it); an XLSX is
read from its first sheet with openpyxl (values only, no formulas run). Cells are trimmed strings; blank lines are
skipped but keep their numbers, so a reported line is the line the person sees in their spreadsheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

MAX_ROWS = 100_000


class SheetError(ValueError):
    """The file cannot be read as a table."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: its number as the spreadsheet shows it, and its cells by header."""

    line: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        """A cell by its header (empty when absent)."""
        return self.cells.get(name, "")


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GBK."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("文件编码无法识别（请另存为 UTF-8 的 CSV 或 XLSX）")


def _cell(value: object) -> str:
    """A spreadsheet value as text: 13812345678.0 → 13812345678."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every line of a CSV or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # a broken or foreign file: say it cannot be read
            raise SheetError(f"不是有效的 XLSX 文件（{type(error).__name__}）") from None
        try:
            sheet = workbook.worksheets[0]
            return [
                (number, [_cell(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                if number <= MAX_ROWS + 1
            ]
        finally:
            workbook.close()
    text = _decode(path.read_bytes())
    return [(number, [c.strip() for c in cells]) for number, cells in enumerate(csv.reader(io.StringIO(text)), 1)]


def read_table(path: Path | str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[Row]:
    """The rows of a table whose first line names its columns (any order; `required` must be there; others are
    ignored); SheetError when it cannot be read or the header lacks a required column."""
    path = Path(path)
    try:
        lines = _lines(path)
    except FileNotFoundError:
        raise SheetError(f"找不到文件 {path.name}") from None
    except IsADirectoryError:
        raise SheetError(f"{path.name} 是一个文件夹，不是文件") from None
    except PermissionError:
        raise SheetError(f"没有权限读取文件 {path.name}") from None
    except OSError:
        raise SheetError(f"文件 {path.name} 无法读取") from None
    if not lines:
        raise SheetError("文件是空的")
    header = [c.strip().lstrip("\ufeff") for c in lines[0][1]]
    missing = [name for name in required if name not in header]
    if missing:
        raise SheetError(f"表头缺少：{'、'.join(missing)}（第一行应为：{','.join(columns)}）")
    if len(lines) > MAX_ROWS + 1:
        raise SheetError(f"最多 {MAX_ROWS} 行")
    rows = []
    for number, cells in lines[1:]:
        if not any(cells):
            continue
        rows.append(Row(number, {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name}))
    return rows

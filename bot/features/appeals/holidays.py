"""China's working-day calendar that does not run out: official data first, then an imported table, then the law.

For each year, the first source that has it decides every day of that year:

1. `chinese_calendar` (the State Council's notices, bundled; 1.11.0 ends with 2026);
2. a holiday table imported from the State Council notice into `<data dir>/holidays/<year>.csv`
   (`python -m bot.admin holidays import <file>`; format in `data/holidays/README.md`:
   `date,kind,name` with kind `假日` or `调休上班`);
3. the statutory holidays computed from the law (全国年节及纪念日放假办法, as amended for 2025): 元旦 1-1;
   春节 除夕 to 初三 (lunar, by `lunardate`); 清明 (the solar term, April 4 or 5); 劳动节 5-1 and 5-2;
   端午 (lunar 5-5); 中秋 (lunar 8-15); 国庆 10-1 to 10-3. Weekends are rest days; the 调休 swaps of a year
   without a notice cannot be known, so none are assumed — no holiday ever counts as a working day.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
from chinese_calendar import constants as _official
from lunardate import LunarDate

HOLIDAY, WORKDAY = "假日", "调休上班"
KINDS = (HOLIDAY, WORKDAY)
COVERAGE_DAYS = 60
_OFFICIAL_LAST = max(_official.holidays).year


class TableError(ValueError):
    """A holiday table that cannot be read; the message names the line."""


def qingming(year: int) -> date:
    """清明: the solar term by the standard formula for 2001–2099 (day = ⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋, Y = year % 100)."""
    y = year % 100
    return date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def _solar(year: int, month: int, day: int) -> date:
    """The solar date of a lunar date."""
    return LunarDate(year, month, day).to_solar_date()  # pyright: ignore[reportAttributeAccessIssue]


def statutory_holidays(year: int) -> dict[date, str]:
    """The holidays the law gives every year (without the 调休 swaps a notice adds)."""
    new_year = _solar(year, 1, 1)
    days = {date(year, 1, 1): "元旦"}
    for offset in range(-1, 3):  # 除夕, 初一, 初二, 初三
        days[new_year + timedelta(days=offset)] = "春节"
    days[qingming(year)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_solar(year, 5, 5)] = "端午节"
    days[_solar(year, 8, 15)] = "中秋节"
    for day in (1, 2, 3):
        days[date(year, 10, day)] = "国庆节"
    return days


def read_table(path: Path) -> dict[date, tuple[str, str]]:
    """A holiday table: `date,kind,name` rows (a header line is allowed); raises TableError naming the line."""
    rows: dict[date, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
                continue
            if number == 1 and row[0].strip().lower() == "date":
                continue
            if len(row) < 2:
                raise TableError(f"line {number}: expected date,kind,name")
            try:
                day = date.fromisoformat(row[0].strip())
            except ValueError:
                raise TableError(f"line {number}: {row[0].strip()!r} is not a date (YYYY-MM-DD)") from None
            kind = row[1].strip()
            if kind not in KINDS:
                raise TableError(f"line {number}: kind must be {' or '.join(KINDS)}, not {kind!r}")
            rows[day] = (kind, row[2].strip() if len(row) > 2 else "")
    return rows


@dataclass
class HolidayCalendar:
    """Working days from the three sources, year by year; tables are read once per year."""

    table_dir: Path | None = None
    _tables: dict[int, dict[date, tuple[str, str]] | None] = field(default_factory=dict)
    _statutory: dict[int, dict[date, str]] = field(default_factory=dict)
    # The package's answers, kept: its own check costs ~20 µs a date, and 超期 asks for thousands of dates at once.
    _official: dict[date, bool] = field(default_factory=dict)

    def forget(self) -> None:
        """Re-read the tables (after an import)."""
        self._tables.clear()

    def _table(self, year: int) -> dict[date, tuple[str, str]] | None:
        if year not in self._tables:
            path = self.table_dir / f"{year}.csv" if self.table_dir else None
            self._tables[year] = read_table(path) if path is not None and path.is_file() else None
        return self._tables[year]

    def source(self, year: int) -> str:
        """Which source decides a year: "official", "table" or "statutory"."""
        if year <= _OFFICIAL_LAST:
            return "official"
        return "table" if self._table(year) is not None else "statutory"

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day in mainland China."""
        source = self.source(day.year)
        if source == "official":
            known = self._official.get(day)
            if known is None:
                known = self._official[day] = chinese_calendar.is_workday(day)
            return known
        if source == "table":
            table = self._table(day.year) or {}
            if day in table:
                return table[day][0] == WORKDAY
            return day.weekday() < 5
        if day.year not in self._statutory:
            self._statutory[day.year] = statutory_holidays(day.year)
        return day.weekday() < 5 and day not in self._statutory[day.year]

    def uncovered_years(self, today: date, days: int = COVERAGE_DAYS) -> list[int]:
        """Years within the next `days` days that neither official data nor an imported table covers."""
        years = sorted({today.year, (today + timedelta(days=days)).year})
        return [year for year in years if self.source(year) == "statutory"]

    def import_table(self, source: Path) -> list[int]:
        """Check a table and store it per year under `table_dir`; returns the years stored."""
        if self.table_dir is None:
            raise TableError("no holiday directory configured")
        rows = read_table(source)
        if not rows:
            raise TableError("the table has no rows")
        by_year: dict[int, list[tuple[date, str, str]]] = {}
        for day, (kind, name) in sorted(rows.items()):
            by_year.setdefault(day.year, []).append((day, kind, name))
        self.table_dir.mkdir(parents=True, exist_ok=True)
        for year, entries in by_year.items():
            target = self.table_dir / f"{year}.csv"
            with target.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["date", "kind", "name"])
                for day, kind, name in entries:
                    writer.writerow([day.isoformat(), kind, name])
        self.forget()
        return sorted(by_year)


def default_table_dir() -> Path:
    """`<DATA_DIR>/holidays`: where imported tables live."""
    from bot.core.settings import get_settings

    return get_settings().data_dir / "holidays"


_calendar: list[HolidayCalendar] = []


def calendar() -> HolidayCalendar:
    """The process's calendar over `<DATA_DIR>/holidays` (built on first use)."""
    if not _calendar:
        _calendar.append(HolidayCalendar(default_table_dir()))
    return _calendar[0]


def use_calendar(replacement: HolidayCalendar) -> HolidayCalendar:
    """Swap the process's calendar (tests); returns the old one."""
    old = calendar()
    _calendar[:] = [replacement]
    return old


def coverage_warning(today: date) -> str | None:
    """A warning for /状态 when the next 60 days are not covered by official data (None when they are)."""
    from .texts import CALENDAR_NOT_COVERED

    years = calendar().uncovered_years(today)
    if not years:
        return None
    return CALENDAR_NOT_COVERED.format(years="、".join(str(y) for y in years))

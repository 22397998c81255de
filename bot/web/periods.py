"""The period every figure of the web view is for: a month, a quarter, a year, everything, or a range of days.

A period travels as one query parameter (`period=2026-12`, `2026-Q4`, `2026`, `all`, `2026-01-01~2026-06-30`) and is
remembered in a cookie, so it is chosen once and kept while navigating; nothing about it is kept on the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from . import texts

COOKIE = "redwheel_period"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$")
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """Days [start, end) — start None: from the beginning; end None: up to now."""

    kind: str  # month, quarter, year, all, range
    start: date | None
    end: date | None
    value: str  # the canonical query parameter
    label: str

    def contains(self, day: date) -> bool:
        """Whether a day lies in the period."""
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)

    def last_day(self, today: date) -> date:
        """The period's last day, no later than today."""
        return min(self.end - timedelta(days=1), today) if self.end is not None else today

    def days(self, today: date, first_data_day: date) -> int:
        """Days of the period so far (at least 1): the denominator of a daily rate."""
        start = self.start or first_data_day
        return max((self.last_day(today) - start).days + 1, 1)

    def board_dates(self) -> tuple[str, str]:
        """The period as the board's received-from / received-to filter (inclusive days, ISO)."""
        start = self.start.isoformat() if self.start else ""
        end = (self.end - timedelta(days=1)).isoformat() if self.end else ""
        return start, end


def month_end(first: date) -> date:
    """The first day of the next month."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def month(first: date) -> Period:
    """A calendar month."""
    first = first.replace(day=1)
    return Period("month", first, month_end(first), f"{first:%Y-%m}", texts.MONTH.format(y=first.year, m=first.month))


def quarter(year: int, number: int) -> Period:
    """A calendar quarter."""
    first = date(year, 3 * number - 2, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period("quarter", first, end, f"{year}-Q{number}", texts.QUARTER.format(y=year, q=texts.QUARTERS[number]))


def year(number: int) -> Period:
    """A calendar year."""
    return Period("year", date(number, 1, 1), date(number + 1, 1, 1), str(number), texts.YEAR.format(y=number))


def everything() -> Period:
    """All appeals and participation ever recorded (累计)."""
    return Period("all", None, None, "all", texts.ALL)


def days(first: date, last: date) -> Period:
    """A range of days, both included."""
    first, last = min(first, last), max(first, last)
    value = f"{first.isoformat()}~{last.isoformat()}"
    return Period("range", first, last + timedelta(days=1), value, texts.RANGE.format(a=first, b=last))


def parse(value: str | None) -> Period | None:
    """A period from its query parameter; None when it is not one (or absurd)."""
    text = (value or "").strip()
    try:
        if text == "all":
            return everything()
        if match := _MONTH.match(text):
            return month(date(int(match[1]), int(match[2]), 1))
        if match := _QUARTER.match(text):
            return quarter(int(match[1]), int(match[2]))
        if match := _YEAR.match(text):
            return year(int(match[1])) if int(match[1]) >= EARLIEST.year else None
        if match := _RANGE.match(text):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            return days(first, last) if min(first, last) >= EARLIEST else None
    except ValueError:
        return None
    return None


def from_range(first: str, last: str) -> Period | None:
    """A custom range from two date inputs (YYYY-MM-DD); None unless both are dates."""
    return parse(f"{first.strip()}~{last.strip()}") if first.strip() and last.strip() else None


def default(today: date) -> Period:
    """This month: a year is one choice away, but a province's year of members' rates reads a year of the ledger
    (seconds), too slow for the page everyone opens first; the state now shows beside whatever is chosen."""
    return month(today)


def choices(today: date) -> list[Period]:
    """The periods offered in the picker."""
    this_quarter = (today.month - 1) // 3 + 1
    last_quarter = quarter(today.year, this_quarter - 1) if this_quarter > 1 else quarter(today.year - 1, 4)
    last_month = month((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    return [
        month(today),
        last_month,
        quarter(today.year, this_quarter),
        last_quarter,
        year(today.year),
        year(today.year - 1),
        everything(),
    ]


def months_back(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first (this month last)."""
    firsts = [today.replace(day=1)]
    for _ in range(count - 1):
        firsts.append((firsts[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(firsts))

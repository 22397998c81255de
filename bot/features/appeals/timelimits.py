"""Working-day time limits (the transport hotline's "2252" rule) that know China's holidays and make-up days.

`chinese_calendar` knows each year's holidays and 调休 working weekends once the State Council publishes them;
for a year it does not know, Monday to Friday count as working days and a warning is logged once per year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in mainland China."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar has no data for %s; counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day `days` working days after `start` (a start on a rest day counts from the next working day).

    Friday 15:00 + 2 working days is Tuesday 15:00 in an ordinary week.
    """
    current = start
    if not is_working_day(current.date()):
        while not is_working_day(current.date()):
            current += timedelta(days=1)
        current = current.replace(hour=0, minute=0, second=0, microsecond=0)
        days -= 1  # the first working day after a rest day counts in full
        if days < 0:
            return current
        # the limit ends at the end of that many further working days
        current = current.replace(hour=23, minute=59, second=0)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    return current


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days elapsed from `start` to `end` (for statistics), by whole days."""
    if end <= start:
        return 0.0
    count = 0
    day = start.date()
    while day < end.date():
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return float(count)


@dataclass(frozen=True)
class TimeLimits:
    """Time limits; all are settings. Defaults follow the "2252" rule; 紧急 appeals are handled at once."""

    transfer_hours: float = 2
    feedback_working_days: int = 2
    close_working_days: int = 5
    follow_up_working_days: int = 2
    urgent_transfer_minutes: int = 30
    urgent_close_hours: float = 24
    remind_fraction: float = 0.8


@dataclass(frozen=True)
class Deadlines:
    """When an accepted appeal must be transferred, answered and closed."""

    transfer_due: datetime
    feedback_due: datetime
    close_due: datetime


def compute_deadlines(accepted_at: datetime, level: str, limits: TimeLimits) -> Deadlines:
    """Deadlines for an appeal accepted at `accepted_at` with level 紧急 or 一般."""
    if level == "紧急":
        close = accepted_at + timedelta(hours=limits.urgent_close_hours)
        return Deadlines(accepted_at + timedelta(minutes=limits.urgent_transfer_minutes), close, close)
    return Deadlines(
        accepted_at + timedelta(hours=limits.transfer_hours),
        add_working_days(accepted_at, limits.feedback_working_days),
        add_working_days(accepted_at, limits.close_working_days),
    )


def follow_up_due(closed_at: datetime, limits: TimeLimits) -> datetime:
    """The end of the follow-up window after closing."""
    return add_working_days(closed_at, limits.follow_up_working_days)


def reminder_at(start: datetime, due: datetime, limits: TimeLimits) -> datetime:
    """When to send 催办: once `remind_fraction` of the time has passed."""
    return start + (due - start) * limits.remind_fraction

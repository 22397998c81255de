"""Working-day time limits (the transport hotline's "2252" rule) that know China's holidays and make-up days.

Which days are working days comes from `holidays.calendar()`: official data, an imported table, or the statutory
holidays computed from the law — so no holiday ever counts as a working day, whatever the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from .holidays import calendar


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in mainland China."""
    return calendar().is_working_day(day)


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


def working_days_in(first: date, last: date) -> int:
    """Working days from `first` to `last`, both included."""
    count, day = 0, first
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


@dataclass(frozen=True)
class TimeLimits:
    """Time limits; all are settings. Defaults follow the "2252" rule; 紧急 appeals are handled at once. Each level an
    appeal climbs to (县, 市, 省) runs its own limits from when it got the appeal (`at`)."""

    accept_hours: float = 24
    transfer_hours: float = 2
    feedback_working_days: int = 2
    opinion_working_days: int = 3
    close_working_days: int = 5
    follow_up_working_days: int = 2
    urgent_transfer_minutes: int = 30
    urgent_close_hours: float = 24
    remind_fraction: float = 0.8
    by_level: dict[str, TimeLimits] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def at(self, level: str | None) -> TimeLimits:
        """The limits of the level holding an appeal (支部: these)."""
        return self.by_level.get(level or "", self)

    def with_levels(self, overrides: dict[str, dict[str, Any]]) -> TimeLimits:
        """These limits for a branch, and for each level those with its overrides (unknown names are refused)."""
        known = {f.name for f in fields(self)} - {"by_level"}
        levels = {}
        for level, values in overrides.items():
            wrong = set(values) - known
            if wrong:
                raise ValueError(f"unknown time limit for {level}: {', '.join(sorted(wrong))}")
            levels[level] = replace(self, **values, by_level={})
        return replace(self, by_level=levels)


# An appeal raised to a committee is taken up (受理) within two hours — the 2 of "2252" — and then runs the same
# cycle as at its branch; each setting APPEALS_<LEVEL>_LIMITS overrides any of these per level.
LEVEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "县": {"accept_hours": 2},
    "市": {"accept_hours": 2},
    "省": {"accept_hours": 2},
}


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


def accept_due(received_at: datetime, limits: TimeLimits) -> datetime:
    """By when a new appeal must be accepted (or returned): `accept_hours` after it came in."""
    return received_at + timedelta(hours=limits.accept_hours)


def opinion_due(accepted_at: datetime, level: str, limits: TimeLimits) -> datetime:
    """By when the handler must give a handling opinion (办理意见): working days after acceptance; 紧急 at the close."""
    if level == "紧急":
        return accepted_at + timedelta(hours=limits.urgent_close_hours)
    return add_working_days(accepted_at, limits.opinion_working_days)


def follow_up_due(closed_at: datetime, limits: TimeLimits) -> datetime:
    """The end of the follow-up window after closing."""
    return add_working_days(closed_at, limits.follow_up_working_days)


def reminder_at(start: datetime, due: datetime, limits: TimeLimits) -> datetime:
    """When to send 催办: once `remind_fraction` of the time has passed."""
    return start + (due - start) * limits.remind_fraction

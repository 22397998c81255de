"""Participation rates, each defined once, for chat (`/学习 统计`, `/月报`) and the web view alike.

- A period's members: registered in the branch before the period ends and still there at its end (now, for a
  period in progress) — this month's members are the ones `/支部` counts.
- A members' rate = what members did while members ÷ what they could do: the days each was a member within the
  period's days begun (member-days; a check-in or an answer is at most one a person a day), so it never passes
  100 %, a driver who joined today is not counted for the days before, and one who moved to another branch keeps
  what they did here as a member's. What people who are no members did is counted BESIDE the rate
  (`others`), never in it: a group of mostly unregistered drivers shows a true members' rate and how many others
  took part.
- 参与 (active share) = members with any participation in the period ÷ members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from . import clock, ledger
from .models import LedgerEntry, Member


@dataclass(frozen=True)
class Rate:
    """A members' rate: `done` by members out of `possible` (member-days); `others` by non-members, beside it."""

    done: int = 0
    possible: int = 0
    others: int = 0

    @property
    def value(self) -> float:
        """done ÷ possible (0 when nobody could)."""
        return self.done / self.possible if self.possible else 0.0

    @property
    def total(self) -> int:
        """Everything done, by members and others."""
        return self.done + self.others

    def __add__(self, other: Rate) -> Rate:
        """Rates of several branches together (done, possible and others add up)."""
        return Rate(self.done + other.done, self.possible + other.possible, self.others + other.others)


NO_RATE = "—"  # a rate with nothing behind it (no members, no answers, nothing closed): not a 0 % nobody earned


def percent(value: float, base: int, digits: int = 0) -> str:
    """A rate as chat shows it (`digits` after the point), or 「—」 when nothing is behind it (`base` 0)."""
    return f"{value:.{digits}%}" if base else NO_RATE


def days_counted(first: date, end: date, today: date | None = None) -> int:
    """The days of [first, end) that have begun (a month in progress counts up to today), at least 1."""
    today = today or clock.today()
    return max((min(end, today + timedelta(days=1)) - first).days, 1)


def _in(column, ids: Iterable[int] | None):
    """A condition limiting to some branches (None: all)."""
    return true() if ids is None else column.in_(list(ids))


def present(end: date):
    """The members of a period: registered before its end and still there at its end (for a period in progress:
    now) — so this month's members are those `/支部` counts, and a past month keeps who left only later."""
    end_at = clock.day_bounds(end)[0]
    return and_(Member.registered_at < end_at, or_(Member.left_at.is_(None), Member.left_at >= end_at))


async def members(session: AsyncSession, branch_ids: Iterable[int] | None, first: date, end: date) -> dict[int, int]:
    """How many members each branch had in [first, end)."""
    rows = await session.execute(
        select(Member.branch_id, func.count())
        .where(_in(Member.branch_id, branch_ids), present(end))
        .group_by(Member.branch_id)
    )
    return {branch_id: int(count) for branch_id, count in rows.all() if branch_id is not None}


def _member_when_made():
    """A ledger line made while its person was a member of its branch."""
    return and_(
        Member.branch_id == LedgerEntry.branch_id,
        Member.user_key == LedgerEntry.user_key,
        Member.registered_at <= LedgerEntry.at,
        or_(Member.left_at.is_(None), Member.left_at > LedgerEntry.at),
    )


async def member_days(
    session: AsyncSession, branch_ids: Iterable[int] | None, first: date, end: date
) -> dict[int, int]:
    """Each branch's member-days in the days of [first, end) begun: a member counts from the day they joined to the
    day they left (both included), never before the period or after today."""
    stop = min(end, clock.today() + timedelta(days=1))
    first_at, stop_at = clock.day_bounds(first)[0], clock.day_bounds(stop)[0]
    rows = await session.execute(
        select(Member.branch_id, Member.registered_at, Member.left_at).where(
            _in(Member.branch_id, branch_ids),
            Member.registered_at < stop_at,
            or_(Member.left_at.is_(None), Member.left_at >= first_at),
        )
    )
    found: dict[int, int] = {}
    for branch_id, registered_at, left_at in rows.all():
        if branch_id is None:
            continue
        start = max(first, clock.local(registered_at).date())
        until = stop if left_at is None else min(stop, clock.local(left_at).date() + timedelta(days=1))
        found[branch_id] = found.get(branch_id, 0) + max((until - start).days, 0)
    return found


async def ledger_rates(
    session: AsyncSession, kinds: Iterable[str], branch_ids: Iterable[int] | None, first: date, end: date
) -> dict[tuple[int, str], Rate]:
    """The members' rate of each ledger kind in each branch over [first, end): lines made by members while members ÷
    member-days, lines by anyone else (or by a member before joining) beside it. Reversal lines are no participation."""
    kinds, branch_ids = tuple(kinds), None if branch_ids is None else tuple(branch_ids)
    counted = await member_days(session, branch_ids, first, end)
    # Lines by members counted by a column every member has that the index ix_member_present holds (no table read).
    rows = await session.execute(
        select(LedgerEntry.branch_id, LedgerEntry.kind, func.count(Member.registered_at), func.count())
        .outerjoin(Member, _member_when_made())
        .where(
            _in(LedgerEntry.branch_id, branch_ids),
            LedgerEntry.day >= first,
            LedgerEntry.day < end,
            LedgerEntry.kind.in_(list(kinds)),
            LedgerEntry.reverses_id.is_(None),
        )
        .group_by(LedgerEntry.branch_id, LedgerEntry.kind)
    )
    found = {
        (branch_id, kind): Rate(int(by_members), counted.get(branch_id, 0), int(every) - int(by_members))
        for branch_id, kind, by_members, every in rows.all()
        if branch_id is not None
    }
    for branch_id in set(counted) | set(branch_ids or ()):
        for kind in kinds:
            found.setdefault((branch_id, kind), Rate(0, counted.get(branch_id, 0), 0))
    return found


async def active_members(
    session: AsyncSession, branch_ids: Iterable[int] | None, first: date, end: date
) -> dict[int, int]:
    """Members of the period with any participation in it (reversal lines and work such as handling appeals
    excluded), by branch."""
    member = and_(Member.branch_id == LedgerEntry.branch_id, Member.user_key == LedgerEntry.user_key, present(end))
    rows = await session.execute(
        select(LedgerEntry.branch_id, func.count(func.distinct(LedgerEntry.user_key)))
        .join(Member, member)
        .where(
            _in(LedgerEntry.branch_id, branch_ids),
            LedgerEntry.day >= first,
            LedgerEntry.day < end,
            LedgerEntry.reverses_id.is_(None),
            LedgerEntry.kind.not_in(list(ledger.WORK)),
        )
        .group_by(LedgerEntry.branch_id)
    )
    return {branch_id: int(count) for branch_id, count in rows.all() if branch_id is not None}

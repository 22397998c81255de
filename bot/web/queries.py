"""Read-only queries of the web view that the services do not offer in bulk (one query for all branches at once).

Each grouped figure here follows a service's definition exactly (the appeals' `Stats`, the study `DayStats`, the
monthly report's check-in rate); tests/web checks, branch by branch, that both give the same numbers.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true

from bot.core import clock, ledger
from bot.core.models import Branch, LedgerEntry, Member, OutboxItem
from bot.features.appeals import deadlines, rules
from bot.features.appeals.deadlines import Limit
from bot.features.appeals.models import Appeal, AppealAlert
from bot.features.appeals.service import Stats
from bot.features.appeals.timelimits import reminder_at
from bot.features.records.models import Activity, ActivitySignup
from bot.features.study.models import StudyCheckin
from bot.features.study.service import PUSH_PURPOSE
from bot.services import Services

from . import texts

UNCONFIRMED = "待认定"
FEW_BRANCHES = 8


@dataclass
class BranchFigures:
    """One branch's line of the overview: participation in the period, today's check-ins, the period's appeals."""

    branch_id: int
    name: str
    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    checked_today: int = 0
    checkins: int = 0
    quiz: int = 0
    activities: int = 0
    attendance: int = 0
    rate_members: int = 0
    rate_days: int = 1
    appeals: Stats = field(default_factory=lambda: Stats(0, 0, 0, None, 0, 0, 0, []))
    last_push: datetime | None = None

    @property
    def today_rate(self) -> float:
        """Today's check-in rate of registered members (as `/学习 统计`)."""
        return self.checked_today / self.members if self.members else 0.0

    @property
    def quiz_rate(self) -> float:
        """The period's answers to the daily question ÷ (members × days of the period so far)."""
        return self.quiz / (self.rate_members * self.rate_days) if self.rate_members else 0.0

    @property
    def study_rate(self) -> float:
        """The period's check-in rate (as `/月报` for a month): check-ins ÷ (members × days of the period so far)."""
        return self.checkins / (self.rate_members * self.rate_days) if self.rate_members else 0.0


def month_bounds(first: date) -> tuple[date, date]:
    """The first day of a month and of the next."""
    end = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, end


def _in(column, ids: Iterable[int] | None):
    """A condition limiting to some branches (None: all)."""
    return true() if ids is None else column.in_(list(ids))


async def branch_figures(
    services: Services, branch_ids: Iterable[int] | None, start: date | None, end: date | None
) -> list[BranchFigures]:
    """The overview's figures of the branches in scope (None: every active branch) for the days [start, end) (start
    None: since each branch opened; end None: up to today), in a few grouped queries."""
    ids = None if branch_ids is None else sorted(set(branch_ids))
    today = clock.today()
    last = min(end, today + timedelta(days=1)) if end is not None else today + timedelta(days=1)
    end_at = clock.day_bounds(end)[0] if end is not None else None
    start_at = clock.day_bounds(start)[0] if start is not None else None
    async with services.database.reading() as session:
        branches = (
            await session.execute(
                select(Branch.id, Branch.name, Branch.group_id, Branch.created_at)
                .where(Branch.active, _in(Branch.id, ids))
                .order_by(Branch.id)
            )
        ).all()
        rows = {
            b.id: BranchFigures(
                b.id, b.name, rate_days=max((last - (start or clock.local(b.created_at).date())).days, 1)
            )
            for b in branches
        }
        groups = {b.group_id: b.id for b in branches}
        present = and_(Member.left_at.is_(None), _in(Member.branch_id, ids))
        for branch_id, status, count in await session.execute(
            select(Member.branch_id, Member.status, func.count())
            .where(present)
            .group_by(Member.branch_id, Member.status)
        ):
            if branch_id in rows:
                label = status or UNCONFIRMED
                rows[branch_id].by_status[label] = rows[branch_id].by_status.get(label, 0) + count
                rows[branch_id].members += count
        for branch_id, count in await session.execute(
            select(StudyCheckin.branch_id, func.count())
            .join(Member, and_(Member.branch_id == StudyCheckin.branch_id, Member.user_key == StudyCheckin.user_key))
            .where(StudyCheckin.day == today, present)
            .group_by(StudyCheckin.branch_id)
        ):
            if branch_id in rows:
                rows[branch_id].checked_today = count
        in_period: list[Any] = [_in(Member.branch_id, ids)]
        if end_at is not None:
            in_period.append(Member.registered_at < end_at)
        if start_at is not None:
            in_period.append(or_(Member.left_at.is_(None), Member.left_at >= start_at))
        for branch_id, count in await session.execute(
            select(Member.branch_id, func.count()).where(*in_period).group_by(Member.branch_id)
        ):
            if branch_id in rows:
                rows[branch_id].rate_members = count
        days: list[Any] = [_in(LedgerEntry.branch_id, ids)]
        if start is not None:
            days.append(LedgerEntry.day >= start)
        if end is not None:
            days.append(LedgerEntry.day < end)
        for branch_id, kind, count in await session.execute(
            select(LedgerEntry.branch_id, LedgerEntry.kind, func.count())
            .where(*days, LedgerEntry.kind.in_((ledger.STUDY, ledger.QUIZ)), LedgerEntry.reverses_id.is_(None))
            .group_by(LedgerEntry.branch_id, LedgerEntry.kind)
        ):
            if branch_id in rows and kind == ledger.STUDY:
                rows[branch_id].checkins = count
            elif branch_id in rows:
                rows[branch_id].quiz = count
        starts: list[Any] = [_in(Activity.branch_id, ids), Activity.status == "open"]
        if start_at is not None:
            starts.append(Activity.starts_at >= start_at)
        if end_at is not None:
            starts.append(Activity.starts_at < end_at)
        for branch_id, activities, attendance in await session.execute(
            select(Activity.branch_id, func.count(func.distinct(Activity.id)), func.count(ActivitySignup.checked_in_at))
            .outerjoin(ActivitySignup, ActivitySignup.activity_id == Activity.id)
            .where(*starts)
            .group_by(Activity.branch_id)
        ):
            if branch_id in rows:
                rows[branch_id].activities, rows[branch_id].attendance = activities, attendance
        for target, sent in await session.execute(
            select(OutboxItem.target_id, func.max(OutboxItem.sent_at))
            .where(
                OutboxItem.purpose == PUSH_PURPOSE,
                OutboxItem.target_kind == "group",
                OutboxItem.sent_at.is_not(None),
            )
            .group_by(OutboxItem.target_id)
        ):
            if target in groups:
                rows[groups[target]].last_push = sent
    # The appeal service's own figures, keyed by branch name (names are unique): a few branches one by one (each an
    # indexed read), the province in one grouped pass.
    named: dict[str, Stats] = {}
    if ids is not None and len(ids) <= FEW_BRANCHES:
        for branch_id in ids:
            named |= await services.appeals.figures(branch_id, start, end, "branch")
    else:
        named = await services.appeals.figures(None, start, end, "branch")
    for row in rows.values():
        if row.name in named:
            row.appeals = named[row.name]
    return list(rows.values())


@dataclass(frozen=True)
class MonthTrend:
    """One month of the trends: appeals received, closed (by month of closure) and their answers, check-ins."""

    first: date
    collected: int
    closed: int
    answered: int
    satisfied: int
    checkins: int
    members: int
    days: int

    @property
    def satisfaction_rate(self) -> float:
        """满意率 of the appeals closed in the month (as the figures define it: satisfied ÷ answered)."""
        return self.satisfied / self.answered if self.answered else 0.0

    @property
    def study_rate(self) -> float:
        """The month's check-in rate, as the overview's line for that month: check-ins ÷ (members × days so far)."""
        return self.checkins / (self.members * self.days) if self.members else 0.0


async def monthly_trend(services: Services, branch_ids: Iterable[int] | None, firsts: list[date]) -> list[MonthTrend]:
    """For each month (its first day, oldest first): 收集 by month received, 办结 and 满意率 by month of closure,
    and the check-in rate — one pass over each table, whatever the number of months."""
    ids = None if branch_ids is None else list(branch_ids)
    ends = [month_bounds(first)[1] for first in firsts]
    bounds = [(clock.day_bounds(a)[0], clock.day_bounds(b)[0]) for a, b in zip(firsts, ends, strict=True)]
    today = clock.today()
    first_at, last_at = bounds[0][0], bounds[-1][1]
    collected, closed, answered, satisfied = ([0] * len(firsts) for _ in range(4))
    async with services.database.reading() as session:
        # Each row is put in its month once (a CASE over the bounds), not tested against every month.
        received = _bucket(Appeal.received_at, bounds)
        for n, count in await session.execute(
            select(received, func.count())
            .where(_in(Appeal.branch_id, ids), Appeal.received_at >= first_at, Appeal.received_at < last_at)
            .group_by(received)
        ):
            collected[n] = int(count)
        closing = _bucket(Appeal.closed_at, bounds)
        for n, count, answers, content in await session.execute(
            select(
                closing,
                func.count(),
                func.count().filter(Appeal.satisfaction.in_(rules.ANSWERS)),
                func.count().filter(Appeal.satisfaction.in_(rules.SATISFIED)),
            )
            .where(
                _in(Appeal.branch_id, ids),
                Appeal.state.in_(rules.DONE),
                Appeal.closed_at >= first_at,
                Appeal.closed_at < last_at,
            )
            .group_by(closing)
        ):
            closed[n], answered[n], satisfied[n] = int(count), int(answers), int(content)
        per_day = await session.execute(
            select(LedgerEntry.day, func.count())
            .where(
                _in(LedgerEntry.branch_id, ids),
                LedgerEntry.kind == ledger.STUDY,
                LedgerEntry.day >= firsts[0],
                LedgerEntry.day < ends[-1],
                LedgerEntry.reverses_id.is_(None),
            )
            .group_by(LedgerEntry.day)
        )  # by day (an index range), summed by month here
        checkins = [0] * len(firsts)
        for day, count in per_day:
            checkins[bisect_right(firsts, day) - 1] += int(count)
        members = (
            await session.execute(
                select(
                    *(
                        func.count().filter(
                            Member.registered_at < end, or_(Member.left_at.is_(None), Member.left_at >= start)
                        )
                        for start, end in bounds
                    )
                ).where(_in(Member.branch_id, ids))
            )
        ).one()
    trend = []
    for n, first in enumerate(firsts):
        elapsed = max((min(ends[n], today + timedelta(days=1)) - first).days, 1)
        trend.append(
            MonthTrend(first, collected[n], closed[n], answered[n], satisfied[n], checkins[n], int(members[n]), elapsed)
        )
    return trend


def _bucket(column: Any, bounds: list[tuple[datetime, datetime]]) -> Any:
    """The index of the month a time falls in (rows are filtered to the months' span first)."""
    return case(*((column < end, n) for n, (_, end) in enumerate(bounds)), else_=len(bounds) - 1)


WAITING = (rules.PENDING, *rules.OPEN)  # in progress now: not closed, not ended


@dataclass
class NowState:
    """Appeals in progress now, those past one of their limits now, and those under 督办 now — no period hides them."""

    open: int = 0
    overdue: int = 0
    supervised: int = 0

    def add(self, other: NowState) -> None:
        """Add another unit's counts."""
        self.open += other.open
        self.overdue += other.overdue
        self.supervised += other.supervised


async def overdue_now(services: Services, conditions: list[Any]) -> dict[int, Limit]:
    """Appeals in progress past one of their limits now (as /诉求 超期 finds them): appeal id → the limit passed."""
    found = await deadlines.overdue(services.appeals, [*conditions, Appeal.state.in_(WAITING)])
    return {item.appeal.id: item.limit for item in found}


def _supervised():
    """The condition: an appeal with a 督办 sent for any of its limits."""
    return select(AppealAlert.appeal_id).where(AppealAlert.kind.like("%督办")).scalar_subquery()


async def now_state(services: Services, branch_ids: Iterable[int] | None) -> dict[int | None, NowState]:
    """The state now of each branch's appeals (key None: appeals of no branch)."""
    ids = None if branch_ids is None else list(branch_ids)
    states: dict[int | None, NowState] = {}
    in_scope = _in(Appeal.branch_id, ids)
    async with services.database.reading() as session:
        for branch_id, count, supervised in await session.execute(
            select(Appeal.branch_id, func.count(), func.count().filter(Appeal.id.in_(_supervised())))
            .where(in_scope, Appeal.state.in_(WAITING))
            .group_by(Appeal.branch_id)
        ):
            states[branch_id] = NowState(count, 0, supervised)
    late = await deadlines.overdue(services.appeals, [in_scope, Appeal.state.in_(WAITING)])
    for item in late:
        states.setdefault(item.appeal.branch_id, NowState()).overdue += 1
    return states


@dataclass(frozen=True)
class BoardLine:
    """An appeal on the board, with the time left to its next limit (or how long past the one it missed)."""

    appeal: Appeal
    branch: str
    limit: str
    due: datetime | None
    left: timedelta | None
    flag: str  # "red" past a limit, "amber" near it, "" otherwise
    supervised: bool


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: a unit's appeals, of a department, category and state, received in a range of days,
    or the one with a number."""

    branch_ids: frozenset[int] | None = None
    department: str = ""
    category: str = ""
    state: str = ""  # "" in progress, 超期, 督办, 全部, or a workflow state
    since: date | None = None
    until: date | None = None  # included
    number: str = ""

    def conditions(self) -> list[Any]:
        """The conditions besides the state's."""
        found: list[Any] = []
        if self.branch_ids is not None:
            found.append(Appeal.branch_id.in_(list(self.branch_ids)))
        if self.department:
            found.append(
                Appeal.department.is_(None)
                if self.department == texts.UNASSIGNED
                else Appeal.department == self.department
            )
        if self.category:
            found.append(Appeal.category == self.category)
        if self.since is not None:
            found.append(Appeal.received_at >= clock.day_bounds(self.since)[0])
        if self.until is not None:
            found.append(Appeal.received_at < clock.day_bounds(self.until + timedelta(days=1))[0])
        if self.number:
            exact = rules.parse_number(self.number)
            found.append(
                Appeal.number == exact
                if exact
                else Appeal.number.contains(self.number.strip().upper(), autoescape=True)
            )
        return found

    @property
    def in_progress(self) -> bool:
        """Whether the board shows appeals in progress (ordered by their limit) rather than a history."""
        return self.state in ("", texts.OVERDUE_NOW, texts.SUPERVISED_NOW)


def appeal_scope(committee: bool, branch_ids: Iterable[int], departments: Iterable[str]):
    """The condition on appeals a viewer may see."""
    if committee:
        return true()
    branch_ids, departments = list(branch_ids), list(departments)
    if not departments:  # one indexed condition, not an OR the database cannot index
        return Appeal.branch_id.in_(branch_ids)
    if not branch_ids:
        return Appeal.department.in_(departments)
    return or_(Appeal.branch_id.in_(branch_ids), Appeal.department.in_(departments))


@dataclass(frozen=True)
class Board:
    """One page of the board, how many match, and counts by state, department and category."""

    lines: list[BoardLine]
    total: int
    counts: dict[str, dict[str, int]]
    overdue: int
    supervised: int
    page: int


async def board(services: Services, scope_condition: Any, wanted: BoardFilter, page: int, size: int) -> Board:
    """One page of the appeals in scope that match (the page asked for, within bounds): in progress ones by their
    limit, others newest first."""
    now = clock.now()
    base = [scope_condition, *wanted.conditions()]
    # The limits are checked in Python while the database counts in its own thread.
    late, (counts, supervised_now) = await asyncio.gather(overdue_now(services, base), _board_counts(services, base))
    conditions = list(base)
    if wanted.state == "":
        conditions.append(Appeal.state.in_(WAITING))
    elif wanted.state == texts.OVERDUE_NOW:
        conditions.append(Appeal.id.in_(list(late)))
    elif wanted.state == texts.SUPERVISED_NOW:
        conditions += [Appeal.state.in_(WAITING), Appeal.id.in_(_supervised())]
    elif wanted.state != texts.EVERY_STATE:
        conditions.append(Appeal.state == wanted.state)
    if wanted.in_progress:
        order = (Appeal.close_due.is_(None), Appeal.close_due, Appeal.id)
    else:
        order = (Appeal.received_at.desc(), Appeal.id.desc())
    async with services.database.reading() as session:
        total = int(await session.scalar(select(func.count()).select_from(Appeal).where(*conditions)) or 0)
        page = min(max(page, 1), max(1, -(-total // size)))
        query = select(Appeal).where(*conditions).order_by(*order).offset((page - 1) * size).limit(size)
        appeals = (await session.scalars(query)).all() if total else []
        ids = [a.id for a in appeals]
        supervised = set(
            (
                await session.scalars(
                    select(AppealAlert.appeal_id).where(AppealAlert.kind.like("%督办"), AppealAlert.appeal_id.in_(ids))
                )
            ).all()
        )
        names = dict((await session.execute(select(Branch.id, Branch.name))).all())
    lines = []
    for appeal in appeals:
        missed = late.get(appeal.id)
        name, due, flag, left = deadlines.CLOSE, appeal.close_due, "", None
        if missed is not None:
            name, due, flag = missed.name, missed.due, "red"
        if due is not None and appeal.state in WAITING:
            left = due - now
            if (
                missed is None
                and appeal.accepted_at
                and now >= reminder_at(appeal.accepted_at, due, services.appeals.limits)
            ):
                flag = "amber"
        branch = names.get(appeal.branch_id or 0, texts.NO_BRANCH)
        lines.append(BoardLine(appeal, branch, name, due, left, flag, appeal.id in supervised))
    return Board(lines, total, counts, len(late), supervised_now, page)


async def _board_counts(services: Services, base: list[Any]) -> tuple[dict[str, dict[str, int]], int]:
    """Every appeal that matches by state; those in progress by department and by category; those under 督办 now."""
    counts: dict[str, dict[str, int]] = {}
    async with services.database.reading() as session:
        columns = (("state", Appeal.state), ("department", Appeal.department), ("category", Appeal.category))
        for label, column in columns:
            where = base if label == "state" else [*base, Appeal.state.in_(WAITING)]
            grouped = await session.execute(
                select(column, func.count()).where(*where).group_by(column).order_by(func.count().desc())
            )
            counts[label] = {key or texts.UNASSIGNED: n for key, n in grouped}
        supervised = await session.scalar(
            select(func.count()).where(*base, Appeal.state.in_(WAITING), Appeal.id.in_(_supervised()))
        )
    return counts, int(supervised or 0)


@dataclass(frozen=True)
class MemberLine:
    """A member on the branch page."""

    member: Member
    by_kind: dict[str, int]
    studied_this_week: bool


async def branch_members(services: Services, branch_id: int) -> list[MemberLine]:
    """A branch's present members with this month's participation and whether they checked in this week."""
    today = clock.today()
    first = today.replace(day=1)
    monday = today - timedelta(days=today.weekday())
    async with services.database.reading() as session:
        members = (
            await session.scalars(
                select(Member).where(Member.branch_id == branch_id, Member.left_at.is_(None)).order_by(Member.id)
            )
        ).all()
        kinds: dict[str, dict[str, int]] = {}
        for key, kind, count in await session.execute(
            select(LedgerEntry.user_key, LedgerEntry.kind, func.count())
            .where(LedgerEntry.branch_id == branch_id, LedgerEntry.day >= first, LedgerEntry.reverses_id.is_(None))
            .group_by(LedgerEntry.user_key, LedgerEntry.kind)
        ):
            kinds.setdefault(key, {})[kind] = count
        studied = set(
            (
                await session.scalars(
                    select(StudyCheckin.user_key)
                    .where(StudyCheckin.branch_id == branch_id, StudyCheckin.day >= monday)
                    .distinct()
                )
            ).all()
        )
    return [MemberLine(m, kinds.get(m.user_key, {}), m.user_key in studied) for m in members]

"""Read-only queries of the web view that the services do not offer in bulk (one query for all branches at once).

Each grouped figure here follows a service's definition exactly (the appeals' `Stats`, the study `DayStats`, the
monthly report's check-in rate); tests/web checks, branch by branch, that both give the same numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, true

from bot.core import clock, ledger, participation
from bot.core.models import Branch, LedgerEntry, Member, OutboxItem
from bot.core.participation import Rate
from bot.core.scope import Scope
from bot.features.appeals import deadlines, rules
from bot.features.appeals.deadlines import Limit
from bot.features.appeals.figures import COUNTED
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
    """One branch's line of the overview: members' rates (`bot.core.participation`: today, and the period's), the
    period's activities and appeals."""

    branch_id: int
    name: str
    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    today: Rate = field(default_factory=Rate)  # today's check-ins, as `/学习 统计`
    study: Rate = field(default_factory=Rate)  # the period's check-ins, as `/月报` for a month
    quiz: Rate = field(default_factory=Rate)  # the period's answers to the daily question, as `/月报` for a month
    activities: int = 0
    attendance: int = 0
    appeals: Stats = field(default_factory=Stats)
    last_push: datetime | None = None

    @property
    def today_rate(self) -> float:
        """Today's check-in rate of members (as `/学习 统计`)."""
        return self.today.value

    @property
    def study_rate(self) -> float:
        """The period's members' check-ins ÷ (members × days of the period begun)."""
        return self.study.value

    @property
    def quiz_rate(self) -> float:
        """The period's members' answers ÷ (members × days of the period begun)."""
        return self.quiz.value


def month_bounds(first: date) -> tuple[date, date]:
    """The first day of a month and of the next."""
    end = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, end


def _in(column, ids: Iterable[int] | None):
    """A condition limiting to some branches (None: all)."""
    return true() if ids is None else column.in_(list(ids))


async def branch_figures(
    services: Services,
    branch_ids: Iterable[int] | None,
    start: date | None,
    end: date | None,
    *,
    appeals: bool = True,
) -> list[BranchFigures]:
    """The overview's figures of the branches in scope (None: every active branch) for the days [start, end) (start
    None: since the first of them opened; end None: up to today), in a few grouped queries; without `appeals` when
    the caller reads the appeal figures itself (a committee's overview: one pass for its whole subtree)."""
    ids = None if branch_ids is None else sorted(set(branch_ids))
    today = clock.today()
    tomorrow = today + timedelta(days=1)
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
        rows = {b.id: BranchFigures(b.id, b.name) for b in branches}
        groups = {b.group_id: b.id for b in branches}
        first = start or min((clock.local(b.created_at).date() for b in branches), default=today)
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
        daily = await participation.ledger_rates(session, (ledger.STUDY,), ids, today, tomorrow)
        period = await participation.ledger_rates(session, (ledger.STUDY, ledger.QUIZ), ids, first, end or tomorrow)
        for branch_id, row in rows.items():
            row.today = daily.get((branch_id, ledger.STUDY), Rate())
            row.study = period.get((branch_id, ledger.STUDY), Rate())
            row.quiz = period.get((branch_id, ledger.QUIZ), Rate())
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
    if not appeals:
        return list(rows.values())
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
    study: Rate  # the month's members' check-in rate (`bot.core.participation`, as `/月报`)

    @property
    def satisfaction_rate(self) -> float:
        """满意率 of the appeals closed in the month (as the figures define it: satisfied ÷ answered)."""
        return self.satisfied / self.answered if self.answered else 0.0

    @property
    def study_rate(self) -> float:
        """The month's members' check-in rate."""
        return self.study.value


async def monthly_trend(services: Services, branch_ids: Iterable[int] | None, firsts: list[date]) -> list[MonthTrend]:
    """For each month (its first day, oldest first): 收集 by month received, 办结 and 满意率 by month of closure,
    and the members' check-in rate — one pass over the appeals, one read of the ledger a month."""
    ids = None if branch_ids is None else list(branch_ids)
    ends = [month_bounds(first)[1] for first in firsts]
    bounds = [(clock.day_bounds(a)[0], clock.day_bounds(b)[0]) for a, b in zip(firsts, ends, strict=True)]
    first_at, last_at = bounds[0][0], bounds[-1][1]
    collected, closed, answered, satisfied = ([0] * len(firsts) for _ in range(4))
    async with services.database.reading() as session:
        # Each row is put in its month once (a CASE over the bounds), not tested against every month.
        received = _bucket(Appeal.received_at, bounds)
        for n, count in await session.execute(
            select(received, func.count())
            .where(_in(Appeal.branch_id, ids), COUNTED, Appeal.received_at >= first_at, Appeal.received_at < last_at)
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
        study = []
        for first, end in zip(firsts, ends, strict=True):
            rates = await participation.ledger_rates(session, (ledger.STUDY,), ids, first, end)
            study.append(sum(rates.values(), Rate()))
    months = enumerate(firsts)
    return [MonthTrend(first, collected[n], closed[n], answered[n], satisfied[n], study[n]) for n, first in months]


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


def place(branch_id: int | None, committee_id: int | None) -> str:
    """Where an appeal lies in the tree, as the appeal figures' "place" dimension names it: `<branch>:<committee>`."""
    return f"{branch_id or ''}:{committee_id or ''}"


async def now_by_place(services: Services, conditions: list[Any]) -> dict[str, NowState]:
    """The state now of the appeals matching `conditions` (a committee's subtree: its branches' and those its
    committees hold), by place (`place`), for a committee's overview to fold onto its units."""
    states: dict[str, NowState] = {}
    async with services.database.reading() as session:
        for branch_id, committee_id, count, supervised in await session.execute(
            select(
                Appeal.branch_id,
                Appeal.committee_id,
                func.count(),
                func.count().filter(Appeal.id.in_(_supervised())),
            )
            .where(*conditions, Appeal.state.in_(WAITING))
            .group_by(Appeal.branch_id, Appeal.committee_id)
        ):
            states[place(branch_id, committee_id)] = NowState(count, 0, supervised)
    for item in await deadlines.overdue(services.appeals, [*conditions, Appeal.state.in_(WAITING)]):
        states.setdefault(place(item.appeal.branch_id, item.appeal.committee_id), NowState()).overdue += 1
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
    unit: Any = None  # a unit's condition (`units.Unit.appeal_condition`: a committee's holds its own appeals too)
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
        if self.unit is not None:
            found.append(self.unit)
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


def appeal_scope(scope: Scope):
    """The condition on appeals a viewer may see (bot/core/scope.py, the rule chat uses too)."""
    condition = scope.condition(Appeal.branch_id, Appeal.committee_id, Appeal.department_id)
    return true() if condition is None else condition


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
        # Only an appeal in progress shows a limit: the trail is read for those alone (an export of a year's
        # closed appeals would otherwise send every one of their ids to the trail).
        waiting = [a for a in appeals if a.state in WAITING]
        running = await deadlines.limits_of(session, waiting, services.appeals.limits)
    lines = []
    for appeal in appeals:
        # The limit a line shows: the one it missed (超期, as /诉求 超期), else the nearest one still running.
        limits = running.get(appeal.id, [])
        missed = deadlines.late(limits, now) if appeal.state in WAITING else None
        upcoming = min(limits, key=lambda limit: limit.due) if limits else None
        chosen = missed or (upcoming if appeal.state in WAITING else None)
        name, due, flag, left = "", None, "", None
        if chosen is not None:
            name, due, left = chosen.name, chosen.due, chosen.due - now
            if missed is not None:
                flag = "red"
            elif now >= reminder_at(chosen.start, chosen.due, services.appeals.limits):
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

"""Read-only queries of the web view that the services do not offer in bulk (one query for all branches at once).

Each figure comes from its one definition: members' rates from `bot.core.participation` (as `/学习 统计` and
`/月报`), appeal figures from the appeal service (`figures.py`); tests/web checks, branch by branch, that the
overview and the chat give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import and_, func, or_, select, true

from bot.core import clock, ledger, participation
from bot.core.models import Branch, LedgerEntry, Member, OutboxItem
from bot.core.participation import Rate
from bot.features.appeals import deadlines, rules
from bot.features.appeals.figures import COUNTED
from bot.features.appeals.models import Appeal, AppealAlert
from bot.features.appeals.service import Stats
from bot.features.records.models import Activity, ActivitySignup
from bot.features.study.models import StudyCheckin
from bot.features.study.service import PUSH_PURPOSE
from bot.services import Services

UNCONFIRMED = "待认定"


@dataclass
class BranchFigures:
    """One branch's line of the overview; its rates are members' rates (`bot.core.participation`)."""

    branch_id: int
    name: str
    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    today: Rate = field(default_factory=Rate)  # today's check-ins, as `/学习 统计`
    month: Rate = field(default_factory=Rate)  # this month's check-ins, as `/月报`
    quiz: Rate = field(default_factory=Rate)  # this month's answers to the daily question, as `/月报`
    activities: int = 0
    attendance: int = 0
    appeals: Stats = field(default_factory=Stats)
    last_push: datetime | None = None

    @property
    def today_rate(self) -> float:
        """Today's check-in rate of members (as `/学习 统计`)."""
        return self.today.value

    @property
    def quiz_rate(self) -> float:
        """This month's members' answers ÷ (members × days so far), as `/月报`."""
        return self.quiz.value

    @property
    def month_rate(self) -> float:
        """This month's members' check-ins ÷ (members × days so far), as `/月报`."""
        return self.month.value


def month_bounds(first: date) -> tuple[date, date]:
    """The first day of a month and of the next."""
    end = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, end


def _in(column, ids: Iterable[int] | None):
    """A condition limiting to some branches (None: all)."""
    return true() if ids is None else column.in_(list(ids))


async def branch_figures(services: Services, branch_ids: Iterable[int] | None) -> list[BranchFigures]:
    """The overview's figures of the branches in scope (None: every active branch), in a few grouped queries."""
    ids = None if branch_ids is None else sorted(set(branch_ids))
    today = clock.today()
    first, end = month_bounds(today.replace(day=1))
    start_at, end_at = clock.day_bounds(first)[0], clock.day_bounds(end)[0]
    tomorrow = today + timedelta(days=1)
    async with services.database.reading() as session:
        branches = (
            await session.execute(
                select(Branch.id, Branch.name, Branch.group_id)
                .where(Branch.active, _in(Branch.id, ids))
                .order_by(Branch.id)
            )
        ).all()
        rows = {b.id: BranchFigures(b.id, b.name) for b in branches}
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
        daily = await participation.ledger_rates(session, (ledger.STUDY,), ids, today, tomorrow)
        monthly = await participation.ledger_rates(session, (ledger.STUDY, ledger.QUIZ), ids, first, end)
        for branch_id, row in rows.items():
            row.today = daily.get((branch_id, ledger.STUDY), Rate())
            row.month = monthly.get((branch_id, ledger.STUDY), Rate())
            row.quiz = monthly.get((branch_id, ledger.QUIZ), Rate())
        for branch_id, activities, attendance in await session.execute(
            select(Activity.branch_id, func.count(func.distinct(Activity.id)), func.count(ActivitySignup.checked_in_at))
            .outerjoin(ActivitySignup, ActivitySignup.activity_id == Activity.id)
            .where(
                _in(Activity.branch_id, ids),
                Activity.status == "open",
                Activity.starts_at >= start_at,
                Activity.starts_at < end_at,
            )
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
    # The appeal service's own figures (one grouped query, keyed by branch name): defined once, in figures.py.
    named = await services.appeals.figures(None, first, None, "branch")
    for row in rows.values():
        if row.name in named:
            row.appeals = named[row.name]
    return list(rows.values())


async def collected_by_month(
    services: Services, branch_ids: Iterable[int] | None, months: int
) -> list[tuple[str, int]]:
    """收集 (as `figures.py` defines it) in each of the last `months` months (local time), in one pass."""
    firsts = [clock.today().replace(day=1)]
    for _ in range(months - 1):
        firsts.append((firsts[-1] - timedelta(days=1)).replace(day=1))
    firsts.reverse()
    bounds = [clock.day_bounds(day)[0] for day in [*firsts, month_bounds(firsts[-1])[1]]]
    ids = None if branch_ids is None else list(branch_ids)
    async with services.database.reading() as session:
        counts = (
            await session.execute(
                select(
                    *(
                        func.count().filter(Appeal.received_at >= start, Appeal.received_at < end)
                        for start, end in pairwise(bounds)
                    )
                ).where(Appeal.received_at >= bounds[0], _in(Appeal.branch_id, ids), COUNTED)
            )
        ).one()
    return [(day.strftime("%Y-%m"), int(n)) for day, n in zip(firsts, counts, strict=True)]


@dataclass(frozen=True)
class BoardLine:
    """An appeal on the board, with the time left to its next limit (or past the one it missed)."""

    appeal: Appeal
    branch: str
    due: datetime | None
    left: timedelta | None
    flag: str  # "red" 超期 (a limit passed and not met, as /诉求 超期), "amber" near its next limit, "" otherwise
    supervised: bool
    limit: str = ""  # the limit `due` belongs to


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


async def board(
    services: Services, scope_condition, state: str | None = None, limit: int = 200
) -> tuple[list[BoardLine], dict[str, dict]]:
    """Open appeals in scope (or those in one state), the nearest limit first, and counts by state, department
    and category."""
    from bot.features.appeals.timelimits import reminder_at

    now = clock.now()
    waiting = (*rules.OPEN, rules.PENDING)
    async with services.database.reading() as session:
        appeals = (
            await session.scalars(
                select(Appeal)
                .where(scope_condition, Appeal.state == state if state else Appeal.state.in_(waiting))
                .order_by(Appeal.close_due.is_(None), Appeal.close_due, Appeal.id)
                .limit(limit)
            )
        ).all()
        ids = [a.id for a in appeals]
        supervised = set(
            (
                await session.scalars(
                    select(AppealAlert.appeal_id).where(AppealAlert.kind == "督办", AppealAlert.appeal_id.in_(ids))
                )
            ).all()
        )
        names = dict((await session.execute(select(Branch.id, Branch.name))).all())
        limits = await deadlines.limits_of(session, list(appeals), services.appeals.limits)
        counts: dict[str, dict] = {}
        columns = (("state", Appeal.state), ("department", Appeal.department), ("category", Appeal.category))
        for label, column in columns:
            # Every appeal by state; the appeals in progress by department and by category.
            conditions = [scope_condition] if label == "state" else [scope_condition, Appeal.state.in_(waiting)]
            grouped = await session.execute(
                select(column, func.count()).where(*conditions).group_by(column).order_by(func.count().desc())
            )
            counts[label] = {key or "（未转办）": n for key, n in grouped}
    lines = []
    for appeal in appeals:
        running = limits[appeal.id]
        missed = deadlines.late(running, now)
        upcoming = min(running, key=lambda lim: lim.due) if running else None
        chosen = missed or upcoming
        flag, due, left, name = "", None, None, ""
        if chosen is not None:
            due, left, name = chosen.due, chosen.due - now, chosen.name
            if missed is not None:
                flag = "red"
            elif now >= reminder_at(chosen.start, chosen.due, services.appeals.limits):
                flag = "amber"
        lines.append(
            BoardLine(appeal, names.get(appeal.branch_id or 0, "—"), due, left, flag, appeal.id in supervised, name)
        )
    return lines, counts


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

"""Read-only queries of the web view that the services do not offer in bulk (one query for all branches at once).

Each grouped figure here follows a service's definition exactly (the appeals' `Stats`, the study `DayStats`, the
monthly report's check-in rate); tests/web checks, branch by branch, that both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock, ledger
from bot.core.models import Branch, LedgerEntry, Member, OutboxItem
from bot.features.appeals import rules
from bot.features.appeals.models import Appeal, AppealAlert
from bot.features.appeals.service import Stats
from bot.features.records.models import Activity, ActivitySignup
from bot.features.study.models import StudyCheckin
from bot.features.study.service import PUSH_PURPOSE
from bot.services import Services

UNCONFIRMED = "待认定"


@dataclass
class BranchFigures:
    """One branch's line of the overview."""

    branch_id: int
    name: str
    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    checked_today: int = 0
    month_checkins: int = 0
    month_quiz: int = 0
    activities: int = 0
    attendance: int = 0
    month_members: int = 0
    month_days: int = 1
    appeals: Stats = field(default_factory=lambda: Stats(0, 0, 0, None, 0, 0, 0, []))
    last_push: datetime | None = None

    @property
    def today_rate(self) -> float:
        """Today's check-in rate of registered members (as `/学习 统计`)."""
        return self.checked_today / self.members if self.members else 0.0

    @property
    def quiz_rate(self) -> float:
        """This month's answers to the daily question ÷ (members × days so far)."""
        return self.month_quiz / (self.month_members * self.month_days) if self.month_members else 0.0

    @property
    def month_rate(self) -> float:
        """This month's check-in rate (as `/月报`): check-ins ÷ (members × days so far)."""
        return self.month_checkins / (self.month_members * self.month_days) if self.month_members else 0.0


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
    days = (min(end, today + timedelta(days=1)) - first).days or 1
    start_at, end_at = clock.day_bounds(first)[0], clock.day_bounds(end)[0]
    async with services.database.reading() as session:
        branches = (
            await session.execute(
                select(Branch.id, Branch.name, Branch.group_id)
                .where(Branch.active, _in(Branch.id, ids))
                .order_by(Branch.id)
            )
        ).all()
        rows = {b.id: BranchFigures(b.id, b.name, month_days=days) for b in branches}
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
        for branch_id, count in await session.execute(
            select(Member.branch_id, func.count())
            .where(
                _in(Member.branch_id, ids),
                Member.registered_at < end_at,
                or_(Member.left_at.is_(None), Member.left_at >= start_at),
            )
            .group_by(Member.branch_id)
        ):
            if branch_id in rows:
                rows[branch_id].month_members = count
        for branch_id, kind, count in await session.execute(
            select(LedgerEntry.branch_id, LedgerEntry.kind, func.count())
            .where(
                _in(LedgerEntry.branch_id, ids),
                LedgerEntry.day >= first,
                LedgerEntry.day < end,
                LedgerEntry.kind.in_((ledger.STUDY, ledger.QUIZ)),
                LedgerEntry.reverses_id.is_(None),
            )
            .group_by(LedgerEntry.branch_id, LedgerEntry.kind)
        ):
            if branch_id in rows and kind == ledger.STUDY:
                rows[branch_id].month_checkins = count
            elif branch_id in rows:
                rows[branch_id].month_quiz = count
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
        by_branch = getattr(services.appeals, "figures", None)
        if by_branch is None:  # an appeal service without figures by branch
            for branch_id, stats in (
                await appeal_stats_by_branch(session, services.database.dialect, ids, first, None)
            ).items():
                if branch_id in rows:
                    rows[branch_id].appeals = stats
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
    if by_branch is not None:  # the service's own figures, one grouped query, keyed by branch name
        named = await by_branch(None, first, None, "branch")
        for row in rows.values():
            if row.name in named:
                row.appeals = named[row.name]
    return list(rows.values())


async def appeal_stats_by_branch(
    session: AsyncSession, dialect: str, ids: list[int] | None, since: date | None, until: date | None
) -> dict[int, Stats]:
    """`AppealService.statistics` for every branch at once (same conditions, grouped by branch); used only where
    the appeal service offers no figures by branch."""
    now = clock.now()
    conditions = [Appeal.branch_id.is_not(None), _in(Appeal.branch_id, ids)]
    if since is not None:
        conditions.append(Appeal.received_at >= clock.day_bounds(since)[0])
    if until is not None:
        conditions.append(Appeal.received_at < clock.day_bounds(until)[0])
    done = Appeal.state.in_(rules.DONE)
    if dialect == "postgresql":
        days = func.extract("epoch", Appeal.closed_at - Appeal.received_at) / 86400.0
    else:
        days = func.julianday(Appeal.closed_at) - func.julianday(Appeal.received_at)
    result = await session.execute(
        select(
            Appeal.branch_id,
            func.count(),
            func.count().filter(done),
            func.count().filter(and_(done, Appeal.closed_at <= Appeal.close_due)),
            func.avg(case((done, days), else_=None)),
            func.count().filter(Appeal.satisfaction.is_not(None), Appeal.state == rules.FOLLOWED_UP),
            func.count().filter(Appeal.satisfaction.in_(rules.SATISFIED), Appeal.state == rules.FOLLOWED_UP),
            func.count().filter(
                or_(
                    and_(Appeal.state.in_(rules.OPEN), Appeal.close_due < now),
                    and_(done, Appeal.closed_at > Appeal.close_due),
                )
            ),
        )
        .where(*conditions)
        .group_by(Appeal.branch_id)
    )
    return {
        branch_id: Stats(n, closed, on_time, float(avg) if avg is not None else None, followed, satisfied, overdue, [])
        for branch_id, n, closed, on_time, avg, followed, satisfied, overdue in result
        if branch_id is not None
    }


async def collected_by_month(
    services: Services, branch_ids: Iterable[int] | None, months: int
) -> list[tuple[str, int]]:
    """Appeals received (收集) in each of the last `months` months (local time), in one pass over the table."""
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
                ).where(Appeal.received_at >= bounds[0], _in(Appeal.branch_id, ids))
            )
        ).one()
    return [(day.strftime("%Y-%m"), int(n)) for day, n in zip(firsts, counts, strict=True)]


@dataclass(frozen=True)
class BoardLine:
    """An appeal on the board, with the time left to its next limit."""

    appeal: Appeal
    branch: str
    due: datetime | None
    left: timedelta | None
    flag: str  # "red" past the limit, "amber" near it, "" otherwise
    supervised: bool


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
        due = appeal.close_due
        flag, left = "", None
        if due is not None:
            left = due - now
            if now >= due:
                flag = "red"
            elif appeal.accepted_at and now >= reminder_at(appeal.accepted_at, due, services.appeals.limits):
                flag = "amber"
        lines.append(BoardLine(appeal, names.get(appeal.branch_id or 0, "—"), due, left, flag, appeal.id in supervised))
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

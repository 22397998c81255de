"""Points, rankings, the profile's participation line and the monthly report; aggregates in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import and_, func, select

from bot.core import clock, ledger, participation
from bot.core.branches import MEMBER_DRIVER_STATUSES
from bot.core.db import Database
from bot.core.models import Branch, LedgerEntry, Member
from bot.core.participation import Rate, percent

from . import texts
from .contacts import someone
from .models import Activity, ActivitySignup

TOP = 10
REPORT_TOP = 5
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")


class AppealFigures(Protocol):
    """What the monthly report asks of the appeals service (it owns appeals; records only shows its figures)."""

    async def monthly_figures(self, branch_id: int, first_day: date, next_month_first_day: date) -> dict[str, int]:
        """收集, 办结 … of a branch's month."""
        ...


def parse_month(text: str | None, today: date) -> date:
    """The first day of a month given as YYYY-MM (default this month); ValueError for malformed or future months."""
    if not text:
        return today.replace(day=1)
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(texts.BAD_MONTH)
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > today.replace(day=1):
        raise ValueError(texts.FUTURE_MONTH)
    return month


def month_end(first: date) -> date:
    """The first day of the next month."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Points:
    """One person's participation points: this month, this year, all time, and by kind (all time); and apart from
    them, the work done in a role (handling appeals: `ledger.WORK`), counted in times this month, never in 积分榜."""

    month: int
    year: int
    total: int
    by_kind: dict[str, int]
    work: dict[str, int] = field(default_factory=dict)


@dataclass
class MonthlyReport:
    """A branch's month in figures; the rates are members' rates (`bot.core.participation`), never above 100 %."""

    branch: str
    month: date
    members: int  # the month's members: registered before its end, not gone before its start
    member_drivers: int
    active: int  # members with any participation (work such as handling appeals is no participation)
    study: Rate  # check-ins: by members ÷ (members × days), by non-members beside
    quiz: Rate
    days: int
    quiz_correct: int
    activities: int
    attendance: int
    signups: int
    contacts: int
    appeals: dict[str, int]
    top: list[tuple[str, int]]
    checkins_per_day: list[tuple[date, int]] = field(default_factory=list)
    attendance_per_activity: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def active_share(self) -> float:
        """Members with any participation this month ÷ members."""
        return self.active / self.members if self.members else 0.0

    @property
    def checkins(self) -> int:
        """Every check-in of the month (members' and others')."""
        return self.study.total

    @property
    def checkin_rate(self) -> float:
        """成员日均打卡率: members' check-ins ÷ (members × days)."""
        return self.study.value

    @property
    def quiz_answers(self) -> int:
        """Every answer to the daily question this month."""
        return self.quiz.total

    @property
    def accuracy(self) -> float:
        """Members' correct answers ÷ members' answers (a non-member's answer is no member's accuracy)."""
        return self.quiz_correct / self.quiz.done if self.quiz.done else 0.0


def report_text(report: MonthlyReport) -> str:
    """The monthly report in one message."""
    lines = [
        texts.REPORT_HEAD.format(month=report.month, branch=report.branch),
        texts.REPORT_MEMBERS.format(
            members=report.members,
            member_drivers=report.member_drivers,
            active=report.active,
            share=percent(report.active_share, report.members),
        ),
        texts.REPORT_STUDY.format(
            checkins=report.study.done,
            rate=percent(report.checkin_rate, report.study.possible),
            possible=report.study.possible,
            others=texts.REPORT_OTHERS.format(count=report.study.others) if report.study.others else "",
        ),
        texts.REPORT_QUIZ.format(
            quiz=report.quiz.done,
            rate=percent(report.quiz.value, report.quiz.possible),
            accuracy=percent(report.accuracy, report.quiz.done),
            others=texts.REPORT_OTHERS.format(count=report.quiz.others) if report.quiz.others else "",
        ),
        texts.REPORT_ACTIVITIES.format(
            activities=report.activities, signups=report.signups, attendance=report.attendance
        ),
        texts.REPORT_CONTACTS.format(contacts=report.contacts),
    ]
    if report.appeals:
        lines.append(texts.REPORT_APPEALS + "，".join(f"{k} {v}" for k, v in report.appeals.items()))
    if report.top:
        items = (texts.REPORT_TOP_ITEM.format(name=name, points=points) for name, points in report.top)
        lines.append(texts.REPORT_TOP + "、".join(items))
    return "\n".join(lines)


@dataclass(frozen=True)
class MonthLine:
    """One branch's line of `/月报 全部`: the same figures as its own report, from grouped queries."""

    branch: str
    members: int
    active: int
    checkins: int
    activities: int

    @property
    def active_share(self) -> float:
        """Members with any participation this month ÷ members."""
        return self.active / self.members if self.members else 0.0


class PointReports:
    """Points, rankings and the monthly report over one database (a part of RecordsService)."""

    database: Database
    appeals: AppealFigures | None

    async def points(self, user_key: str) -> Points:
        """One person's participation points over all branches, and this month's work apart."""
        today = clock.today()
        month, year = today.replace(day=1), today.replace(month=1, day=1)
        taking_part = and_(LedgerEntry.user_key == user_key, LedgerEntry.kind.not_in(list(ledger.WORK)))
        async with self.database.reading() as session:
            row = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(LedgerEntry.points).filter(LedgerEntry.day >= month), 0),
                        func.coalesce(func.sum(LedgerEntry.points).filter(LedgerEntry.day >= year), 0),
                        func.coalesce(func.sum(LedgerEntry.points), 0),
                    ).where(taking_part)
                )
            ).one()
            kinds = await session.execute(
                select(LedgerEntry.kind, func.sum(LedgerEntry.points)).where(taking_part).group_by(LedgerEntry.kind)
            )
            by_kind = {k: int(p) for k, p in kinds.all() if p}
            work = await session.execute(
                select(LedgerEntry.kind, func.count())
                .where(
                    LedgerEntry.user_key == user_key,
                    LedgerEntry.kind.in_(list(ledger.WORK)),
                    LedgerEntry.day >= month,
                    LedgerEntry.reverses_id.is_(None),
                )
                .group_by(LedgerEntry.kind)
            )
            done = {k: int(n) for k, n in work.all() if n}
        return Points(int(row[0]), int(row[1]), int(row[2]), by_kind, done)

    async def ranking(self, branch_id: int, first: date, limit: int = TOP) -> list[tuple[str, int]]:
        """Top people of a branch by participation points in a month (work such as handling appeals is no
        participation and is left out); those who left the branch are left out."""
        points = func.sum(LedgerEntry.points)
        return await self._by_person(branch_id, first, LedgerEntry.kind.not_in(list(ledger.WORK)), points, limit)

    async def work_done(self, branch_id: int, first: date) -> list[tuple[str, int]]:
        """Who handled the branch's appeals in a month, and how many times (shown apart from 积分榜)."""
        work = and_(LedgerEntry.kind.in_(list(ledger.WORK)), LedgerEntry.reverses_id.is_(None))
        return await self._by_person(branch_id, first, work, func.count(), REPORT_TOP)

    async def _by_person(self, branch_id: int, first: date, which, measure, limit: int) -> list[tuple[str, int]]:
        """The people of a branch with the highest `measure` of the ledger lines `which` in a month (present members
        and people who never registered; not those who left)."""
        end = month_end(first)
        total = measure.label("total")
        async with self.database.reading() as session:
            rows = await session.execute(
                select(LedgerEntry.user_key, func.max(Member.name), total)
                .outerjoin(
                    Member, and_(Member.branch_id == LedgerEntry.branch_id, Member.user_key == LedgerEntry.user_key)
                )
                .where(
                    LedgerEntry.branch_id == branch_id,
                    LedgerEntry.day >= first,
                    LedgerEntry.day < end,
                    which,
                    Member.left_at.is_(None),
                )
                .group_by(LedgerEntry.user_key)
                .having(total > 0)
                .order_by(total.desc(), LedgerEntry.user_key)
                .limit(limit)
            )
            return [(name or someone(key), int(value)) for key, name, value in rows.all()]

    async def summary_line(self, branch_id: int, user_key: str) -> str | None:
        """/档案's participation line: this month by kind (corrections net out), and points."""
        first = clock.today().replace(day=1)
        async with self.database.reading() as session:
            rows = await session.execute(
                select(
                    LedgerEntry.kind,
                    func.count().filter(LedgerEntry.reverses_id.is_(None)),
                    func.count().filter(LedgerEntry.reverses_id.is_not(None)),
                )
                .where(LedgerEntry.user_key == user_key, LedgerEntry.branch_id == branch_id, LedgerEntry.day >= first)
                .group_by(LedgerEntry.kind)
            )
            kinds = [(kind, added - undone) for kind, added, undone in rows.all()]
        points = await self.points(user_key)
        parts = "、".join(f"{k}{n}次" for k, n in kinds if n > 0) or texts.NONE_YET
        return texts.SUMMARY_LINE.format(kinds=parts, month=points.month, year=points.year, total=points.total)

    async def monthly_lines(self, branches: list[Branch], first: date) -> list[MonthLine]:
        """`/月报 全部`: one line a branch, in the order given, from four grouped queries whatever the number of
        branches (a province asks for 209; one report each took 209 × 10 queries)."""
        end = month_end(first)
        start_at, end_at = clock.day_bounds(first)[0], clock.day_bounds(end)[0]
        ids = [branch.id for branch in branches]
        async with self.database.reading() as session:
            members = await participation.members(session, ids, first, end)
            active = await participation.active_members(session, ids, first, end)
            rates = await participation.ledger_rates(session, (ledger.STUDY,), ids, first, end)
            activities = dict(
                (
                    await session.execute(
                        select(Activity.branch_id, func.count())
                        .where(
                            Activity.branch_id.in_(ids),
                            Activity.status == "open",
                            Activity.starts_at >= start_at,
                            Activity.starts_at < end_at,
                        )
                        .group_by(Activity.branch_id)
                    )
                ).all()
            )
        return [
            MonthLine(
                branch=branch.name,
                members=members.get(branch.id, 0),
                active=active.get(branch.id, 0),
                checkins=rates[(branch.id, ledger.STUDY)].total,
                activities=int(activities.get(branch.id, 0)),
            )
            for branch in branches
        ]

    async def monthly(self, branch: Branch, first: date) -> MonthlyReport:
        """A branch's month: members, participation, activities, contacts, appeals, top scorers."""
        end = month_end(first)
        start_at, end_at = clock.day_bounds(first)[0], clock.day_bounds(end)[0]
        in_month = and_(LedgerEntry.branch_id == branch.id, LedgerEntry.day >= first, LedgerEntry.day < end)
        ids = [branch.id]
        async with self.database.reading() as session:
            members, member_drivers = (
                await session.execute(
                    select(func.count(), func.count().filter(Member.status.in_(MEMBER_DRIVER_STATUSES))).where(
                        Member.branch_id == branch.id, participation.present(end)
                    )
                )
            ).one()
            active = (await participation.active_members(session, ids, first, end)).get(branch.id, 0)
            rates = await participation.ledger_rates(session, (ledger.STUDY, ledger.QUIZ), ids, first, end)
            kinds = dict(
                (
                    await session.execute(
                        select(LedgerEntry.kind, func.count())
                        .where(in_month, LedgerEntry.reverses_id.is_(None))
                        .group_by(LedgerEntry.kind)
                    )
                ).all()
            )
            member = and_(
                Member.branch_id == LedgerEntry.branch_id,
                Member.user_key == LedgerEntry.user_key,
                participation.present(end),
            )
            quiz_correct = await session.scalar(  # members' right answers: the accuracy is theirs like the rates
                select(func.count())
                .select_from(LedgerEntry)
                .join(Member, member)
                .where(
                    in_month,
                    LedgerEntry.kind == ledger.QUIZ,
                    LedgerEntry.note == "正确",
                    LedgerEntry.reverses_id.is_(None),
                )
            )
            per_day = (
                await session.execute(
                    select(LedgerEntry.day, func.count())
                    .where(in_month, LedgerEntry.kind == ledger.STUDY, LedgerEntry.reverses_id.is_(None))
                    .group_by(LedgerEntry.day)
                    .order_by(LedgerEntry.day)
                )
            ).all()
            activity_rows = (
                await session.execute(
                    select(
                        Activity.title,
                        func.count(ActivitySignup.id).filter(ActivitySignup.status == "registered"),
                        func.count(ActivitySignup.checked_in_at),
                    )
                    .outerjoin(ActivitySignup, ActivitySignup.activity_id == Activity.id)
                    .where(
                        Activity.branch_id == branch.id,
                        Activity.status == "open",
                        Activity.starts_at >= start_at,
                        Activity.starts_at < end_at,
                    )
                    .group_by(Activity.id)
                    .order_by(Activity.starts_at)
                )
            ).all()
        appeals = await self.appeals.monthly_figures(branch.id, first, end) if self.appeals is not None else {}
        return MonthlyReport(
            branch=branch.name,
            month=first,
            members=members,
            member_drivers=member_drivers,
            active=active,
            study=rates[(branch.id, ledger.STUDY)],
            quiz=rates[(branch.id, ledger.QUIZ)],
            days=participation.days_counted(first, end),
            quiz_correct=quiz_correct or 0,
            activities=len(activity_rows),
            attendance=sum(r[2] for r in activity_rows),
            signups=sum(r[1] for r in activity_rows),
            contacts=kinds.get(ledger.CONTACT, 0),
            appeals=appeals,
            top=await self.ranking(branch.id, first, REPORT_TOP),
            checkins_per_day=[(d, n) for d, n in per_day],
            attendance_per_activity=[(t, r, c) for t, r, c in activity_rows],
        )

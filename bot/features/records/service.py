"""Records rules: activities with capacity, a waiting list and a check-in window; contacts; points and rankings;
the monthly report and the ledger export. Knows nothing of NoneBot; aggregates in SQL."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.core import clock, ledger
from bot.core.branches import MEMBER_DRIVER_STATUSES, Conflict, NotFound
from bot.core.db import Database
from bot.core.models import Branch, LedgerEntry, Member
from bot.core.validation import mask_phone, mask_plate

from .models import Activity, ActivitySignup, Contact

TOP = 10
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TIME_FORMS = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})$"),
    re.compile(r"^(?P<rel>今天|明天|后天)\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})$"),
)


def parse_when(text: str, now: datetime) -> datetime:
    """An activity time: 2026-11-25 19:30, 11-25 19:30, 11月25日 19:30, 明天 19:30; ValueError otherwise."""
    text = text.strip()
    for form in _TIME_FORMS:
        match = form.match(text)
        if not match:
            continue
        parts = match.groupdict()
        if parts.get("rel"):
            day = now.date() + timedelta(days=("今天", "明天", "后天").index(parts["rel"]))
        else:
            year = int(parts.get("y") or now.year)
            day = date(year, int(parts["m"]), int(parts["d"]))
            if not parts.get("y") and day < now.date() - timedelta(days=60):
                day = date(year + 1, day.month, day.day)  # 01-05 said in December means next year
        return datetime(day.year, day.month, day.day, int(parts["H"]), int(parts["M"]), tzinfo=clock.tz())
    raise ValueError("时间格式如：11-25 19:30、2026-11-25 19:30 或 明天 19:30")


def parse_month(text: str | None, today: date) -> date:
    """The first day of a month given as YYYY-MM (default this month); ValueError for malformed or future months."""
    if not text:
        return today.replace(day=1)
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError("月份格式为 YYYY-MM，例如 /月报 2026-10")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > today.replace(day=1):
        raise ValueError("这个月还没有到，不能生成月报。")
    return month


def month_end(first: date) -> date:
    """The first day of the next month."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class SignupResult:
    """What /报名 did."""

    status: str  # registered | waiting | already
    position: int
    activity: Activity


@dataclass(frozen=True)
class Points:
    """One person's points: this month, this year, all time, and by kind (all time)."""

    month: int
    year: int
    total: int
    by_kind: dict[str, int]


@dataclass
class MonthlyReport:
    """A branch's month in figures."""

    branch: str
    month: date
    members: int
    member_drivers: int
    active: int
    checkins: int
    checkin_rate: float
    quiz_answers: int
    quiz_correct: int
    activities: int
    attendance: int
    signups: int
    contacts: int
    appeals: dict[str, int]
    top: list[tuple[str, int]]
    checkins_per_day: list[tuple[int, int]] = field(default_factory=list)
    attendance_per_activity: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def active_share(self) -> float:
        """Members with any participation this month ÷ members."""
        return self.active / self.members if self.members else 0.0

    @property
    def accuracy(self) -> float:
        """Correct answers ÷ answers."""
        return self.quiz_correct / self.quiz_answers if self.quiz_answers else 0.0


# Figures other plugins add to the monthly report: (database, branch_id, first day, next month) -> {label: value}.
monthly_report_extras: list = []


class RecordsService:
    """Activities, contacts, points and reports over one database."""

    def __init__(
        self,
        database: Database,
        checkin_before: timedelta = timedelta(minutes=30),
        checkin_after: timedelta = timedelta(hours=2),
    ) -> None:
        self.database = database
        self.checkin_before = checkin_before
        self.checkin_after = checkin_after

    # ---- activities ----------------------------------------------------------------------------------
    async def publish(self, branch_id: int, by: str, data: dict) -> Activity:
        """Store a new activity."""
        async with self.database.session() as session:
            activity = Activity(
                branch_id=branch_id,
                title=data["title"],
                starts_at=data["starts_at"],
                place=data["place"],
                capacity=data["capacity"],
                points=data["points"],
                status="open",
                created_by=by,
                created_at=clock.now(),
            )
            session.add(activity)
            await session.flush()
        return activity

    async def _activity(self, session, branch_id: int, activity_id: int) -> Activity:
        """An activity of this branch, or NotFound."""
        activity = await session.get(Activity, activity_id)
        if activity is None or activity.branch_id != branch_id:
            raise NotFound(f"本支部没有编号为 {activity_id} 的活动，发送 /活动 查看。")
        return activity

    async def upcoming(self, branch_id: int) -> list[tuple[Activity, int, int]]:
        """Open activities not yet over, with (registered, waiting) counts."""
        since = clock.now() - self.checkin_after
        async with self.database.reading() as session:
            rows = await session.execute(
                select(
                    Activity,
                    func.count(ActivitySignup.id).filter(ActivitySignup.status == "registered"),
                    func.count(ActivitySignup.id).filter(ActivitySignup.status == "waiting"),
                )
                .outerjoin(ActivitySignup, ActivitySignup.activity_id == Activity.id)
                .where(Activity.branch_id == branch_id, Activity.status == "open", Activity.starts_at >= since)
                .group_by(Activity.id)
                .order_by(Activity.starts_at)
            )
            return [(a, r, w) for a, r, w in rows.all()]

    async def cancel_activity(self, branch_id: int, activity_id: int) -> Activity:
        """Cancel an activity (sign-ups stay in history)."""
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            if activity.status == "cancelled":
                raise Conflict("这个活动已经取消了。")
            activity.status = "cancelled"
        return activity

    async def sign_up(self, branch_id: int, activity_id: int, user_key: str) -> SignupResult:
        """Sign up; beyond capacity the person joins the waiting list."""
        now = clock.now()
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            if activity.status != "open":
                raise Conflict("这个活动已取消，不能报名。")
            if now > activity.starts_at + self.checkin_after:
                raise Conflict("这个活动已经结束了。")
            existing = await session.scalar(
                select(ActivitySignup).where(
                    ActivitySignup.activity_id == activity_id, ActivitySignup.user_key == user_key
                )
            )
            if existing is not None and existing.status != "cancelled":
                return SignupResult("already", 0, activity)
            registered = await session.scalar(
                select(func.count()).where(
                    ActivitySignup.activity_id == activity_id, ActivitySignup.status == "registered"
                )
            )
            status = "registered" if not activity.capacity or registered < activity.capacity else "waiting"
            if existing is None:
                existing = ActivitySignup(activity_id=activity_id, user_key=user_key, status=status, signed_up_at=now)
                session.add(existing)
            else:
                existing.status, existing.signed_up_at = status, now
            position = 0
            if status == "waiting":
                await session.flush()
                position = await session.scalar(
                    select(func.count()).where(
                        ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waiting"
                    )
                )
            else:
                await ledger.record(session, user_key, branch_id, ledger.ACTIVITY_SIGNUP, f"activity:{activity_id}")
        return SignupResult(status, position, activity)

    async def withdraw(self, branch_id: int, activity_id: int, user_key: str) -> str | None:
        """Cancel one's sign-up; returns the user key of whoever moved up from the waiting list."""
        async with self.database.session() as session:
            await self._activity(session, branch_id, activity_id)
            signup = await session.scalar(
                select(ActivitySignup).where(
                    ActivitySignup.activity_id == activity_id, ActivitySignup.user_key == user_key
                )
            )
            if signup is None or signup.status == "cancelled":
                raise NotFound("您没有报名这个活动。")
            was_registered = signup.status == "registered"
            signup.status = "cancelled"
            if not was_registered:
                return None
            first = await session.scalar(
                select(ActivitySignup)
                .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waiting")
                .order_by(ActivitySignup.signed_up_at, ActivitySignup.id)
                .limit(1)
            )
            if first is None:
                return None
            first.status = "registered"
            await ledger.record(session, first.user_key, branch_id, ledger.ACTIVITY_SIGNUP, f"activity:{activity_id}")
            return first.user_key

    async def check_in(
        self, branch_id: int, activity_id: int, user_key: str, *, by: str | None = None, reason: str | None = None
    ) -> Activity:
        """签到 in the window around the start (补签 by a secretary with a reason, any time after the start)."""
        now = clock.now()
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            if activity.status != "open":
                raise Conflict("这个活动已取消。")
            if by is None:
                opens, closes = activity.starts_at - self.checkin_before, activity.starts_at + self.checkin_after
                if not opens <= now <= closes:
                    window = f"{clock.local(opens).strftime('%m-%d %H:%M')} 至 {clock.local(closes).strftime('%H:%M')}"
                    raise Conflict(f"不在签到时间内（{window}）。错过了可请书记 /补签。")
            signup = await session.scalar(
                select(ActivitySignup).where(
                    ActivitySignup.activity_id == activity_id, ActivitySignup.user_key == user_key
                )
            )
            if signup is not None and signup.checked_in_at is not None:
                raise Conflict("已经签到过了。")
            if signup is None:
                signup = ActivitySignup(
                    activity_id=activity_id, user_key=user_key, status="registered", signed_up_at=now
                )
                session.add(signup)
            elif signup.status != "registered" and by is None:
                raise Conflict(
                    "您在候补名单上或已取消报名，不能签到。" if signup.status == "waiting" else "您已取消报名。"
                )
            signup.status, signup.checked_in_at = "registered", now
            signup.checkin_by, signup.checkin_reason = by, reason
            await ledger.record(
                session,
                user_key,
                branch_id,
                ledger.ACTIVITY_CHECKIN,
                f"activity:{activity_id}",
                points=activity.points,
                note=f"补签：{reason}" if by else "",
            )
        return activity

    # ---- contacts --------------------------------------------------------------------------------------
    async def contact(self, branch_id: int, member_key: str, driver_key: str) -> tuple[Contact, str | None]:
        """Record that a member driver contacted a driver; returns (contact, previous member when re-assigned)."""
        if member_key == driver_key:
            raise Conflict("不能联系自己，请 @ 要联系的司机。")
        now = clock.now()
        async with self.database.session() as session:
            member = await session.scalar(
                select(Member).where(
                    Member.branch_id == branch_id, Member.user_key == member_key, Member.left_at.is_(None)
                )
            )
            if member is None or member.status not in MEMBER_DRIVER_STATUSES:
                raise Conflict("联系机制由党员司机承担：请先 /登记 并经书记认定为党员或预备党员。")
            contact = await session.scalar(
                select(Contact).where(Contact.branch_id == branch_id, Contact.driver_key == driver_key)
            )
            previous = None
            if contact is None:
                contact = Contact(
                    branch_id=branch_id,
                    member_key=member_key,
                    driver_key=driver_key,
                    assigned_at=now,
                    last_contacted_at=now,
                    times=1,
                )
                session.add(contact)
            elif contact.member_key != member_key:
                previous = contact.member_key
                contact.member_key, contact.assigned_at, contact.last_contacted_at, contact.times = (
                    member_key,
                    now,
                    now,
                    1,
                )
            else:
                contact.last_contacted_at, contact.times = now, contact.times + 1
            try:
                await session.flush()
            except IntegrityError as error:
                raise Conflict("刚刚有人同时登记了这位司机，请再试一次。") from error
            await ledger.record(session, member_key, branch_id, ledger.CONTACT, driver_key)
        return contact, previous

    async def my_contacts(self, branch_id: int, member_key: str) -> list[tuple[str, str, datetime, int]]:
        """(driver key, name, last contacted, times) of a member's drivers."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Contact.driver_key, Member.name, Contact.last_contacted_at, Contact.times)
                .outerjoin(Member, and_(Member.branch_id == Contact.branch_id, Member.user_key == Contact.driver_key))
                .where(Contact.branch_id == branch_id, Contact.member_key == member_key)
                .order_by(Contact.last_contacted_at.desc())
            )
            return [(k, n or f"用户{k.partition(':')[2]}", t, c) for k, n, t, c in rows.all()]

    # ---- points and rankings -------------------------------------------------------------------------
    async def points(self, user_key: str) -> Points:
        """One person's points over all branches."""
        today = clock.today()
        month, year = today.replace(day=1), today.replace(month=1, day=1)
        async with self.database.reading() as session:
            row = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(LedgerEntry.points).filter(LedgerEntry.day >= month), 0),
                        func.coalesce(func.sum(LedgerEntry.points).filter(LedgerEntry.day >= year), 0),
                        func.coalesce(func.sum(LedgerEntry.points), 0),
                    ).where(LedgerEntry.user_key == user_key)
                )
            ).one()
            kinds = await session.execute(
                select(LedgerEntry.kind, func.sum(LedgerEntry.points))
                .where(LedgerEntry.user_key == user_key)
                .group_by(LedgerEntry.kind)
            )
            by_kind = {k: int(p) for k, p in kinds.all() if p}
        return Points(int(row[0]), int(row[1]), int(row[2]), by_kind)

    async def ranking(self, branch_id: int, first: date, limit: int = TOP) -> list[tuple[str, int]]:
        """Top people of a branch by points in a month; those who left the branch are left out."""
        end = month_end(first)
        async with self.database.reading() as session:
            total = func.sum(LedgerEntry.points).label("total")
            rows = await session.execute(
                select(LedgerEntry.user_key, func.max(Member.name), total)
                .outerjoin(
                    Member, and_(Member.branch_id == LedgerEntry.branch_id, Member.user_key == LedgerEntry.user_key)
                )
                .where(
                    LedgerEntry.branch_id == branch_id,
                    LedgerEntry.day >= first,
                    LedgerEntry.day < end,
                    Member.left_at.is_(None),
                )
                .group_by(LedgerEntry.user_key)
                .having(total > 0)
                .order_by(total.desc(), LedgerEntry.user_key)
                .limit(limit)
            )
            return [(name or f"用户{key.partition(':')[2]}", int(points)) for key, name, points in rows.all()]

    async def summary_line(self, branch_id: int, user_key: str) -> str | None:
        """/档案's participation line: this month by kind, and points."""
        first = clock.today().replace(day=1)
        async with self.database.reading() as session:
            rows = await session.execute(
                select(
                    LedgerEntry.kind,
                    func.count().filter(LedgerEntry.reverses_id.is_(None)),
                    func.sum(LedgerEntry.points),
                )
                .where(LedgerEntry.user_key == user_key, LedgerEntry.branch_id == branch_id, LedgerEntry.day >= first)
                .group_by(LedgerEntry.kind)
            )
            kinds = rows.all()
        points = await self.points(user_key)
        parts = "、".join(f"{k}{n}次" for k, n, _ in kinds if n) or "暂无"
        return f"本月参与：{parts}\n积分：本月 {points.month}，今年 {points.year}，累计 {points.total}"

    # ---- the monthly report --------------------------------------------------------------------------
    async def monthly(self, branch: Branch, first: date) -> MonthlyReport:
        """A branch's month: members, participation, activities, contacts, appeals, top contributors."""
        end = month_end(first)
        today = clock.today()
        days = ((min(end, today + timedelta(days=1)) - first).days) or 1
        start_at, end_at = clock.day_bounds(first)[0], clock.day_bounds(end)[0]
        in_month = and_(LedgerEntry.branch_id == branch.id, LedgerEntry.day >= first, LedgerEntry.day < end)
        async with self.database.reading() as session:
            members, member_drivers = (
                await session.execute(
                    select(func.count(), func.count().filter(Member.status.in_(MEMBER_DRIVER_STATUSES))).where(
                        Member.branch_id == branch.id,
                        Member.registered_at < end_at,
                        or_(Member.left_at.is_(None), Member.left_at >= start_at),
                    )
                )
            ).one()
            active = await session.scalar(
                select(func.count(func.distinct(LedgerEntry.user_key)))
                .join(Member, and_(Member.branch_id == LedgerEntry.branch_id, Member.user_key == LedgerEntry.user_key))
                .where(in_month)
            )
            kinds = dict(
                (
                    await session.execute(
                        select(LedgerEntry.kind, func.count())
                        .where(in_month, LedgerEntry.reverses_id.is_(None))
                        .group_by(LedgerEntry.kind)
                    )
                ).all()
            )
            quiz_correct = await session.scalar(
                select(func.count()).where(in_month, LedgerEntry.kind == ledger.QUIZ, LedgerEntry.note == "正确")
            )
            per_day = (
                await session.execute(
                    select(LedgerEntry.day, func.count())
                    .where(in_month, LedgerEntry.kind == ledger.STUDY)
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
        appeals: dict[str, int] = {}
        for extra in monthly_report_extras:
            appeals.update(await extra(self.database, branch.id, first, end))
        checkins = kinds.get(ledger.STUDY, 0)
        return MonthlyReport(
            branch=branch.name,
            month=first,
            members=members,
            member_drivers=member_drivers,
            active=active or 0,
            checkins=checkins,
            checkin_rate=checkins / (members * days) if members else 0.0,
            quiz_answers=kinds.get(ledger.QUIZ, 0),
            quiz_correct=quiz_correct or 0,
            activities=len(activity_rows),
            attendance=sum(r[2] for r in activity_rows),
            signups=sum(r[1] for r in activity_rows),
            contacts=kinds.get(ledger.CONTACT, 0),
            appeals=appeals,
            top=await self.ranking(branch.id, first, 5),
            checkins_per_day=[(d.day, n) for d, n in per_day],
            attendance_per_activity=[(t, r, c) for t, r, c in activity_rows],
        )

    # ---- the ledger export ---------------------------------------------------------------------------
    async def export(self, branch: Branch, folder: Path, full: bool) -> Path:
        """The branch's members with their figures as a CSV (UTF-8 with BOM for Excel); masked unless `full`."""
        first = clock.today().replace(day=1)
        async with self.database.reading() as session:
            totals = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.sum(LedgerEntry.points))
                        .where(LedgerEntry.branch_id == branch.id)
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            month = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.sum(LedgerEntry.points))
                        .where(LedgerEntry.branch_id == branch.id, LedgerEntry.day >= first)
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            studies = dict(
                (
                    await session.execute(
                        select(LedgerEntry.user_key, func.count())
                        .where(LedgerEntry.branch_id == branch.id, LedgerEntry.kind == ledger.STUDY)
                        .group_by(LedgerEntry.user_key)
                    )
                ).all()
            )
            members = (
                await session.scalars(select(Member).where(Member.branch_id == branch.id).order_by(Member.id))
            ).all()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"台账-{branch.id}-{clock.now().strftime('%Y%m%d%H%M%S')}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "姓名",
                    "手机",
                    "车牌",
                    "户籍地",
                    "常跑路线",
                    "政治面貌",
                    "登记日期",
                    "状态",
                    "学习打卡次数",
                    "本月积分",
                    "累计积分",
                ]
            )
            for m in members:
                writer.writerow(
                    [
                        m.name,
                        (m.phone or "") if full else mask_phone(m.phone),
                        (m.plate or "") if full else mask_plate(m.plate),
                        m.hometown or "",
                        m.route or "",
                        m.status or f"{m.declared_status}（待认定）",
                        clock.local(m.registered_at).strftime("%Y-%m-%d"),
                        "已离开" if m.left_at else "在册",
                        studies.get(m.user_key, 0),
                        int(month.get(m.user_key) or 0),
                        int(totals.get(m.user_key) or 0),
                    ]
                )
        return path


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> RecordsService:
    """The records service of a process, from the `RECORDS_*` settings."""
    from bot.core.settings import load_config

    from .config import Config

    config = load_config(Config)
    return RecordsService(
        services.database,
        timedelta(minutes=config.records_checkin_before_minutes),
        timedelta(minutes=config.records_checkin_after_minutes),
    )

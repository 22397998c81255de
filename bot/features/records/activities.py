"""Activities: publishing, a capacity the database enforces, a waiting list, a check-in window, and points that are
reversed by correction rows when a sign-up or an activity is cancelled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock, ledger
from bot.core.db import Database
from bot.core.errors import Conflict, NotFound

from . import texts
from .models import Activity, ActivitySignup

_TIME_FORMS = (
    re.compile(
        r"^(?P<y>[0-9]{4})[-/.年](?P<m>[0-9]{1,2})[-/.月](?P<d>[0-9]{1,2})日?\s*(?P<H>[0-9]{1,2})[:：](?P<M>[0-9]{2})$"
    ),
    re.compile(r"^(?P<m>[0-9]{1,2})[-/.月](?P<d>[0-9]{1,2})日?\s*(?P<H>[0-9]{1,2})[:：](?P<M>[0-9]{2})$"),
    re.compile(r"^(?P<rel>今天|明天|后天)\s*(?P<H>[0-9]{1,2})[:：](?P<M>[0-9]{2})$"),
)
ACTIVITY_KINDS = (ledger.ACTIVITY_SIGNUP, ledger.ACTIVITY_CHECKIN)
MAX_ID = 2**31 - 1  # the largest id a database integer column holds


def parse_id(text: str) -> int | None:
    """A positive id typed by a person: ASCII digits only (not ², ①, ４), bounded; None otherwise."""
    text = text.strip()
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


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
    raise ValueError(texts.BAD_WHEN)


def activity_ref(activity_id: int) -> str:
    """The ledger `ref` of an activity's entries."""
    return f"activity:{activity_id}"


@dataclass(frozen=True)
class SignupResult:
    """What /报名 did, and the points the ledger recorded for it (None: nothing recorded)."""

    status: str  # registered | waiting | already
    position: int
    activity: Activity
    points: int | None = None
    wanted: int = 0


@dataclass(frozen=True)
class CheckIn:
    """What /签到 recorded: the activity, the points the ledger gave (under the daily cap), and what was asked."""

    activity: Activity
    points: int
    wanted: int


@dataclass(frozen=True)
class Withdrawal:
    """What /报名 取消 did: who moved up from the waiting list, and the points taken back."""

    promoted: str | None
    reversed_points: int
    title: str = ""


@dataclass(frozen=True)
class Cancellation:
    """What /活动 取消 did: the activity, and the correction rows written for the points given for it."""

    activity: Activity
    reversed_entries: int
    reversed_points: int


class ActivityRecords:
    """Activities of a branch over one database (a part of RecordsService)."""

    database: Database
    checkin_before: timedelta
    checkin_after: timedelta

    async def publish(self, branch_id: int, by: str, data: dict[str, Any]) -> Activity:
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
                taken=0,
                created_by=by,
                created_at=clock.now(),
            )
            session.add(activity)
            await session.flush()
        return activity

    @staticmethod
    async def _activity(session: AsyncSession, branch_id: int, activity_id: int) -> Activity:
        """An activity of this branch, or NotFound."""
        activity = await session.get(Activity, activity_id)
        if activity is None or activity.branch_id != branch_id:
            raise NotFound(texts.ACTIVITY_NOT_FOUND.format(id=activity_id))
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

    async def cancel_activity(self, branch_id: int, activity_id: int) -> Cancellation:
        """Cancel an activity: sign-ups stay in history; the points given for it are reversed by correction rows."""
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            if activity.status == "cancelled":
                raise Conflict(texts.ACTIVITY_ALREADY_CANCELLED)
            activity.status = "cancelled"
            corrections = await ledger.reverse_matching(
                session, activity_ref(activity_id), ACTIVITY_KINDS, note="活动取消"
            )
        return Cancellation(activity, len(corrections), -sum(c.points for c in corrections))

    async def _take_seat(self, session: AsyncSession, activity: Activity) -> bool:
        """Take a seat if one is free, in one conditional UPDATE: the database row lock (PostgreSQL) or the writer
        lock (SQLite) serialises concurrent sign-ups, so a full activity can never be overbooked."""
        result = await session.execute(
            update(Activity)
            .where(Activity.id == activity.id, or_(Activity.capacity == 0, Activity.taken < Activity.capacity))
            .values(taken=Activity.taken + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    @staticmethod
    async def _free_seat(session: AsyncSession, activity_id: int) -> None:
        """Give a seat back."""
        await session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.taken > 0)
            .values(taken=Activity.taken - 1)
            .execution_options(synchronize_session=False)
        )

    async def sign_up(self, branch_id: int, activity_id: int, user_key: str) -> SignupResult:
        """Sign up; beyond capacity the person joins the waiting list. A seat is taken by the database, not counted."""
        now = clock.now()
        try:
            async with self.database.session() as session:
                activity = await self._activity(session, branch_id, activity_id)
                if activity.status != "open":
                    raise Conflict(texts.CANCELLED_NO_SIGNUP)
                if now > activity.starts_at + self.checkin_after:
                    raise Conflict(texts.ACTIVITY_OVER)
                existing = await self._signup(session, activity_id, user_key)
                if existing is not None and existing.status != "cancelled":
                    return SignupResult("already", 0, activity)
                status = "registered" if await self._take_seat(session, activity) else "waiting"
                if existing is None:
                    existing = ActivitySignup(
                        activity_id=activity_id, user_key=user_key, status=status, signed_up_at=now
                    )
                    session.add(existing)
                else:
                    existing.status, existing.signed_up_at = status, now
                await session.flush()
                if status == "waiting":
                    position = await session.scalar(
                        select(func.count()).where(
                            ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waiting"
                        )
                    )
                    return SignupResult(status, position or 1, activity)
                entry = await ledger.record(
                    session, user_key, branch_id, ledger.ACTIVITY_SIGNUP, activity_ref(activity_id)
                )
                wanted = ledger.DEFAULT_RULES.points.get(ledger.ACTIVITY_SIGNUP, 0)
                return SignupResult(status, 0, activity, entry.points, wanted)
        except IntegrityError as error:  # the same person twice at once: the unique constraint keeps one
            raise Conflict(texts.SIGNUP_RACE) from error

    @staticmethod
    async def _signup(session: AsyncSession, activity_id: int, user_key: str) -> ActivitySignup | None:
        """One person's sign-up row for an activity."""
        return await session.scalar(
            select(ActivitySignup).where(ActivitySignup.activity_id == activity_id, ActivitySignup.user_key == user_key)
        )

    async def withdraw(self, branch_id: int, activity_id: int, user_key: str) -> Withdrawal:
        """Cancel one's sign-up: its point is reversed; the first on the waiting list takes the seat."""
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            signup = await self._signup(session, activity_id, user_key)
            if signup is None or signup.status == "cancelled":
                raise NotFound(texts.NOT_SIGNED_UP)
            if signup.checked_in_at is not None:
                raise Conflict(texts.CHECKED_IN_NO_WITHDRAW)
            was_registered = signup.status == "registered"
            signup.status = "cancelled"
            corrections = await ledger.reverse_matching(
                session, activity_ref(activity_id), (ledger.ACTIVITY_SIGNUP,), "取消报名", user_key
            )
            reversed_points = -sum(c.points for c in corrections)
            if not was_registered:
                return Withdrawal(None, reversed_points, activity.title)
            first = await session.scalar(
                select(ActivitySignup)
                .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == "waiting")
                .order_by(ActivitySignup.signed_up_at, ActivitySignup.id)
                .limit(1)
                .with_for_update(skip_locked=True)  # two withdrawals at once promote two people
            )
            if first is None:
                await self._free_seat(session, activity_id)
                return Withdrawal(None, reversed_points, activity.title)
            first.status = "registered"  # the seat passes on; the taken count stays
            await ledger.record(session, first.user_key, branch_id, ledger.ACTIVITY_SIGNUP, activity_ref(activity_id))
            return Withdrawal(first.user_key, reversed_points, activity.title)

    async def check_in(
        self, branch_id: int, activity_id: int, user_key: str, *, by: str | None = None, reason: str | None = None
    ) -> CheckIn:
        """签到 in the window around the start (补签 by a secretary with a reason, any time after the start)."""
        now = clock.now()
        async with self.database.session() as session:
            activity = await self._activity(session, branch_id, activity_id)
            if activity.status != "open":
                raise Conflict(texts.ACTIVITY_CANCELLED_SHORT)
            if by is None:
                opens, closes = activity.starts_at - self.checkin_before, activity.starts_at + self.checkin_after
                if not opens <= now <= closes:
                    raise Conflict(
                        texts.CHECKIN_WINDOW.format(
                            opens=clock.local(opens).strftime("%m-%d %H:%M"),
                            closes=clock.local(closes).strftime("%H:%M"),
                        )
                    )
            signup = await self._signup(session, activity_id, user_key)
            if signup is not None and signup.checked_in_at is not None:
                raise Conflict(texts.ALREADY_CHECKED_IN)
            if signup is None:
                signup = ActivitySignup(activity_id=activity_id, user_key=user_key, status="waiting", signed_up_at=now)
                session.add(signup)
            elif signup.status != "registered" and by is None:
                raise Conflict(texts.WAITING_NO_CHECKIN if signup.status == "waiting" else texts.WITHDRAWN_NO_CHECKIN)
            if signup.status != "registered":  # 补签 of someone without a seat: the secretary adds them
                await session.execute(
                    update(Activity)
                    .where(Activity.id == activity_id)
                    .values(taken=Activity.taken + 1)
                    .execution_options(synchronize_session=False)
                )
            signup.status, signup.checked_in_at = "registered", now
            signup.checkin_by, signup.checkin_reason = by, reason
            entry = await ledger.record(
                session,
                user_key,
                branch_id,
                ledger.ACTIVITY_CHECKIN,
                activity_ref(activity_id),
                points=activity.points,
                note=f"补签：{reason}" if by else "",
            )
        return CheckIn(activity, entry.points, activity.points)

"""The participation ledger: append-only, capped per kind and day, corrected by reversing rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from . import clock
from .models import LedgerEntry

STUDY = "学习打卡"
QUIZ = "答题"
ACTIVITY_SIGNUP = "活动报名"
ACTIVITY_CHECKIN = "活动签到"
CONTACT = "联系司机"
APPEAL_HELP = "协助诉求"
ORG_LIFE = "组织生活"
KINDS = (STUDY, QUIZ, ACTIVITY_SIGNUP, ACTIVITY_CHECKIN, CONTACT, APPEAL_HELP, ORG_LIFE)
# Points for work done in a role (a secretary handling an appeal), not participation: kept out of 积分榜 and 参与,
# shown apart.
WORK = frozenset({APPEAL_HELP})


@dataclass(frozen=True)
class PointRules:
    """Points per kind and the most points one person can earn per kind per day."""

    points: dict[str, int] = field(
        default_factory=lambda: {
            STUDY: 1,
            QUIZ: 2,
            ACTIVITY_SIGNUP: 1,
            ACTIVITY_CHECKIN: 3,
            CONTACT: 2,
            APPEAL_HELP: 2,
            ORG_LIFE: 3,
        }
    )
    daily_cap: dict[str, int] = field(
        default_factory=lambda: {
            STUDY: 1,
            QUIZ: 2,
            ACTIVITY_SIGNUP: 3,
            ACTIVITY_CHECKIN: 6,
            CONTACT: 6,
            APPEAL_HELP: 6,
            ORG_LIFE: 6,
        }
    )


DEFAULT_RULES = PointRules()


async def points_today(session: AsyncSession, user_key: str, kind: str, day: date) -> int:
    """Points one person earned for a kind on a day and still holds: entries of that day, less the reversals of
    those entries (whenever they were made). A reversal of an older entry does not free today's cap."""
    kept = select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
        LedgerEntry.user_key == user_key,
        LedgerEntry.kind == kind,
        LedgerEntry.day == day,
        LedgerEntry.reverses_id.is_(None),
    )
    original = aliased(LedgerEntry)
    undone = (
        select(func.coalesce(func.sum(LedgerEntry.points), 0))
        .join(original, original.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.user_key == user_key, LedgerEntry.kind == kind, original.day == day)
    )
    return int((await session.execute(kept)).scalar_one()) + int((await session.execute(undone)).scalar_one())


async def record(
    session: AsyncSession,
    user_key: str,
    branch_id: int | None,
    kind: str,
    ref: str = "",
    *,
    points: int | None = None,
    rules: PointRules = DEFAULT_RULES,
    note: str = "",
) -> LedgerEntry:
    """Append one entry in the caller's transaction; points beyond the daily cap are recorded as 0."""
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    at = clock.now()
    wanted = rules.points.get(kind, 0) if points is None else points
    cap = rules.daily_cap.get(kind)
    if cap is not None and wanted > 0:
        wanted = max(0, min(wanted, cap - await points_today(session, user_key, kind, at.date())))
    entry = LedgerEntry(
        user_key=user_key, branch_id=branch_id, kind=kind, ref=ref, points=wanted, day=at.date(), at=at, note=note
    )
    session.add(entry)
    await session.flush()
    return entry


async def reverse(session: AsyncSession, entry_id: int, note: str) -> LedgerEntry:
    """Cancel an entry by a new one with the opposite points; the old row is never edited."""
    original = await session.get(LedgerEntry, entry_id)
    if original is None:
        raise LookupError(f"ledger entry {entry_id} not found")
    already = await session.scalar(  # scoped by kind and ref, so the (kind, ref) index finds it
        select(LedgerEntry.id).where(
            LedgerEntry.kind == original.kind, LedgerEntry.ref == original.ref, LedgerEntry.reverses_id == entry_id
        )
    )
    if already is not None:
        raise ValueError("该记录已更正过")
    at = clock.now()
    entry = LedgerEntry(
        user_key=original.user_key,
        branch_id=original.branch_id,
        kind=original.kind,
        ref=original.ref,
        points=-original.points,
        day=at.date(),
        at=at,
        reverses_id=original.id,
        note=note[:200],
    )
    session.add(entry)
    await session.flush()
    return entry


async def reverse_matching(
    session: AsyncSession, ref: str, kinds: tuple[str, ...], note: str, user_key: str | None = None
) -> list[LedgerEntry]:
    """Reverse every entry of these kinds for `ref` (of one person, or of everyone) that earned points and has not
    been reversed yet; returns the correction rows. The ledger stays append-only."""
    original = aliased(LedgerEntry)
    conditions = [
        original.ref == ref,
        original.kind.in_(kinds),
        original.reverses_id.is_(None),
        original.points != 0,
    ]
    if user_key is not None:
        conditions.append(original.user_key == user_key)
    corrected = select(LedgerEntry.reverses_id).where(
        LedgerEntry.reverses_id.is_not(None), LedgerEntry.ref == ref, LedgerEntry.kind.in_(kinds)
    )
    entries = (await session.scalars(select(original).where(*conditions, original.id.not_in(corrected)))).all()
    return [await reverse(session, entry.id, note) for entry in entries]


async def summary(session: AsyncSession, user_key: str, since: date | None = None) -> dict[str, tuple[int, int]]:
    """Per kind: (times, points) for one person, optionally since a day; reversals net out."""
    conditions = [LedgerEntry.user_key == user_key]
    if since is not None:
        conditions.append(LedgerEntry.day >= since)
    rows = await session.execute(
        select(
            LedgerEntry.kind,
            func.count().filter(LedgerEntry.reverses_id.is_(None)),
            func.count().filter(LedgerEntry.reverses_id.is_not(None)),
            func.coalesce(func.sum(LedgerEntry.points), 0),
        )
        .where(*conditions)
        .group_by(LedgerEntry.kind)
    )
    return {kind: (added - reversed_, int(points)) for kind, added, reversed_, points in rows}

"""The durable outbox: everything the bot sends on its own is queued here and sent once by one sender."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from . import clock
from .models import OutboxItem
from .parts import Part, to_json

PENDING, SENDING, SENT, FAILED, EXPIRED = "pending", "sending", "sent", "failed", "expired"


@dataclass(frozen=True, slots=True)
class Target:
    """Where an item goes: a group or a private chat on one platform, through one bot account if known."""

    platform: str
    kind: str  # "group" | "private"
    id: str
    self_id: str | None = None


async def enqueue(
    session: AsyncSession,
    target: Target,
    parts: list[Part],
    *,
    purpose: str = "",
    dedupe_key: str | None = None,
    not_after: datetime | None = None,
    batch: str | None = None,
    not_before: datetime | None = None,
) -> int | None:
    """Queue one message in the caller's transaction; returns its id, or None when `dedupe_key` was queued before."""
    now = clock.now()
    values = {
        "dedupe_key": dedupe_key,
        "platform": target.platform,
        "self_id": target.self_id,
        "target_kind": target.kind,
        "target_id": target.id,
        "parts": to_json(parts),
        "purpose": purpose,
        "batch": batch,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "not_after": not_after,
        "created_at": now,
    }
    dialect = session.bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxItem).values(**values).on_conflict_do_nothing().returning(OutboxItem.id)
    return (await session.execute(statement)).scalar_one_or_none()


def new_batch_id() -> str:
    """An id that groups the items of one broadcast."""
    return uuid.uuid4().hex[:16]


async def claim_next(session: AsyncSession, owner: str, accounts: Iterable[tuple[str, str]]) -> OutboxItem | None:
    """Atomically take the next due item for one of `accounts` ((platform, self_id) pairs), or None.

    One UPDATE ... RETURNING claims the row; on PostgreSQL the inner SELECT skips rows another process
    holds (FOR UPDATE SKIP LOCKED), on SQLite the write lock makes the statement atomic.
    """
    accounts = list(accounts)
    if not accounts:
        return None
    now = clock.now()
    platforms = {platform for platform, _ in accounts}
    self_ids = [self_id for _, self_id in accounts]
    due = (
        select(OutboxItem.id)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.next_attempt_at <= now,
            or_(
                OutboxItem.self_id.in_(self_ids),
                and_(OutboxItem.self_id.is_(None), OutboxItem.platform.in_(platforms)),
            ),
        )
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(OutboxItem)
        .where(OutboxItem.id == due, OutboxItem.status == PENDING)
        .values(status=SENDING, claimed_by=owner, claimed_at=now, attempts=OutboxItem.attempts + 1)
        .returning(OutboxItem)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def mark_sent(session: AsyncSession, item_id: int, owner: str) -> None:
    """Record a successful send."""
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.claimed_by == owner)
        .values(status=SENT, sent_at=clock.now(), last_error=None)
    )


async def mark_failed(session: AsyncSession, item_id: int, owner: str, error: str, retry_at: datetime | None) -> None:
    """Record a failed attempt: back to pending for a retry at `retry_at`, or failed for good."""
    values: dict = {"last_error": error[:500]}
    if retry_at is None:
        values["status"] = FAILED
    else:
        values.update(status=PENDING, next_attempt_at=retry_at, claimed_by=None)
    await session.execute(
        update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.claimed_by == owner).values(**values)
    )


async def sent_today(session: AsyncSession, target_id: str, platform: str) -> int:
    """How many items reached one chat today (for the daily cap)."""
    start, end = clock.day_bounds(clock.today())
    statement = select(func.count()).where(
        OutboxItem.target_id == target_id,
        OutboxItem.platform == platform,
        OutboxItem.status == SENT,
        OutboxItem.sent_at >= start,
        OutboxItem.sent_at < end,
    )
    return (await session.execute(statement)).scalar_one()


async def expire_and_abandon(session: AsyncSession, lease: timedelta) -> tuple[int, int]:
    """Expire items past their `not_after`, and give up on items whose sender died mid-send.

    An item left in `sending` may or may not have reached the chat; sending it again could send it
    twice, so it is marked failed with the reason instead (at most once).
    """
    now = clock.now()
    expired = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == PENDING, OutboxItem.not_after.is_not(None), OutboxItem.not_after < now)
        .values(status=EXPIRED, last_error="已过期：离线期间未能送达，且已超出当日时限")
    )
    abandoned = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == SENDING, OutboxItem.claimed_at < now - lease)
        .values(status=FAILED, last_error="发送过程中断，无法确认是否送达；为避免重复不再重发")
    )
    return expired.rowcount or 0, abandoned.rowcount or 0


@dataclass(frozen=True, slots=True)
class BatchReport:
    """How one broadcast went."""

    total: int
    sent: int
    pending: int
    failed: list[tuple[str, str]]  # (target id, reason)


async def batch_report(session: AsyncSession, batch: str) -> BatchReport:
    """Counts and failures of one batch."""
    rows = (
        await session.execute(
            select(OutboxItem.target_id, OutboxItem.status, OutboxItem.last_error).where(OutboxItem.batch == batch)
        )
    ).all()
    sent = sum(1 for r in rows if r.status == SENT)
    pending = sum(1 for r in rows if r.status in (PENDING, SENDING))
    failed = [(r.target_id, r.last_error or "") for r in rows if r.status in (FAILED, EXPIRED)]
    return BatchReport(len(rows), sent, pending, failed)

"""The durable outbox: everything the bot sends on its own is queued here and sent once by one sender."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
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
CANCELLED = "cancelled"  # taken back before it was sent: what it said no longer holds
# Shown in /通知 状态 and /状态: an item can be late for more reasons than the bot being offline.
EXPIRED_REASON = "已过期：未能在时限内送达（机器人离线、平台限额或静默时段），不再发送"

# Delivery priorities: higher goes first, and only HIGH may use a group's reserved share of the daily cap.
HIGH, NORMAL, LOW = 2, 1, 0
# What a purpose gets when the caller names no priority: the day's push and notices of the committee, of a
# secretary and about appeals must never wait behind welcomes, reminders or conversation notes.
PRIORITY_OF_PURPOSE = {
    "study_push": HIGH,
    "broadcast": HIGH,
    "appeal": HIGH,
    "binding": HIGH,  # a member must learn at once that a private chat was bound to them
    "broadcast_report": NORMAL,
    "activity": NORMAL,
    "stations": NORMAL,
    "registration": LOW,
    "conversation": LOW,
}


def priority_for(purpose: str) -> int:
    """The default priority of a purpose (unknown purposes: NORMAL; any `appeal…` purpose: HIGH)."""
    if purpose in PRIORITY_OF_PURPOSE:
        return PRIORITY_OF_PURPOSE[purpose]
    return HIGH if purpose.startswith("appeal") else NORMAL


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
    priority: int | None = None,
) -> int | None:
    """Queue one message in the caller's transaction; returns its id, or None when `dedupe_key` was queued before.

    `priority` (HIGH, NORMAL, LOW) defaults to what the purpose calls for (`priority_for`)."""
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
        "priority": priority_for(purpose) if priority is None else priority,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "not_after": not_after,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxItem).values(**values).on_conflict_do_nothing().returning(OutboxItem.id)
    return (await session.execute(statement)).scalar_one_or_none()


def new_batch_id() -> str:
    """An id that groups the items of one broadcast."""
    return uuid.uuid4().hex[:16]


def _due(accounts: list[tuple[str, str]]):
    """Due items for `accounts` ((platform, self_id) pairs), highest priority first, then oldest."""
    now = clock.now()
    platforms = {platform for platform, _ in accounts}
    self_ids = [self_id for _, self_id in accounts]
    return (
        select(OutboxItem.id)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.next_attempt_at <= now,
            or_(OutboxItem.not_after.is_(None), OutboxItem.not_after >= now),  # late ones are expired, not sent
            or_(
                OutboxItem.self_id.in_(self_ids),
                and_(OutboxItem.self_id.is_(None), OutboxItem.platform.in_(platforms)),
            ),
        )
        .order_by(OutboxItem.priority.desc(), OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(1)
    )


async def peek_next(session: AsyncSession, accounts: Iterable[tuple[str, str]]) -> OutboxItem | None:
    """The item `claim_next` would take now, without taking it (the sender paces before it claims)."""
    accounts = list(accounts)
    if not accounts:
        return None
    item_id = (await session.execute(_due(accounts))).scalar_one_or_none()
    return None if item_id is None else await session.get(OutboxItem, item_id)


async def claim_next(session: AsyncSession, owner: str, accounts: Iterable[tuple[str, str]]) -> OutboxItem | None:
    """Atomically take the next due item for one of `accounts` ((platform, self_id) pairs), or None.

    The highest priority first, then the oldest. One UPDATE ... RETURNING claims the row; on PostgreSQL the inner
    SELECT skips rows another process holds (FOR UPDATE SKIP LOCKED), on SQLite the write lock makes the statement
    atomic. Claim only right before sending: a claimed item is never sent again (at most once).
    """
    accounts = list(accounts)
    if not accounts:
        return None
    now = clock.now()
    due = _due(accounts).with_for_update(skip_locked=True).scalar_subquery()
    statement = (
        update(OutboxItem)
        .where(OutboxItem.id == due, OutboxItem.status == PENDING)
        .values(status=SENDING, claimed_by=owner, claimed_at=now, attempts=OutboxItem.attempts + 1)
        .returning(OutboxItem)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def refuse(session: AsyncSession, item_id: int, error: str, retry_at: datetime | None = None) -> bool:
    """Fail (or, with `retry_at`, postpone) an item that was never claimed; False when someone claimed it first."""
    values: dict = {"last_error": error[:500]}
    values.update({"status": FAILED} if retry_at is None else {"next_attempt_at": retry_at})
    result = await session.execute(
        update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.status == PENDING).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel(session: AsyncSession, dedupe_prefix: str, reason: str) -> list[OutboxItem]:
    """Take back the items whose dedupe key starts with `dedupe_prefix` and that were not sent yet (what they say no
    longer holds; their text is dropped at once); returns those sent or being sent already, for a correction."""
    pattern = dedupe_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matching = OutboxItem.dedupe_key.like(pattern, escape="\\")
    await session.execute(
        update(OutboxItem)
        .where(matching, OutboxItem.status == PENDING)
        .values(status=CANCELLED, last_error=reason[:500], parts=[])  # its text is no longer needed: not kept
    )
    gone = await session.scalars(select(OutboxItem).where(matching, OutboxItem.status.in_((SENT, SENDING))))
    return list(gone.all())


async def mark_sent(session: AsyncSession, item_id: int, owner: str) -> None:
    """Record a successful send."""
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.claimed_by == owner)
        .values(status=SENT, sent_at=clock.now(), last_error=None)
    )


async def mark_failed(
    session: AsyncSession, item_id: int, owner: str, error: str, retry_at: datetime | None, *, attempted: bool = True
) -> None:
    """Record a failed attempt: back to pending for a retry at `retry_at`, or failed for good. `attempted=False`
    for an item claimed and then held back unsent (a cap, quiet hours): the claim's attempt does not count."""
    values: dict = {"last_error": error[:500]}
    if retry_at is None:
        values["status"] = FAILED
    else:
        values.update(status=PENDING, next_attempt_at=retry_at, claimed_by=None)
    if not attempted:
        values["attempts"] = OutboxItem.attempts - 1
    await session.execute(
        update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.claimed_by == owner).values(**values)
    )


async def sent_today(session: AsyncSession, target_ids: str | Sequence[str], platform: str, kind: str = "group") -> int:
    """How many items reached one chat today (for the daily caps: a group's, and each private chat's own)."""
    return await sent_between(session, target_ids, platform, kind, *clock.day_bounds(clock.today()))


async def sent_between(
    session: AsyncSession, target_ids: str | Sequence[str], platform: str, kind: str, start: datetime, end: datetime
) -> int:
    """How many items reached one chat in [start, end); a chat queued under several ids (a private chat bound to
    two groups on the official QQ bot) is counted under all of them."""
    ids = [target_ids] if isinstance(target_ids, str) else list(target_ids)
    statement = select(func.count()).where(
        OutboxItem.target_id.in_(ids),
        OutboxItem.platform == platform,
        OutboxItem.target_kind == kind,
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
        .values(status=EXPIRED, last_error=EXPIRED_REASON)
    )
    abandoned = await session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == SENDING, OutboxItem.claimed_at < now - lease)
        .values(status=FAILED, last_error="发送过程中断，无法确认是否送达；为避免重复不再重发")
    )
    return expired.rowcount or 0, abandoned.rowcount or 0  # type: ignore[attr-defined]


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

"""Every time limit of an appeal chased: 催办 to the current holder shortly before it, 督办 up the chain after it,
each once (a unique alert row, also with two processes), each written to the trail.

The limits, what meets each, who is reminded (催办) and who is told after it (督办):

Every level that holds an appeal (its branch, or a committee at 县/市/省 after `/上报`) runs its own limits from when
it got it (`TimeLimits.at(level)`); 催办 goes to the holder, 督办 to the level above it (`levels.py`).

- 受理: while 待受理, from when the holder got it; met by 受理 / 退回 / 撤回. 催办 the holder (the branch's
  secretaries, or the committee's members); 督办 the level above.
- 转办: while 已受理 or 重办; met by 转办. 催办 the holder; 督办 the level above.
- 反馈: while open; met by a handler's progress note (/诉求 补充) or 办结. 催办 the department holding it, else
  the holder; 督办 the department, the holder and the level above.
- 办理意见: while open; met by the department's note or 办结. As 反馈.
- 办结: while open; met by 办结. As 反馈 (the level above may then take it up with /上报).
- 回访: while 已办结; met by the appellant's answer. 催办 the appellant (asked again); after it the appeal is
  recorded as 未回复 and the holder is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock

from . import levels, notices, rules, texts
from .models import Appeal, AppealAlert, AppealEvent
from .timelimits import TimeLimits, accept_due, opinion_due, reminder_at

if TYPE_CHECKING:
    from bot.core.db import Database

    from .service import AppealService

ACCEPT, TRANSFER, FEEDBACK, OPINION, CLOSE, FOLLOW_UP = "受理", "转办", "反馈", "办理意见", "办结", "回访"
NOTE_ACTIONS = (FEEDBACK, OPINION)  # trail actions of a handler's progress note
WATCHED = (rules.PENDING, *rules.OPEN, rules.CLOSED)


@dataclass(frozen=True)
class Limit:
    """One running limit of an appeal."""

    name: str
    start: datetime
    due: datetime


@dataclass(frozen=True)
class Overdue:
    """An open appeal past a limit, for /诉求 超期."""

    appeal: Appeal
    limit: Limit


def running_limits(appeal: Appeal, notes: set[str], limits: TimeLimits) -> list[Limit]:
    """The limits of an appeal not met yet (`notes`: the progress-note actions since acceptance)."""
    limits = limits.at(appeal.tier)
    if appeal.state == rules.PENDING:
        since = appeal.held_since or appeal.received_at
        return [Limit(ACCEPT, since, accept_due(since, limits))]
    if appeal.state == rules.CLOSED:
        if appeal.closed_at is None or appeal.follow_up_due is None:
            return []
        return [Limit(FOLLOW_UP, appeal.closed_at, appeal.follow_up_due)]
    if appeal.state not in rules.OPEN or appeal.accepted_at is None:
        return []
    start, running = appeal.accepted_at, []
    if appeal.state in (rules.ACCEPTED, rules.REOPENED) and appeal.transfer_due is not None:
        running.append(Limit(TRANSFER, start, appeal.transfer_due))
    if appeal.feedback_due is not None and not notes:
        running.append(Limit(FEEDBACK, start, appeal.feedback_due))
    if OPINION not in notes:
        running.append(Limit(OPINION, start, opinion_due(start, appeal.level or "一般", limits)))
    if appeal.close_due is not None:
        running.append(Limit(CLOSE, start, appeal.close_due))
    return running


async def _notes(session: AsyncSession, appeals: list[Appeal]) -> dict[int, set[str]]:
    """The progress-note actions of each appeal since its (latest) acceptance."""
    ids = [a.id for a in appeals if a.accepted_at is not None]
    found: dict[int, set[str]] = {}
    if not ids:
        return found
    accepted = {a.id: a.accepted_at for a in appeals}
    rows = await session.execute(
        select(AppealEvent.appeal_id, AppealEvent.action, AppealEvent.at).where(
            AppealEvent.appeal_id.in_(ids), AppealEvent.action.in_(NOTE_ACTIONS)
        )
    )
    for appeal_id, action, at in rows:
        start = accepted[appeal_id]
        if start is not None and at >= start:
            found.setdefault(appeal_id, set()).add(action)
    return found


def kind_of(limit: str, alert: str) -> str:
    """The alert row's kind: "催办"/"督办" for the close limit (as before), "<limit><alert>" for the others."""
    return alert if limit == CLOSE else f"{limit}{alert}"


async def scan(service: AppealService) -> dict[str, int]:
    """Send what is due now; counts of 催办, 督办 and 未回复."""
    now = clock.now()
    counts = {"催办": 0, "督办": 0, "未回复": 0}
    async with service.database.reading() as session:
        watched = list((await session.scalars(select(Appeal).where(Appeal.state.in_(WATCHED)))).all())
        notes = await _notes(session, watched)
    for appeal in watched:
        for limit in running_limits(appeal, notes.get(appeal.id, set()), service.limits):
            if now >= limit.due:
                if limit.name == FOLLOW_UP:
                    counts["未回复"] += await _no_answer(service, appeal, limit)
                elif await _alert(service, appeal, limit, "督办"):
                    counts["督办"] += 1
            elif now >= reminder_at(limit.start, limit.due, service.limits) and await _alert(
                service, appeal, limit, "催办"
            ):
                counts["催办"] += 1
    return counts


async def _claim(session: AsyncSession, appeal: Appeal, kind: str, due: datetime) -> bool:
    """Insert the alert row; False when it was sent before (by this or another process)."""
    from .service import insert_for

    inserted = (
        await session.execute(
            insert_for(session)(AppealAlert)
            .values(appeal_id=appeal.id, kind=kind, due=due, sent_at=clock.now())
            .on_conflict_do_nothing()
            .returning(AppealAlert.id)
        )
    ).scalar_one_or_none()
    return inserted is not None


async def _holder(service: AppealService, appeal: Appeal, limit: Limit) -> tuple[list[str], str]:
    """Who holds the appeal for this limit now (the department for the limits a department meets), and their name."""
    tree = await service.roles.org.tree()
    name = levels.holder_label(tree, appeal, limit.name)
    if limit.name in (FEEDBACK, OPINION, CLOSE) and appeal.state == rules.TRANSFERRED and appeal.department_id:
        handlers = await service.roles.handlers_of(appeal.department_id)
        if handlers:
            return handlers, name
    return await levels.holder_people(service, appeal), name


async def _alert(service: AppealService, appeal: Appeal, limit: Limit, alert: str) -> bool:
    """One 催办 or 督办, its trail line and its notices, in one transaction."""
    now, due = clock.now(), notices.when(limit.due)
    holders, holder_name = await _holder(service, appeal, limit)
    async with service.database.session() as session:
        if not await _claim(session, appeal, kind_of(limit.name, alert), limit.due):
            return False
        values: dict[str, Any] = {"number": appeal.number, "category": appeal.category, "limit": limit.name}
        if alert == "催办" and limit.name == FOLLOW_UP:
            text = texts.REMIND_FOLLOW_UP.format(number=appeal.number, due=due)
            on_behalf = texts.ENTERED_REMIND_FOLLOW_UP.format(number=appeal.number, name=appeal.appellant_name, due=due)
            await notices.appellant(session, appeal, text, on_behalf)
            note = texts.TRAIL_REMIND.format(limit=limit.name, due=due)
        elif alert == "催办":
            doing = texts.DOING[limit.name].format(number=appeal.number)
            text = texts.REMIND.format(**values, due=due, doing=doing)
            await notices.people(service, session, appeal, holders, text)
            note = texts.TRAIL_REMIND.format(limit=limit.name, due=due)
        else:
            above, above_name = await levels.above_people(service, appeal)
            text = texts.SUPERVISE.format(**values, due=due, holder=holder_name, tier=above_name)
            if holder_name != texts.HOLDER_BRANCH and levels.held_by_branch(appeal):
                above = await notices.secretaries(service, appeal) + above  # a department holds it: its branch too
            await notices.people(service, session, appeal, list(dict.fromkeys(holders + above)), text)
            note = texts.TRAIL_SUPERVISE.format(limit=limit.name, due=due, tier=above_name)
        await service.record(session, appeal, "system", alert, appeal.state, appeal.state, note, now)
    return True


async def _no_answer(service: AppealService, appeal: Appeal, limit: Limit) -> int:
    """The follow-up window passed without an answer: 未回复, final; the secretaries are told."""
    async with service.database.session() as session:
        result = await session.execute(
            update(Appeal)
            .where(Appeal.id == appeal.id, Appeal.version == appeal.version, Appeal.state == rules.CLOSED)
            .values(state=rules.FOLLOWED_UP, satisfaction=rules.NO_ANSWER, version=appeal.version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return 0
        await service.record(
            session, appeal, "system", FOLLOW_UP, rules.CLOSED, rules.FOLLOWED_UP, rules.NO_ANSWER, clock.now()
        )
        text = texts.SUPERVISE_FOLLOW_UP.format(number=appeal.number, due=notices.when(limit.due))
        await notices.managers(service, session, appeal, text)
    await service.expectations.forget(appeal.appellant_key, "回访")
    return 1


async def limits_of(session: AsyncSession, appeals: list[Appeal], limits: TimeLimits) -> dict[int, list[Limit]]:
    """The running limits of each appeal (one read of the trail for all of them)."""
    notes = await _notes(session, appeals)
    return {appeal.id: running_limits(appeal, notes.get(appeal.id, set()), limits) for appeal in appeals}


def late(running: list[Limit], now: datetime) -> Limit | None:
    """超期, the one definition every command and page uses: the earliest limit passed and not met, now (or None)."""
    passed = [limit for limit in running if limit.due < now]
    return min(passed, key=lambda limit: limit.due) if passed else None


async def overdue_in(database: Database, limits: TimeLimits, conditions: list[Any]) -> list[Overdue]:
    """Appeals matching `conditions` that are 超期 now, the longest overdue first (one line per appeal)."""
    now = clock.now()
    async with database.reading() as session:
        watched = list((await session.scalars(select(Appeal).where(Appeal.state.in_(WATCHED), *conditions))).all())
        running = await limits_of(session, watched, limits)
    found = []
    for appeal in watched:
        limit = late(running[appeal.id], now)
        if limit is not None:
            found.append(Overdue(appeal, limit))
    return sorted(found, key=lambda item: item.limit.due)


async def overdue(service: AppealService, conditions: list[Any]) -> list[Overdue]:
    """Open appeals in scope past a limit, the longest overdue first (one line per appeal)."""
    return await overdue_in(service.database, service.limits, conditions)


async def tell_calendar_gap(service: AppealService, accounts: list[tuple[str, str]]) -> int:
    """Tell each superuser once (per uncovered year, per bot account) that the next 60 days lack official holiday
    data; returns how many messages were queued."""
    from bot.core.outbox import Target, enqueue

    from .holidays import calendar, coverage_warning

    today = clock.today()
    warning = coverage_warning(today)
    if warning is None:
        return 0
    years = "-".join(str(y) for y in calendar().uncovered_years(today))
    queued = 0
    for platform, self_id in accounts:
        for key in service.superuser_keys(platform):
            dedupe = f"appeals:calendar:{years}:{key}"
            if dedupe in service.told:
                continue
            async with service.database.session() as session:
                target = Target(platform, "private", key.partition(":")[2], self_id)
                item = await enqueue(session, target, [warning], purpose=notices.PURPOSE, dedupe_key=dedupe)
            service.told.add(dedupe)
            queued += item is not None
    return queued

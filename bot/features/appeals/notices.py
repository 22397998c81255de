"""Who hears about an appeal, and how: queued through the outbox in the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock
from bot.core.actor import split_key
from bot.core.outbox import Target, cancel, enqueue
from bot.core.parts import Mention, Part

from . import levels, rules, texts
from .models import Appeal
from .rules import Action
from .timelimits import accept_due

if TYPE_CHECKING:
    from .service import AppealService

PURPOSE = "appeal"


def when(value) -> str:
    """A time as people read it: 11月30日 09:00."""
    return clock.local(value).strftime("%m月%d日 %H:%M")


async def appellant(session: AsyncSession, appeal: Appeal, text: str, on_behalf: str = "") -> None:
    """The appellant hears in the group the appeal came from (with an @; numbers and states only), or privately.
    A driver whose appeal was entered for them (/诉求 代录) is not in any chat here: whoever entered it hears
    `on_behalf` instead (the 回访 they make by phone), and nothing when there is none."""
    if appeal.entered_by is not None:
        platform, user_id = split_key(appeal.entered_by)
        if on_behalf and platform == appeal.platform:
            target = Target(platform, "private", user_id, appeal.self_id)
            await enqueue(session, target, [on_behalf], purpose=PURPOSE)
        return
    _, user_id = split_key(appeal.appellant_key)
    parts: list[Part] = [text]
    if appeal.group_id:
        target = Target(appeal.platform, "group", appeal.group_id, appeal.self_id)
        parts = [Mention(user_id), " " + text]
    else:
        target = Target(appeal.platform, "private", user_id, appeal.self_id)
    await enqueue(session, target, parts, purpose=PURPOSE)


def new_notice_key(appeal: Appeal) -> str:
    """The dedupe prefix of an appeal's 新诉求 notices (taken back when it is withdrawn before they are sent)."""
    return f"appeal:new:{appeal.number}:"


async def people(
    service: AppealService, session: AsyncSession, appeal: Appeal, user_keys: list[str], text: str, dedupe: str = ""
) -> int:
    """A private notice to each person on the appeal's platform (each keyed `dedupe` + person, when given); how
    many were queued."""
    queued = 0
    for key in dict.fromkeys(user_keys):
        platform, user_id = split_key(key)
        if platform == appeal.platform:
            target = Target(platform, "private", user_id, appeal.self_id)
            await enqueue(session, target, [text], purpose=PURPOSE, dedupe_key=f"{dedupe}{key}" if dedupe else None)
            queued += 1
    return queued


async def secretaries(service: AppealService, appeal: Appeal) -> list[str]:
    """The secretaries of the appeal's branch."""
    return await service.roles.secretaries_of(appeal.branch_id) if appeal.branch_id is not None else []


async def managers(service: AppealService, session: AsyncSession, appeal: Appeal, text: str, dedupe: str = "") -> None:
    """Whoever holds the appeal at its level: the branch's secretaries, else the committee holding it (its members;
    the level above when it has none named; the superusers at the top)."""
    await people(service, session, appeal, await levels.holder_people(service, appeal), text, dedupe)


async def withdrawn(service: AppealService, session: AsyncSession, appeal: Appeal) -> None:
    """Withdrawn: its 新诉求 notices not sent yet are taken back; whoever already got one is told not to act."""
    reached = await cancel(session, new_notice_key(appeal), texts.TRAIL_WITHDRAWN_BEFORE_SENT)
    keys = [f"{item.platform}:{item.target_id}" for item in reached]
    if keys:
        await people(service, session, appeal, keys, texts.TELL_WITHDRAWN.format(number=appeal.number))


async def announce(service: AppealService, session: AsyncSession, appeal: Appeal, action: Action, note: str) -> None:
    """Tell the people a change concerns."""
    number = appeal.number
    if action is Action.ACCEPT and appeal.close_due is not None:
        text = texts.TELL_ACCEPTED.format(number=number, level=appeal.level, due=when(appeal.close_due))
        await appellant(session, appeal, text)
    elif action is Action.TRANSFER and appeal.department:
        text = texts.TELL_DEPARTMENT.format(
            number=number,
            category=appeal.category,
            department=appeal.department,
            description=appeal.description,
            place=appeal.place,
        )
        await people(service, session, appeal, await service.roles.handlers_of(appeal.department_id), text)
        await appellant(session, appeal, texts.TELL_TRANSFERRED.format(number=number, department=appeal.department))
    elif action is Action.SEND_BACK:
        department, _, reason = note.partition("：")
        text = texts.TELL_SENT_BACK.format(number=number, department=department, reason=reason)
        await managers(service, session, appeal, text)
    elif action is Action.CLOSE:
        on_behalf = texts.ENTERED_ASK_FOLLOW_UP.format(number=number, name=appeal.appellant_name, result=appeal.result)
        await appellant(session, appeal, texts.ASK_FOLLOW_UP.format(number=number, result=appeal.result), on_behalf)
    elif action is Action.FOLLOW_UP and appeal.state == rules.REOPENED:
        await managers(service, session, appeal, texts.TELL_REOPENED.format(number=number))
        if appeal.department:
            handlers = await service.roles.handlers_of(appeal.department_id)
            await people(service, session, appeal, handlers, texts.TELL_REOPENED.format(number=number))
    elif action is Action.ESCALATE:
        holder, due = note, when(accept_due(appeal.held_since or appeal.received_at, service.limits.at(appeal.tier)))
        text = texts.TELL_ESCALATED.format(
            number=number, category=appeal.category, holder=holder, due=due, description=appeal.description
        )
        await people(service, session, appeal, await levels.holder_people(service, appeal), text)
        branch = await secretaries(service, appeal)
        if branch:
            await people(
                service, session, appeal, branch, texts.TELL_ESCALATED_BRANCH.format(number=number, holder=holder)
            )
    elif action is Action.REJECT:
        await appellant(session, appeal, texts.TELL_REJECTED.format(number=number))
    elif action is Action.WITHDRAW:
        await withdrawn(service, session, appeal)

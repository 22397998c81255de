"""Who hears about an appeal, and how: queued through the outbox in the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock
from bot.core.actor import split_key
from bot.core.outbox import Target, enqueue
from bot.core.parts import Mention, Part

from . import rules, texts
from .models import Appeal
from .rules import Action

if TYPE_CHECKING:
    from .service import AppealService

PURPOSE = "appeal"


def when(value) -> str:
    """A time as people read it: 11月30日 09:00."""
    return clock.local(value).strftime("%m月%d日 %H:%M")


async def appellant(session: AsyncSession, appeal: Appeal, text: str) -> None:
    """The appellant hears in the group the appeal came from (with an @; numbers and states only), or privately."""
    _, user_id = split_key(appeal.appellant_key)
    parts: list[Part] = [text]
    if appeal.group_id:
        target = Target(appeal.platform, "group", appeal.group_id, appeal.self_id)
        parts = [Mention(user_id), " " + text]
    else:
        target = Target(appeal.platform, "private", user_id, appeal.self_id)
    await enqueue(session, target, parts, purpose=PURPOSE)


async def people(service: AppealService, session: AsyncSession, appeal: Appeal, user_keys: list[str], text: str) -> int:
    """A private notice to each person on the appeal's platform; how many were queued."""
    queued = 0
    for key in dict.fromkeys(user_keys):
        platform, user_id = split_key(key)
        if platform == appeal.platform:
            await enqueue(session, Target(platform, "private", user_id, appeal.self_id), [text], purpose=PURPOSE)
            queued += 1
    return queued


async def secretaries(service: AppealService, appeal: Appeal) -> list[str]:
    """The secretaries of the appeal's branch."""
    return await service.roles.secretaries_of(appeal.branch_id) if appeal.branch_id is not None else []


async def managers(service: AppealService, session: AsyncSession, appeal: Appeal, text: str) -> None:
    """The branch's secretaries; superusers when the appeal is above the branch or has none."""
    keys = await secretaries(service, appeal) if appeal.tier == rules.TIERS[0] else []
    await people(service, session, appeal, keys or service.superuser_keys(appeal.platform), text)


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
        await people(service, session, appeal, await service.roles.handlers_of(appeal.department), text)
        await appellant(session, appeal, texts.TELL_TRANSFERRED.format(number=number, department=appeal.department))
    elif action is Action.SEND_BACK:
        department, _, reason = note.partition("：")
        text = texts.TELL_SENT_BACK.format(number=number, department=department, reason=reason)
        await managers(service, session, appeal, text)
    elif action is Action.CLOSE:
        await appellant(session, appeal, texts.ASK_FOLLOW_UP.format(number=number, result=appeal.result))
    elif action is Action.FOLLOW_UP and appeal.state == rules.REOPENED:
        await managers(service, session, appeal, texts.TELL_REOPENED.format(number=number))
        if appeal.department:
            handlers = await service.roles.handlers_of(appeal.department)
            await people(service, session, appeal, handlers, texts.TELL_REOPENED.format(number=number))
    elif action is Action.ESCALATE:
        text = texts.TELL_ESCALATED.format(
            number=number, category=appeal.category, tier=appeal.tier, description=appeal.description
        )
        await people(service, session, appeal, service.superuser_keys(appeal.platform), text)
    elif action is Action.REJECT:
        await appellant(session, appeal, texts.TELL_REJECTED.format(number=number))

"""The operations commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

from bot.core.commands import COMMITTEES, MANAGERS, SUPERUSERS, Call, Usage, area, command

from . import replies, texts
from .service import NeedsConfirmation, Queued

OPS = area(texts.AREA, texts.AREA_DESCRIPTION, order=60, aliases=("通知", "运维", "状态"))


def _queued(call: Call, outcome: Queued) -> str:
    call.services.sender.nudge()
    settings = call.services.settings
    return replies.queued(outcome, settings.delivery_gap_min, settings.delivery_gap_max)


async def _send(call: Call, arg: str) -> str:
    """Plan the notice for this person and queue it (or hold a double tap back)."""
    broadcasts = call.services.broadcasts
    outcome = await broadcasts.send(call.actor, await broadcasts.plan(call.actor, call.branch, arg))
    if isinstance(outcome, NeedsConfirmation):
        return replies.confirmation(outcome)
    return _queued(call, outcome)


@command("通知", roles=MANAGERS, usage="/通知 <内容>", area=OPS, summary=texts.NOTICE_SUMMARY, order=10)
async def notice(call: Call) -> str:
    """/通知 <内容>: a secretary to their branch (in private chat: every branch they run); a superuser names the
    target first (本支部, 支部A,支部B)."""
    if not call.arg.strip():
        raise Usage()
    return await _send(call, call.arg)


@command("通知 全部", roles=COMMITTEES, usage="/通知 全部 <内容>", area=OPS, summary=texts.NOTICE_ALL_SUMMARY, order=11)
async def notice_all(call: Call) -> str:
    """/通知 全部 <内容>: every active branch group."""
    return await _send(call, f"{texts.ALL} {call.arg}")


@command("通知 状态", roles=MANAGERS, usage="/通知 状态", area=OPS, summary=texts.NOTICE_STATUS_SUMMARY, order=12)
async def notice_status(call: Call) -> str:
    """/通知 状态: how the person's last notice went."""
    if call.words:
        raise Usage()
    return replies.report(await call.services.broadcasts.last_report(call.actor), finished=False)


@command("通知 确认", roles=MANAGERS, usage="/通知 确认", area=OPS, summary=texts.NOTICE_CONFIRM_SUMMARY, order=13)
async def notice_confirm(call: Call) -> str:
    """/通知 确认: send the notice the double-tap guard held back."""
    if call.words:
        raise Usage()
    return _queued(call, await call.services.broadcasts.confirm(call.actor))


@command("状态", roles=SUPERUSERS, usage="/状态", area=OPS, summary=texts.STATUS_SUMMARY, order=20)
async def status(call: Call) -> str:
    """/状态: accounts, the queue, refusals, pushes, the calendar, the database."""
    if call.words:
        raise Usage(texts.STATUS_USAGE)
    return replies.status(await call.services.broadcasts.health.collect())


@command(
    "状态 推送", roles=SUPERUSERS, usage="/状态 推送 [页码]", area=OPS, summary=texts.STATUS_PUSH_SUMMARY, order=21
)
async def status_pushes(call: Call) -> str:
    """/状态 推送 [页]: the last study push of every active branch."""
    words = call.words
    if len(words) > 1 or (words and not words[0].isascii()) or (words and not words[0].isdigit()):
        raise Usage()
    page = int(words[0]) if words else 1
    return replies.pushes(await call.services.broadcasts.health.collect(), page)

"""The bot's process-wide services wired into NoneBot: database, migrations, sender, conversations, the chatter gate.

Imported by every plugin; importing it registers the start-up/shutdown hooks and the event preprocessor once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nonebot
from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12
from nonebot.exception import IgnoredException
from nonebot.message import event_preprocessor, run_postprocessor

from . import platform
from .core import clock, migrate
from .core.actor import Actor
from .core.branches import BranchDirectory, Roles
from .core.conversation import Conversations, Expired
from .core.db import get_database
from .core.members import MemberRecords
from .core.models import BotAccount
from .core.outbox import Target, enqueue
from .core.parts import Mention, Part
from .core.sender import Sender
from .core.settings import get_settings

log = logging.getLogger("redwheel")

settings = get_settings()
database = get_database()
branches = BranchDirectory(database)
roles = Roles(database, branches)
members = MemberRecords(database, roles)
conversations = Conversations(database, settings.conversation_timeout_seconds)

# Lines other plugins add to /档案 (e.g. the participation summary): (branch_id, user_key) -> text.
profile_extras: list[Callable[[int, str], Awaitable[str | None]]] = []

# Plain words (no command prefix) a feature reacts to in a group, e.g. 打卡; plugins add theirs.
loose_words: set[str] = set()


def connected_accounts() -> list[tuple[str, str]]:
    """(platform, self_id) of every bot connected to this process."""
    return [(platform.platform_of(bot), str(bot.self_id)) for bot in nonebot.get_bots().values()]


async def _send(self_id: str, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """The sender's way out: through the bot account that owns the item."""
    bot = nonebot.get_bots().get(self_id)
    if bot is None:
        raise ConnectionError(f"机器人账号 {self_id} 未连接")
    await platform.send(bot, target_kind, target_id, parts)


sender = Sender(database, settings, _send, connected_accounts)


async def notify(target: Target, parts: list[Part] | str, **options) -> int | None:
    """Queue one message through the delivery path and wake the sender."""
    if isinstance(parts, str):
        parts = [parts]
    async with database.session() as session:
        item_id = await enqueue(session, target, parts, **options)
    sender.nudge()
    return item_id


def target_for(actor: Actor, private: bool = False) -> Target:
    """Where to answer an actor outside a command's reply: their group (with an @) or their private chat."""
    if actor.group_id is None or private:
        return Target(actor.platform, "private", actor.user_id, actor.self_id)
    return Target(actor.platform, "group", actor.group_id, actor.self_id)


async def _tell_expired(items: list[Expired], template: str) -> None:
    """Tell people whose conversation ended without them."""
    for item in items:
        parts: list[Part] = [template.format(name=item.flow_name, command=item.command)]
        if item.actor.group_id is not None:
            parts.insert(0, Mention(item.actor.user_id))
            parts[1] = " " + parts[1]
        await notify(target_for(item.actor), parts, purpose="conversation")


async def _sweep_conversations() -> None:
    """Time out idle conversations every few seconds and say so."""
    while True:
        await asyncio.sleep(10)
        try:
            await _tell_expired(await conversations.expire(), "「{name}」已超时（长时间没有回复），已结束，没有保存任何内容。需要时请重新发送 {command}。")
        except Exception:
            log.exception("conversation sweep failed")


_background: list[asyncio.Task] = []
driver = nonebot.get_driver()


@driver.on_startup
async def _startup() -> None:
    """Apply migrations, then start the sender and the conversation sweeper."""
    await migrate.upgrade(database)
    if settings.delivery_enabled:
        sender.start()
    _background.append(asyncio.create_task(_sweep_conversations(), name="redwheel-conversations"))
    log.info("Redwheel started on %s", database.dialect)


@driver.on_shutdown
async def _shutdown() -> None:
    """Stop background work and close the database."""
    await sender.stop()
    for task in _background:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _background.clear()
    await database.dispose()


@driver.on_bot_connect
async def _on_connect(bot: Bot) -> None:
    """Record the account, tell people whose conversation a restart cut off, and resume sending."""
    now = clock.now()
    async with database.session() as session:
        account = await session.get(BotAccount, str(bot.self_id))
        protocol = "v12" if isinstance(bot, v12.Bot) else "v11"
        if account is None:
            account = BotAccount(self_id=str(bot.self_id), platform=platform.platform_of(bot), protocol=protocol)
            session.add(account)
        account.connected_at, account.protocol = now, protocol
    await _tell_expired(
        await conversations.interrupted(str(bot.self_id)),
        "机器人刚刚重启，您未完成的「{name}」已中断，没有保存任何内容。请重新发送 {command} 开始。",
    )
    sender.nudge()


@driver.on_bot_disconnect
async def _on_disconnect(bot: Bot) -> None:
    """Remember when the account went away (for /状态)."""
    with contextlib.suppress(Exception):
        async with database.session() as session:
            account = await session.get(BotAccount, str(bot.self_id))
            if account is not None:
                account.disconnected_at = clock.now()


def _command_starts() -> tuple[str, ...]:
    """The configured command prefixes, without the empty one."""
    return tuple(s for s in nonebot.get_driver().config.command_start if s)


_GROUP_EVENTS = (v11.GroupMessageEvent, v12.GroupMessageEvent)


@event_preprocessor
async def drop_chatter(bot: Bot, event: Event) -> None:
    """Ordinary group chatter ends here: no command, not for the bot, no feature reacts to it.

    Costs a few string checks and one dict lookup; never the database, never jieba.
    """
    if not isinstance(event, _GROUP_EVENTS) or event.to_me:
        return
    message = event.original_message
    first = message[0] if message else None
    text = first.data.get("text", "") if first is not None and first.type == "text" else ""
    stripped = text.lstrip()
    if stripped.startswith(_command_starts()):
        return
    if stripped.rstrip() in loose_words:
        return
    if platform.has_location_segment(event):
        return
    if conversations.is_waiting(f"{platform.platform_of(bot)}:{event.group_id}:{event.user_id}"):
        return
    raise IgnoredException("chatter")


@run_postprocessor
async def _apologise(bot: Bot, event: Event, exception: Exception | None) -> None:
    """A handler that failed still answers, briefly, instead of leaving the person waiting."""
    if exception is None or platform.actor_of(bot, event) is None:
        return
    log.error("handler failed: %r", exception)
    with contextlib.suppress(Exception):
        await platform.reply(bot, event, ["抱歉，处理这条消息时出错了，请稍后再试。"])

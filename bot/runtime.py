"""The process's services wired into NoneBot: built once by `install()`, reached by handlers through `services()`.

Importing this module does nothing; `install()` (called by `bot.app.create_app` and by the first plugin that
loads, e.g. under `nb run`) builds the services and registers the start-up, shutdown and connection hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nonebot
from nonebot.adapters import Bot

from bot import logs, platform
from bot.core import clock, migrate
from bot.core.conversation import Expired
from bot.core.models import BotAccount
from bot.core.outbox import Target
from bot.core.parts import Mention, Part
from bot.core.sender import PermanentSendError
from bot.core.settings import exposure_refusal, get_settings
from bot.features.branch.binding import not_in_private
from bot.services import Services, build_services

log = logging.getLogger("redwheel")

_services: list[Services] = []
_background: list[asyncio.Task] = []
# Every bot account that connected to this process since it started: /healthz expects each to be connected still.
seen_accounts: set[str] = set()

EXPIRED = "「{name}」已超时（长时间没有回复），已结束，没有保存任何内容。需要时请重新发送 {command}。"
INTERRUPTED = "机器人刚刚重启，您未完成的「{name}」已中断，没有保存任何内容。请重新发送 {command} 开始。"


def services() -> Services:
    """The services of this process (built by `install()`)."""
    if not _services:
        raise RuntimeError("bot.runtime.install() has not run")
    return _services[0]


def use(replacement: Services) -> Services:
    """Swap the process's services (tests give each matcher test its own database); returns the old ones."""
    old = _services[0] if _services else replacement
    _services[:] = [replacement]
    return old


def connected_accounts() -> list[tuple[str, str]]:
    """(platform, self_id) of every bot connected to this process."""
    return [(platform.platform_of(bot), str(bot.self_id)) for bot in nonebot.get_bots().values()]


async def _send(self_id: str, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """The sender's way out: through the bot account that owns the item."""
    bot = nonebot.get_bots().get(self_id)
    if bot is None:
        raise ConnectionError(f"机器人账号 {self_id} 未连接")
    if target_kind == "private":  # a person known by their group id is written to in the private chat they bound
        current, name = services(), platform.platform_of(bot)
        reach = await current.proofs.reach(name, target_id)
        if reach.kind != "private":  # never a private message to a group id: an @ in their group asks them to bind
            raise PermanentSendError(await not_in_private(current, name, self_id, reach))
        target_id = reach.id
    await platform.send(bot, target_kind, target_id, parts)


def _exposure() -> str | None:
    """Why this process must not start (bound beyond this machine, a OneBot endpoint without a token), or None. The
    tokens are read as the adapters read them (`.env`, or the environment)."""
    tokens = platform.access_tokens()
    token = tokens[0] if tokens and all(tokens) else ""  # an endpoint without one is open
    return exposure_refusal(str(nonebot.get_driver().config.host), token, get_settings().onebot_auth_by_proxy)


def install() -> Services:
    """Build the services and register the NoneBot hooks, once per process."""
    if _services:
        return _services[0]
    refusal = _exposure()
    if refusal is not None:  # before anything listens: an open OneBot endpoint lets anyone speak as anyone
        raise SystemExit(refusal)
    logs.install()
    logs.route_standard_logging()
    built = build_services(get_settings(), send=_send, accounts=connected_accounts)
    _services.append(built)
    driver = nonebot.get_driver()
    driver.on_startup(_startup)
    driver.on_shutdown(_shutdown)
    driver.on_bot_connect(_on_connect)
    driver.on_bot_disconnect(_on_disconnect)
    return built


def target_for(actor_platform: str, user_id: str, group_id: str | None, self_id: str) -> Target:
    """Where to tell someone something outside a reply: their group, or their private chat."""
    if group_id is None:
        return Target(actor_platform, "private", user_id, self_id)
    return Target(actor_platform, "group", group_id, self_id)


async def _tell_expired(items: list[Expired], template: str) -> None:
    """Tell people whose conversation ended without them."""
    for item in items:
        actor = item.actor
        parts: list[Part] = [template.format(name=item.flow_name, command=item.command)]
        if actor.group_id is not None:
            parts = [Mention(actor.user_id), " " + str(parts[0])]
        target = target_for(actor.platform, actor.user_id, actor.group_id, actor.self_id)
        await services().notify(target, parts, purpose="conversation")


async def _sweep_conversations() -> None:
    """Time out idle conversations every few seconds and say so; forget stale waits once a minute (a write)."""
    rounds = 0
    while True:
        await asyncio.sleep(10)
        rounds += 1
        try:
            await _tell_expired(await services().conversations.expire(), EXPIRED)
            if rounds % 6 == 0:
                await services().waiting.purge()
        except Exception as error:  # the kind only: an error's text can carry personal data
            log.error("conversation sweep failed: %s", type(error).__name__)


async def _startup() -> None:
    """Apply migrations, run the features' start-up work, then start the sender and the conversation sweeper."""
    current = services()
    async with migrate.one_process_at_a_time(current.database):  # two processes started together seed once
        await migrate.upgrade(current.database)
        for work in current.startup:
            await work()
    if current.settings.delivery_enabled:
        current.sender.start()
    await current.leader.campaign()  # the first process up leads at once; the others keep trying in the background
    current.leader.start()
    _background.append(asyncio.create_task(_sweep_conversations(), name="redwheel-conversations"))
    log.info("Redwheel started on %s", current.database.dialect)


async def _shutdown() -> None:
    """Stop background work and close the database."""
    current = services()
    await current.sender.stop()
    await current.leader.stop()  # hands leadership over at once
    for task in _background:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _background.clear()
    await current.database.dispose()


async def _on_connect(bot: Bot) -> None:
    """Record the account, tell people whose conversation a restart cut off, and resume sending."""
    current = services()
    seen_accounts.add(str(bot.self_id))
    async with current.database.session() as session:
        account = await session.get(BotAccount, str(bot.self_id))
        protocol = platform.protocol_of(bot)
        if account is None:
            account = BotAccount(self_id=str(bot.self_id), platform=platform.platform_of(bot), protocol=protocol)
            session.add(account)
        account.connected_at, account.protocol = clock.now(), protocol
    await _tell_expired(await current.conversations.interrupted(str(bot.self_id)), INTERRUPTED)
    current.sender.nudge()


async def _on_disconnect(bot: Bot) -> None:
    """Remember when the account went away (for /状态)."""
    with contextlib.suppress(Exception):
        async with services().database.session() as session:
            account = await session.get(BotAccount, str(bot.self_id))
            if account is not None:
                account.disconnected_at = clock.now()

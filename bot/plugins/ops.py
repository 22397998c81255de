"""Operations: /通知 broadcasts, /状态, group membership changes, daily backups and retention.

The commands are declared in `bot.features.ops.commands`; this module makes them known to NoneBot, listens for
members and the bot leaving a group, and schedules the broadcast reports, the backup and the retention purge.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import wraps

from nonebot import get_driver, on_notice, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot import platform, runtime  # noqa: E402
from bot.admin import sqlite_backup  # noqa: E402
from bot.core import clock  # noqa: E402
from bot.core.settings import load_config  # noqa: E402
from bot.features.ops import commands, replies  # noqa: E402, F401
from bot.features.ops.config import Config  # noqa: E402

log = logging.getLogger("redwheel.ops")

__plugin_meta__ = PluginMetadata(
    name="通知与运维",
    description="向支部群发通知、运行状态、备份与个人信息保留期限",
    usage="/通知 · /状态",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters={"~onebot.v11", "~onebot.v12"},
)

departures = on_notice(rule=Rule(platform.is_departure), priority=5, block=False)


@departures.handle()
async def _departed(bot: Bot, event: Event) -> None:
    """A member left (their record is marked as left), or the bot left: the branch stops, its members count as left."""
    departure = platform.departure_of(bot, event)
    if departure is None:
        return
    current = runtime.services()
    if departure.bot_gone:
        if await current.broadcasts.retention.group_lost(departure.platform, departure.group_id) is not None:
            current.branches.forget()
            current.roles.forget()
            current.identities.forget()
            log.warning("a branch was deactivated: the bot is no longer in its group")
        return
    # Their id in that group is joined to no private chat any more (official QQ bot), their web sessions end; their
    # record stays as left.
    await current.identities.unlink_member(departure.platform, departure.user_id, why="left")
    branch = await current.branches.of_group(departure.platform, departure.group_id)
    if branch is not None:  # a private appeal of theirs no longer goes to this branch
        await current.presence.left(branch.id, f"{departure.platform}:{departure.user_id}")
    if await current.members.mark_left(departure.platform, departure.group_id, departure.user_id):
        log.info("a registered member left a branch group")


def quietly(job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """A scheduled job whose failure is logged by kind only (a database error's text can carry personal data)."""

    @wraps(job)
    async def run() -> None:
        try:
            await job()
        except Exception as error:
            log.error("%s failed: %s", job.__name__, type(error).__name__)

    return run


@quietly
async def report_broadcasts() -> None:
    """Scheduled: tell each sender, once, how a finished broadcast went."""
    current = runtime.services()
    if await current.broadcasts.report_finished(replies.report):
        current.sender.nudge()


@quietly
async def backup_daily() -> None:
    """Scheduled: the SQLite online backup, then old backups pruned (PostgreSQL: see the README, pg_dump)."""
    settings = runtime.services().settings
    live = sqlite_backup.sqlite_path(settings.database_url)
    if live is None:
        return
    config = load_config(Config)
    folder = config.ops_backup_dir or settings.data_dir / "backups"
    info, removed = await asyncio.to_thread(
        sqlite_backup.daily_backup, live, folder, config.ops_backup_keep_days, clock.now()
    )
    log.info("daily backup written (%s bytes); %s old backups removed", info.size, len(removed))


@quietly
async def retention_daily() -> None:
    """Scheduled: forget what the retention periods no longer allow to keep (counts only in the log)."""
    purge = await runtime.services().broadcasts.retention.purge()
    log.info(
        "retention: %s departed members erased, %s ledger lines pseudonymised, %s appeals forgotten, "
        "%s outbox texts erased, %s export files removed",
        purge.members,
        purge.ledger_lines,
        purge.appeals,
        purge.outbox_texts,
        purge.export_files,
    )


@get_driver().on_startup
async def _start_ops() -> None:
    """Register the scheduled jobs."""
    config = load_config(Config)
    scheduler.add_job(
        report_broadcasts,
        "interval",
        seconds=config.ops_report_check_seconds,
        id="ops_broadcast_reports",
        misfire_grace_time=60,
        coalesce=True,
        replace_existing=True,
    )
    scheduler.add_job(
        backup_daily,
        "cron",
        hour=config.ops_backup_time.hour,
        minute=config.ops_backup_time.minute,
        id="ops_backup",
        misfire_grace_time=3600,
        coalesce=True,
        replace_existing=True,
    )
    scheduler.add_job(
        retention_daily,
        "cron",
        hour=config.ops_retention_time.hour,
        minute=config.ops_retention_time.minute,
        id="ops_retention",
        misfire_grace_time=3600,
        coalesce=True,
        replace_existing=True,
    )

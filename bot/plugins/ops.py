"""Operations: /通知 broadcasts, /状态, group membership changes, daily backups and retention.

The commands are declared in `bot.features.ops.commands`; this module makes them known to NoneBot, listens for
members and the bot leaving a group, and schedules the broadcast reports, the backup and the retention purge.
"""

import logging

from nonebot import get_driver, on_notice, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")

from bot import jobs, platform, runtime  # noqa: E402
from bot.core import clock  # noqa: E402
from bot.core.settings import load_config  # noqa: E402
from bot.features.ops import backups, commands, replies  # noqa: E402, F401
from bot.features.ops.config import Config  # noqa: E402

log = logging.getLogger("redwheel.ops")

__plugin_meta__ = PluginMetadata(
    name="通知与运维",
    description="向支部群发通知、运行状态、备份与个人信息保留期限",
    usage="/通知 · /状态",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)


def _is_departure(bot: Bot, event: Event) -> bool:
    """Cheap rule: a notice of someone (or the bot) leaving a group."""
    return platform.departure_of(bot, event) is not None


departures = on_notice(rule=Rule(_is_departure), priority=5, block=False)


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


async def report_broadcasts() -> None:
    """Scheduled: tell each sender, once, how a finished broadcast went."""
    current = runtime.services()
    if await current.broadcasts.report_finished(replies.report):
        current.sender.nudge()


async def backup_daily() -> None:
    """Scheduled (the leader only): today's backup of SQLite or PostgreSQL, verified, recorded for /状态; skipped
    when today's is already there (a new leader catches up one its predecessor missed)."""
    current, config = runtime.services(), load_config(Config)
    if config.ops_backup_enabled and await backups.due(current.database, config, clock.now()):
        await backups.take(current.database, config, current.settings.data_dir)


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
    """Register the scheduled jobs: each runs in the elected process only."""
    config = load_config(Config)
    jobs.schedule(
        report_broadcasts,
        "interval",
        seconds=config.ops_report_check_seconds,
        id="ops_broadcast_reports",
        once=True,
        misfire_grace_time=60,
    )
    backup_at = config.ops_backup_time
    jobs.schedule(
        backup_daily,
        "cron",
        hour=backup_at.hour,
        minute=backup_at.minute,
        id="ops_backup",
        once=True,
        misfire_grace_time=3600,
        catch_up=True,
    )
    retention_at = config.ops_retention_time
    jobs.schedule(
        retention_daily,
        "cron",
        hour=retention_at.hour,
        minute=retention_at.minute,
        id="ops_retention",
        once=True,
        misfire_grace_time=3600,
    )

"""Operations: /通知 broadcasts, /状态, group membership changes, daily backups and retention."""

import asyncio
import logging

from nonebot import get_driver, on_notice, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot.admin import sqlite_backup  # noqa: E402
from bot.chat import answer  # noqa: E402
from bot.commands import route  # noqa: E402
from bot.core import clock  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.features.ops import handlers  # noqa: E402
from bot.features.ops.config import Config  # noqa: E402
from bot.features.ops.notices import departure_of, is_departure  # noqa: E402
from bot.runtime import sender, settings  # noqa: E402

log = logging.getLogger("redwheel.ops")

__plugin_meta__ = PluginMetadata(
    name="通知与运维",
    description="向支部群发通知、运行状态、备份与个人信息保留期限",
    usage="/通知 · /状态",
    config=Config,
    extra={
        "order": 60,
        "aliases": ["通知", "运维", "状态"],
        "commands": [
            {"usage": "/通知 <内容>", "desc": "向本支部群发通知（私聊：发往您负责的支部）", "roles": ["书记"]},
            {
                "usage": "/通知 全部 <内容>",
                "desc": "向全部支部发通知；或 /通知 支部A,支部B <内容>",
                "roles": ["行业党委"],
            },
            {"usage": "/通知 状态", "desc": "上一条通知送达了多少个群、哪些失败及原因", "roles": ["书记", "行业党委"]},
            {"usage": "/通知 确认", "desc": "几分钟内重复发送相同通知时，确认再发一次", "roles": ["书记", "行业党委"]},
            {"usage": "/状态", "desc": "机器人账号、发送队列、各支部推送、数据库", "roles": ["行业党委"]},
        ],
    },
)

config = handlers.config


@route("通知", "状态")
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    await answer(bot, event, handlers.notice(actor, arg) if name == "通知" else handlers.status(actor, arg))


departures = on_notice(rule=Rule(is_departure), priority=5, block=False)


@departures.handle()
async def _departed(bot: Bot, event: Event) -> None:
    departure = departure_of(bot, event)
    if departure is not None:
        await handlers.departed(departure)


async def report_broadcasts() -> None:
    """Scheduled: tell each sender, once, how a finished broadcast went."""
    if await handlers.broadcasts.report_finished(handlers.render_report):
        sender.nudge()


async def backup_daily() -> None:
    """Scheduled: the SQLite online backup, then old backups pruned (PostgreSQL: see docs, pg_dump)."""
    live = sqlite_backup.sqlite_path(settings.database_url)
    if live is None:
        return
    folder = config.ops_backup_dir or settings.data_dir / "backups"
    info, removed = await asyncio.to_thread(
        sqlite_backup.daily_backup, live, folder, config.ops_backup_keep_days, clock.now()
    )
    log.info("daily backup written (%s bytes); %s old backups removed", info.size, len(removed))


async def retention_daily() -> None:
    """Scheduled: erase contact data of members who left longer ago than the retention period (counts only in the log)."""
    erased = await handlers.retention()
    log.info("retention: %s departed members erased", erased)


@get_driver().on_startup
async def _start_ops() -> None:
    """Register the scheduled jobs."""
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

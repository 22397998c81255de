"""Records: activities, the contact mechanism, points and rankings, the monthly report, the ledger export."""

from datetime import timedelta
from pathlib import Path

from nonebot import get_plugin_config
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata

from bot import platform
from bot.chat import answer
from bot.commands import route
from bot.core.actor import Actor
from bot.features.records.config import Config
from bot.features.records.handlers import RecordsHandlers
from bot.features.records.service import RecordsService, monthly_report_extras
from bot.runtime import database, profile_extras

__plugin_meta__ = PluginMetadata(
    name="活动与积分",
    description="活动报名签到、党员联系司机、积分与积分榜、月报、台账导出",
    usage="/活动 · /积分 · /积分榜",
    config=Config,
    extra={
        "order": 40,
        "aliases": ["活动", "积分", "台账"],
        "commands": [
            {"usage": "/活动", "desc": "近期活动", "roles": ["司机"]},
            {"usage": "/报名 <编号>", "desc": "报名活动（满员进候补）；/报名 取消 <编号>", "roles": ["司机"]},
            {"usage": "/签到 <编号>", "desc": "活动开始前 30 分钟到开始后 2 小时内签到", "roles": ["司机"]},
            {"usage": "/积分", "desc": "我的积分：本月、今年、累计", "roles": ["司机"]},
            {"usage": "/积分榜", "desc": "本支部本月积分前十", "roles": ["司机"]},
            {"usage": "/联系 @某人", "desc": "党员司机登记联系一位司机", "roles": ["司机"]},
            {"usage": "/我的联系人", "desc": "我联系的司机和最近联系时间", "roles": ["司机"]},
            {"usage": "/活动 发布", "desc": "发布活动（对话）", "roles": ["书记", "行业党委"]},
            {"usage": "/活动 取消 <编号>", "desc": "取消活动", "roles": ["书记", "行业党委"]},
            {"usage": "/补签 <编号> @某人 <原因>", "desc": "为成员补签（原因会保留）", "roles": ["书记", "行业党委"]},
            {
                "usage": "/月报 [YYYY-MM]",
                "desc": "本支部月报（含图表）；行业党委可加 <支部名称|全部>",
                "roles": ["书记", "行业党委"],
            },
            {"usage": "/台账 导出", "desc": "导出成员台账 CSV（群内打码，私聊完整）", "roles": ["书记", "行业党委"]},
        ],
    },
)

config = get_plugin_config(Config)
service = RecordsService(
    database,
    timedelta(minutes=config.records_checkin_before_minutes),
    timedelta(minutes=config.records_checkin_after_minutes),
)
handlers = RecordsHandlers(
    service, Path(config.records_export_dir) if config.records_export_dir else None, config.records_chart
)
profile_extras.append(service.summary_line)


async def _appeal_figures(database, branch_id: int, first, end) -> dict[str, int]:
    """Appeals collected and closed in the month, for the monthly report."""
    from bot.features.appeals.service import AppealService  # the appeals plugin loads before this one

    stats = await AppealService(database, roles=None).statistics(branch_id, first, end)
    return {"收集": stats.collected, "办结": stats.closed}


monthly_report_extras.append(_appeal_figures)

_ROUTES = {
    "活动": handlers.activity,
    "报名": handlers.sign_up,
    "签到": handlers.check_in,
    "补签": handlers.late_check_in,
    "联系": handlers.contact,
    "我的联系人": handlers.my_contacts,
    "积分": handlers.points,
    "积分榜": handlers.ranking,
    "台账": handlers.export,
}


@route(*_ROUTES, "月报")
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    if name == "月报":
        work = handlers.monthly(actor, arg, at, platform.takes_images(bot))
    else:
        work = _ROUTES[name](actor, arg, at)
    await answer(bot, event, work, mention=name in ("报名", "签到", "积分", "联系"))

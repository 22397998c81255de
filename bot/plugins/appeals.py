"""Appeals (诉求): intake by conversation, a tracked workflow with time limits, follow-up and statistics."""

from nonebot import get_driver, get_plugin_config, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot.chat import answer  # noqa: E402
from bot.commands import route  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.features.appeals.config import Config  # noqa: E402
from bot.features.appeals.handlers import AppealHandlers  # noqa: E402
from bot.features.appeals.service import AppealService  # noqa: E402
from bot.features.appeals.timelimits import TimeLimits  # noqa: E402
from bot.runtime import database, roles, sender  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="诉求",
    description="司机诉求的收集、分级分办、限时办理、跟踪回访",
    usage="/诉求 · /我的诉求",
    config=Config,
    extra={
        "order": 30,
        "aliases": ["诉求办理"],
        "commands": [
            {"usage": "/诉求", "desc": "提交诉求（对话：类别→描述→地点→电话→确认；可私聊）", "roles": ["司机"]},
            {"usage": "/我的诉求", "desc": "我提交的诉求和进度", "roles": ["司机"]},
            {"usage": "/诉求 查询 <编号>", "desc": "诉求详情和办理记录", "roles": ["司机"]},
            {
                "usage": "/回访 <编号> <满意|基本满意|不满意>",
                "desc": "评价已办结的诉求（不满意将重办）",
                "roles": ["司机"],
            },
            {"usage": "/诉求 撤回 <编号>", "desc": "撤回尚未受理的诉求", "roles": ["司机"]},
            {"usage": "/诉求 列表 [状态]", "desc": "本支部（或部门）的诉求", "roles": ["书记", "行业党委", "承办部门"]},
            {"usage": "/受理 <编号> [紧急|一般]", "desc": "受理并定级（设定时限）", "roles": ["书记", "行业党委"]},
            {"usage": "/转办 <编号> <部门>", "desc": "转交承办部门", "roles": ["书记", "行业党委"]},
            {"usage": "/上报 <编号>", "desc": "上报：支部→行业党委→联席会议", "roles": ["书记", "行业党委"]},
            {"usage": "/办结 <编号> <结果>", "desc": "办结并请诉求人回访", "roles": ["书记", "行业党委", "承办部门"]},
            {
                "usage": "/退回 <编号> <原因>",
                "desc": "部门退单，或书记退回不属于诉求的事项",
                "roles": ["书记", "行业党委", "承办部门"],
            },
            {
                "usage": "/诉求 统计 [本月|本年|全部]",
                "desc": "收集、办结、办结率、满意率等",
                "roles": ["书记", "行业党委"],
            },
        ],
    },
)

config = get_plugin_config(Config)
limits = TimeLimits(
    transfer_hours=config.appeals_transfer_hours,
    feedback_working_days=config.appeals_feedback_working_days,
    close_working_days=config.appeals_close_working_days,
    follow_up_working_days=config.appeals_follow_up_working_days,
    urgent_transfer_minutes=config.appeals_urgent_transfer_minutes,
    urgent_close_hours=config.appeals_urgent_close_hours,
    remind_fraction=config.appeals_remind_fraction,
)
service = AppealService(database, roles, limits)
handlers = AppealHandlers(service)


@route("诉求", "我的诉求", "受理", "转办", "上报", "办结", "退回", "回访")
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    if name == "诉求":
        work = handlers.appeal(actor, arg, at)
    elif name == "我的诉求":
        work = handlers.mine(actor, arg, at)
    else:
        work = handlers.transition(actor, name, arg)
    await answer(bot, event, work, mention=actor.group_id is not None)


async def check_appeal_deadlines() -> None:
    """Scheduled: 催办, 督办 and 未回复, each once; then wake the sender."""
    counts = await service.scan_deadlines()
    if any(counts.values()):
        sender.nudge()


@get_driver().on_startup
async def _start_appeals() -> None:
    """Check deadlines every few minutes."""
    scheduler.add_job(
        check_appeal_deadlines,
        "interval",
        minutes=config.appeals_check_minutes,
        id="appeal_deadlines",
        misfire_grace_time=600,
        coalesce=True,
        replace_existing=True,
    )

"""Study: the daily push, 打卡, the daily question, the monthly theme — one command matcher and one for plain words."""

from pathlib import Path

from nonebot import get_driver, get_plugin_config, on_message, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot.chat import ActorDep, answer  # noqa: E402
from bot.commands import route  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.features.study.config import Config  # noqa: E402
from bot.features.study.handlers import StudyHandlers  # noqa: E402
from bot.features.study.materials import normalize_letter  # noqa: E402
from bot.features.study.service import StudyService  # noqa: E402
from bot.runtime import database, loose_words, sender  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="学习",
    description="每日学习推送、打卡、每日一题、一月一主题",
    usage="/学习 · 打卡 · /答题",
    config=Config,
    extra={
        "order": 20,
        "commands": [
            {"usage": "/学习", "desc": "今天的学习内容", "roles": ["司机"]},
            {"usage": "打卡", "desc": "学完打卡（每天一次，可不带 /）", "roles": ["司机"]},
            {
                "usage": "/答题",
                "desc": "今日一题；/答题 A 作答（每天一次），也可直接回复题目消息一个字母",
                "roles": ["司机"],
            },
            {"usage": "/学习 统计", "desc": "今日打卡率和未学习名单", "roles": ["书记", "行业党委"]},
            {"usage": "/学习 提醒", "desc": "@ 提醒今天还没学习的成员", "roles": ["书记", "行业党委"]},
            {"usage": "/学习 添加", "desc": "添加学习资料（对话）", "roles": ["书记", "行业党委"]},
            {"usage": "/学习 主题", "desc": "资料库的主题", "roles": ["书记", "行业党委"]},
            {"usage": "/推送时间 HH:MM", "desc": "设置每日推送时间（默认 07:30）", "roles": ["书记", "行业党委"]},
            {"usage": "/推送 开启|关闭", "desc": "开启或关闭每日推送", "roles": ["书记", "行业党委"]},
            {"usage": "/本月主题 <主题>", "desc": "一月一主题，推送优先该主题", "roles": ["书记", "行业党委"]},
        ],
    },
)

config = get_plugin_config(Config)
service = StudyService(
    database,
    Path(config.study_materials_dir) if config.study_materials_dir else None,
    config.study_default_push_time,
)
handlers = StudyHandlers(service, config.study_remind_max_mentions)
CHECKIN_WORDS = {"打卡", "学习打卡", "已学习"}
loose_words.update(CHECKIN_WORDS)

_ROUTES = {
    "学习": handlers.study,
    "打卡": handlers.check_in,
    "答题": handlers.quiz,
    "推送时间": handlers.push_time,
    "推送": handlers.push_switch,
    "本月主题": handlers.theme,
}


@route(*_ROUTES)
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    await answer(bot, event, _ROUTES[name](actor, arg, at), mention=name in ("打卡", "答题"))


def _plain_study_word(bot: Bot, event: Event) -> bool:
    """`打卡` without a prefix, or a one-letter reply to the bot's question message."""
    text = event.get_plaintext().strip()
    if text in CHECKIN_WORDS:
        return True
    reply = getattr(event, "reply", None)
    if reply is None or not getattr(event, "to_me", False) or normalize_letter(text) is None:
        return False
    return "/答题" in reply.message.extract_plain_text()


study_words = on_message(rule=Rule(_plain_study_word), priority=11, block=True)


@study_words.handle()
async def _plain(bot: Bot, event: Event, actor: ActorDep) -> None:
    text = event.get_plaintext().strip()
    if text in CHECKIN_WORDS:
        await answer(bot, event, handlers.check_in(actor, "", []), mention=True)
    else:
        await answer(bot, event, handlers.quiz(actor, text, []), mention=True)


async def push_due_study() -> None:
    """Scheduled: queue today's push for branches whose time has come, and wake the sender."""
    if await service.queue_due_pushes():
        sender.nudge()


@get_driver().on_startup
async def _start_study() -> None:
    """Import the material folder (after the runtime's migrations) and start the push check."""
    await service.import_directory()
    scheduler.add_job(
        push_due_study,
        "interval",
        seconds=config.study_push_check_seconds,
        id="study_push",
        misfire_grace_time=300,
        coalesce=True,
        replace_existing=True,
    )

"""Study (学习): the daily push, 打卡, the daily question, the monthly theme.

The commands are declared in `bot.features.study.commands`; this module makes them known to NoneBot, runs the
push check every half minute, and keeps one small matcher: a letter sent as a QQ reply to the bot's question
message answers it (a bare letter right after /答题 is handled by the dispatcher's expectations).
"""

from nonebot import get_driver, on_message, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")

from bot import jobs, platform, runtime  # noqa: E402
from bot.chat import respond  # noqa: E402
from bot.core.commands import Call, Usage, registry  # noqa: E402
from bot.core.errors import Refusal  # noqa: E402
from bot.features.study import commands, texts  # noqa: E402
from bot.features.study.config import Config  # noqa: E402
from bot.features.study.materials import normalize_letter  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="学习",
    description="每日学习推送、打卡、每日一题、一月一主题",
    usage="/学习 · 打卡 · /答题",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)


def _reply_to_question(event: Event) -> bool:
    """A single letter sent as a reply to a message of the bot that asked today's question."""
    reply = getattr(event, "reply", None)
    if reply is None or not getattr(event, "to_me", False):
        return False
    if normalize_letter(event.get_plaintext()) is None:
        return False
    return "【今日一题】" in reply.message.extract_plain_text()


quiz_replies = on_message(rule=Rule(_reply_to_question), priority=11, block=True)


@quiz_replies.handle()
async def _answer_by_reply(bot: Bot, event: Event) -> None:
    actor = platform.actor_of(bot, event)
    if actor is None:
        return
    services = runtime.services()
    verdict = services.user_limits.take(actor.key)
    if verdict != "ok":
        if verdict == "tell":
            await respond(bot, event, texts.TOO_FAST, mention=True)
        return
    branch = await services.branches.of_group(actor.platform, actor.group_id)
    spec = registry.by_key[commands.QUIZ]
    held = await services.roles.held(actor, branch)
    call = Call(services, actor, spec.name, spec.name, event.get_plaintext().strip(), [], branch, held)
    try:
        reply = await commands.quiz(call)
    except Usage as usage:
        reply = usage.hint or f"用法：{spec.usage_for(held)}"
    except Refusal as refusal:  # no branch here: one sentence, as the dispatcher says it
        reply = str(refusal)
    await respond(bot, event, reply, mention=actor.group_id is not None)


async def push_due_study() -> None:
    """Scheduled: queue today's push for branches whose time has come, and wake the sender."""
    services = runtime.services()
    if await services.study.queue_due_pushes():
        services.sender.nudge()


@get_driver().on_startup
async def _schedule() -> None:
    """Check every STUDY_PUSH_CHECK_SECONDS in every process: a push is queued once by its key whichever process
    queues it, so no leader change can delay the morning's push (materials are imported at start-up)."""
    from bot.core.settings import load_config

    config = load_config(Config)
    jobs.schedule(
        push_due_study,
        "interval",
        seconds=config.study_push_check_seconds,
        id="study_push",
        once=False,
        misfire_grace_time=300,
    )

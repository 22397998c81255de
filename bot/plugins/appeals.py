"""Appeals (诉求) on NoneBot: the metadata, the declared commands, and the deadline job."""

from nonebot import get_driver, on_message, require
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

require("nonebot_plugin_apscheduler")

from bot import jobs, platform, runtime  # noqa: E402
from bot.chat import COMMAND_STARTS, first_text  # noqa: E402
from bot.core.settings import load_config  # noqa: E402
from bot.features.appeals import commands  # noqa: E402, F401
from bot.features.appeals.config import Config  # noqa: E402
from bot.features.appeals.flows import ENTRY, INTAKE  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="诉求",
    description="司机诉求的收集、分级分办、限时办理、跟踪回访",
    usage="/诉求 · /我的诉求 · /帮助 诉求",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)

runtime.install()


NOTE_WORD = "补充"  # the sub-command media may come with: /诉求 补充 <编号> [说明] + pictures or a voice message


async def _with_media(bot: Bot, event: Event) -> bool:
    """A picture or voice message with the note sub-command, or sent while the /诉求 intake (or /诉求 代录) waits
    (chatter never gets here)."""
    if not platform.media_in(bot, event):
        return False
    text = first_text(event).lstrip()
    if text.startswith(COMMAND_STARTS) and NOTE_WORD in text:
        return True
    return await runtime.services().conversations.current(platform.session_key_of(bot, event)) in (INTAKE, ENTRY)


# Runs before the dispatcher (priority 1) and does not block it: the media are fetched now (platform links expire)
# and wait, by chat session, for the /诉求 补充 command the dispatcher is about to run, or for the intake's
# confirmation; one that cannot be kept is answered at once (evidence.py).
media = on_message(rule=Rule(_with_media), priority=0, block=False)


@media.handle()
async def _keep_media(bot: Bot, event: Event) -> None:
    actor = platform.actor_of(bot, event)
    if actor is None:
        return
    current = runtime.services()
    keep = float(current.settings.conversation_timeout_seconds) + 60
    found = platform.media_in(bot, event)
    receipt = await current.appeals.evidence.receive(actor.session_key, found, keep, platform.media_loader(bot))
    if receipt.refused:
        await platform.reply(bot, event, receipt.text())


async def check_appeal_deadlines() -> None:
    """Scheduled: 催办, 督办 and 未回复 for every limit, each once, and the calendar warning to superusers once;
    then wake the sender."""
    appeals = runtime.services().appeals
    counts = await appeals.scan_deadlines()
    told = await appeals.tell_calendar_gap(runtime.connected_accounts())
    if any(counts.values()) or told:
        runtime.services().sender.nudge()


@get_driver().on_startup
async def _start_appeals() -> None:
    """Check deadlines every few minutes (APPEALS_CHECK_MINUTES), in the elected process only."""
    minutes = load_config(Config).appeals_check_minutes
    jobs.schedule(
        check_appeal_deadlines,
        "interval",
        seconds=max(1.0, minutes * 60),
        id="appeal_deadlines",
        once=True,
        misfire_grace_time=600,
    )

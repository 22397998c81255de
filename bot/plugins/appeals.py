"""Appeals (诉求) on NoneBot: the metadata, the declared commands, and the deadline job."""

from nonebot import get_driver, require
from nonebot.plugin import PluginMetadata

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot import runtime  # noqa: E402
from bot.core.settings import load_config  # noqa: E402
from bot.features.appeals import commands  # noqa: E402, F401
from bot.features.appeals.config import Config  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="诉求",
    description="司机诉求的收集、分级分办、限时办理、跟踪回访",
    usage="/诉求 · /我的诉求 · /帮助 诉求",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters={"~onebot.v11", "~onebot.v12"},
)

runtime.install()


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
    """Check deadlines every few minutes (APPEALS_CHECK_MINUTES)."""
    minutes = load_config(Config).appeals_check_minutes
    scheduler.add_job(
        check_appeal_deadlines,
        "interval",
        seconds=max(1.0, minutes * 60),
        id="appeal_deadlines",
        misfire_grace_time=600,
        coalesce=True,
        replace_existing=True,
    )

"""Records: activities, the contact mechanism, points and rankings, the monthly report, the ledger export.

The commands are declared in `bot.features.records.commands`; this module only makes them known to NoneBot and
removes export files once QQ has taken them (and, as a backstop, a few minutes after they were made).
"""

from typing import Any

from nonebot import get_driver, require
from nonebot.adapters import Bot
from nonebot.plugin import PluginMetadata

require("nonebot_plugin_apscheduler")

from bot import jobs, platform, runtime  # noqa: E402
from bot.features.records import commands  # noqa: E402, F401
from bot.features.records.config import Config  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="活动与积分",
    description="活动报名签到、党员联系司机、积分与积分榜、月报、台账导出",
    usage="/活动 · /报名 <编号> · /签到 <编号> · /积分 · /积分榜 · /月报 · /台账 导出",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)


@Bot.on_called_api
async def delete_sent_export(
    bot: Bot, exception: Exception | None, api: str, data: dict[str, Any], result: Any
) -> None:
    """An export file QQ has taken is deleted at once (a failed upload is left to the sweep)."""
    if exception is None:
        path = platform.file_handed_over(bot, api, data)
        if path is not None:
            runtime.services().records.forget_export(path)


async def sweep_exports() -> None:
    """Remove export files older than RECORDS_EXPORT_KEEP_MINUTES."""
    runtime.services().records.sweep_exports()


@get_driver().on_startup
async def _schedule() -> None:
    """Every process sweeps its own export folder (the files are on its machine)."""
    jobs.schedule(sweep_exports, "interval", minutes=1, id="records_sweep_exports", once=False, misfire_grace_time=60)

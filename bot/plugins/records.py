"""Records: activities, the contact mechanism, points and rankings, the monthly report, the ledger export.

The commands are declared in `bot.features.records.commands`; this module only makes them known to NoneBot and
removes export files a few minutes after they were handed over.
"""

from nonebot import get_driver, require
from nonebot.plugin import PluginMetadata

require("nonebot_plugin_apscheduler")
from nonebot_plugin_apscheduler import scheduler  # noqa: E402

from bot import runtime  # noqa: E402
from bot.features.records import commands  # noqa: E402, F401
from bot.features.records.config import Config  # noqa: E402

__plugin_meta__ = PluginMetadata(
    name="活动与积分",
    description="活动报名签到、党员联系司机、积分与积分榜、月报、台账导出",
    usage="/活动 · /报名 <编号> · /签到 <编号> · /积分 · /积分榜 · /月报 · /台账 导出",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters={"~onebot.v11", "~onebot.v12"},
)


async def sweep_exports() -> None:
    """Remove export files older than RECORDS_EXPORT_KEEP_MINUTES (they were handed over long before)."""
    runtime.services().records.sweep_exports()


@get_driver().on_startup
async def _schedule() -> None:
    scheduler.add_job(
        sweep_exports,
        "interval",
        minutes=1,
        id="records_sweep_exports",
        misfire_grace_time=60,
        coalesce=True,
        replace_existing=True,
    )

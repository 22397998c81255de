"""Branch and members: /支部, /书记, /部门, /登记, /认定, /档案, /欢迎 — and the welcome of newcomers.

The commands are declared in `bot.features.branch.commands`; this module makes them known to NoneBot and listens
for people joining a group (as their platform reports it: `platform.arrival_of`) to queue their welcome.
"""

from nonebot import on_notice
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot import platform, runtime
from bot.features.branch import commands, service  # noqa: F401
from bot.features.branch.config import Config

__plugin_meta__ = PluginMetadata(
    name="支部",
    description="支部开通与名片、书记任免、承办部门、党员登记与认定、档案、新成员欢迎",
    usage="/支部 · /登记 · /档案 · /部门 · /欢迎 开启|关闭",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)


def _is_arrival(bot: Bot, event: Event) -> bool:
    """Cheap rule: a notice of someone joining a group."""
    return platform.arrival_of(bot, event) is not None


arrivals = on_notice(rule=Rule(_is_arrival), priority=5, block=False)


@arrivals.handle()
async def _arrived(bot: Bot, event: Event) -> None:
    """Someone joined a group: a branch group queues their welcome (batched per window, once per person)."""
    arrival = platform.arrival_of(bot, event)
    if arrival is not None:
        branch_service = runtime.services().branch
        await branch_service.welcome(arrival.platform, arrival.group_id, arrival.user_id, arrival.self_id)

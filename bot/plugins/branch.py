"""Branch and members: /支部, /书记, /部门, /登记, /认定, /档案, /欢迎 — and the welcome of newcomers.

The commands are declared in `bot.features.branch.commands`; this module makes them known to NoneBot and listens
for people joining a group (OneBot v11 `group_increase`, v12 `group_member_increase`) to queue their welcome.
"""

from nonebot import on_notice
from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12
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
    supported_adapters={"~onebot.v11", "~onebot.v12"},
)

_ARRIVALS = (v11.GroupIncreaseNoticeEvent, v12.GroupMemberIncreaseEvent)


def _is_arrival(event: Event) -> bool:
    """Cheap rule: a group member increase notice."""
    return isinstance(event, _ARRIVALS)


arrivals = on_notice(rule=Rule(_is_arrival), priority=5, block=False)


@arrivals.handle()
async def _arrived(bot: Bot, event: Event) -> None:
    """Someone joined a group: a branch group queues their welcome (batched per window, once per person)."""
    if isinstance(event, v11.GroupIncreaseNoticeEvent):
        group_id, user_id, self_id = str(event.group_id), str(event.user_id), str(event.self_id)
    elif isinstance(event, v12.GroupMemberIncreaseEvent):
        group_id, user_id, self_id = event.group_id, event.user_id, event.self.user_id
    else:
        return
    current = runtime.services()
    await service.of(current).welcome(platform.platform_of(bot), group_id, user_id, self_id)

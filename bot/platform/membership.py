"""Group membership notices read alike: OneBot v11 group_decrease, v12 group_member_decrease, and the official QQ
bot's GROUP_MEMBER_REMOVE / GROUP_DEL_ROBOT (the bot removed from a group)."""

from __future__ import annotations

from dataclasses import dataclass

from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12
from nonebot.adapters.qq.event import GroupDelRobotEvent, GroupMemberRemoveEvent

from ..core.actor import QQBOT
from . import onebot

# sub_type values meaning the bot itself is out: removed by an admin, or the group dissolved (NapCat and others).
_BOT_GONE = frozenset({"kick_me", "disband", "dismiss"})
_DEPARTURES = (v11.GroupDecreaseNoticeEvent, v12.GroupMemberDecreaseEvent, GroupMemberRemoveEvent, GroupDelRobotEvent)


@dataclass(frozen=True, slots=True)
class Departure:
    """Someone left a group; `bot_gone` when it is the bot itself (removed, or the group dissolved)."""

    platform: str
    group_id: str
    user_id: str
    bot_gone: bool


def is_departure(event: Event) -> bool:
    """Cheap rule: a group member decrease notice of any protocol."""
    return isinstance(event, _DEPARTURES)


def departure_of(bot: Bot, event: Event) -> Departure | None:
    """The departure a notice reports, or None for any other event."""
    if isinstance(event, v11.GroupDecreaseNoticeEvent):
        gone = event.sub_type in _BOT_GONE or event.user_id == event.self_id
        return Departure(onebot.platform_of(bot), str(event.group_id), str(event.user_id), gone)
    if isinstance(event, v12.GroupMemberDecreaseEvent):
        gone = event.sub_type in _BOT_GONE or event.user_id == event.self.user_id
        return Departure(onebot.platform_of(bot), event.group_id, event.user_id, gone)
    if isinstance(event, GroupDelRobotEvent):  # the bot was removed; the member who did it is op_member_openid
        return Departure(QQBOT, event.group_openid, str(bot.self_id), True)
    if isinstance(event, GroupMemberRemoveEvent):
        return Departure(QQBOT, event.group_openid, event.member_openid, False)
    return None

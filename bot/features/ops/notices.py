"""Group membership notices of OneBot v11 (group_decrease) and v12 (group_member_decrease), read alike.

This belongs with the other protocol differences in bot/platform.py; it lives here until it moves there.
"""

from __future__ import annotations

from dataclasses import dataclass

from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12

from bot import platform

# sub_type values meaning the bot itself is out: removed by an admin, or the group dissolved (NapCat and others).
_BOT_GONE = frozenset({"kick_me", "disband", "dismiss"})


@dataclass(frozen=True, slots=True)
class Departure:
    """Someone left a group; `bot_gone` when it is the bot itself (removed, or the group dissolved)."""

    platform: str
    group_id: str
    user_id: str
    bot_gone: bool


def is_departure(event: Event) -> bool:
    """Cheap rule: a group member decrease notice of either protocol."""
    return isinstance(event, v11.GroupDecreaseNoticeEvent | v12.GroupMemberDecreaseEvent)


def departure_of(bot: Bot, event: Event) -> Departure | None:
    """The departure a notice reports, or None for any other event."""
    if isinstance(event, v11.GroupDecreaseNoticeEvent):
        gone = event.sub_type in _BOT_GONE or event.user_id == event.self_id
        return Departure(platform.platform_of(bot), str(event.group_id), str(event.user_id), gone)
    if isinstance(event, v12.GroupMemberDecreaseEvent):
        gone = event.sub_type in _BOT_GONE or event.user_id == event.self.user_id
        return Departure(platform.platform_of(bot), event.group_id, event.user_id, gone)
    return None

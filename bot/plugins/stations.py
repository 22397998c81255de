"""Stations (驿站): keyword and location lookup of 司机之家、红色驿站、服务区、停车区、维修点.

The commands are declared in `bot.features.stations.commands`; this module adds the one matcher a feature truly
needs: a shared location (or a QQ map card) and a question @-addressed to the bot. Its rule is a few attribute
checks; the location is answered and forgotten — never logged, never stored, never a conversation answer. Every
@ of the bot in a group is answered here (`bot.features.addressed`): a station question with the lookup, anything
else with the way to the right command.
"""

from nonebot import on_message
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot import platform, runtime
from bot.chat import first_text, respond
from bot.features import addressed
from bot.features.stations import commands, lookups, texts  # noqa: F401  (commands: declares /驿站 …)
from bot.features.stations.config import Config

__plugin_meta__ = PluginMetadata(
    name="驿站",
    description="查找司机之家、红色驿站、服务区、停车区、维修点",
    usage="/驿站 <关键词> · 发送位置",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    config=Config,
    supported_adapters=platform.supported_adapters(),
)


def _for_stations(event: Event) -> bool:
    """A shared location, or a message addressed to the bot (private chat, or @ in a group) — never chatter."""
    return platform.has_location_segment(event) or bool(getattr(event, "to_me", False))


station_lookups = on_message(rule=Rule(_for_stations), priority=12, block=True)


@station_lookups.handle()
async def _lookup(bot: Bot, event: Event) -> None:
    actor = platform.actor_of(bot, event)
    if actor is None:
        return
    services = runtime.services()
    verdict = services.user_limits.take(actor.key)  # the same limits as commands: a spammer costs a dict lookup
    if verdict == "ok" and actor.group_id is not None:
        verdict = services.group_limits.take(f"{actor.platform}:{actor.group_id}")
    if verdict != "ok":
        if verdict == "tell":
            await respond(bot, event, texts.TOO_FAST, mention=True)
        return
    branch = await services.branches.of_group(actor.platform, actor.group_id)
    point = platform.location_of(event)
    if point is not None:
        reply = await lookups.location(services.stations, actor, branch, point[0], point[1], first_text(event))
    elif platform.has_location_segment(event):
        return  # a JSON card of another kind (a link, a mini-program): not ours
    elif actor.group_id is not None:  # every @ of the bot in a group is answered (bot/features/addressed.py)
        reply = await addressed.answer(services, actor, branch, first_text(event))
    else:
        reply = await lookups.question(services.stations, actor, branch, first_text(event))
    if reply:
        await respond(bot, event, reply, mention=True)

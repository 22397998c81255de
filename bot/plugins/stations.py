"""Stations (驿站): keyword and location lookup of 司机之家、红色驿站、服务区、停车区、维修点."""

import asyncio
import logging

from nonebot import get_driver, get_plugin_config, on_message
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot import platform
from bot.chat import ActorDep, answer
from bot.commands import route
from bot.core.actor import Actor
from bot.features.stations.config import Config
from bot.features.stations.handlers import StationHandlers
from bot.features.stations.search import warm_up
from bot.features.stations.service import StationService
from bot.runtime import database, roles

log = logging.getLogger("redwheel.stations")

__plugin_meta__ = PluginMetadata(
    name="驿站",
    description="查找司机之家、红色驿站、服务区、停车区、维修点",
    usage="/驿站 <关键词> · 发送位置",
    config=Config,
    extra={
        "order": 25,
        "aliases": ["司机之家", "停车", "维修"],
        "commands": [
            {"usage": "/驿站 <地名/道路/服务…>", "desc": "例如 /驿站 乌当 洗澡、/驿站 G75 服务区", "roles": ["司机"]},
            {"usage": "/停车 · /维修 · /司机之家 [地名]", "desc": "按停车、维修或司机之家查找", "roles": ["司机"]},
            {"usage": "发送位置", "desc": "列出离您最近的驿站和距离（位置不保存）", "roles": ["司机"]},
            {"usage": "@机器人 附近哪里能停车？", "desc": "在群里 @机器人 提问也能查", "roles": ["司机"]},
            {"usage": "/驿站 更多", "desc": "下一页", "roles": ["司机"]},
            {"usage": "/驿站 添加", "desc": "添加驿站（对话）", "roles": ["书记", "行业党委"]},
            {"usage": "/驿站 修改 <编号> <字段> <新值>", "desc": "修改驿站信息", "roles": ["书记", "行业党委"]},
            {"usage": "/驿站 删除 <编号>", "desc": "删除驿站", "roles": ["书记", "行业党委"]},
        ],
    },
)

config = get_plugin_config(Config)
service = StationService(database, roles)
handlers = StationHandlers(service, config.stations_max_km)


@route("驿站", "司机之家", "停车", "维修")
async def _dispatch(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    await answer(bot, event, handlers.command(actor, name, arg), mention=actor.group_id is not None)


def _for_stations(event: Event) -> bool:
    """A shared location, or a message addressed to the bot (private chat, or @ in a group) — never plain chatter."""
    return platform.has_location_segment(event) or bool(getattr(event, "to_me", False))


station_lookups = on_message(rule=Rule(_for_stations), priority=12, block=True)


@station_lookups.handle()
async def _lookup(bot: Bot, event: Event, actor: ActorDep) -> None:
    point = platform.location_of(event)
    text = event.get_plaintext()
    if point is not None:
        work = handlers.location(actor, point[0], point[1], text)
    elif platform.has_location_segment(event):
        return  # a JSON card of another kind (a link, a mini-program): not ours
    else:
        work = handlers.question(actor, text)
    await answer(bot, event, work, mention=actor.group_id is not None)


@get_driver().on_startup
async def _start_stations() -> None:
    """Load the sample list on a first start, build the index, and warm jieba up off the event loop."""
    if config.stations_import_sample:
        report = await service.import_sample_if_empty()
        if report is not None:
            log.info("loaded %s sample stations (%s rows skipped)", report.added, len(report.errors))
    count = await service.load()
    await asyncio.to_thread(warm_up)
    log.info("station index ready: %s stations", count)

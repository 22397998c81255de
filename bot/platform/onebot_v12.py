"""OneBot v12: WeChat (or another platform an implementation names) — ids are strings, pictures are uploaded."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import nonebot
from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v12
from nonebot.adapters.onebot.v12.config import Config as V12Config

from ..core.actor import Actor
from ..core.parts import File, Image, Media, Mention, Part, Voice
from ..core.platforms import Kind
from .base import Arrival, Departure, Platform, image_bytes, register
from .onebot_v11 import BOT_GONE, media_of


async def _upload(bot: Bot, name: str, data: bytes) -> str:
    """Upload bytes through OneBot v12 and return the file id."""
    uploaded = await bot.call_api("upload_file", type="data", name=name, data=base64.b64encode(data).decode())
    return str(uploaded["file_id"])


class OneBotV12(Platform):
    """WeChat through OneBot v12: who owns a group is not told."""

    adapter = v12.Adapter
    bot_class = v12.Bot
    event_class = v12.Event
    adapter_module = "~onebot.v12"
    protocol = "v12"
    kind = Kind("wechat", "微信")
    # "voice": a kept voice message can be sent back (uploaded; WeChat plays SILK).
    capabilities = frozenset({"image", "voice", "file", "location", "link", "private"})
    group_message_events = (v12.GroupMessageEvent,)

    def access_token(self) -> str | None:
        return str(nonebot.get_plugin_config(V12Config).onebot_access_token or "")

    def name_of(self, bot: Bot) -> str:
        return getattr(bot, "platform", None) or self.kind.name

    def sender_of(self, event: Event, self_id: str = "") -> Actor | None:
        if not isinstance(event, v12.MessageEvent):
            return None
        group_id = str(event.group_id) if isinstance(event, v12.GroupMessageEvent) else None
        name = event.self.platform or self.kind.name  # the implementation's platform, as the bot account's
        return Actor(name, str(event.user_id), group_id, self_id or event.self.user_id)

    def mentioned_ids(self, bot: Bot, event: Event) -> list[str]:
        if not isinstance(event, v12.MessageEvent):
            return []
        ids = [
            str(seg.data["user_id"])
            for seg in event.original_message
            if seg.type == "mention" and str(seg.data.get("user_id")) != str(bot.self_id)
        ]
        return list(dict.fromkeys(ids))

    def media_in(self, event: Event) -> list[Media]:
        return media_of(getattr(event, "original_message", None))

    async def load_media(self, bot: Bot, medium: Media) -> bytes:
        """A medium given by file id: OneBot v12 `get_file`, asked for its data (base64 in JSON, bytes in msgpack)."""
        got = await bot.call_api("get_file", type="data", file_id=medium.file_id or "")
        data = got.get("data") if isinstance(got, dict) else None
        if isinstance(data, str):
            return base64.b64decode(data)
        if isinstance(data, bytes):
            return data
        raise ValueError("get_file gave no data")

    def location_of(self, event: Event) -> tuple[float, float] | None:
        if not isinstance(event, v12.MessageEvent):
            return None
        for seg in event.original_message:
            if seg.type == "location":
                try:
                    return float(seg.data.get("latitude")), float(seg.data.get("longitude"))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    return None
        return None

    def has_location_segment(self, event: Event) -> bool:
        message = getattr(event, "original_message", None)
        return bool(message) and any(seg.type in ("location", "json") for seg in message)

    def departure_of(self, bot: Bot, event: Event) -> Departure | None:
        if not isinstance(event, v12.GroupMemberDecreaseEvent):
            return None
        gone = event.sub_type in BOT_GONE or event.user_id == event.self.user_id
        return Departure(self.name_of(bot), event.group_id, event.user_id, gone)

    def arrival_of(self, bot: Bot, event: Event) -> Arrival | None:
        if not isinstance(event, v12.GroupMemberIncreaseEvent):
            return None
        return Arrival(self.name_of(bot), event.group_id, event.user_id, event.self.user_id)

    async def render(self, bot: Bot, parts: list[Part]) -> v12.Message:
        """Neutral parts as a OneBot v12 message (pictures uploaded first)."""
        message = v12.Message()
        for part in parts:
            if isinstance(part, str):
                message += v12.MessageSegment.text(part)
            elif isinstance(part, Mention):
                message += v12.MessageSegment.mention(part.user_id)
            elif isinstance(part, Image):
                name = Path(part.path).name if part.path else "chart.png"
                message += v12.MessageSegment.image(await _upload(bot, name, image_bytes(part)))
            elif isinstance(part, Voice):
                data = await asyncio.to_thread(Path(part.path).read_bytes)
                message += v12.MessageSegment.voice(await _upload(bot, Path(part.path).name, data))
        return message

    async def _post(self, bot: Bot, target_kind: str, target_id: str, message: v12.Message) -> None:
        if target_kind == "group":
            await bot.call_api("send_message", detail_type="group", group_id=target_id, message=message)
        else:
            await bot.call_api("send_message", detail_type="private", user_id=target_id, message=message)

    async def send(self, bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
        others: list[Part] = [p for p in parts if not isinstance(p, File)]
        if others:
            await self._post(bot, target_kind, target_id, await self.render(bot, others))
        for file in parts:
            if isinstance(file, File):
                await self.send_file(bot, target_kind, target_id, file)

    async def send_file(self, bot: Bot, target_kind: str, target_id: str, file: File) -> None:
        data = await asyncio.to_thread(Path(file.path).read_bytes)
        message = v12.Message(v12.MessageSegment.file(await _upload(bot, file.name, data)))
        await self._post(bot, target_kind, target_id, message)


PLATFORM = register(OneBotV12())

"""OneBot v11: a personal QQ account through NapCat, Lagrange, LLOneBot (user and group ids are QQ numbers)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nonebot
from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11
from nonebot.adapters.onebot.v11.config import Config as V11Config

from ..core.actor import Actor
from ..core.parts import File, Image, Media, Mention, Part, Voice
from ..core.platforms import Kind
from .base import Arrival, Departure, Platform, image_bytes, register

# sub_type values meaning the bot itself is out: removed by an admin, or the group dissolved (NapCat and others).
BOT_GONE = frozenset({"kick_me", "disband", "dismiss"})
FILE_UPLOADS = frozenset({"upload_group_file", "upload_private_file"})
MEDIA_KINDS = {"image": "image", "record": "voice", "voice": "voice"}


def media_of(message: Any) -> list[Media]:
    """Pictures (`image`) and voice messages (v11 `record`, v12 `voice`) in a OneBot message, in order; nothing
    fetched (shared by OneBot v12)."""
    found: list[Media] = []
    for segment in message or []:
        kind = MEDIA_KINDS.get(segment.type)
        if kind is None:
            continue
        data = segment.data
        url = data.get("url")
        file = data.get("file")
        if not url and isinstance(file, str) and file.startswith(("http://", "https://")):
            url = file
        size = data.get("file_size") or data.get("size")
        found.append(
            Media(
                kind=kind,
                url=str(url) if url else None,
                file_id=str(data.get("file_id")) if data.get("file_id") else None,
                name=str(file) if isinstance(file, str) and not file.startswith(("http://", "https://")) else None,
                size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
            )
        )
    return found


def _valid_point(lat: object, lng: object) -> tuple[float, float] | None:
    """A (lat, lng) pair when both are numbers."""
    try:
        return float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def point_in_json_card(raw: str) -> tuple[float, float] | None:
    """QQ shares a location as a JSON card (app com.tencent.map); other cards carry no location."""
    if not isinstance(raw, str) or len(raw) > 20_000:  # a map card is small; anything else is no location
        return None
    try:
        card = json.loads(raw)
    except (TypeError, ValueError, RecursionError):  # a deeply nested card must not crash the handler
        return None
    if not isinstance(card, dict):
        return None
    meta = card.get("meta")
    if not isinstance(meta, dict):
        return None
    for value in meta.values():
        if isinstance(value, dict) and "lat" in value and ("lng" in value or "lon" in value):
            return _valid_point(value["lat"], value.get("lng", value.get("lon")))
    return None


def render_v11(parts: list[Part]) -> v11.Message:
    """Neutral parts as a OneBot v11 message; text is a text segment, never CQ code."""
    message = v11.Message()
    for part in parts:
        if isinstance(part, str):
            message += v11.MessageSegment.text(part)
        elif isinstance(part, Mention):
            message += v11.MessageSegment.at(part.user_id)
        elif isinstance(part, Image):
            message += v11.MessageSegment.image(image_bytes(part))
        elif isinstance(part, Voice):
            message += v11.MessageSegment.record(Path(part.path).read_bytes())
    return message


def _absolute(path: str) -> str:
    """The absolute path the OneBot implementation reads the file from."""
    return os.path.abspath(path)


class OneBotV11(Platform):
    """QQ through OneBot v11: the platform tells who owns a group, files go through QQ's file upload."""

    adapter = v11.Adapter
    bot_class = v11.Bot
    event_class = v11.Event
    adapter_module = "~onebot.v11"
    protocol = "v11"
    kind = Kind("qq", "QQ")
    # "private": the bot may write first, in private chat, to a person of the group, under the same id.
    # "owner": the platform says who owns a group.
    # "voice": a kept voice message can be sent back (QQ plays SILK/AMR).
    capabilities = frozenset({"image", "voice", "file", "location", "link", "private", "owner"})
    group_message_events = (v11.GroupMessageEvent,)

    def access_token(self) -> str | None:
        return str(nonebot.get_plugin_config(V11Config).onebot_access_token or "")

    def sender_of(self, event: Event, self_id: str = "") -> Actor | None:
        if not isinstance(event, v11.MessageEvent):
            return None
        group_id = str(event.group_id) if isinstance(event, v11.GroupMessageEvent) else None
        sender = event.sender
        nickname = sender.card or sender.nickname or "" if sender else ""
        return Actor(
            "qq", str(event.user_id), group_id, self_id or str(event.self_id), nickname, sender.role or "member"
        )

    def mentioned_ids(self, bot: Bot, event: Event) -> list[str]:
        if not isinstance(event, v11.MessageEvent):
            return []
        ids = [
            str(seg.data["qq"])
            for seg in event.original_message
            if seg.type == "at" and str(seg.data.get("qq")) not in ("all", str(bot.self_id))
        ]
        return list(dict.fromkeys(ids))

    def media_in(self, event: Event) -> list[Media]:
        return media_of(getattr(event, "original_message", None))

    def location_of(self, event: Event) -> tuple[float, float] | None:
        if not isinstance(event, v11.MessageEvent):
            return None
        for seg in event.original_message:
            if seg.type == "location":
                return _valid_point(seg.data.get("lat"), seg.data.get("lon"))
            if seg.type == "json":
                point = point_in_json_card(seg.data.get("data", ""))
                if point:
                    return point
        return None

    def has_location_segment(self, event: Event) -> bool:
        message = getattr(event, "original_message", None)
        return bool(message) and any(seg.type in ("location", "json") for seg in message)

    def departure_of(self, bot: Bot, event: Event) -> Departure | None:
        if not isinstance(event, v11.GroupDecreaseNoticeEvent):
            return None
        gone = event.sub_type in BOT_GONE or event.user_id == event.self_id
        return Departure("qq", str(event.group_id), str(event.user_id), gone)

    def arrival_of(self, bot: Bot, event: Event) -> Arrival | None:
        if not isinstance(event, v11.GroupIncreaseNoticeEvent):
            return None
        return Arrival("qq", str(event.group_id), str(event.user_id), str(event.self_id))

    def file_handed_over(self, api: str, data: dict[str, Any]) -> str | None:
        return data["file"] if api in FILE_UPLOADS and isinstance(data.get("file"), str) else None

    async def render(self, bot: Bot, parts: list[Part]) -> v11.Message:
        return render_v11(parts)

    async def send(self, bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
        others: list[Part] = [p for p in parts if not isinstance(p, File)]
        if others:
            if target_kind == "group":
                await bot.call_api("send_group_msg", group_id=int(target_id), message=render_v11(others))
            else:
                await bot.call_api("send_private_msg", user_id=int(target_id), message=render_v11(others))
        for file in parts:
            if isinstance(file, File):
                await self.send_file(bot, target_kind, target_id, file)

    async def send_file(self, bot: Bot, target_kind: str, target_id: str, file: File) -> None:
        path = _absolute(file.path)
        if target_kind == "group":
            await bot.call_api("upload_group_file", group_id=int(target_id), file=path, name=file.name)
        else:
            await bot.call_api("upload_private_file", user_id=int(target_id), file=path, name=file.name)


PLATFORM = register(OneBotV11())

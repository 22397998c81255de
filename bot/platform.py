"""Everything that differs between OneBot v11 (QQ) and v12 (WeChat) lives here; plugins stay neutral."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12

from .core.actor import QQ, WECHAT, Actor
from .core.parts import File, Image, Mention, Part

GROUP_MESSAGE_EVENTS = (v11.GroupMessageEvent, v12.GroupMessageEvent)


def protocol_of(bot: Bot) -> str:
    """The protocol an account speaks: `v11`, `v12`."""
    return "v12" if isinstance(bot, v12.Bot) else "v11"


def capabilities(bot: Bot) -> frozenset[str]:
    """What the platform takes: images, files, shared locations, links in text."""
    return frozenset({"image", "file", "location", "link"})


def user_key_of(bot: Bot, event: Event) -> str | None:
    """`<platform>:<user id>` of a message event, cheaply (for the chatter gate)."""
    user_id = getattr(event, "user_id", None)
    return None if user_id is None else f"{platform_of(bot)}:{user_id}"


def session_key_of(bot: Bot, event: Event) -> str:
    """The conversation key of a message event, cheaply (same as `Actor.session_key`)."""
    group_id = getattr(event, "group_id", None)
    return f"{platform_of(bot)}:{group_id or 'private'}:{getattr(event, 'user_id', '')}"


def platform_of(bot: Bot) -> str:
    """`qq` for OneBot v11, `wechat` (or the implementation's platform) for v12."""
    if isinstance(bot, v12.Bot):
        return bot.platform or WECHAT
    return QQ


def actor_of(bot: Bot, event: Event) -> Actor | None:
    """The actor of a message event, or None for events that are no message."""
    if isinstance(event, v11.MessageEvent):
        group_id = str(event.group_id) if isinstance(event, v11.GroupMessageEvent) else None
        sender = event.sender
        nickname = sender.card or sender.nickname or "" if sender else ""
        return Actor(QQ, str(event.user_id), group_id, str(bot.self_id), nickname, (sender.role or "member"))
    if isinstance(event, v12.MessageEvent):
        group_id = str(event.group_id) if isinstance(event, v12.GroupMessageEvent) else None
        return Actor(platform_of(bot), str(event.user_id), group_id, str(bot.self_id))
    return None


def mentioned_ids(bot: Bot, event: Event) -> list[str]:
    """Users @-mentioned in the message, in order, excluding the bot itself and @all."""
    ids: list[str] = []
    if isinstance(event, v11.MessageEvent):
        for seg in event.original_message:
            if seg.type == "at" and str(seg.data.get("qq")) not in ("all", str(bot.self_id)):
                ids.append(str(seg.data["qq"]))
    elif isinstance(event, v12.MessageEvent):
        for seg in event.original_message:
            if seg.type == "mention" and str(seg.data.get("user_id")) != str(bot.self_id):
                ids.append(str(seg.data["user_id"]))
    return list(dict.fromkeys(ids))


def _valid_point(lat: object, lng: object) -> tuple[float, float] | None:
    """A (lat, lng) pair when both are numbers."""
    try:
        return float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _point_in_json_card(raw: str) -> tuple[float, float] | None:
    """QQ shares a location as a JSON card (app com.tencent.map); other cards carry no location."""
    try:
        card = json.loads(raw)
    except (TypeError, ValueError):
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


def location_of(event: Event) -> tuple[float, float] | None:
    """A shared location (lat, lng) from a location segment or a QQ JSON card; never stored or logged."""
    if isinstance(event, v11.MessageEvent):
        for seg in event.original_message:
            if seg.type == "location":
                return _valid_point(seg.data.get("lat"), seg.data.get("lon"))
            if seg.type == "json":
                point = _point_in_json_card(seg.data.get("data", ""))
                if point:
                    return point
    elif isinstance(event, v12.MessageEvent):
        for seg in event.original_message:
            if seg.type == "location":
                return _valid_point(seg.data.get("latitude"), seg.data.get("longitude"))
    return None


def has_location_segment(event: Event) -> bool:
    """Cheap check for the gate: does the message carry a location or a JSON card?"""
    message = getattr(event, "original_message", None)
    return bool(message) and any(seg.type in ("location", "json") for seg in message)


def _image_bytes(image: Image) -> bytes:
    """The PNG bytes of an image part."""
    return image.data if image.data is not None else Path(image.path or "").read_bytes()


async def render(bot: Bot, parts: list[Part]) -> v11.Message | v12.Message:
    """Build the adapter's message from neutral parts; user text always stays plain text."""
    if isinstance(bot, v12.Bot):
        message = v12.Message()
        for part in parts:
            if isinstance(part, str):
                message += v12.MessageSegment.text(part)
            elif isinstance(part, Mention):
                message += v12.MessageSegment.mention(part.user_id)
            elif isinstance(part, Image):
                uploaded = await bot.upload_file(
                    type="data", name="chart.png", data=base64.b64encode(_image_bytes(part)).decode()
                )
                message += v12.MessageSegment.image(uploaded["file_id"])
        return message
    message = v11.Message()
    for part in parts:
        if isinstance(part, str):
            message += v11.MessageSegment.text(part)
        elif isinstance(part, Mention):
            message += v11.MessageSegment.at(part.user_id)
        elif isinstance(part, Image):
            message += v11.MessageSegment.image(_image_bytes(part))
    return message


async def send(bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """Send parts to a group or a private chat; files go through the platform's file upload."""
    files = [p for p in parts if isinstance(p, File)]
    others = [p for p in parts if not isinstance(p, File)]
    if others:
        message = await render(bot, others)
        if isinstance(bot, v12.Bot):
            if target_kind == "group":
                await bot.send_message(detail_type="group", group_id=target_id, message=message)
            else:
                await bot.send_message(detail_type="private", user_id=target_id, message=message)
        elif target_kind == "group":
            await bot.send_group_msg(group_id=int(target_id), message=message)
        else:
            await bot.send_private_msg(user_id=int(target_id), message=message)
    for file in files:
        await send_file(bot, target_kind, target_id, file)


async def send_file(bot: Bot, target_kind: str, target_id: str, file: File) -> None:
    """Hand over a file: QQ's group/private file upload, or a v12 file segment."""
    if isinstance(bot, v12.Bot):
        data = base64.b64encode(Path(file.path).read_bytes()).decode()
        uploaded = await bot.upload_file(type="data", name=file.name, data=data)
        message = v12.Message(v12.MessageSegment.file(uploaded["file_id"]))
        if target_kind == "group":
            await bot.send_message(detail_type="group", group_id=target_id, message=message)
        else:
            await bot.send_message(detail_type="private", user_id=target_id, message=message)
        return
    path = str(Path(file.path).resolve())
    if target_kind == "group":
        await bot.call_api("upload_group_file", group_id=int(target_id), file=path, name=file.name)
    else:
        await bot.call_api("upload_private_file", user_id=int(target_id), file=path, name=file.name)


async def reply(bot: Bot, event: Event, parts: list[Part] | str) -> None:
    """Answer the chat the event came from (files go through the file upload)."""
    actor = actor_of(bot, event)
    if actor is None:
        return
    if isinstance(parts, str):
        parts = [parts]
    files = [p for p in parts if isinstance(p, File)]
    others = [p for p in parts if not isinstance(p, File)]
    if others:
        await bot.send(event, await render(bot, others))
    for file in files:
        if actor.group_id is not None:
            await send_file(bot, "group", actor.group_id, file)
        else:
            await send_file(bot, "private", actor.user_id, file)

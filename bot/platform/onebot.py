"""OneBot v11 (QQ through NapCat, Lagrange, LLOneBot) and v12 (WeChat): identities, mentions, locations, sending.

Only `bot.platform` calls these; it has already decided that the bot is a OneBot bot."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Sequence
from pathlib import Path

from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot import v11, v12

from ..core.actor import QQ, WECHAT, Actor
from ..core.parts import File, Image, Media, Mention, Part, Voice

GROUP_MESSAGE_EVENTS = (v11.GroupMessageEvent, v12.GroupMessageEvent)
# "private": the bot may write first, in private chat, to a person of the group, under the same id.
# "voice": a kept voice message can be sent back (QQ and WeChat play SILK/AMR).
CAPABILITIES = frozenset({"image", "voice", "file", "location", "link", "private"})
# "owner": the platform says who owns a group (QQ does; WeChat implementations of OneBot v12 do not).
V11_CAPABILITIES = CAPABILITIES | {"owner"}


def capabilities_of(bot: Bot) -> frozenset[str]:
    """What the account's protocol takes and tells."""
    return CAPABILITIES if isinstance(bot, v12.Bot) else V11_CAPABILITIES


def protocol_of(bot: Bot) -> str:
    """The protocol an account speaks: `v11`, `v12`."""
    return "v12" if isinstance(bot, v12.Bot) else "v11"


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


_MEDIA_KINDS = {"image": "image", "record": "voice", "voice": "voice"}


def media_in(event: Event) -> list[Media]:
    """Pictures (`image`) and voice messages (v11 `record`, v12 `voice`) in a message, in order; nothing fetched."""
    found: list[Media] = []
    for segment in getattr(event, "original_message", None) or []:
        kind = _MEDIA_KINDS.get(segment.type)
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


async def load_file(bot: Bot, file_id: str) -> bytes:
    """A file the platform refers to by id (OneBot v12 `get_file`, asked for its data), for keeping evidence."""
    got = await bot.call_api("get_file", type="data", file_id=file_id)
    data = got.get("data") if isinstance(got, dict) else None
    if isinstance(data, str):
        return base64.b64decode(data)
    if isinstance(data, bytes):
        return data
    raise ValueError("get_file gave no data")


def _image_bytes(image: Image) -> bytes:
    """The PNG bytes of an image part."""
    return image.data if image.data is not None else Path(image.path or "").read_bytes()


def _absolute(path: str) -> str:
    """The absolute path the OneBot implementation reads the file from."""
    return os.path.abspath(path)


async def _upload(bot: v12.Bot, name: str, data: bytes) -> str:
    """Upload bytes through OneBot v12 and return the file id."""
    uploaded = await bot.call_api("upload_file", type="data", name=name, data=base64.b64encode(data).decode())
    return str(uploaded["file_id"])


async def _render_v12(bot: v12.Bot, parts: Sequence[Part]) -> v12.Message:
    """Neutral parts as a OneBot v12 message (pictures uploaded first)."""
    message = v12.Message()
    for part in parts:
        if isinstance(part, str):
            message += v12.MessageSegment.text(part)
        elif isinstance(part, Mention):
            message += v12.MessageSegment.mention(part.user_id)
        elif isinstance(part, Image):
            name = Path(part.path).name if part.path else "chart.png"
            message += v12.MessageSegment.image(await _upload(bot, name, _image_bytes(part)))
        elif isinstance(part, Voice):
            data = await asyncio.to_thread(Path(part.path).read_bytes)
            message += v12.MessageSegment.voice(await _upload(bot, Path(part.path).name, data))
    return message


def _render_v11(parts: Sequence[Part]) -> v11.Message:
    """Neutral parts as a OneBot v11 message; text is a text segment, never CQ code."""
    message = v11.Message()
    for part in parts:
        if isinstance(part, str):
            message += v11.MessageSegment.text(part)
        elif isinstance(part, Mention):
            message += v11.MessageSegment.at(part.user_id)
        elif isinstance(part, Image):
            message += v11.MessageSegment.image(_image_bytes(part))
        elif isinstance(part, Voice):
            message += v11.MessageSegment.record(Path(part.path).read_bytes())
    return message


async def render(bot: Bot, parts: Sequence[Part]) -> v11.Message | v12.Message:
    """Build the adapter's message from neutral parts; user text always stays plain text."""
    if isinstance(bot, v12.Bot):
        return await _render_v12(bot, parts)
    return _render_v11(parts)


async def send(bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """Send parts to a group or a private chat; files go through the platform's file upload."""
    files = [p for p in parts if isinstance(p, File)]
    others = [p for p in parts if not isinstance(p, File)]
    if others:
        if isinstance(bot, v12.Bot):
            message = await _render_v12(bot, others)
            if target_kind == "group":
                await bot.send_message(detail_type="group", group_id=target_id, message=message)
            else:
                await bot.send_message(detail_type="private", user_id=target_id, message=message)
        elif target_kind == "group":
            await bot.call_api("send_group_msg", group_id=int(target_id), message=_render_v11(others))
        else:
            await bot.call_api("send_private_msg", user_id=int(target_id), message=_render_v11(others))
    for file in files:
        await send_file(bot, target_kind, target_id, file)


async def send_file(bot: Bot, target_kind: str, target_id: str, file: File) -> None:
    """Hand over a file: QQ's group/private file upload, or a v12 file segment."""
    if isinstance(bot, v12.Bot):
        data = await asyncio.to_thread(Path(file.path).read_bytes)
        message = v12.Message(v12.MessageSegment.file(await _upload(bot, file.name, data)))
        if target_kind == "group":
            await bot.send_message(detail_type="group", group_id=target_id, message=message)
        else:
            await bot.send_message(detail_type="private", user_id=target_id, message=message)
        return
    path = _absolute(file.path)
    if target_kind == "group":
        await bot.call_api("upload_group_file", group_id=int(target_id), file=path, name=file.name)
    else:
        await bot.call_api("upload_private_file", user_id=int(target_id), file=path, name=file.name)


async def reply(bot: Bot, event: Event, actor: Actor, parts: list[Part]) -> None:
    """Answer the chat the event came from (files go through the file upload; a voice message goes alone, as the
    platforms want it)."""
    files = [p for p in parts if isinstance(p, File)]
    voices = [p for p in parts if isinstance(p, Voice)]
    others = [p for p in parts if not isinstance(p, File | Voice)]
    if others:
        await bot.send(event, await render(bot, others))
    for voice in voices:
        await bot.send(event, await render(bot, [voice]))
    for file in files:
        if actor.group_id is not None:
            await send_file(bot, "group", actor.group_id, file)
        else:
            await send_file(bot, "private", actor.user_id, file)

"""The official QQ bot platform (nonebot-adapter-qq): openids, mention_user, passive replies, proactive sends.

What differs from OneBot, and how it is handled here:
- people are openids (`member_openid` in a group, `user_openid` in a private chat), groups are `group_openid`s;
- a reply carries the triggering message's id (`msg_id`, passed by the adapter's `bot.send`) while the platform's
  passive window is open (5 minutes in a group, 60 in a private chat); after it, or without a message to answer,
  the message goes proactively (`post_group_messages` / `post_c2c_messages` without `msg_id`);
- text goes out as the platform's raw content, so anything in user text that the platform would read as markup
  (`<@…>`, `<qqbot-at-user …/>`, `<#…>`, `<emoji:…>`, `@everyone`) is defused first;
- no shared location arrives, no file can be sent (the bot says where to get it), links in text only on a domain
  registered with the platform (so "link" is not among the capabilities);
- a refusal by the platform becomes `PermanentSendError` with the platform's code and reason unless a retry can
  succeed (rate limit, server error, network), so the outbox records it and stops.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from nonebot.adapters import Bot, Event
from nonebot.adapters.qq import Bot as QQBot
from nonebot.adapters.qq import Message, MessageSegment
from nonebot.adapters.qq.event import C2CMessageCreateEvent, GroupMessageCreateEvent, QQMessageEvent
from nonebot.adapters.qq.exception import (
    ActionFailed,
    ApiNotAvailable,
    AuditException,
    RateLimitException,
    UnauthorizedException,
)
from nonebot.adapters.qq.models import GroupMentionUser

from ..core.actor import QQBOT, Actor
from ..core.parts import File, Image, Media, Mention, Part, Voice
from ..core.sender import PermanentSendError

PROTOCOL = "qq"
GROUP_MESSAGE_EVENTS = (GroupMessageCreateEvent,)  # GroupAtMessageCreateEvent is a subclass
CAPABILITIES = frozenset({"image", "owner"})  # "owner": the platform says who owns a group (member_role)
# The platform accepts a passive reply this long after the message it answers; a little margin for the send itself.
PASSIVE_WINDOW = {"group": timedelta(minutes=5), "private": timedelta(minutes=60)}
PASSIVE_MARGIN = timedelta(seconds=20)

VOICE_ELSEWHERE = "（QQ 官方机器人不能发送这条语音，请在网页版收听。）"
FILE_ELSEWHERE = (
    "（QQ 官方机器人不能发送文件，「{name}」请在网页版下载，或在另一个平台的机器人私聊中再发一次这条命令。）"
)
REFUSED = "QQ 平台拒绝（{code}）：{reason}"

# What the platform would read as markup in raw content: <@id>, <#channel>, <emoji:1>, <qqbot-at-user …/>, <faceType…>.
_MARKUP = re.compile(r"<(?=\s*(?:[@#]|emoji:|qqbot-|faceType))", re.IGNORECASE)


def is_qqbot(bot: Bot) -> bool:
    """Whether the account is an official QQ bot."""
    return isinstance(bot, QQBot)


def plain(text: str) -> str:
    """User text as content the platform shows verbatim: markup openers become a full-width ＜, @everyone is broken."""
    return _MARKUP.sub("＜", text).replace("@everyone", "@\u200beveryone")


def actor_of(bot: Bot, event: Event) -> Actor | None:
    """A group member by member_openid in the group_openid, or a private chat by user_openid."""
    if isinstance(event, GroupMessageCreateEvent):
        author = event.author
        return Actor(
            QQBOT, author.member_openid, event.group_openid, str(bot.self_id), author.username or "", author.member_role
        )
    if isinstance(event, C2CMessageCreateEvent):
        return Actor(QQBOT, event.author.user_openid, None, str(bot.self_id), event.author.username or "")
    return None


def user_key_of(event: Event) -> str | None:
    """`qqbot:<openid>` of a message event."""
    if isinstance(event, GroupMessageCreateEvent):
        return f"{QQBOT}:{event.author.member_openid}"
    if isinstance(event, C2CMessageCreateEvent):
        return f"{QQBOT}:{event.author.user_openid}"
    return None


def session_key_of(event: Event) -> str:
    """Same as `Actor.session_key`."""
    if isinstance(event, GroupMessageCreateEvent):
        return f"{QQBOT}:{event.group_openid}:{event.author.member_openid}"
    if isinstance(event, C2CMessageCreateEvent):
        return f"{QQBOT}:private:{event.author.user_openid}"
    return f"{QQBOT}:private:"


def mentioned_ids(bot: Bot, event: Event) -> list[str]:
    """Members @-mentioned in a group message (member_openids, in order), never the bot itself or @全体."""
    if not isinstance(event, GroupMessageCreateEvent):
        return []
    members = {m.id: m for m in event.mentions or [] if isinstance(m, GroupMentionUser)}
    own = {str(bot.self_id)} | {m.id for m in members.values() if m.is_you}
    ids: list[str] = []
    for seg in event.get_message():
        if seg.type != "mention_user" or seg.data.get("is_bot"):
            continue
        user_id = str(seg.data.get("user_id", ""))
        if not user_id or user_id in own:
            continue
        member = members.get(user_id)
        ids.append(member.member_openid if member is not None else user_id)
    return list(dict.fromkeys(ids))


def media_in(event: Event) -> list[Media]:
    """Attachments of an official-bot message that are pictures or voice (by the platform's content type)."""
    found: list[Media] = []
    for attachment in getattr(event, "attachments", None) or []:
        content_type = (getattr(attachment, "content_type", None) or "").lower()
        kind = (
            "image"
            if content_type.startswith("image")
            else "voice"
            if content_type in ("voice", "audio") or content_type.startswith("audio")
            else None
        )
        if kind is None:
            continue
        url = getattr(attachment, "url", None)
        if url and url.startswith("//"):
            url = "https:" + url
        found.append(
            Media(
                kind=kind, url=url, name=getattr(attachment, "filename", None), size=getattr(attachment, "size", None)
            )
        )
    return found


def _image_bytes(image: Image) -> bytes:
    """The PNG bytes of an image part."""
    return image.data if image.data is not None else Path(image.path or "").read_bytes()


def messages(parts: list[Part]) -> list[Message]:
    """Neutral parts as the platform's messages: text (defused), mentions, one picture per message; files as a note."""
    out: list[Message] = []
    current = Message()
    has_image = False
    for part in parts:
        if isinstance(part, str):
            current += MessageSegment.text(plain(part))
        elif isinstance(part, Mention):
            current += MessageSegment.mention_user(part.user_id)
        elif isinstance(part, Image):
            if has_image:
                out.append(current)
                current, has_image = Message(), False
            current += MessageSegment.file_image(_image_bytes(part))
            has_image = True
        elif isinstance(part, Voice):
            current += MessageSegment.text(VOICE_ELSEWHERE)
        else:
            current += MessageSegment.text(FILE_ELSEWHERE.format(name=plain(part.name)))
    if len(current):
        out.append(current)
    return out


def render(parts: list[Part]) -> Message:
    """All parts in one message (the last picture wins: the platform takes one per message)."""
    message = Message()
    for one in messages(parts):
        message += one
    return message


def refusal(error: ActionFailed) -> str:
    """The platform's code and reason, for the outbox's failure list and /通知 状态."""
    code = error.code if error.code is not None else error.status_code
    return REFUSED.format(code=code, reason=error.message or "没有说明")


async def guarded(sending: Awaitable[Any]) -> None:
    """Await a send; a refusal that a retry cannot change becomes `PermanentSendError` with the platform's reason."""
    try:
        await sending
    except AuditException:
        return  # held for the platform's content audit: it is with the platform, a retry would send it twice
    except (RateLimitException, UnauthorizedException):
        raise  # later, or after the token is refreshed, it can succeed
    except ActionFailed as error:
        if error.status_code >= 500:
            raise
        raise PermanentSendError(refusal(error)) from error
    except ApiNotAvailable as error:
        raise PermanentSendError(REFUSED.format(code=404, reason="接口不可用")) from error


async def _post(bot: QQBot, target_kind: str, target_id: str, message: Message) -> None:
    """A proactive message (no msg_id) to a group or a private chat."""
    if target_kind == "group":
        await guarded(bot.send_to_group(group_openid=target_id, message=message))
    else:
        await guarded(bot.send_to_c2c(openid=target_id, message=message))


async def send(bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
    """Send proactively (pushes, notices, the outbox); files become a note saying where to get them."""
    qq = cast(QQBot, bot)
    for message in messages(parts):
        await _post(qq, target_kind, target_id, message)


async def send_file(bot: Bot, target_kind: str, target_id: str, file: File) -> None:
    """The platform sends no files: say where to get it instead."""
    await send(bot, target_kind, target_id, [file])


def received_at(event: QQMessageEvent) -> datetime | None:
    """When the platform received the message (its `timestamp`), if readable."""
    try:
        stamp = datetime.fromisoformat(event.timestamp)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def in_passive_window(event: QQMessageEvent, kind: str, now: datetime | None = None) -> bool:
    """Whether a reply to this message may still be passive (carry its msg_id)."""
    stamp = received_at(event)
    if stamp is None:
        return True
    return (now or datetime.now(UTC)) - stamp < PASSIVE_WINDOW[kind] - PASSIVE_MARGIN


async def reply(bot: Bot, event: Event, actor: Actor, parts: list[Part]) -> None:
    """Answer passively while the window is open (the adapter adds msg_id and msg_seq), proactively after it."""
    kind, target = ("private", actor.user_id) if actor.group_id is None else ("group", actor.group_id)
    passive = isinstance(event, QQMessageEvent) and in_passive_window(event, kind)
    for message in messages(parts):
        if passive:
            await guarded(bot.send(event, message))
        else:
            await _post(cast(QQBot, bot), kind, target, message)

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
from typing import Any, cast

from nonebot.adapters import Bot, Event
from nonebot.adapters.qq import Adapter as QQAdapter
from nonebot.adapters.qq import Bot as QQBot
from nonebot.adapters.qq import Message, MessageSegment
from nonebot.adapters.qq.event import (
    C2CMessageCreateEvent,
    GroupDelRobotEvent,
    GroupMemberRemoveEvent,
    GroupMessageCreateEvent,
    QQMessageEvent,
)
from nonebot.adapters.qq.event import (
    Event as QQEvent,
)
from nonebot.adapters.qq.exception import (
    ActionFailed,
    ApiNotAvailable,
    AuditException,
    RateLimitException,
    UnauthorizedException,
)
from nonebot.adapters.qq.models import GroupMentionUser

from ..core.actor import Actor
from ..core.parts import Image, Media, Mention, Part, Voice
from ..core.platforms import Kind
from ..core.sender import PermanentSendError
from .base import Departure, Platform, image_bytes, register

QQBOT = "qqbot"  # the stored platform name: user ids are openids (member_openid in groups, user_openid in C2C)
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


def plain(text: str) -> str:
    """User text as content the platform shows verbatim: markup openers become a full-width ＜, @everyone is broken."""
    return _MARKUP.sub("＜", text).replace("@everyone", "@\u200beveryone")


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
            current += MessageSegment.file_image(image_bytes(part))
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


class QQBotPlatform(Platform):
    """The official QQ bot: openids, two ids per person (bound by /绑定), passive replies, no files, no locations."""

    adapter = QQAdapter
    bot_class = QQBot
    event_class = QQEvent
    adapter_module = "~qq"
    protocol = "qq"
    kind = Kind(QQBOT, "QQ 官方机器人", two_ids=True)
    capabilities = frozenset({"image", "owner"})  # "owner": the platform says who owns a group (member_role)
    group_message_events = (GroupMessageCreateEvent,)  # GroupAtMessageCreateEvent is a subclass

    def wanted(self, config: dict[str, Any]) -> bool:
        """Registered only when an official bot is configured (`QQ_BOTS`)."""
        return bool(config.get("qq_bots"))

    def sender_of(self, event: Event, self_id: str = "") -> Actor | None:
        """A group member by member_openid in the group_openid, or a private chat by user_openid."""
        if isinstance(event, GroupMessageCreateEvent):
            author = event.author
            name = author.username or ""
            return Actor(QQBOT, author.member_openid, event.group_openid, self_id, name, author.member_role)
        if isinstance(event, C2CMessageCreateEvent):
            return Actor(QQBOT, event.author.user_openid, None, self_id, event.author.username or "")
        return None

    def mentioned_ids(self, bot: Bot, event: Event) -> list[str]:
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

    def media_in(self, event: Event) -> list[Media]:
        """Attachments that are pictures or voice (by the platform's content type)."""
        found: list[Media] = []
        for attachment in getattr(event, "attachments", None) or []:
            content_type = (getattr(attachment, "content_type", None) or "").lower()
            if content_type.startswith("image"):
                kind = "image"
            elif content_type in ("voice", "audio") or content_type.startswith("audio"):
                kind = "voice"
            else:
                continue
            url = getattr(attachment, "url", None)
            if url and url.startswith("//"):
                url = "https:" + url
            name, size = getattr(attachment, "filename", None), getattr(attachment, "size", None)
            found.append(Media(kind=kind, url=url, name=name, size=size))
        return found

    def departure_of(self, bot: Bot, event: Event) -> Departure | None:
        if isinstance(event, GroupDelRobotEvent):  # the bot was removed; the member who did it is op_member_openid
            return Departure(QQBOT, event.group_openid, str(bot.self_id), True)
        if isinstance(event, GroupMemberRemoveEvent):
            return Departure(QQBOT, event.group_openid, event.member_openid, False)
        return None

    async def render(self, bot: Bot, parts: list[Part]) -> Message:
        return render(parts)

    async def send(self, bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
        """Send proactively (pushes, notices, the outbox); files become a note saying where to get them."""
        for message in messages(parts):
            await _post(cast(QQBot, bot), target_kind, target_id, message)

    async def reply(self, bot: Bot, event: Event, actor: Actor, parts: list[Part]) -> None:
        """Answer passively while the window is open (the adapter adds msg_id and msg_seq), proactively after it."""
        kind, target = ("private", actor.user_id) if actor.group_id is None else ("group", actor.group_id)
        passive = isinstance(event, QQMessageEvent) and in_passive_window(event, kind)
        for message in messages(parts):
            if passive:
                await guarded(bot.send(event, message))
            else:
                await _post(cast(QQBot, bot), kind, target, message)


PLATFORM = register(QQBotPlatform())

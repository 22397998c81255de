"""Build OneBot events for nonebug tests (v11 for QQ, v12 for WeChat)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Literal, overload

from nonebot.adapters.onebot import v11, v12

_ids = itertools.count(1)
SELF_ID = "10001"


def v11_group(
    content: str | v11.Message,
    user_id: str = "20001",
    group_id: str = "5001",
    *,
    role: str = "member",
    to_me: bool = False,
) -> v11.GroupMessageEvent:
    """A QQ group message; plain text stays plain text (never parsed as CQ codes)."""
    message = content if isinstance(content, v11.Message) else v11.Message(v11.MessageSegment.text(content))
    return v11.GroupMessageEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="message",
        sub_type="normal",
        user_id=int(user_id),
        message_type="group",
        group_id=int(group_id),
        message_id=next(_ids),
        message=message,
        original_message=message,
        raw_message=str(message),
        font=0,
        sender=v11.event.Sender(user_id=int(user_id), nickname=f"司机{user_id}", card="", role=role),
        to_me=to_me,
    )


def v11_private(content: str | v11.Message, user_id: str = "20001") -> v11.PrivateMessageEvent:
    """A QQ private message."""
    message = content if isinstance(content, v11.Message) else v11.Message(v11.MessageSegment.text(content))
    return v11.PrivateMessageEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="message",
        sub_type="friend",
        user_id=int(user_id),
        message_type="private",
        message_id=next(_ids),
        message=message,
        original_message=message,
        raw_message=str(message),
        font=0,
        sender=v11.event.Sender(user_id=int(user_id), nickname=f"司机{user_id}"),
        to_me=True,
    )


def v11_at(user_id: str, text: str = "") -> v11.Message:
    """`text` followed by an @-mention (as QQ clients put it)."""
    message = v11.Message(v11.MessageSegment.text(text)) if text else v11.Message()
    return message + v11.MessageSegment.at(user_id)


def v12_group(
    content: str | v12.Message, user_id: str = "wx_20001", group_id: str = "wxg_5001"
) -> v12.GroupMessageEvent:
    """A WeChat group message (OneBot v12)."""
    message = content if isinstance(content, v12.Message) else v12.Message(v12.MessageSegment.text(content))
    return v12.GroupMessageEvent(
        id=f"e{next(_ids)}",
        time=datetime.now(UTC),
        type="message",
        detail_type="group",
        sub_type="",
        message_id=str(next(_ids)),
        self=v12.event.BotSelf(platform="wechat", user_id=SELF_ID),
        message=message,
        original_message=message,
        alt_message=str(message),
        user_id=user_id,
        group_id=group_id,
        to_me=False,
    )


def text_of(message: v11.Message | v12.Message | str) -> str:
    """A sent message as text, @-mentions as @id."""
    if isinstance(message, str):
        return message
    out = []
    for seg in message:
        if seg.type == "text":
            out.append(seg.data["text"])
        elif seg.type == "at":
            out.append(f"@{seg.data['qq']}")
        elif seg.type == "mention":
            out.append(f"@{seg.data['user_id']}")
        else:
            out.append(f"[{seg.type}]")
    return "".join(out)


@overload
async def say(app, event, expect_reply: Literal[True] = True) -> str: ...
@overload
async def say(app, event, expect_reply: Literal[False]) -> str | None: ...
async def say(app, event, expect_reply: bool = True) -> str | None:
    """Send one event through every matcher; return the bot's reply text (None when it stays silent)."""
    replies: list[str] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v12.Bot if isinstance(event, v12.Event) else v11.Bot, self_id=SELF_ID)
        original_send = bot.send

        async def capture(event, message, **kwargs):
            replies.append(text_of(message))

        bot.send = capture  # replies are captured as the adapter would send them
        from nonebot.message import handle_event

        await handle_event(bot, event)
        bot.send = original_send
    if expect_reply:
        assert replies, "the bot did not answer"
    return "\n".join(replies) if replies else None

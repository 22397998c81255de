"""Send the official QQ adapter's own events through every matcher in nonebug and capture what the bot answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nonebot.adapters.qq import Bot as QQBot
from nonebot.adapters.qq import Message
from nonebot.adapters.qq.config import BotInfo
from nonebot.adapters.qq.models import User
from nonebug import App

from tests.support.qqfake import APP_ID, BOT_USER_ID, SECRET, qq_event

ALLOWED_SEGMENTS = {"text", "mention_user", "file_image"}


def make_bot(ctx: Any) -> QQBot:
    """A nonebug QQ bot that knows who it is (as after Ready)."""
    bot = ctx.create_bot(base=QQBot, self_id=APP_ID, bot_info=BotInfo(id=APP_ID, secret=SECRET))
    bot.self_info = User(id=BOT_USER_ID, username="红色方向盘", bot=True)
    return bot


def text_of(message: Message | str) -> str:
    """A sent message as text: mentions as @openid, pictures as [图片]."""
    if isinstance(message, str):
        return message
    out = []
    for seg in message:
        if seg.type == "text":
            out.append(seg.data["text"])
        elif seg.type == "mention_user":
            out.append(f"@{seg.data['user_id']}")
        elif seg.type == "file_image":
            out.append("[图片]")
        else:
            out.append(f"[{seg.type}]")
    return "".join(out)


@dataclass
class Answer:
    """What the bot answered one event with, through the adapter's `bot.send` (a passive reply)."""

    messages: list[Message]
    event: Any

    @property
    def text(self) -> str:
        """All replies as text."""
        return "\n".join(text_of(m) for m in self.messages)

    def only_safe_segments(self) -> bool:
        """Replies are built from text, mentions and pictures only (never markup from user text)."""
        return all(seg.type in ALLOWED_SEGMENTS for m in self.messages for seg in m)


async def qq_say(app: App, payload: tuple[str, dict[str, Any]]) -> Answer:
    """Dispatch one event as the adapter does (`bot.handle_event`: reply check, @-bot stripping, then matchers)."""
    event = qq_event(payload)
    sent: list[Message] = []
    async with app.test_api() as ctx:
        bot = make_bot(ctx)

        async def capture(answered: Any, message: Any, **kwargs: Any) -> None:
            assert answered is event, "a reply answers the event it was asked in (so the adapter adds its msg_id)"
            sent.append(message if isinstance(message, Message) else Message(message))

        bot.send = capture  # pyright: ignore[reportAttributeAccessIssue]
        await bot.handle_event(event)
    return Answer(sent, event)

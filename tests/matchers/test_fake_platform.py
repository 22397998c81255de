"""A fourth platform added in one module, with no edit anywhere else: a fake adapter and its `Platform`.

It proves the seam: `/帮助`, a conversation (/登记 in the group, continued in private chat) and a push (the outbox's
message to the private chat) all go through this module's platform, found by the bot's class.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from nonebot.adapters import Adapter, Bot, Event, Message, MessageSegment
from nonebot.message import handle_event
from nonebug import App

from bot.core.actor import Actor
from bot.core.parts import Mention, Part, plain
from bot.core.platforms import Kind
from bot.features.branch import texts
from bot.platform import Platform, register

SELF = "fake-bot-1"
SUPER = "10000"  # in SUPERUSERS by its raw id
GROUP = "room-9"
_ids = itertools.count(1)


class FakeSegment(MessageSegment["FakeMessage"]):
    @classmethod
    def get_message_class(cls) -> type[FakeMessage]:
        return FakeMessage

    def __str__(self) -> str:
        return str(self.data.get("text", ""))

    def is_text(self) -> bool:
        return self.type == "text"


class FakeMessage(Message[FakeSegment]):
    @classmethod
    def get_segment_class(cls) -> type[FakeSegment]:
        return FakeSegment

    @staticmethod
    def _construct(msg: str) -> Iterable[FakeSegment]:
        yield FakeSegment("text", {"text": msg})


class FakeEvent(Event):
    user: str
    room: str | None = None
    message: FakeMessage
    number: int = 0

    def get_type(self) -> str:
        return "message"

    def get_event_name(self) -> str:
        return "message.fake"

    def get_event_description(self) -> str:
        return "a fake message"

    def get_user_id(self) -> str:
        return self.user

    def get_session_id(self) -> str:
        return f"{self.room}:{self.user}"

    def get_message(self) -> FakeMessage:
        return self.message

    def is_tome(self) -> bool:
        return self.room is None


class FakeGroupEvent(FakeEvent):
    pass


class FakeAdapter(Adapter):
    @classmethod
    def get_name(cls) -> str:
        return "FakeChat"

    async def _call_api(self, bot: Bot, api: str, **data: Any) -> Any:
        raise NotImplementedError


class FakeBot(Bot):
    async def send(self, event: Event, message: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # the platform below never calls it


# What went out, as (kind, target, text): replies and pushes alike.
SENT: list[tuple[str, str, str]] = []


class FakeChat(Platform):
    adapter = FakeAdapter
    bot_class = FakeBot
    event_class = FakeEvent
    adapter_module = "~fakechat"
    protocol = "fake1"
    kind = Kind("fakechat", "假聊天")
    capabilities = frozenset({"private"})
    group_message_events = (FakeGroupEvent,)

    def wanted(self, config: dict[str, Any]) -> bool:
        return False  # never registered with a real driver

    def sender_of(self, event: Event, self_id: str = "") -> Actor | None:
        if not isinstance(event, FakeEvent):
            return None
        return Actor(self.kind.name, event.user, event.room, self_id, f"假{event.user}")

    def mentioned_ids(self, bot: Bot, event: Event) -> list[str]:
        return []

    async def render(self, bot: Bot, parts: list[Part]) -> FakeMessage:
        return FakeMessage("".join(f"@{p.user_id}" if isinstance(p, Mention) else plain([p]) for p in parts))

    async def send(self, bot: Bot, target_kind: str, target_id: str, parts: list[Part]) -> None:
        SENT.append((target_kind, target_id, str(await self.render(bot, parts))))

    async def reply(self, bot: Bot, event: Event, actor: Actor, parts: list[Part]) -> None:
        kind, target = ("private", actor.user_id) if actor.group_id is None else ("group", actor.group_id)
        await self.send(bot, kind, target, parts)


register(FakeChat())


def _event(text: str, user: str, room: str | None = None) -> FakeEvent:
    kind = FakeGroupEvent if room is not None else FakeEvent
    return kind(user=user, room=room, message=FakeMessage(text), number=next(_ids))


async def _say(app: App, text: str, user: str, room: str | None = None, *, then=None) -> list[str]:
    """One message through every matcher; what the bot sent while handling it (and while `then` ran)."""
    before = len(SENT)
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=FakeBot, adapter=ctx.create_adapter(base=FakeAdapter), self_id=SELF)
        await handle_event(bot, _event(text, user, room))
        if then is not None:
            await then()
    return [text for _, _, text in SENT[before:]]


async def test_help_a_conversation_and_a_push_on_a_platform_added_in_one_module(app: App, own_services):
    help_text = await _say(app, "/帮助", "u-1")
    assert help_text and help_text[0].startswith("【红色方向盘】可用命令")

    opened = await _say(app, "/支部 开通 假聊天支部", SUPER, GROUP)
    assert "已开通" in opened[0]

    asked = await _say(app, "/登记", "u-2", GROUP)
    assert asked[0].startswith("@u-2") and "请回复您的真实姓名" in asked[0]
    moved, pushed = await _say(app, "张三", "u-2", GROUP, then=own_services.sender.drain)
    assert moved == "@u-2 " + texts.MOVED_TO_PRIVATE.format(name="张三")
    assert pushed.startswith(texts.PRIVATE_CONTINUE.format(branch="假聊天支部", name="张三") + "\n")
    assert texts.ASK_PHONE in pushed
    assert SENT[-1][:2] == ("private", "u-2")  # the push went to the private chat, through the outbox
    assert "请回复车牌号" in (await _say(app, "13800001234", "u-2"))[0]

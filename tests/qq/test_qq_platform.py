"""The official QQ bot in the platform layer: openids, mentions, rendering, passive and proactive sends, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from nonebot.adapters.onebot import v11
from nonebot.adapters.qq import Message, MessageSegment
from nonebot.adapters.qq.exception import ActionFailed, AuditException, RateLimitException
from nonebot.drivers import Response
from nonebug import App

from bot import platform
from bot.core.parts import File, Image, Mention
from bot.core.sender import PermanentSendError
from bot.core.settings import get_settings
from bot.platform import qqbot
from tests.qq.qqsay import make_bot
from tests.support.events import SELF_ID
from tests.support.qqfake import APP_ID, c2c_payload, group_payload, qq_event

PNG = b"\x89PNG\r\n\x1a\nfake"


def _refused(status: int, code: int, message: str) -> ActionFailed:
    return ActionFailed(Response(status, content=json.dumps({"code": code, "message": message})))


async def test_actors_are_openids_and_owners_come_from_the_member_role(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        group = qq_event(group_payload("/帮助", member="m-1", group="g-1", role="owner"))
        actor = platform.actor_of(bot, group)
        assert actor is not None
        assert (actor.platform, actor.user_id, actor.group_id, actor.self_id) == ("qqbot", "m-1", "g-1", APP_ID)
        assert (actor.key, actor.session_key, actor.is_group_owner) == ("qqbot:m-1", "qqbot:g-1:m-1", True)
        assert platform.user_key_of(bot, group) == actor.key
        assert platform.session_key_of(bot, group) == actor.session_key
        private = qq_event(c2c_payload("/帮助", user="u-1"))
        actor = platform.actor_of(bot, private)
        assert actor is not None and actor.is_private and actor.key == "qqbot:u-1"
        assert platform.session_key_of(bot, private) == "qqbot:private:u-1"
        assert (platform.platform_of(bot), platform.protocol_of(bot)) == ("qqbot", "qq")


async def test_superusers_may_be_named_by_openid(app: App, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(get_settings(), "superusers", {"10000", "qqbot:boss-openid"})
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        boss = platform.actor_of(bot, qq_event(group_payload("x", member="boss-openid")))
        other = platform.actor_of(bot, qq_event(group_payload("x", member="driver-openid")))
        assert boss is not None and boss.is_superuser
        assert other is not None and not other.is_superuser


async def test_mentions_are_member_openids_never_the_bot(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        # Openids are letters and digits; the platform lists each mentioned member once in `mentions`.
        payload = group_payload("/书记 设置 <@M2> <@M3> <@M2>", mentions=["M2", "M3"])
        assert platform.mentioned_ids(bot, qq_event(payload)) == ["M2", "M3"]
        # Mentions only listed (no markup in the content) are read too.
        assert platform.mentioned_ids(bot, qq_event(group_payload("/认定 ", mentions=["M4"]))) == ["M4"]
        # The bot @-ed inside a plain group message, as the platform marks it (is_you).
        kind, data = group_payload("<@BOT1> /帮助", at_bot=False)
        data["mentions"] = [
            {"scope": "single", "bot": True, "id": "BOT1", "is_you": True, "member_openid": "BOT1", "username": "b"}
        ]
        assert platform.mentioned_ids(bot, qq_event((kind, data))) == []
        assert platform.mentioned_ids(bot, qq_event(c2c_payload("<@M2>"))) == []


async def test_capabilities_depend_on_the_adapter(app: App):
    async with app.test_api() as ctx:
        official = make_bot(ctx)
        onebot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)
        assert platform.capabilities(official) == frozenset({"image", "owner"})
        assert platform.capabilities(onebot) == frozenset(
            {"image", "voice", "file", "location", "link", "private", "owner"}
        )
        assert not platform.has_location_segment(qq_event(group_payload("/驿站")))
        assert platform.location_of(qq_event(group_payload("/驿站"))) is None


def test_user_text_never_becomes_markup_and_parts_render_as_segments():
    message = qqbot.render(['回复 <@someone> <qqbot-at-user id="x" /> @everyone <#1> <emoji:4>', Mention("m-9")])
    text = message[0].data["text"]
    assert "<@" not in text and "<qqbot" not in text and "<#" not in text and "<emoji" not in text
    assert "@everyone" not in text and "a < b" in qqbot.plain("a < b")
    assert message[1] == MessageSegment.mention_user("m-9")
    # One picture per message: two pictures make two messages; a file becomes a note on where to get it.
    parts = ["月报", Image(data=PNG), Image(data=PNG), File("/nonexistent/台账.xlsx", "台账.xlsx")]
    messages = qqbot.messages(parts)
    assert [[seg.type for seg in m] for m in messages] == [["text", "file_image"], ["file_image", "text"]]
    assert "「台账.xlsx」请在网页版下载" in messages[1][1].data["text"]


async def test_proactive_sends_use_the_message_apis_without_msg_id(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        common = {"msg_id": None, "msg_seq": None, "event_id": None, "media": None, "msg_type": 0}
        ctx.should_call_api("post_group_messages", {"group_openid": "g-1", "content": "学习提醒", **common}, {})
        ctx.should_call_api("post_c2c_messages", {"openid": "u-1", "content": "回访", **common}, {})
        await platform.send(bot, "group", "g-1", ["学习提醒"])
        await platform.send(bot, "private", "u-1", ["回访"])


async def test_a_refusal_a_retry_cannot_change_is_permanent_with_the_platforms_reason(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        common = {"msg_id": None, "msg_seq": None, "event_id": None, "media": None, "msg_type": 0}
        data = {"group_openid": "g-1", "content": "通知", **common}
        ctx.should_call_api("post_group_messages", data, exception=_refused(400, 22009, "主动消息超过限制"))
        with pytest.raises(PermanentSendError, match=r"QQ 平台拒绝（22009）：主动消息超过限制"):
            await platform.send(bot, "group", "g-1", ["通知"])
        # Later it can succeed: rate limits and server errors stay ordinary errors (the outbox retries them).
        ctx.should_call_api("post_group_messages", data, exception=RateLimitException(Response(429)))
        with pytest.raises(RateLimitException):
            await platform.send(bot, "group", "g-1", ["通知"])
        ctx.should_call_api("post_group_messages", data, exception=_refused(500, 0, "internal"))
        with pytest.raises(ActionFailed) as error:
            await platform.send(bot, "group", "g-1", ["通知"])
        assert not isinstance(error.value, PermanentSendError)
        # Held for the platform's audit: with the platform already, a retry would send it twice.
        ctx.should_call_api("post_group_messages", data, exception=AuditException("audit-1"))
        await platform.send(bot, "group", "g-1", ["通知"])


async def test_replies_are_passive_within_the_window_and_proactive_after_it(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        fresh = qq_event(group_payload("/帮助", member="m-1", group="g-1"))
        ctx.should_call_send(fresh, Message(MessageSegment.text("好的")), result=None)
        await platform.reply(bot, fresh, "好的")
        old = qq_event(group_payload("/帮助", member="m-1", group="g-1", at=datetime.now(UTC) - timedelta(minutes=6)))
        common = {"msg_id": None, "msg_seq": None, "event_id": None, "media": None, "msg_type": 0}
        ctx.should_call_api("post_group_messages", {"group_openid": "g-1", "content": "迟到的回答", **common}, {})
        await platform.reply(bot, old, ["迟到的回答"])
        # A private chat's window is an hour.
        private = qq_event(c2c_payload("/帮助", at=datetime.now(UTC) - timedelta(minutes=30)))
        assert qqbot.in_passive_window(private, "private") and not qqbot.in_passive_window(old, "group")


async def test_the_bot_removed_from_a_group_and_a_member_leaving(app: App):
    async with app.test_api() as ctx:
        bot = make_bot(ctx)
        removed = qq_event(
            ("GROUP_DEL_ROBOT", {"timestamp": 1795000000, "group_openid": "g-1", "op_member_openid": "o"})
        )
        left = qq_event(("GROUP_MEMBER_REMOVE", {"timestamp": 1795000000, "group_openid": "g-1", "member_openid": "m"}))
        assert platform.departure_of(bot, removed) == platform.Departure("qqbot", "g-1", APP_ID, True)
        assert platform.departure_of(bot, left) == platform.Departure("qqbot", "g-1", "m", False)
        assert platform.departure_of(bot, qq_event(group_payload("x"))) is None

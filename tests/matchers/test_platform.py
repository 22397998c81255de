"""What differs between OneBot v11 and v12 is read alike: mentions, locations, the actor."""

import json

from nonebot.adapters.onebot import v11, v12
from nonebug import App

from bot import platform
from tests.support.events import SELF_ID, v11_at, v11_group, v11_private, v12_group


async def test_v11_mentions_skip_the_bot_and_at_all(app: App):
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)
        message = v11_at("20002", "/认定 ") + v11.MessageSegment.at(SELF_ID) + v11.MessageSegment.at("all")
        assert platform.mentioned_ids(bot, v11_group(message)) == ["20002"]
        actor = platform.actor_of(bot, v11_group("x", user_id="20003", group_id="5009", role="owner"))
        assert actor is not None
        assert (actor.key, actor.session_key, actor.is_group_owner) == ("qq:20003", "qq:5009:20003", True)
        private = platform.actor_of(bot, v11_private("x", user_id="20004"))
        assert private is not None and private.is_private


async def test_v12_mentions_and_actor(app: App):
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v12.Bot, self_id=SELF_ID, platform="wechat", impl="test")
        message = v12.Message(v12.MessageSegment.text("/认定 ")) + v12.MessageSegment.mention("wx_2")
        assert platform.mentioned_ids(bot, v12_group(message)) == ["wx_2"]
        actor = platform.actor_of(bot, v12_group("x", user_id="wx_3", group_id="g1"))
        assert actor is not None
        assert actor.key == "wechat:wx_3" and actor.group_id == "g1"


def test_locations_from_both_protocols_and_the_qq_card():
    v11_location = v11_group(v11.Message(v11.MessageSegment.location(26.58, 106.72)))
    assert platform.location_of(v11_location) == (26.58, 106.72)
    card = {"app": "com.tencent.map", "meta": {"Location.Search": {"lat": "26.5", "lng": "106.7", "name": "x"}}}
    assert platform.location_of(v11_group(v11.Message(v11.MessageSegment.json(json.dumps(card))))) == (26.5, 106.7)
    other = {"app": "com.tencent.structmsg", "meta": {"news": {"title": "链接"}}}
    assert platform.location_of(v11_group(v11.Message(v11.MessageSegment.json(json.dumps(other))))) is None
    assert platform.location_of(v11_group(v11.Message(v11.MessageSegment.json("{broken")))) is None
    v12_location = v12_group(v12.Message(v12.MessageSegment.location(26.58, 106.72, "我的位置", "")))
    assert platform.location_of(v12_location) == (26.58, 106.72)
    assert platform.location_of(v11_group("没有位置")) is None


def test_a_deeply_nested_or_huge_json_card_is_no_location():
    from bot.platform.onebot_v11 import point_in_json_card as _point_in_json_card

    assert _point_in_json_card("[" * 100_000 + "]" * 100_000) is None
    assert _point_in_json_card("[" * 5000 + "]" * 5000) is None  # under the size limit: deep, not long
    assert _point_in_json_card('{"meta": {"a": {"lat": 26.6, "lng": 106.7}}}') == (26.6, 106.7)
    nested = '{"meta": ' + '{"x": ' * 5000 + "1" + "}" * 5000 + "}"
    assert _point_in_json_card(nested) is None


def test_every_plugin_lists_the_adapters_of_every_registered_platform():
    import nonebot

    listed = {p.module_name: p.metadata.supported_adapters for p in nonebot.get_loaded_plugins() if p.metadata}
    ours = {name: adapters for name, adapters in listed.items() if name.startswith("bot.plugins.")}
    shipped = {p.adapter_module for p in platform.registered() if p.__module__.startswith("bot.platform.")}
    assert shipped == {"~onebot.v11", "~onebot.v12", "~qq"}  # what the e2e suites drive
    assert ours and all(adapters == shipped for adapters in ours.values())

"""Station lookups through NoneBot: commands, a location segment, a QQ map card, and what stays silent."""

import json

from nonebot.adapters.onebot import v11
from nonebug import App

from tests.support.events import say, v11_group


async def _ready() -> None:
    """Load the shipped sample stations into the test database (a first start does the same)."""
    from bot.features.stations import service

    await service.import_sample_if_empty()
    await service.load()


async def test_keyword_lookup_and_usage(app: App):
    await _ready()
    reply = await say(app, v11_group("/驿站 乌当 洗澡", user_id="35001", group_id="7701"))
    assert "@35001" in reply and "淋浴" in reply
    assert "用法" in await say(app, v11_group("/驿站", user_id="35001", group_id="7701"))
    assert "请先发送" in await say(app, v11_group("/驿站 更多", user_id="35009", group_id="7701"))
    assert "找到" in await say(app, v11_group("/维修 贵阳", user_id="35001", group_id="7701"))


async def test_location_segment_and_map_card(app: App):
    await _ready()
    segment = v11.Message(v11.MessageSegment.location(26.58, 106.72))
    assert "离您最近" in await say(app, v11_group(segment, user_id="35002", group_id="7701"))
    card = {"app": "com.tencent.map", "meta": {"Location.Search": {"lat": "26.58", "lng": "106.72"}}}
    message = v11.Message(v11.MessageSegment.json(json.dumps(card)))
    assert "离您最近" in await say(app, v11_group(message, user_id="35003", group_id="7701"))
    link = v11.Message(v11.MessageSegment.json(json.dumps({"app": "com.tencent.miniapp", "meta": {}})))
    assert await say(app, v11_group(link, user_id="35003", group_id="7701"), expect_reply=False) is None


async def test_questions_need_the_bot_addressed(app: App):
    await _ready()
    assert await say(app, v11_group("贵阳哪里能洗澡", user_id="35004", group_id="7701"), expect_reply=False) is None
    answer = await say(app, v11_group("贵阳哪里能洗澡", user_id="35004", group_id="7701", to_me=True))
    assert "找到" in answer
    assert (
        await say(app, v11_group("今天天气不错", user_id="35004", group_id="7701", to_me=True), expect_reply=False)
        is None
    )

"""Records commands through NoneBot: usage lines, permissions, the chart picture, the export file."""

from nonebot.adapters.onebot import v11
from nonebug import App

from tests.support.events import SELF_ID, say, v11_at, v11_group

GROUP = "7501"


async def _branch(app: App) -> None:
    await say(app, v11_group("/支部 开通 积分测试支部", user_id="10000", group_id=GROUP))


async def test_usage_and_refusals(app: App):
    await _branch(app)
    assert "近期没有活动" in await say(app, v11_group("/活动", user_id="33001", group_id=GROUP))
    assert "只有本支部书记" in await say(app, v11_group("/活动 发布", user_id="33001", group_id=GROUP))
    assert "用法" in await say(app, v11_group("/报名 abc", user_id="33001", group_id=GROUP))
    assert "没有编号为 999" in await say(app, v11_group("/报名 999", user_id="33001", group_id=GROUP))
    assert "用法：/联系" in await say(app, v11_group("/联系", user_id="33001", group_id=GROUP))
    assert "不能是机器人" in await say(app, v11_group(v11_at(SELF_ID, "/联系 "), user_id="33001", group_id=GROUP))
    assert "党员司机" in await say(app, v11_group(v11_at("33002", "/联系 "), user_id="33001", group_id=GROUP))
    assert "还没有到" in await say(app, v11_group("/月报 2099-01", user_id="10000", group_id=GROUP))
    assert "YYYY-MM" in await say(app, v11_group("/月报 2026-13", user_id="10000", group_id=GROUP))
    assert "只有本支部书记" in await say(app, v11_group("/台账 导出", user_id="33001", group_id=GROUP))
    assert "您的积分：本月 0" in await say(app, v11_group("/积分", user_id="33001", group_id=GROUP))


async def test_monthly_report_comes_with_a_chart_picture(app: App):
    await _branch(app)
    sent: list = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)

        async def capture(event, message, **kwargs):
            sent.append(message)

        bot.send = capture
        from nonebot.message import handle_event

        await handle_event(bot, v11_group("/月报", user_id="10000", group_id=GROUP))
    [message] = sent
    assert "月报】积分测试支部" in message.extract_plain_text()
    image = next(seg for seg in message if seg.type == "image")
    assert image.data["file"].startswith("base64://")


async def test_export_hands_over_a_file(app: App):
    await _branch(app)
    calls: list = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)

        async def capture(event, message, **kwargs):
            calls.append(("send", message.extract_plain_text()))

        async def call_api(api, **data):
            calls.append((api, data))

        bot.send = capture
        bot.call_api = call_api
        from nonebot.message import handle_event

        await handle_event(bot, v11_group("/台账 导出", user_id="10000", group_id=GROUP))
    assert "台账已导出" in calls[0][1] and "打码" in calls[0][1]
    api, data = calls[1]
    assert api == "upload_group_file" and data["group_id"] == int(GROUP) and data["name"].endswith(".csv")

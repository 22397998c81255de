"""Station lookups over the WebSocket: keywords with paging, a shared location (answered, never logged), an
@-question, an unknown place said back, chatter ignored; a superuser adds a station and deletes it after confirming."""

import json

GROUP = "5501"


async def test_lookups_as_a_driver_would_make_them(bot_process):
    client = await bot_process.client()
    try:
        reply = await client.ask(GROUP, "20001", "/驿站 乌当 洗澡")
        assert "找到" in reply and "淋浴" in reply and "乌当" in reply
        many = await client.ask(GROUP, "20001", "/驿站 贵州")
        assert "/驿站 更多" in many
        second = await client.ask(GROUP, "20001", "/驿站 更多")
        assert "第 2/" in second
        assert "用法" in await client.ask(GROUP, "20001", "/驿站")
        assert "没有找到" in await client.ask(GROUP, "20001", "/驿站 🚚🚚🚚")
        assert "没有认出「火星基地」" in await client.ask(GROUP, "20001", "/驿站 火星基地 洗澡")
        assert "驿站" in await client.ask(GROUP, "20001", "/停车 " + "贵阳" * 100)  # a 200-character query is answered

        location = [
            {"type": "location", "data": {"lat": "26.58731", "lon": "106.72193", "title": "我的位置", "content": ""}}
        ]
        near = await client.ask(GROUP, "20001", location)
        assert "离您最近" in near and ("公里" in near or "米" in near)
        card = {"app": "com.tencent.map", "meta": {"Location.Search": {"lat": "26.58", "lng": "106.72", "name": "x"}}}
        near_card = await client.ask(GROUP, "20002", [{"type": "json", "data": {"data": json.dumps(card)}}])
        assert "离您最近" in near_card
        bad = await client.ask(
            GROUP, "20002", [{"type": "location", "data": {"lat": "0", "lon": "0", "title": "", "content": ""}}]
        )
        assert "无效" in bad

        at_question = [{"type": "at", "data": {"qq": "10001"}}, {"type": "text", "data": {"text": " 贵阳哪里能洗澡"}}]
        assert "找到" in await client.ask(GROUP, "20003", at_question)
        await client.group_message(GROUP, "20003", "哪里能洗澡啊")  # not addressed to the bot
        link_card = {"app": "com.tencent.structmsg", "meta": {"news": {"title": "链接"}}}
        await client.group_message(GROUP, "20003", [{"type": "json", "data": {"data": json.dumps(link_card)}}])
        assert await client.sends(quiet=1.0) == []
        # The shared location and the questions never reach the bot's log.
        log = bot_process.read_log()
        for private in ("26.58731", "106.72193", "贵阳哪里能洗澡", "火星基地"):
            assert private not in log
    finally:
        await client.close()


async def test_a_superuser_adds_a_station_and_a_driver_finds_it(bot_process):
    client = await bot_process.client()
    try:
        assert await client.ask(GROUP, "20001", "/驿站 添加") == "这条命令只有书记、行业党委可以使用。"
        assert "名称" in await client.ask(GROUP, "10000", "/驿站 添加")
        for answer in (
            "新场红色驿站",
            "2",
            "贵州省贵阳市乌当区新场镇测试路1号",  # the whole address at the 省/市/区县 step
            "26.70,106.80",
            "服务 停车 休息 淋浴",
            "30",
            "24小时",
            "跳过",
        ):
            await client.ask(GROUP, "10000", answer)
        added = await client.ask(GROUP, "10000", "确认")
        assert added.count("新场镇测试路1号") == 1
        assert "已添加驿站" in added and "新场红色驿站" in added
        assert "新场红色驿站" in await client.ask(GROUP, "20001", "/驿站 新场")
        number = added.split("【", 1)[1].split("】", 1)[0]
        assert "确认请发送" in await client.ask(GROUP, "10000", f"/驿站 删除 {number}")
        assert "新场红色驿站" in await client.ask(GROUP, "20001", "/驿站 新场")
        assert "已删除" in await client.ask(GROUP, "10000", f"/驿站 删除 {number} 确认")
        assert "新场红色驿站" not in await client.ask(GROUP, "20001", "/驿站 新场")
    finally:
        await client.close()

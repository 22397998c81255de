"""An appeal carried from a group conversation to 回访, over the OneBot v11 WebSocket."""

from __future__ import annotations

import re

GROUP = "5201"


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


async def test_an_appeal_from_intake_to_follow_up(bot_process):
    client = await bot_process.client()
    try:
        await client.ask(GROUP, "10000", "/支部 开通 诉求支部")
        await client.ask(
            GROUP, "10000", [{"type": "text", "data": {"text": "/书记 设置 "}}, {"type": "at", "data": {"qq": "20009"}}]
        )
        await client.ask(
            GROUP,
            "10000",
            [
                {"type": "text", "data": {"text": "/部门 绑定 "}},
                {"type": "at", "data": {"qq": "20050"}},
                {"type": "text", "data": {"text": " 交通运输"}},
            ],
        )

        assert "类别" in await client.ask(GROUP, "20001", "/诉求")
        await client.ask(GROUP, "20001", "1")
        await client.ask(GROUP, "20001", "货主拖欠运费 8000 元两个月了")
        await client.ask(GROUP, "20001", "贵阳市乌当区")
        await client.group_message(GROUP, "20001", "确认")
        sends = await client.sends(quiet=1.0)
        reply = next(s for s in sends if s.target == ("group", GROUP))
        number = _number(reply.text)
        secretary_notice = next(s for s in sends + await client.sends(quiet=0.5) if s.target == ("private", "20009"))
        assert number in secretary_notice.text

        # A driver cannot accept; the secretary can, and the appellant hears of it in the group.
        assert "需要" in await client.ask(GROUP, "20002", f"/受理 {number}")
        await client.group_message(GROUP, "20009", f"/受理 {number} 一般")
        sends = await client.sends(quiet=1.0)
        assert any("已受理" in s.text and s.target == ("group", GROUP) for s in sends)
        await client.group_message(GROUP, "20009", f"/转办 {number} 交通运输")
        sends = await client.sends(quiet=1.0)
        assert any(s.target == ("private", "20050") and number in s.text for s in sends)

        # The department closes it in private chat; the appellant is asked to rate it.
        await client.private_message("20050", f"/办结 {number} 已协调货主结清运费")
        sends = await client.sends(quiet=1.0)
        assert any("已办结" in s.text for s in sends)
        assert any("请评价" in s.text and "@20001" in s.text for s in sends)
        assert "感谢您的评价" in await client.ask(GROUP, "20001", f"/回访 {number} 满意")
        detail = await client.ask(GROUP, "20001", f"/诉求 查询 {number}")
        assert "已回访" in detail and "回访：满意" in detail
        stats = await client.ask(GROUP, "20009", "/诉求 统计")
        assert "收集 1　办结 1　办结率 100.00%" in stats
    finally:
        await client.close()


async def test_a_restart_in_the_middle_of_an_intake_stores_nothing(bot_process):
    client = await bot_process.client()
    await client.ask(GROUP, "10000", "/支部 开通 诉求支部")
    await client.ask(GROUP, "20001", "/诉求")
    await client.ask(GROUP, "20001", "2")
    await client.close()
    bot_process.stop(kill=True)
    bot_process.start()
    client = await bot_process.client()
    try:
        notice = await client.next_send(timeout=10)
        assert "「诉求」已中断" in notice.text and "@20001" in notice.text
        assert "还没有提交过" in await client.ask(GROUP, "20001", "/我的诉求")
    finally:
        await client.close()

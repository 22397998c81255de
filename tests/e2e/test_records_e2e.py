"""Publish an activity by conversation, sign up, check in on a moved clock, see the points as recorded, withdraw and
cancel with the points reversed — over the real WebSocket."""

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory
from bot.core.db import Database

GROUP = "5301"


async def _open_branch(bot_process) -> None:
    """Open the branch in the bot's database directly (this test is about records, not about /支部)."""
    database = Database(f"sqlite+aiosqlite:///{bot_process.workdir / 'bot.db'}")
    try:
        await BranchDirectory(database).open(Actor("qq", "10000", GROUP, "10001"), "活动支部")
    finally:
        await database.dispose()


async def test_activity_from_publishing_to_points(bot_process):
    bot_process.workdir.mkdir(parents=True, exist_ok=True)
    bot_process.set_clock("2026-11-23T10:00:00+08:00")
    client = await bot_process.client()
    try:
        await _open_branch(bot_process)
        assert "活动标题" in await client.ask(GROUP, "10000", "/活动 发布")
        assert "活动时间" in await client.ask(GROUP, "10000", "月月暖心行")
        assert "要在现在之后" in await client.ask(GROUP, "10000", "11-20 19:30")
        assert "地点" in await client.ask(GROUP, "10000", "明天 19:30")
        assert "名额" in await client.ask(GROUP, "10000", "线上")
        assert "积分" in await client.ask(GROUP, "10000", "1")
        assert "请核对" in await client.ask(GROUP, "10000", "跳过")
        await client.group_message(GROUP, "10000", "确认")
        sends = await client.sends(quiet=1.0)
        texts = [s.text for s in sends]
        assert any("已发布活动 1" in t for t in texts)
        assert any("【活动通知】月月暖心行" in t for t in texts)  # through the outbox

        for user, bad in (("20004", "99999999999999999999"), ("20005", "²"), ("20006", "①")):
            assert "用法：/报名 <编号>" in await client.ask(GROUP, user, f"/报名 {bad}")
        assert "报名成功" in await client.ask(GROUP, "20003", "/报名 1")
        assert "报名所得 1 分已撤回" in await client.ask(GROUP, "20003", "/报名 取消 1")
        assert "获得 1 分。" in await client.ask(GROUP, "20001", "/报名 1")
        assert "候补第 1 位" in await client.ask(GROUP, "20002", "/报名 1")
        assert "不在签到时间内" in await client.ask(GROUP, "20001", "/签到 1")

        bot_process.set_clock("2026-11-24T19:20:00+08:00")
        assert "签到成功：「月月暖心行」，获得 3 分。" in await client.ask(GROUP, "20001", "/签到 1")
        points = await client.ask(GROUP, "20001", "/积分")
        assert "本月 4" in points  # 1 for signing up, 3 for attending
        ranking = await client.ask(GROUP, "20002", "/积分榜")
        assert "用户20001 4 分" in ranking
        assert "已撤回为它记的" in await client.ask(GROUP, "10000", "/活动 取消 1")
        assert "本月 0" in await client.ask(GROUP, "20001", "/积分")
    finally:
        await client.close()

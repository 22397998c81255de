"""Appeals over the OneBot v11 WebSocket with the bot as a real process: intake, short limits whose 催办 and 督办
arrive as messages, the 回访 by a plain reply, and a restart in the middle of an intake."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.db import Database
from tests.support.botprocess import BotProcess

GROUP = "5201"
SUPER = Actor("qq", "10000", None, "10001")
# Short limits: accept and transfer within 36 seconds of the (moved) clock; checked every 0.6 s.
SHORT = {
    "APPEALS_ACCEPT_HOURS": "0.01",
    "APPEALS_TRANSFER_HOURS": "0.01",
    "APPEALS_CHECK_MINUTES": "0.01",
    "APPEALS_REMIND_FRACTION": "0.5",
}


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


async def _seed(process: BotProcess) -> None:
    """A branch for the group, its secretary 20009, and 20050 handling 交通运输 (straight into the bot's database)."""
    database = Database(process.database_url or f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        branches = BranchDirectory(database)
        roles = Roles(database, branches)
        branch = await branches.open(Actor("qq", "10000", GROUP, "10001"), "诉求支部")
        await roles.set_secretary(SUPER, branch, "qq:20009", "李书记")
        await roles.bind_department(SUPER, "qq:20050", "交通运输", "王科长")
    finally:
        await database.dispose()


@pytest.fixture
def appeals_bot(tmp_path):
    """A bot on a moved clock (Monday 23 November 2026, 09:00) with short limits."""
    process = BotProcess(tmp_path / "bot", env=SHORT)
    process.workdir.mkdir(parents=True)
    process.set_clock("2026-11-23T09:00:00+08:00")
    process.start()
    yield process
    process.stop()


async def _until(client, predicate, timeout: float = 15.0):
    """The first message sent that satisfies `predicate` (waits for the scheduled check)."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen = []
    while asyncio.get_running_loop().time() < deadline:
        try:
            send = await client.next_send(timeout=1.0)
        except TimeoutError:
            continue
        seen.append(send)
        if predicate(send):
            return send
    raise AssertionError(f"no such message; saw {[s.text for s in seen]}")


async def test_limits_are_chased_over_the_websocket_and_a_plain_reply_is_the_follow_up(appeals_bot):
    await asyncio.sleep(1.0)  # migrations done
    await _seed(appeals_bot)
    client = await appeals_bot.client()
    try:
        # 2027 has no official holiday data yet: the superuser is told once, privately.
        warning = await _until(client, lambda s: "节假日提醒" in s.text)
        assert warning.target == ("private", "10000") and "2027" in warning.text
        assert "类别" in await client.ask(GROUP, "20001", "/诉求")
        await client.ask(GROUP, "20001", "1")
        await client.ask(GROUP, "20001", "货主拖欠运费 8000 元两个月了")
        await client.ask(GROUP, "20001", "贵阳市乌当区")
        await client.group_message(GROUP, "20001", "确认")
        sends = await client.sends(quiet=1.0)
        number = _number(next(s for s in sends if s.target == ("group", GROUP)).text)

        # Never accepted: 催办 to the secretary at half the limit, 督办 to the committee after it.
        appeals_bot.set_clock("2026-11-23T09:00:20+08:00")
        remind = await _until(client, lambda s: "【催办】" in s.text)
        assert remind.target == ("private", "20009") and number in remind.text and "受理时限" in remind.text
        appeals_bot.set_clock("2026-11-23T09:00:40+08:00")
        supervise = await _until(client, lambda s: "【督办】" in s.text and s.target == ("private", "10000"))
        assert "受理时限" in supervise.text and number in supervise.text

        # A driver cannot accept — told before anything about the appeal; the secretary can.
        assert await client.ask(GROUP, "20002", f"/受理 {number}") == "这条命令只有书记、行业党委可以使用。"
        await client.group_message(GROUP, "20009", f"/受理 {number} 一般")
        await client.sends(quiet=1.0)
        # The transfer limit (36 s after acceptance) is chased too.
        appeals_bot.set_clock("2026-11-23T09:01:05+08:00")
        remind = await _until(client, lambda s: "【催办】" in s.text and "转办时限" in s.text)
        assert remind.target == ("private", "20009")
        appeals_bot.set_clock("2026-11-23T09:01:30+08:00")
        await _until(client, lambda s: "【督办】" in s.text and "转办时限" in s.text)

        await client.group_message(GROUP, "20009", f"/转办 {number} 交通运输")
        sends = await client.sends(quiet=1.0)
        assert any(s.target == ("private", "20050") and number in s.text for s in sends)
        await client.private_message("20050", f"/办结 {number} 已协调货主结清运费")
        sends = await client.sends(quiet=1.0)
        assert any("请直接回复" in s.text and "@20001" in s.text for s in sends)

        # The appellant just answers in the group.
        thanks = await client.ask(GROUP, "20001", "满意")
        assert f"感谢您的评价（满意），诉求 {number} 已完成回访。" in thanks
        detail = await client.ask(GROUP, "20001", f"/诉求 查询 {number}")
        assert "已回访" in detail and "回访：满意" in detail and "催办" in detail and "督办" in detail
        stats = await client.ask(GROUP, "20009", "/诉求 统计")
        assert "收集 1　办结 1　办结率 100.00%" in stats and "满意率 100.00%" in stats
    finally:
        await client.close()


async def test_a_restart_in_the_middle_of_an_intake_stores_nothing(bot_process):
    await asyncio.sleep(1.0)
    await _seed(bot_process)
    client = await bot_process.client()
    await client.sends(quiet=2.0)  # whatever the bot tells superusers on its own
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

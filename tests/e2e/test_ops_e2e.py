"""A broadcast to two branch groups over the WebSocket: each gets it once, a failing one is reported with its reason."""

import asyncio
import time

import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory
from bot.core.db import Database
from tests.support.botprocess import BotProcess


async def _seed(process: BotProcess) -> None:
    """Two branch groups, straight into the bot's database once its migrations ran."""
    deadline = time.monotonic() + 60
    while "Redwheel started" not in process.read_log():
        assert time.monotonic() < deadline, process.read_log()[-2000:]
        await asyncio.sleep(0.2)
    database = Database(process.database_url or f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        branches = BranchDirectory(database)
        await branches.open(Actor("qq", "10000", "5401", "10001"), "一支部")
        await branches.open(Actor("qq", "10000", "5402", "10001"), "二支部")
    finally:
        await database.dispose()


@pytest.fixture
def quick_bot(tmp_path):
    """Retries and the broadcast report on a short clock, so a failure is final within seconds."""
    process = BotProcess(
        tmp_path / "bot",
        env={"DELIVERY_RETRY_BASE_SECONDS": "0.3", "DELIVERY_MAX_ATTEMPTS": "2", "OPS_REPORT_CHECK_SECONDS": "1"},
    )
    process.start()
    yield process
    process.stop()


async def test_broadcast_reaches_each_group_once_and_reports_the_failure(quick_bot):
    await _seed(quick_bot)
    client = await quick_bot.client()
    try:
        client.fail_groups.add("5402")  # the bot was removed from this group in the meantime
        queued = await client.ask(None, "10000", "/通知 全部 今晚有寒潮，注意防冻")
        assert "将发往 2 个群" in queued
        sends = await client.sends(quiet=3.0, timeout=60)
        delivered = [s for s in sends if "【行业党委通知】" in s.text]
        assert [s.target for s in delivered].count(("group", "5401")) == 1
        report = None
        for _ in range(60):
            report = next((s for s in client.history if "发出的通知" in s.text), None)
            if report:
                break
            await asyncio.sleep(1)
        assert report is not None and report.target == ("private", "10000")
        assert "已送达 1 个" in report.text and "二支部" in report.text
        status = await client.ask(None, "10000", "/通知 状态")
        assert "未送达 1 个" in status
        again = await client.ask(None, "10000", "/通知 全部 今晚有寒潮，注意防冻")
        assert "/通知 确认" in again  # a double tap is held back
        assert await client.ask("5401", "20001", "/状态") == "这条命令只有行业党委可以使用。"
        status = await client.ask(None, "10000", "/状态")
        assert "近 24 小时平台拒发（按账号、错误码）：" in status
    finally:
        await client.close()

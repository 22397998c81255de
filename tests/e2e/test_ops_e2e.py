"""A broadcast to two branch groups over the WebSocket: each gets it once, a failing one is reported with its reason."""

import asyncio

import pytest

from tests.support.botprocess import BotProcess


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
    client = await quick_bot.client()
    try:
        await client.ask("5401", "10000", "/支部 开通 一支部")
        await client.ask("5402", "10000", "/支部 开通 二支部")
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
        assert "只有行业党委" in await client.ask("5401", "20001", "/状态")
    finally:
        await client.close()

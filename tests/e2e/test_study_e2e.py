"""The daily push at the branch's time with a clock the test moves, catch-up after a restart, 打卡 and 答题."""

from __future__ import annotations

import pytest

from tests.study.test_study_service import write_library
from tests.support.botprocess import BotProcess

GROUP = "5101"


@pytest.fixture
def study_bot(tmp_path):
    """A bot on a moved clock, with a small library of its own and a push check every second."""
    write_library(tmp_path / "library", {"安全驾驶": 2})
    process = BotProcess(
        tmp_path / "bot", env={"STUDY_MATERIALS_DIR": str(tmp_path / "library"), "STUDY_PUSH_CHECK_SECONDS": "1"}
    )
    process.workdir.mkdir(parents=True)
    process.set_clock("2026-11-23T07:00:00+08:00")
    process.start()
    yield process
    process.stop()


async def test_push_at_the_set_time_once_across_a_restart_then_check_in(study_bot):
    client = await study_bot.client()
    assert "已开通" in await client.ask(GROUP, "10000", "/支部 开通 学习支部")
    assert await client.sends(quiet=2.0) == []  # 07:00: not yet

    study_bot.set_clock("2026-11-23T07:31:00+08:00")
    push = await client.next_send(timeout=15)
    assert push.target == ("group", GROUP) and "【今日学习】" in push.text
    await client.close()

    study_bot.stop()
    study_bot.start()
    client = await study_bot.client()
    assert await client.sends(quiet=3.0) == []  # the same day's push never goes out twice

    reply = await client.ask(GROUP, "20001", "打卡")
    assert "打卡成功" in reply and "连续 1 天" in reply
    question = await client.ask(GROUP, "20001", "/答题")
    assert "【今日一题】" in question
    assert "回答" in await client.ask(GROUP, "20001", "/答题 B")
    await client.close()


async def test_a_push_missed_while_offline_goes_out_on_reconnect_the_same_day(study_bot):
    client = await study_bot.client()
    await client.ask(GROUP, "10000", "/支部 开通 学习支部")
    await client.close()
    study_bot.stop()
    study_bot.set_clock("2026-11-23T10:00:00+08:00")  # the bot was down at 07:30
    study_bot.start()
    client = await study_bot.client()
    push = await client.next_send(timeout=15)
    assert "【今日学习】" in push.text
    await client.close()


async def test_secretary_adds_material_by_conversation_and_reminds(study_bot):
    client = await study_bot.client()
    await client.ask(GROUP, "10000", "/支部 开通 学习支部")
    for user, name in (("20001", "张三"), ("20002", "李四")):
        await client.ask(GROUP, user, "/登记")
        for answer in (name, "13812345678", "跳过", "跳过", "跳过", "4", "确认"):
            await client.ask(GROUP, user, answer)
    await client.ask(GROUP, "20001", "打卡")
    stats = await client.ask(GROUP, "10000", "/学习 统计")
    assert "尚未打卡：李四" in stats
    await client.group_message(GROUP, "10000", "/学习 提醒")
    call = await client.next_send()
    assert "@20002" in call.text and "@20001" not in call.text

    assert "标题" in await client.ask(GROUP, "10000", "/学习 添加")
    assert "主题" in await client.ask(GROUP, "10000", "冬季防滑")
    assert "正文" in await client.ask(GROUP, "10000", "安全驾驶")
    assert "题目" in await client.ask(GROUP, "10000", "雪天降低车速，加大车距。")
    assert "请核对" in await client.ask(GROUP, "10000", "跳过")
    assert "已添加学习资料「冬季防滑」" in await client.ask(GROUP, "10000", "确认")
    await client.close()

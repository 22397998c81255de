"""The daily push at the branch's time with a clock the test moves, catch-up after a restart, 打卡 and 答题 (a bare
letter after the question), and a secretary's material that reaches another branch's push only once approved."""

from __future__ import annotations

import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.db import Database
from bot.features.study import texts
from tests.study.test_study_service import write_library
from tests.support.botprocess import BotProcess

GROUP, OTHER_GROUP = "5101", "5102"
SECRETARY = "30001"


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


async def _open(bot: BotProcess, group: str, name: str, secretary: str | None = None) -> None:
    """Open a branch in the bot's database directly (this test is about study, not about /支部)."""
    database = Database(f"sqlite+aiosqlite:///{bot.workdir / 'bot.db'}")
    try:
        branches = BranchDirectory(database)
        superuser = Actor("qq", "10000", group, "10001")
        branch = await branches.open(superuser, name)
        if secretary is not None:
            await Roles(database, branches).set_secretary(superuser, branch, f"qq:{secretary}", "王书记")
    finally:
        await database.dispose()


async def _pushes(client, count: int) -> dict[str, str]:
    """The next `count` group pushes, by group."""
    found: dict[str, str] = {}
    while len(found) < count:
        call = await client.next_send(timeout=15)
        if call.target and call.target[0] == "group" and "【今日学习】" in call.text:
            found[call.target[1]] = call.text
    return found


async def test_push_at_the_set_time_once_across_a_restart_then_check_in_and_a_bare_letter(study_bot):
    await _open(study_bot, GROUP, "学习支部")
    client = await study_bot.client()
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
    assert "【今日一题】" in question and "直接回复字母" in question
    answered = await client.ask(GROUP, "20001", "b")  # a bare letter, no command
    assert answered.endswith(texts.RIGHT + texts.EXPLANATION.format(explanation="连续驾驶不得超过 4 小时。"))
    await client.group_message(GROUP, "20001", "B")  # the wait is used up: chatter, no reply
    assert await client.sends(quiet=1.0) == []
    await client.close()


async def test_a_push_missed_while_offline_goes_out_on_reconnect_the_same_day(study_bot):
    await _open(study_bot, GROUP, "学习支部")
    study_bot.stop()
    study_bot.set_clock("2026-11-23T10:00:00+08:00")  # the bot was down at 07:30
    study_bot.start()
    client = await study_bot.client()
    push = await client.next_send(timeout=15)
    assert "【今日学习】" in push.text
    await client.close()


async def test_a_secretarys_material_reaches_another_branchs_push_only_after_approval(study_bot):
    await _open(study_bot, GROUP, "学习支部", SECRETARY)
    await _open(study_bot, OTHER_GROUP, "运输支部")
    client = await study_bot.client()
    for group in (GROUP, OTHER_GROUP):
        assert "「补贴」" in await client.ask(group, "10000", "/本月主题 补贴")

    assert texts.ASK_TITLE in await client.ask(GROUP, SECRETARY, "/学习 添加")
    assert texts.ASK_THEME in await client.ask(GROUP, SECRETARY, "领取补贴")
    assert texts.ASK_BODY in await client.ask(GROUP, SECRETARY, "补贴")
    stem = await client.ask(GROUP, SECRETARY, "请扫码加入QQ群领取补贴")
    assert stem.endswith(texts.ASK_STEM) and stem.count("跳过") == 1
    assert "请核对" in await client.ask(GROUP, SECRETARY, "跳过")
    added = await client.ask(GROUP, SECRETARY, "确认")
    assert "先只在学习支部的 /学习 和每日推送中使用" in added

    study_bot.set_clock("2026-11-23T07:31:00+08:00")
    pushes = await _pushes(client, 2)
    assert "领取补贴" in pushes[GROUP] and "扫码" not in pushes[OTHER_GROUP]

    listed = await client.ask(None, "10000", "/学习 审核")
    assert "《领取补贴》（补贴，学习支部）" in listed
    number = listed.split("#", 1)[1].split("《", 1)[0]
    approved = await client.ask(None, "10000", f"/学习 审核 通过 {number}")
    assert approved == texts.APPROVED.format(id=number, title="领取补贴")
    told = await client.next_send(timeout=10)
    assert told.target == ("private", SECRETARY)
    assert told.text == texts.TOLD_APPROVED.format(id=number, title="领取补贴")

    study_bot.set_clock("2026-11-24T07:31:00+08:00")
    pushes = await _pushes(client, 2)
    assert "领取补贴" in pushes[OTHER_GROUP]
    await client.close()

"""Study commands through NoneBot: 打卡 with and without a prefix, the question by command and by reply."""

from datetime import datetime

from nonebot.adapters.onebot import v11
from nonebug import App

from bot.core import clock
from tests.support.events import say, v11_group

GROUP = "7301"


async def _branch_with_material(app: App) -> None:
    """A branch (the library is the project's data/study, or the one a previous test imported)."""
    from bot.features.study import service
    from bot.features.study.materials import Material, Question

    await say(app, v11_group("/支部 开通 学习测试支部", user_id="10000", group_id=GROUP))
    await service.add_material(
        "qq:10000",
        Material(
            "",
            "疲劳驾驶的危害",
            "安全驾驶",
            (),
            "连续驾驶不超过4小时。",
            False,
            Question("连续驾驶最多几小时？", {"A": "2", "B": "4"}, "B", "不超过4小时"),
        ),
    )


async def test_check_in_with_and_without_prefix(app: App):
    await _branch_with_material(app)
    first = await say(app, v11_group("打卡", user_id="31001", group_id=GROUP))
    assert "@31001" in first and "打卡成功" in first and "连续 1 天" in first
    again = await say(app, v11_group("/打卡", user_id="31001", group_id=GROUP))
    assert "已经打过卡" in again


async def test_check_in_in_a_group_that_is_no_branch_gives_a_hint(app: App):
    reply = await say(app, v11_group("打卡", user_id="31002", group_id="7399"))
    assert "还没有开通支部" in reply


async def test_question_by_command_and_letter(app: App):
    await _branch_with_material(app)
    question = await say(app, v11_group("/答题", user_id="31003", group_id=GROUP))
    assert "【今日一题】" in question and "/答题 A" in question
    assert "请用一个字母" in await say(app, v11_group("/答题 甲", user_id="31003", group_id=GROUP))
    answered = await say(app, v11_group("/答题 b", user_id="31003", group_id=GROUP))
    assert "回答" in answered
    assert "今天已经答过了" in await say(app, v11_group("/答题 A", user_id="31003", group_id=GROUP))


async def test_a_letter_replied_to_the_question_message_answers_it(app: App):
    await _branch_with_material(app)
    event = v11_group("A", user_id="31004", group_id=GROUP, to_me=True)
    event.reply = v11.event.Reply(
        time=0,
        message_type="group",
        message_id=1,
        real_id=1,
        sender=v11.event.Sender(user_id=10001),
        message=v11.Message("【今日一题】…回复 /答题 A 作答"),
    )
    assert "回答" in await say(app, event)


async def test_secretary_only_settings_and_statistics(app: App):
    await _branch_with_material(app)
    assert "只有本支部书记" in await say(app, v11_group("/推送时间 08:00", user_id="31005", group_id=GROUP))
    assert "HH:MM" in await say(app, v11_group("/推送时间 25:00", user_id="10000", group_id=GROUP))
    assert "08:00" in await say(app, v11_group("/推送时间 8：00", user_id="10000", group_id=GROUP))
    assert "已关闭" in await say(app, v11_group("/推送 关闭", user_id="10000", group_id=GROUP))
    stats = await say(app, v11_group("/学习 统计", user_id="10000", group_id=GROUP))
    assert "打卡率" in stats
    theme = await say(app, v11_group("/本月主题 安全驾驶", user_id="10000", group_id=GROUP))
    assert "「安全驾驶」" in theme
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    card = await say(app, v11_group("/支部", user_id="31005", group_id=GROUP))
    assert "本月主题：安全驾驶" in card and "08:00（已关闭）" in card

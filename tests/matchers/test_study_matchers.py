"""Study commands through NoneBot: exact replies where the wording is the contract; 打卡 without a prefix; a bare
letter after /答题 answers it for a few minutes; a secretary's material stays in their branch until approved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import theme_of_month
from bot.core.models import Branch, LedgerEntry, OutboxItem
from bot.core.ratelimit import RateLimiter
from bot.core.scope import EVERYTHING
from bot.features.study import texts
from bot.features.study.commands import question_text
from bot.features.study.materials import Material, Question
from bot.services import Services
from tests.support.events import SELF_ID, say, v11_group, v11_private

GROUP, OTHER_GROUP = "7301", "7302"
SECRETARY, OTHER_SECRETARY, DRIVER = "30001", "30002", "31001"
ONLY_MANAGERS = "这条命令只有书记、行业党委可以使用。"
ONLY_SUPERUSERS = "这条命令只有行业党委可以使用。"
QUESTION = Question("连续驾驶最多几小时？", {"A": "2小时", "B": "4小时"}, "B", "不超过4小时")


@pytest.fixture(autouse=True)
def generous_limits(own_services: Services) -> None:
    """These tests send many commands a second from one person; the rate limit has tests of its own."""
    own_services.user_limits = RateLimiter(1000, 1000)
    own_services.group_limits = RateLimiter(1000, 1000)


async def _branch(services: Services, group: str = GROUP, secretary: str = SECRETARY, name: str = "学习支部") -> Branch:
    """A branch with a secretary whose material of the day has a question."""
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    superuser = Actor("qq", "10000", group, SELF_ID)
    branch = await services.branches.open(superuser, name)
    await services.roles.set_secretary(superuser, branch, f"qq:{secretary}", "王书记")
    return branch


async def _with_question(services: Services, branch: Branch) -> None:
    """Make today's material one with QUESTION (a superuser's material under the branch's theme)."""
    await services.study.add_material("qq:10000", Material("", "疲劳驾驶", "测试主题", (), "正文", False, QUESTION))
    await services.study.set_theme(branch.id, "测试主题", "qq:10000")


def _mentioned(reply: str, user: str, text: str) -> None:
    assert reply.startswith(f"@{user}") and reply.endswith(text), reply


async def test_check_in_with_and_without_prefix(app: App, own_services: Services):
    await _branch(own_services)
    first = await say(app, v11_group("打卡", user_id=DRIVER, group_id=GROUP))
    assert "打卡成功" in first
    _mentioned(first, DRIVER, "！已连续 1 天，本月第 1 天。")
    for word in ("/打卡", "学习打卡", "已学习"):
        again = await say(app, v11_group(word, user_id=DRIVER, group_id=GROUP))
        _mentioned(again, DRIVER, texts.ALREADY_CHECKED_IN.format(streak=1, month=1))


async def test_a_member_moved_to_another_branch_checks_in_once_a_day(app: App, own_services: Services):
    """打卡 in group A, /转出 to branch B, 打卡 in group B: already checked in today, and one point, not two."""
    first = await _branch(own_services)
    second = await _branch(own_services, OTHER_GROUP, OTHER_SECRETARY, "二支部")
    driver = Actor("qq", DRIVER, GROUP, SELF_ID)
    await own_services.members.register(driver, first, {"name": "孙师傅", "phone": None, "status": "群众"})
    _mentioned(
        await say(app, v11_group("打卡", user_id=DRIVER, group_id=GROUP)), DRIVER, "！已连续 1 天，本月第 1 天。"
    )
    await own_services.members.transfer(Actor("qq", SECRETARY, GROUP, SELF_ID), first, driver.key, second)
    again = await say(app, v11_group("打卡", user_id=DRIVER, group_id=OTHER_GROUP))
    _mentioned(again, DRIVER, texts.ALREADY_CHECKED_IN.format(streak=1, month=1))
    async with own_services.database.reading() as session:
        points = (await session.scalars(select(LedgerEntry.points).where(LedgerEntry.user_key == driver.key))).all()
    assert list(points) == [1]
    clock.advance(timedelta(days=1))  # the streak goes on in the new branch
    _mentioned(
        await say(app, v11_group("打卡", user_id=DRIVER, group_id=OTHER_GROUP)), DRIVER, "！已连续 2 天，本月第 2 天。"
    )


async def test_check_in_in_a_group_that_is_no_branch_says_how_to_open_one(app: App):
    reply = await say(app, v11_group("打卡", user_id=DRIVER, group_id="7399"))
    _mentioned(reply, DRIVER, "本群还没有开通支部，学习打卡暂不可用。请行业党委或群主发送：/支部 开通 <支部名称>")


async def test_a_bare_letter_after_the_question_answers_it_for_a_few_minutes(app: App, own_services: Services):
    branch = await _branch(own_services)
    await _with_question(own_services, branch)
    assert await say(app, v11_group("B", user_id=DRIVER, group_id=GROUP), expect_reply=False) is None  # not asked
    shown = await say(app, v11_group("/答题", user_id=DRIVER, group_id=GROUP))
    _mentioned(shown, DRIVER, question_text(QUESTION))
    # someone else's letter is chatter; the asker's lower-case full-width letter answers
    assert await say(app, v11_group("A", user_id="31009", group_id=GROUP), expect_reply=False) is None
    answered = await say(app, v11_group("ｂ", user_id=DRIVER, group_id=GROUP))
    _mentioned(answered, DRIVER, texts.RIGHT + texts.EXPLANATION.format(explanation="不超过4小时"))
    assert await say(app, v11_group("A", user_id=DRIVER, group_id=GROUP), expect_reply=False) is None  # used up
    again = await say(app, v11_group("/答题", user_id=DRIVER, group_id=GROUP))
    _mentioned(again, DRIVER, question_text(QUESTION, "B"))

    late = "31002"
    await say(app, v11_group("/答题", user_id=late, group_id=GROUP))
    clock.advance(timedelta(minutes=own_services.study.answer_wait.seconds // 60 + 1))
    assert await say(app, v11_group("B", user_id=late, group_id=GROUP), expect_reply=False) is None  # too late
    _mentioned(await say(app, v11_group("/答题 甲", user_id=late, group_id=GROUP)), late, texts.ONE_LETTER)
    wrong = await say(app, v11_group("/答题 a", user_id=late, group_id=GROUP))
    _mentioned(wrong, late, texts.WRONG.format(answer="B") + texts.EXPLANATION.format(explanation="不超过4小时"))


async def test_answering_with_the_command_ends_the_wait_for_a_letter(app: App, own_services: Services):
    branch = await _branch(own_services)
    await _with_question(own_services, branch)
    await say(app, v11_group("/答题", user_id=DRIVER, group_id=GROUP))
    await say(app, v11_group("/答题 B", user_id=DRIVER, group_id=GROUP))
    assert not own_services.expectations.has(f"qq:{DRIVER}")
    assert await say(app, v11_group("A", user_id=DRIVER, group_id=GROUP), expect_reply=False) is None


async def test_a_letter_replied_to_the_question_message_answers_it(app: App, own_services: Services):
    branch = await _branch(own_services)
    await _with_question(own_services, branch)
    event = v11_group("B", user_id=DRIVER, group_id=GROUP, to_me=True)
    event.reply = v11.event.Reply(
        time=0,
        message_type="group",
        message_id=1,
        real_id=1,
        sender=v11.event.Sender(user_id=int(SELF_ID)),
        message=v11.Message(question_text(QUESTION)),
    )
    _mentioned(await say(app, event), DRIVER, texts.RIGHT + texts.EXPLANATION.format(explanation="不超过4小时"))


async def test_secretary_only_settings_and_statistics(app: App, own_services: Services):
    await _branch(own_services)
    assert await say(app, v11_group("/推送时间 08:00", user_id=DRIVER, group_id=GROUP)) == ONLY_MANAGERS
    assert await say(app, v11_group("/推送时间 25:00", user_id=SECRETARY, group_id=GROUP)) == texts.PUSH_TIME_BAD
    set_time = await say(app, v11_group("/推送时间 8：00", user_id=SECRETARY, group_id=GROUP))
    assert set_time == texts.PUSH_TIME_SET.format(time="08:00")
    assert await say(app, v11_group("/推送 关闭", user_id=SECRETARY, group_id=GROUP)) == texts.PUSH_OFF
    usage = await say(app, v11_group("/推送 暂停", user_id=SECRETARY, group_id=GROUP))
    assert usage == texts.PUSH_SWITCH_USAGE.format(state=texts.OFF)
    stats = await say(app, v11_group("/学习 统计", user_id=SECRETARY, group_id=GROUP))
    assert stats == "【今日学习统计】学习支部\n登记成员 0 人中已打卡 0 人，成员打卡率 —"
    theme = await say(app, v11_group("/本月主题 安全驾驶", user_id=SECRETARY, group_id=GROUP))
    assert theme == texts.THEME_SET.format(scope="学习支部", theme="安全驾驶", note="")
    async with own_services.database.reading() as session:
        row = await session.scalar(select(Branch).where(Branch.group_id == GROUP))
        assert row is not None and (row.push_time, row.push_enabled) == ("08:00", False)
        assert await theme_of_month(session, row.id, "2026-11") == "安全驾驶"
    private = await say(app, v11_private("/学习 统计", user_id=SECRETARY))  # the branches they run, names and all
    assert private == "【今日学习统计】学习支部\n登记成员 0 人中已打卡 0 人，成员打卡率 —"


async def test_theme_for_all_says_which_branches_keep_their_own(app: App, own_services: Services):
    await _branch(own_services)
    await _branch(own_services, OTHER_GROUP, OTHER_SECRETARY, "运输支部")
    refused = await say(app, v11_group("/本月主题 全部 安全驾驶", user_id=SECRETARY, group_id=GROUP))
    assert refused == texts.THEME_ALL_SUPERUSER
    every = await say(app, v11_private("/本月主题 全部 安全驾驶", user_id="10000"))
    assert every == "\n".join(
        [texts.THEME_SET_ALL.format(theme="安全驾驶", note=""), texts.THEME_ALL_EVERY.format(theme="安全驾驶")]
    )
    await say(app, v11_group("/本月主题 权益保障", user_id=OTHER_SECRETARY, group_id=OTHER_GROUP))
    kept = await say(app, v11_private("/本月主题 全部 安全驾驶", user_id="10000"))
    assert kept == "\n".join(
        [
            texts.THEME_SET_ALL.format(theme="安全驾驶", note=""),
            texts.THEME_ALL_KEPT.format(count=1, names="运输支部「权益保障」", more="", theme="安全驾驶"),
        ]
    )


async def _add_by_conversation(app: App, user: str, group: str) -> str:
    """A secretary adds 「领取补贴」 (theme 补贴) without a question; returns the last reply."""
    started = await say(app, v11_group("/学习 添加", user_id=user, group_id=group))
    assert texts.ASK_TITLE in started
    for answer in ("领取补贴", "补贴", "请扫码加入QQ群领取补贴"):
        prompt = await say(app, v11_group(answer, user_id=user, group_id=group))
    _mentioned(prompt, user, texts.ASK_STEM)
    assert prompt.count("跳过") == 1  # the skip hint once (#14)
    confirm = await say(app, v11_group("跳过", user_id=user, group_id=group))
    assert texts.CONFIRM.format(title="领取补贴", theme="补贴", question="") in confirm
    return await say(app, v11_group("确认", user_id=user, group_id=group))


async def test_a_secretarys_material_stays_in_the_branch_until_a_superuser_approves_it(
    app: App, own_services: Services
):
    a = await _branch(own_services)
    b = await _branch(own_services, OTHER_GROUP, OTHER_SECRETARY, "运输支部")
    for branch in (a, b):
        await own_services.study.set_theme(branch.id, "补贴", "qq:10000")
    added = await _add_by_conversation(app, SECRETARY, GROUP)
    pending = await own_services.study.pending(EVERYTHING)
    number = pending[0][0].id
    expected = texts.ADDED_PENDING.format(title="领取补贴", id=number, theme="补贴", branch="学习支部")
    _mentioned(added, SECRETARY, expected)

    assert "《领取补贴》" in await say(app, v11_group("/学习", user_id=DRIVER, group_id=GROUP))
    assert "领取补贴" not in await say(app, v11_group("/学习", user_id=DRIVER, group_id=OTHER_GROUP))
    assert "补贴" not in await say(app, v11_group("/学习 主题", user_id=OTHER_SECRETARY, group_id=OTHER_GROUP))

    refused = await say(app, v11_group(f"/学习 撤回 {number}", user_id=OTHER_SECRETARY, group_id=OTHER_GROUP))
    assert refused == texts.MAY_NOT_WITHDRAW
    assert await say(app, v11_group("/学习 审核", user_id=SECRETARY, group_id=GROUP)) == ONLY_SUPERUSERS
    assert await say(app, v11_group(f"/学习 删除 {number}", user_id=SECRETARY, group_id=GROUP)) == ONLY_SUPERUSERS

    listed = await say(app, v11_private("/学习 审核", user_id="10000"))
    assert listed.startswith(texts.REVIEW_HEAD.format(count=1))
    assert f"#{number}《领取补贴》（补贴，学习支部）\n请扫码加入QQ群领取补贴" in listed
    assert await say(app, v11_private(f"/学习 审核 驳回 {number}", user_id="10000")) == texts.REJECT_NEEDS_REASON
    approved = await say(app, v11_private(f"/学习 审核 通过 {number}", user_id="10000"))
    assert approved == texts.APPROVED.format(id=number, title="领取补贴")
    async with own_services.database.reading() as session:
        told = (await session.scalars(select(OutboxItem).where(OutboxItem.target_kind == "private"))).all()
    assert [(t.target_id, t.parts[0]["text"]) for t in told] == [
        (SECRETARY, texts.TOLD_APPROVED.format(id=number, title="领取补贴"))
    ]
    clock.advance(timedelta(days=1))
    assert "《领取补贴》" in await say(app, v11_group("/学习", user_id=DRIVER, group_id=OTHER_GROUP))

    removed = await say(app, v11_private(f"/学习 删除 {number}", user_id="10000"))
    assert removed == texts.REMOVED.format(id=number, title="领取补贴")
    clock.advance(timedelta(days=1))
    assert "领取补贴" not in await say(app, v11_group("/学习", user_id=DRIVER, group_id=OTHER_GROUP))


async def test_a_secretary_withdraws_their_own_and_usage_lines(app: App, own_services: Services):
    await _branch(own_services)
    await _add_by_conversation(app, SECRETARY, GROUP)
    number = (await own_services.study.pending(EVERYTHING))[0][0].id
    withdrawn = await say(app, v11_group(f"/学习 撤回 {number}", user_id=SECRETARY, group_id=GROUP))
    assert withdrawn == texts.WITHDRAWN.format(id=number, title="领取补贴")
    again = await say(app, v11_group(f"/学习 撤回 {number}", user_id=SECRETARY, group_id=GROUP))
    assert again == texts.NOT_FOUND.format(id=number)
    assert await say(app, v11_group("/学习 撤回 ①", user_id=SECRETARY, group_id=GROUP)) == texts.WITHDRAW_USAGE
    assert await say(app, v11_private("/学习 审核 放行 1", user_id="10000")) == texts.REVIEW_USAGE
    assert await say(app, v11_private("/学习 审核", user_id="10000")) == texts.REVIEW_EMPTY


async def test_statistics_and_one_reminder_that_mentions_who_has_not_studied(app: App, own_services: Services):
    branch = await _branch(own_services)
    for user, name in (("32001", "张三"), ("32002", "李四")):
        await own_services.members.register(
            Actor("qq", user, GROUP, SELF_ID), branch, {"name": name, "phone": None, "status": "党员"}
        )
    await say(app, v11_group("打卡", user_id="32001", group_id=GROUP))
    stats = await say(app, v11_group("/学习 统计", user_id=SECRETARY, group_id=GROUP))
    head = [
        texts.STATS_HEAD.format(branch="学习支部"),
        texts.STATS_LINE.format(members=2, registered=1, rate="50%", others=""),
    ]
    # In the group: the count, and where the names are; the names themselves only in private chat.
    assert stats == "\n".join([*head, texts.STATS_NAMES_PRIVATE.format(count=1)])
    assert await say(app, v11_private("/学习 统计", SECRETARY)) == "\n".join(
        [*head, texts.STATS_MISSING.format(names="李四", more=""), texts.STATS_REMIND_HINT]
    )
    assert await say(app, v11_group("/学习 提醒", user_id=SECRETARY, group_id=GROUP)) == texts.REMIND + " @32002"
    await say(app, v11_group("打卡", user_id="32002", group_id=GROUP))
    assert await say(app, v11_group("/学习 提醒", user_id=SECRETARY, group_id=GROUP)) == texts.NOBODY_MISSING


async def test_many_askers_wait_as_dict_entries_not_matchers(app: App, own_services: Services):
    from nonebot.matcher import matchers

    branch = await _branch(own_services)
    await _with_question(own_services, branch)
    before = sum(len(group) for group in matchers.values())
    askers = [str(40000 + n) for n in range(30)]
    for user in askers:
        await say(app, v11_group("/答题", user_id=user, group_id=GROUP))
    assert all(own_services.expectations.has(f"qq:{user}") for user in askers)
    assert sum(len(group) for group in matchers.values()) == before
    for user in askers:
        assert texts.RIGHT in await say(app, v11_group("B", user_id=user, group_id=GROUP))
    assert not any(own_services.expectations.has(f"qq:{user}") for user in askers)


async def test_a_secretary_adds_in_private_chat_for_their_one_branch(app: App, own_services: Services):
    await _branch(own_services)
    assert texts.ASK_TITLE in await say(app, v11_private("/学习 添加", user_id=SECRETARY))
    for answer in ("领取补贴", "补贴", "正文", "跳过", "确认"):
        reply = await say(app, v11_private(answer, user_id=SECRETARY))
    pending = await own_services.study.pending(EVERYTHING)
    assert [(row.title, name) for row, name in pending] == [("领取补贴", "学习支部")]
    assert reply == texts.ADDED_PENDING.format(title="领取补贴", id=pending[0][0].id, theme="补贴", branch="学习支部")
    await _branch(own_services, OTHER_GROUP, SECRETARY, "运输支部")
    assert await say(app, v11_private("/学习 添加", user_id=SECRETARY)) == texts.ADD_WHICH_BRANCH

"""Issue 22, from the user's side through NoneBot: what a new branch meets in its first week. One test per numbered
item of the issue (item 9 point by point); each failed on the main this branch started from."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot import runtime
from bot.core import clock, privacy
from bot.core.actor import Actor
from bot.core.models import Branch, OutboxItem
from bot.core.outbox import CANCELLED
from bot.core.parts import from_json
from bot.core.ratelimit import RateLimiter
from bot.features import addressed
from bot.features.appeals import texts as appeal_texts
from bot.features.branch import texts as branch_texts
from bot.features.records import texts as record_texts
from bot.features.stations import texts as station_texts
from bot.features.study import texts as study_texts
from bot.features.study.materials import Material, Question
from bot.services import Services
from tests.support.events import SELF_ID, say, text_of, v11_group, v11_private

GROUP, SECOND_GROUP = "7601", "7602"
SUPERUSER, SECRETARY, SECOND_SECRETARY = "10000", "36009", "36019"
MEMBER, DRIVER, STRANGER = "36001", "36101", "36201"
PHONE, PLATE, ID_NUMBER, POINT = "13912340000", "贵A99999", "52010119900101123X", "26.646923,106.737343"
DESCRIPTION = f"老板姓陈，拖欠我运费8000元，我电话{PHONE}，车牌{PLATE}，麻烦联系我"


@pytest.fixture
async def branch(own_services: Services) -> Branch:
    """第一周支部 (group 7601, secretary 36009) with one registered member, 刘强 (36001); no rate limit in the way."""
    own_services.user_limits = RateLimiter(1000, 1000)
    own_services.group_limits = RateLimiter(1000, 1000)
    superuser = Actor("qq", SUPERUSER, GROUP, SELF_ID)
    opened = await own_services.branches.open(superuser, "第一周支部")
    await own_services.roles.set_secretary(superuser, opened, f"qq:{SECRETARY}", "李书记")
    data = {"name": "刘强", "phone": "13812345678", "plate": "贵A12345", "hometown": "遵义市", "route": "贵阳—重庆"}
    await own_services.members.register(Actor("qq", MEMBER, GROUP, SELF_ID), opened, {**data, "status": "党员"})
    return opened


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


async def _file(app: App, user: str, where: str | None, description: str = "货主拖欠运费", *extra: str) -> str:
    """An appeal filed by conversation in a group (`where`) or in private chat (None): its number."""

    def event(text: str):
        return v11_private(text, user) if where is None else v11_group(text, user_id=user, group_id=where)

    answers = ["1", description, "贵阳东收费站", *(["跳过"] if where is None else []), *extra, "确认"]
    await say(app, event("/诉求"))
    for answer in answers[:-1]:
        await say(app, event(answer))
    return _number(await say(app, event(answers[-1])))


async def _outbox(services: Services, purpose: str | None = None) -> list[OutboxItem]:
    async with services.database.reading() as session:
        query = select(OutboxItem).order_by(OutboxItem.id)
        if purpose:
            query = query.where(OutboxItem.purpose == purpose)
        return list((await session.scalars(query)).all())


def _text(item: OutboxItem) -> str:
    return "".join(part.get("text", "") for part in item.parts)


async def _deliver(app: App, items: list[OutboxItem]) -> list[tuple[str, str]]:
    """Hand queued items to the bot's way out (`runtime._send`, as the sender does); what reached each chat."""
    sent: list[tuple[str, str]] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)

        async def call_api(api: str, **data):
            sent.append((api, text_of(data["message"])))

        bot.call_api = call_api  # type: ignore[method-assign]
        for item in items:
            await runtime._send(SELF_ID, item.target_kind, item.target_id, from_json(item.parts))
    return sent


# ---- 1 -----------------------------------------------------------------------------------------------------
async def test_1_a_phone_or_plate_typed_into_free_text_never_reaches_the_group(app: App, branch, own_services):
    await say(app, v11_group("/诉求", user_id=DRIVER, group_id=GROUP))
    await say(app, v11_group("1", user_id=DRIVER, group_id=GROUP))
    await say(app, v11_group(DESCRIPTION, user_id=DRIVER, group_id=GROUP))
    summary = await say(app, v11_group("贵阳东收费站", user_id=DRIVER, group_id=GROUP))
    assert "我电话139****0000，车牌贵A***99" in summary and PHONE not in summary and PLATE not in summary
    number = _number(await say(app, v11_group("确认", user_id=DRIVER, group_id=GROUP)))
    for asker in (DRIVER, SECRETARY):  # the appellant and the secretary, in the group
        shown = await say(app, v11_group(f"/诉求 查询 {number}", user_id=asker, group_id=GROUP))
        assert "139****0000" in shown and "贵A***99" in shown and PHONE not in shown and PLATE not in shown
    assert DESCRIPTION in await say(app, v11_private(f"/诉求 查询 {number}", DRIVER))  # in full where entitled
    # What the bot sends to a group on its own passes the same guard: the 办结 notice repeats the result.
    await say(app, v11_group(f"/受理 {number}", user_id=SECRETARY, group_id=GROUP))
    result = f"已联系货主{PHONE}，身份证{ID_NUMBER}，坐标{POINT}"
    await say(app, v11_group(f"/办结 {number} {result}", user_id=SECRETARY, group_id=GROUP))
    asked = [i for i in await _outbox(own_services) if i.target_kind == "group" and "已办结" in _text(i)]
    assert len(asked) == 1 and PHONE in _text(asked[0])  # stored as said; masked where it leaves for the group
    [(api, delivered)] = await _deliver(app, asked)
    assert api == "send_group_msg"
    assert "已联系货主139****0000，身份证5201**********123X，坐标[位置],[位置]" in delivered
    assert not any(value in delivered for value in (PHONE, ID_NUMBER, "26.646923"))
    assert privacy.mask(POINT) == "[位置],[位置]"


# ---- 2 -----------------------------------------------------------------------------------------------------
async def test_2_exports_lists_of_names_and_records_go_to_private_chat(app: App, branch, own_services):
    uploads: list[str] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v11.Bot, self_id=SELF_ID)
        replies: list[str] = []

        async def capture(event, message, **kwargs):
            replies.append(text_of(message))

        async def call_api(api: str, **data):
            uploads.append(api)

        bot.send = capture  # type: ignore[method-assign]
        bot.call_api = call_api  # type: ignore[method-assign]
        from nonebot.message import handle_event

        await handle_event(bot, v11_group("/台账 导出", user_id=SECRETARY, group_id=GROUP))
    assert uploads == []  # no file in the group's files
    assert replies == [record_texts.EXPORT_IN_PRIVATE]
    stats = await say(app, v11_group("/学习 统计", user_id=SECRETARY, group_id=GROUP))
    assert "刘强" not in stats and study_texts.STATS_NAMES_PRIVATE.format(count=1) in stats
    assert "尚未打卡：刘强" in await say(app, v11_private("/学习 统计", SECRETARY))
    record = await say(app, v11_group(v11.Message("/档案 ") + v11.MessageSegment.at(MEMBER), SECRETARY, GROUP))
    assert record == branch_texts.PROFILE_OTHERS_PRIVATE and "遵义" not in record
    own = await say(app, v11_group("/档案", user_id=MEMBER, group_id=GROUP))
    assert own.startswith("【档案】刘强（第一周支部）") and "遵义" not in own and "贵阳—重庆" not in own
    full = await say(app, v11_private("/档案 刘强", SECRETARY))
    assert "户籍地：遵义市" in full and "常跑路线：贵阳—重庆" in full


# ---- 3 -----------------------------------------------------------------------------------------------------
async def test_3_a_private_appeal_belongs_to_the_branch_of_the_group_the_person_is_in(app: App, branch, own_services):
    # A driver who never registered checks in in the group, then files in private chat.
    assert "打卡成功" in await say(app, v11_group("打卡", user_id=DRIVER, group_id=GROUP))
    await say(app, v11_private("/诉求", DRIVER))
    for answer in ("1", "货主拖欠运费", "贵阳东收费站"):
        await say(app, v11_private(answer, DRIVER))
    summary = await say(app, v11_private("跳过", DRIVER))
    assert "交由：第一周支部" in summary
    number = _number(await say(app, v11_private("确认", DRIVER)))
    notices = [i for i in await _outbox(own_services, "appeal") if "新诉求" in _text(i)]
    assert [i.target_id for i in notices] == [SECRETARY]  # the branch's secretary, not the committee
    accepted = await say(app, v11_group(f"/受理 {number}", user_id=SECRETARY, group_id=GROUP))
    assert accepted.startswith(f"已受理 {number}")
    assert "收集 1" in await say(app, v11_group("/诉求 统计", user_id=SECRETARY, group_id=GROUP))
    # In two branch groups: the bot asks which (of those it shares with the person), never the top by itself.
    second = await own_services.branches.open(Actor("qq", SUPERUSER, SECOND_GROUP, SELF_ID), "第二周支部")
    await own_services.roles.set_secretary(Actor("qq", SUPERUSER, SECOND_GROUP, SELF_ID), second, "qq:36019", "王")
    await say(app, v11_group("/驿站 乌当", user_id=DRIVER, group_id=SECOND_GROUP))  # seen writing there
    await say(app, v11_private("/诉求", DRIVER))
    for answer in ("2", "服务区车位不足", "G60"):
        await say(app, v11_private(answer, DRIVER))
    asked = await say(app, v11_private("跳过", DRIVER))
    assert "1. 第一周支部" in asked and "2. 第二周支部" in asked and "0. 都不是" in asked
    assert "交由：第二周支部" in await say(app, v11_private("2", DRIVER))
    other = _number(await say(app, v11_private("确认", DRIVER)))
    assert (await own_services.appeals.find(other)).branch_id == second.id
    # Someone the bot has never seen in any branch group names the branch (or leaves it to the committee).
    await say(app, v11_private("/诉求", STRANGER))
    for answer in ("6", "想了解入党", "贵阳"):
        await say(app, v11_private(answer, STRANGER))
    assert appeal_texts.ASK_BRANCH_NAME in await say(app, v11_private("跳过", STRANGER))
    assert "交由：第二周支部" in await say(app, v11_private("第二周", STRANGER))


# ---- 4 -----------------------------------------------------------------------------------------------------
async def test_4_members_rates_never_pass_100_percent(app: App, branch, own_services):
    from bot.web.queries import branch_figures, month_bounds

    question = Question("连续驾驶最多几小时？", {"A": "2小时", "B": "4小时"}, "B", "不超过4小时")
    await own_services.study.add_material("qq:10000", Material("", "疲劳驾驶", "测试主题", (), "正文", False, question))
    await own_services.study.set_theme(branch.id, "测试主题", "qq:10000")
    clock.set_now(datetime(2027, 1, 1, 8, 0, tzinfo=clock.tz()))
    await say(app, v11_group("打卡", user_id=MEMBER, group_id=GROUP))
    await say(app, v11_group("/答题 B", user_id=MEMBER, group_id=GROUP))
    for day in (1, 2):  # a driver who is no member checks in on both days, and answers the question
        clock.set_now(datetime(2027, 1, day, 9, 0, tzinfo=clock.tz()))
        await say(app, v11_group("打卡", user_id=DRIVER, group_id=GROUP))
        await say(app, v11_group("/答题 A", user_id=DRIVER, group_id=GROUP))
    clock.set_now(datetime(2027, 1, 2, 20, 0, tzinfo=clock.tz()))
    report = await say(app, v11_group("/月报", user_id=SECRETARY, group_id=GROUP))
    assert "成员学习打卡 1 人次，成员日均打卡率 50%（成员在册 2 人天）；另有未登记的群成员 2 人次" in report
    assert "成员答题 1 人次，成员日均答题率 50%" in report
    stats = await say(app, v11_group("/学习 统计", user_id=SECRETARY, group_id=GROUP))
    assert "成员打卡率 0%" in stats and "另有未登记的群成员 1 人打卡" in stats
    [row] = await branch_figures(own_services, None, *month_bounds(date(2027, 1, 1)))  # the web overview's line
    assert (row.study.done, row.study.possible, row.study.others) == (1, 2, 2) and row.study_rate == 0.5
    assert (row.quiz.done, row.quiz.possible, row.quiz.others) == (1, 2, 2) and row.quiz_rate == 0.5  # was 150 %
    assert row.today_rate == 0.0 and row.today.others == 1


# ---- 5 -----------------------------------------------------------------------------------------------------
async def test_5_appeal_figures_agree_everywhere(app: App, branch, own_services):
    start = datetime(2027, 3, 2, 9, 0, tzinfo=clock.tz())  # a Tuesday
    clock.set_now(start)
    late = await _file(app, DRIVER, GROUP)
    await say(app, v11_group(f"/受理 {late}", user_id=SECRETARY, group_id=GROUP))
    withdrawn = await _file(app, MEMBER, GROUP)
    await say(app, v11_group(f"/诉求 撤回 {withdrawn}", user_id=MEMBER, group_id=GROUP))
    # No 新诉求 for an appeal withdrawn before the notice went out: it is taken back, not sent.
    notices = [
        i for i in await _outbox(own_services, "appeal") if (i.dedupe_key or "").startswith(f"appeal:new:{withdrawn}")
    ]
    assert [(i.target_id, i.status, i.parts) for i in notices] == [(SECRETARY, CANCELLED, [])]
    clock.set_now(start + timedelta(hours=3))  # past the 2-hour 转办 limit, nothing else due yet
    listed = await say(app, v11_group("/诉求 超期", user_id=SECRETARY, group_id=GROUP))
    assert listed.startswith(appeal_texts.OVERDUE_HEAD.format(count=1)) and late in listed and "转办时限" in listed
    stats = await say(app, v11_group("/诉求 统计", user_id=SECRETARY, group_id=GROUP))
    assert "收集 1　办结 0　办结率 0.00%" in stats and "超期 1" in stats  # withdrawn: not collected
    detail = await say(app, v11_group(f"/诉求 查询 {late}", user_id=SECRETARY, group_id=GROUP))
    assert "转办 03月02日 11:00（已超期）" in detail
    # 督办 names the holder at the appeal's current level: the top (the root committee, without a tree) after 上报,
    # which then holds it: the branch's secretary no longer acts on it.
    top = await _file(app, MEMBER, GROUP, "停车场乱收费")
    await say(app, v11_group(f"/受理 {top}", user_id=SECRETARY, group_id=GROUP))
    raised = await say(app, v11_group(f"/上报 {top}", user_id=SECRETARY, group_id=GROUP))
    assert raised.startswith(f"已将 {top} 上报至「行业党委」")
    assert (await own_services.appeals.find(top)).tier == "省"
    again = await say(app, v11_group(f"/上报 {top}", user_id=SECRETARY, group_id=GROUP))
    assert again == appeal_texts.HELD_ABOVE.format(holder="行业党委")
    clock.set_now(start + timedelta(days=14))
    await own_services.appeals.scan_deadlines()
    supervised = [_text(i) for i in await _outbox(own_services, "appeal") if "【督办】" in _text(i) and top in _text(i)]
    assert supervised and all("（行业党委）" in text and "（支部书记）" not in text for text in supervised)
    # The appellant's own appeal, filed privately, asked in lower case in the branch's own group: its status.
    private = await _file(app, MEMBER, None, "想私下反映")
    shown = await say(app, v11_group(f"/诉求 查询 {private.lower()}", user_id=MEMBER, group_id=GROUP))
    assert shown.startswith(f"【诉求 {private}】待受理") and appeal_texts.STATUS_ONLY.format(number=private) in shown
    assert "想私下反映" not in shown


# ---- 6 -----------------------------------------------------------------------------------------------------
async def test_6_plain_answers_are_understood(app: App, branch, own_services):
    async def closed(user: str) -> str:
        number = await _file(app, user, GROUP)
        await say(app, v11_group(f"/受理 {number}", user_id=SECRETARY, group_id=GROUP))
        await say(app, v11_group(f"/办结 {number} 已追回", user_id=SECRETARY, group_id=GROUP))
        return number

    pleased = await closed(DRIVER)
    thanks = await say(app, v11_group("挺满意的", user_id=DRIVER, group_id=GROUP))
    assert thanks == f"@{DRIVER} " + appeal_texts.THANKS.format(answer="满意", number=pleased)
    unhappy = await closed(MEMBER)
    reply = await say(app, v11_group("不满意，只退了60，还差20没退", user_id=MEMBER, group_id=GROUP))
    assert reply == f"@{MEMBER} " + appeal_texts.SORRY_REOPENED_WITH_REASON.format(number=unhappy)
    reasons = [_text(i) for i in await _outbox(own_services, "appeal") if "不满意的原因" in _text(i)]
    assert reasons == [appeal_texts.TELL_REASON.format(number=unhappy, reason="只退了60，还差20没退")]
    assert await say(app, v11_group("不满意", user_id=MEMBER, group_id=GROUP), expect_reply=False) is None
    assert "打卡成功" in await say(app, v11_group("打卡了", user_id=STRANGER, group_id=GROUP))
    assert "今天已经打过卡了" in await say(app, v11_group("打 卡", user_id=STRANGER, group_id=GROUP))
    addressed_to_bot = {
        "你好": addressed.HELP_POINTER,
        "": addressed.HELP_POINTER,
        "怎么登记": addressed.COMMAND_POINTER.format(what="登记", command=addressed.FEATURE_WORDS[0][2]),
        "今天学什么": addressed.COMMAND_POINTER.format(what="今天的学习内容", command="/学习"),
        "运费被拖欠了怎么办": addressed.APPEAL_POINTER,
    }
    for text, expected in addressed_to_bot.items():
        assert await say(app, v11_group(text, user_id="36301", group_id=GROUP, to_me=True)) == f"@36301 {expected}"
    found = await say(app, v11_group("乌当哪里能停车", user_id="36301", group_id=GROUP, to_me=True))
    assert found.startswith("@36301 找到 ")
    own_services.user_limits = RateLimiter(0.001, 1)  # rate-limited like any reply: told once, then quiet
    assert await say(app, v11_group("你好", user_id="36302", group_id=GROUP, to_me=True)) == (
        f"@36302 {addressed.HELP_POINTER}"
    )
    assert await say(app, v11_group("你好", user_id="36302", group_id=GROUP, to_me=True)) == (
        f"@36302 {station_texts.TOO_FAST}"
    )
    assert await say(app, v11_group("你好", user_id="36302", group_id=GROUP, to_me=True), expect_reply=False) is None


# ---- 7 -----------------------------------------------------------------------------------------------------
async def test_7_handling_appeals_is_kept_apart_from_the_points_board(app: App, branch, own_services):
    number = await _file(app, DRIVER, GROUP)
    await say(app, v11_group(f"/受理 {number}", user_id=SECRETARY, group_id=GROUP))
    await say(app, v11_group(f"/办结 {number} 已解决", user_id=SECRETARY, group_id=GROUP))
    await say(app, v11_group("打卡", user_id=MEMBER, group_id=GROUP))
    board = await say(app, v11_group("/积分榜", user_id=MEMBER, group_id=GROUP))
    lines = board.splitlines()
    assert lines[0] == record_texts.RANKING_HEAD.format(branch="第一周支部") and lines[1] == "🥇 刘强 1 分"
    assert lines[-1] == record_texts.RANKING_WORK.format(people=f"用户{SECRETARY} 2 次")
    assert f"用户{SECRETARY}" not in "\n".join(lines[:-1])
    mine = await say(app, v11_group("/积分", user_id=SECRETARY, group_id=GROUP))
    assert "累计 0" in mine and record_texts.MY_WORK.format(work="协助诉求 2 次") in mine
    chart = await say(app, v11_group("/月报", user_id=SECRETARY, group_id=GROUP))
    assert chart.endswith("[image]")  # the picture itself is read back in tests/records/test_records_chart.py


# ---- 8 -----------------------------------------------------------------------------------------------------
async def test_8_station_search_understands_near_misses_services_and_regions(app: App, branch, own_services):
    typo = await say(app, v11_group("/驿站 乌挡 停车", user_id=DRIVER, group_id=GROUP))
    assert "找到" in typo and "乌当区" in typo  # the stations of 乌当, not only a complaint about 乌挡
    assert (
        typo.startswith(f"@{DRIVER} " + station_texts.NEAR_MISS.format(typed="乌挡", meant="乌当")) and "找到" in typo
    )
    fuel = await say(app, v11_group("/驿站 加油", user_id=DRIVER, group_id=GROUP))
    assert fuel == f"@{DRIVER} " + station_texts.NO_SERVICE_KNOWN.format(service="加油", where="")
    street = await say(app, v11_group("/驿站 新添大道", user_id=DRIVER, group_id=GROUP))
    assert "新添寨" in street and "新都" not in street and "渝北" not in street and "找到 1 个" in street
    await say(app, v11_group("/驿站 添加", user_id=SECRETARY, group_id=GROUP))
    for answer in ("洛湾停车场", "停车区", "贵阳市乌当区洛湾路1号", "跳过", "1 10", "跳过", "跳过", "跳过"):
        last = await say(app, v11_group(answer, user_id=SECRETARY, group_id=GROUP))
    added = await say(app, v11_group("确认", user_id=SECRETARY, group_id=GROUP))
    assert "服务：停车、洗车" in added and "免费" not in last + added  # nobody said the parking was free


# ---- 9 -----------------------------------------------------------------------------------------------------
async def test_9_registration_is_confirmed_with_a_plain_yes(app: App, branch):
    await say(app, v11_private("/登记", MEMBER))
    for answer in ("跳过",) * 6:
        await say(app, v11_private(answer, MEMBER))
    assert "登记信息已更新" in await say(app, v11_private("对的", MEMBER))


async def test_9_a_category_typed_as_a_word_is_read_and_the_list_shows_once(app: App, branch):
    await say(app, v11_group("/诉求", user_id=DRIVER, group_id=GROUP))
    wrong = await say(app, v11_group("不知道", user_id=DRIVER, group_id=GROUP))
    assert wrong.count("1 运费拖欠") == 1 and appeal_texts.BAD_CATEGORY in wrong
    assert "2/4" in await say(app, v11_group("运费", user_id=DRIVER, group_id=GROUP))


async def test_9_the_rate_limit_notice_is_sent_once(app: App, branch, own_services):
    now = [0.0]
    own_services.user_limits = RateLimiter(1.0, 2, clock=lambda: now[0])
    replies = []
    for _ in range(8):  # a token trickles back now and then: it answers, but earns no second notice
        replies.append(await say(app, v11_group("/支部", user_id=DRIVER, group_id=GROUP), expect_reply=False))
        now[0] += 0.6
    told = [r for r in replies if r and "太快" in r]
    assert len(told) == 1 and sum(1 for r in replies if r and "第一周支部" in r) >= 3


async def test_9_a_closed_branch_takes_no_check_in_and_says_it_pushes_nothing(app: App, branch):
    await say(app, v11_group("/支部 关闭", user_id=SUPERUSER, group_id=GROUP))
    refused = await say(app, v11_group("打卡", user_id=MEMBER, group_id=GROUP))
    assert "打卡成功" not in refused
    assert refused == f"@{MEMBER} " + study_texts.BRANCH_CLOSED.format(name="第一周支部")
    card = await say(app, v11_group("/支部", user_id=MEMBER, group_id=GROUP))
    assert "每日推送：已停止（支部已停用）" in card and "（开启）" not in card


async def test_9_wechat_does_not_send_a_group_owner_to_a_role_it_cannot_prove(app: App, own_services):
    from nonebot.adapters.onebot import v12
    from nonebot.message import handle_event

    from tests.support.events import v12_group

    replies: list[str] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v12.Bot, self_id=SELF_ID, platform="wechat", impl="test")

        async def capture(event, message, **kwargs):
            replies.append(text_of(message))

        bot.send = capture  # type: ignore[method-assign]
        await handle_event(bot, v12_group("/支部 开通 微信支部", user_id="wx_owner", group_id="wxg_7690"))
    assert replies == [
        "这条命令只有行业党委可以使用。（这个平台不告诉机器人谁是群主，群主无法在这里证明身份：请联系行业党委办理。）"
    ]


async def test_9_the_add_material_prompt_says_how_to_skip_the_question(app: App, branch):
    await say(app, v11_group("/学习 添加", user_id=SECRETARY, group_id=GROUP))
    for answer in ("行车安全", "安全驾驶"):
        await say(app, v11_group(answer, user_id=SECRETARY, group_id=GROUP))
    asked = await say(app, v11_group("疲劳驾驶危害大，每开4小时休息20分钟。", user_id=SECRETARY, group_id=GROUP))
    assert asked.endswith("4/7 题目（100 字以内；没有题目时回复“跳过”）：")


async def test_9_points_board_answers_to_its_spaced_name(app: App, branch):
    await say(app, v11_group("打卡", user_id=MEMBER, group_id=GROUP))
    assert (await say(app, v11_group("/积分 榜", user_id=MEMBER, group_id=GROUP))).startswith(
        "【第一周支部 · 本月积分榜】"
    )

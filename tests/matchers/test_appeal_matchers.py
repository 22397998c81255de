"""Appeal commands through NoneBot: intake, roles before lookups, scope of answers, 回访 by plain reply, limits."""

from __future__ import annotations

import re

import pytest
from nonebug import App

from bot.core import clock
from bot.core.actor import Actor
from bot.core.models import AccessLog, OutboxItem
from bot.features.appeals import texts
from bot.features.appeals.flows import ask_description
from bot.services import Services
from tests.support.events import say, v11_group, v11_private
from tests.support.media import JPEG, PNG, MediaServer, silk

GROUP, OTHER_GROUP = "7401", "7402"
SUPER = Actor("qq", "10000", None, "10001")


@pytest.fixture
async def world(own_services: Services) -> Services:
    """Two branches with a secretary each, a 交通运输 handler; 市场监管 has nobody."""
    for group, name, secretary in ((GROUP, "诉求测试支部", "31009"), (OTHER_GROUP, "另一支部", "31019")):
        branch = await own_services.branches.open(Actor("qq", "10000", group, "10001"), name)
        await own_services.roles.set_secretary(SUPER, branch, f"qq:{secretary}", "书记")
    await own_services.roles.bind_department(SUPER, "qq:31050", "交通运输", "王科长")
    return own_services


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


async def _file(app: App, user: str = "32001", group: str = GROUP) -> str:
    await say(app, v11_group("/诉求", user_id=user, group_id=group))
    await say(app, v11_group("1", user_id=user, group_id=group))
    await say(app, v11_group("货主拖欠运费", user_id=user, group_id=group))
    await say(app, v11_group("贵阳东收费站", user_id=user, group_id=group))
    return _number(await say(app, v11_group("确认", user_id=user, group_id=group)))


async def _outbox(services: Services) -> list[str]:
    from sqlalchemy import select

    async with services.database.reading() as session:
        items = (await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
    return [f"{i.target_kind}:{i.target_id}:" + "".join(p.get("text", "") for p in i.parts) for i in items]


async def test_intake_in_a_group_skips_the_phone_and_returns_a_number(app: App, world):
    first = await say(app, v11_group("/诉求", user_id="32001", group_id=GROUP))
    assert "1 运费拖欠" in first and texts.GROUP_NO_PHONE.strip() in first
    assert texts.BAD_CATEGORY in await say(app, v11_group("9", user_id="32001", group_id=GROUP))
    assert "描述" in await say(app, v11_group("1", user_id="32001", group_id=GROUP))
    assert "描述最多 500 字" in await say(app, v11_group("长" * 501, user_id="32001", group_id=GROUP))
    assert "地点" in await say(app, v11_group("货主拖欠运费", user_id="32001", group_id=GROUP))
    summary = await say(app, v11_group("贵阳东收费站", user_id="32001", group_id=GROUP))
    assert "请核对诉求" in summary and "联系电话：未留" in summary
    done = await say(app, v11_group("确认", user_id="32001", group_id=GROUP))
    number = _number(done)
    assert done == "@32001 " + texts.SUBMITTED.format(number=number)
    mine = await say(app, v11_group("/我的诉求", user_id="32001", group_id=GROUP))
    assert "运费拖欠 待受理" in mine


async def test_intake_in_private_chat_takes_a_phone(app: App, world):
    assert "类别" in await say(app, v11_private("/诉求", user_id="32002"))
    await say(app, v11_private("2", user_id="32002"))
    await say(app, v11_private("服务区车位不足", user_id="32002"))
    assert "联系电话" in await say(app, v11_private("G60 某服务区", user_id="32002"))
    assert "不想留电话" in await say(app, v11_private("12345", user_id="32002"))
    # Nobody knows which branch group 32002 is in: the last step asks (不知道: the committee assigns it).
    assert texts.ASK_BRANCH_NAME in await say(app, v11_private("13812345678", user_id="32002"))
    summary = await say(app, v11_private("不知道", user_id="32002"))
    assert "138****5678" in summary and texts.SUMMARY_BRANCH.format(branch=texts.TO_COMMITTEE) in summary
    assert "已取消" in await say(app, v11_private("取消", user_id="32002"))
    assert await say(app, v11_private("/我的诉求", user_id="32002")) == texts.NO_APPEALS_YET


async def test_roles_are_checked_before_any_lookup(app: App, world):
    number = await _file(app)
    # A driver learns nothing about an existing number, a missing one, or a malformed one: the same refusal.
    refusals = {
        await say(app, v11_group(f"/受理 {n}", user_id="32003", group_id=GROUP))
        for n in (number, "SQ20990101-0001", "12345")
    }
    assert refusals == {"这条命令只有书记、行业党委可以使用。"}
    assert await say(app, v11_group("/受理", user_id="31009", group_id=GROUP)) == "用法：/受理 <编号> [紧急|一般]"
    # /诉求 查询 is for everyone, so "not yours" and "no such number" read alike.
    other = await say(app, v11_group(f"/诉求 查询 {number}", user_id="32003", group_id=GROUP))
    assert other == texts.NO_SUCH_APPEAL.format(number=number)
    assert await say(app, v11_group("/诉求 统计 明年", user_id="31009", group_id=GROUP)) == texts.STATS_USAGE
    assert await say(app, v11_group("/诉求 列表", user_id="32003", group_id=GROUP)) == (
        "这条命令只有书记、承办部门、行业党委可以使用。"
    )


async def test_appeal_details_answer_only_in_their_own_group_or_privately(app: App, world):
    number = await _file(app)
    # The other branch's secretary, in the other group: neither the list nor the details of this appeal.
    listing = await say(app, v11_group("/诉求 列表", user_id="31019", group_id=OTHER_GROUP))
    assert number not in listing
    assert await say(app, v11_group(f"/诉求 查询 {number}", user_id="31009", group_id=OTHER_GROUP)) == (
        texts.NOT_HERE.format(number=number)
    )
    # This branch's secretary typing in the other branch's group holds no role there.
    assert "只有" in await say(app, v11_group("/诉求 列表", user_id="31009", group_id=OTHER_GROUP))
    assert number in await say(app, v11_group("/诉求 列表", user_id="31009", group_id=GROUP))
    assert number in await say(app, v11_private("/诉求 列表", user_id="31009"))


async def test_a_privately_filed_phone_is_shown_only_privately_and_logged(app: App, world):
    from sqlalchemy import select

    await say(app, v11_private("/诉求", user_id="32005"))
    for answer in ("1", "运费被扣", "六盘水", "13812345678", "不知道"):
        await say(app, v11_private(answer, user_id="32005"))
    number = _number(await say(app, v11_private("确认", user_id="32005")))
    detail = await say(app, v11_private(f"/诉求 查询 {number}", user_id="32005"))
    assert "电话：13812345678" in detail
    # The secretary of the branch it belongs to? It has none (no registration) — the superuser sees it.
    assert "电话：13812345678" in await say(app, v11_private(f"/诉求 查询 {number}", user_id="10000"))
    async with world.database.reading() as session:
        logged = (await session.scalars(select(AccessLog).where(AccessLog.subject == number))).all()
    assert {a.actor_key for a in logged} == {"qq:32005", "qq:10000"}
    # A privately filed appeal is never shown in a group, not even to the appellant.
    assert await say(app, v11_group(f"/诉求 查询 {number}", user_id="32005", group_id=GROUP)) == (
        texts.NOT_HERE.format(number=number)
    )


async def test_a_plain_answer_after_closing_is_the_follow_up(app: App, world):
    number = await _file(app)
    await say(app, v11_group(f"/受理 {number}", user_id="31009", group_id=GROUP))
    assert await say(app, v11_group(f"/办结 {number} 已结清", user_id="31009", group_id=GROUP)) == (
        "@31009 " + texts.CLOSED.format(number=number)
    ) or texts.CLOSED.format(number=number)
    reply = await say(app, v11_group("很满意！", user_id="32001", group_id=GROUP))
    assert reply == "@32001 " + texts.THANKS.format(answer="满意", number=number)
    assert "回访：满意" in await say(app, v11_group(f"/诉求 查询 {number}", user_id="32001", group_id=GROUP))
    # The next 满意 is ordinary chatter again.
    assert await say(app, v11_group("满意", user_id="32001", group_id=GROUP), expect_reply=False) is None


async def test_unsatisfied_reopens_and_asks_for_the_reason(app: App, world):
    number = await _file(app)
    await say(app, v11_group(f"/受理 {number}", user_id="31009", group_id=GROUP))
    await say(app, v11_group(f"/办结 {number} 已结清", user_id="31009", group_id=GROUP))
    reply = await say(app, v11_private("3", user_id="32001"))  # also in private chat
    assert reply == texts.SORRY_REOPENED.format(number=number)
    assert await say(app, v11_private("钱只给了一半", user_id="32001")) == texts.REASON_NOTED.format(number=number)
    detail = await say(app, v11_private(f"/诉求 查询 {number}", user_id="31009"))
    assert "重办" in detail and "不满意原因（钱只给了一半）" in detail
    assert any("钱只给了一半" in t and t.startswith("private:31009") for t in await _outbox(world))


async def test_follow_ups_are_awaited_again_after_a_restart(app: App, world):
    from bot import runtime
    from bot.services import build_services

    number = await _file(app)
    await say(app, v11_group(f"/受理 {number}", user_id="31009", group_id=GROUP))
    await say(app, v11_group(f"/办结 {number} 已结清", user_id="31009", group_id=GROUP))
    restarted = build_services(world.settings, database=world.database)
    for work in restarted.startup:
        await work()
    runtime.use(restarted)
    try:
        reply = await say(app, v11_group("基本满意", user_id="32001", group_id=GROUP))
        assert reply == "@32001 " + texts.THANKS.format(answer="基本满意", number=number)
    finally:
        runtime.use(world)


async def test_a_transfer_to_a_department_without_handler_says_so(app: App, world):
    number = await _file(app)
    await say(app, v11_group(f"/受理 {number}", user_id="31009", group_id=GROUP))
    reply = await say(app, v11_group(f"/转办 {number} 市场监管", user_id="31009", group_id=GROUP))
    assert reply == texts.NO_HANDLER.format(department="市场监管", number=number)
    assert f"{number} 运费拖欠 已受理·待分派" in await say(
        app, v11_group("/诉求 列表", user_id="31009", group_id=GROUP)
    )
    assert any(t.startswith("private:10000:") and "市场监管" in t for t in await _outbox(world))
    assert await say(app, v11_group(f"/转办 {number} 交通运输", user_id="31009", group_id=GROUP)) == (
        texts.TRANSFERRED.format(number=number, department="交通运输", count=1)
    )


async def test_a_department_that_handed_back_cannot_close(app: App, world):
    number = await _file(app)
    await say(app, v11_group(f"/受理 {number}", user_id="31009", group_id=GROUP))
    await say(app, v11_group(f"/转办 {number} 交通运输", user_id="31009", group_id=GROUP))
    assert await say(app, v11_private(f"/退回 {number} 不属于本部门", user_id="31050")) == (
        texts.SENT_BACK.format(number=number)
    )
    assert await say(app, v11_private(f"/办结 {number} 其实办了", user_id="31050")) == (
        texts.NO_SUCH_APPEAL.format(number=number)
    )


async def test_the_daily_filing_limit_is_one_short_message(app: App, world):
    world.appeals.per_user_per_day = 2
    await _file(app, "32009")
    await _file(app, "32009")
    assert await say(app, v11_group("/诉求", user_id="32009", group_id=GROUP)) == (
        "@32009 " + texts.DAILY_LIMIT.format(limit=2)
    )


async def test_rates_with_nothing_behind_them_show_a_dash_not_zero(app: App, world):
    """A new branch's /诉求 统计: every rate whose denominator is 0 reads 「—」 (0.00% made it look failing), and a
    comparison with an empty period gives no +100.00%."""
    stats = (await say(app, v11_group("/诉求 统计", user_id="31009", group_id=GROUP))).splitlines()
    assert stats[1:6] == [
        "收集 0　办结 0　办结率 —",
        "按期办结率 —　平均办理时长 —　超期 0",
        "回访率 —　满意率 —（满意+基本满意 ÷ 作答 0，未回复不计入）",
        "退单率 —　重办率 —",
        "小事不出县率 —（县级及以下办结 0 ÷ 办结 0）",
    ]
    await _file(app)
    compared = (await say(app, v11_group("/诉求 统计 本年 对比", user_id="31009", group_id=GROUP))).splitlines()
    assert compared[1] == "收集 1　办结 0　办结率 0.00%"
    assert compared[-1].startswith("对比上年（") and compared[-1].endswith("：收集 0（+1）　办结率 —　满意率 —")
    head = (await say(app, v11_group("/诉求 统计 全部", user_id="31009", group_id=GROUP))).splitlines()[0]
    assert head.endswith(" · 全部") and "（全部）" not in head  # no dates to show, and no 「全部（全部）」
    year = clock.today().year  # a period reads with its own last day, not the first day after it
    assert f"（{year}-01-01–{year}-12-31）" in compared[0]
    assert compared[-1].startswith(f"对比上年（{year - 1}-01-01–{year - 1}-12-31）")


async def test_statistics_and_overdue_for_managers(app: App, world):
    number = await _file(app)
    stats = await say(app, v11_group("/诉求 统计 本月 对比", user_id="31009", group_id=GROUP))
    assert "收集 1　办结 0　办结率 0.00%" in stats and "对比上月" in stats and "按类别：运费拖欠 1/0" in stats
    assert await say(app, v11_group("/诉求 超期", user_id="31009", group_id=GROUP)) == texts.NOTHING_OVERDUE
    assert number


@pytest.fixture
def media():
    with MediaServer() as server:
        yield server


async def test_pictures_come_with_a_note_and_show_only_privately(app: App, world, media):
    from nonebot.adapters.onebot import v11

    number = await _file(app)
    message = v11.Message(v11.MessageSegment.text(f"/诉求 补充 {number} 欠条照片")) + v11.MessageSegment(
        "image", {"file": "abc.image", "url": media.put("x1.jpg", JPEG)}
    )
    reply = await say(app, v11_group(message, user_id="32001", group_id=GROUP))
    assert reply == texts.EVIDENCE_ADDED.format(number=number, action="补充", kept="图片 1 张")
    in_group = await say(app, v11_group(f"/诉求 查询 {number}", user_id="32001", group_id=GROUP))
    assert texts.DETAIL_EVIDENCE.format(kept="图片 1 张") in in_group and "[image]" not in in_group
    private = await say(app, v11_private(f"/诉求 查询 {number}", user_id="31009"))
    assert private.endswith("[image]")  # the picture itself, after the details
    # Only a picture, no words: still a note. Without pictures and words: the usage line.
    only = v11.Message(v11.MessageSegment.text(f"/诉求 补充 {number}")) + v11.MessageSegment(
        "image", {"file": "f2", "url": media.put("f2.png", PNG)}
    )
    assert "图片 1 张" in await say(app, v11_group(only, user_id="32001", group_id=GROUP))
    assert await say(app, v11_group(f"/诉求 补充 {number}", user_id="32001", group_id=GROUP)) == (
        "用法：/诉求 补充 <编号> <说明>（可附图片或语音）"
    )
    assert await world.appeals.forget_person("qq:32001") == 1
    assert "[image]" not in await say(app, v11_private(f"/诉求 查询 {number}", user_id="31009"))


async def test_a_voice_message_answers_the_description_and_pictures_are_kept(app: App, world, media):
    from nonebot.adapters.onebot import v11

    await say(app, v11_private("/诉求", user_id="32006"))
    photo = v11.MessageSegment("image", {"file": "p.image", "url": media.put("p.jpg", JPEG)})
    # A picture alone answers no question: it is kept, and the question asked again.
    assert await say(app, v11_private(v11.Message(photo), user_id="32006")) == (
        texts.MEDIA_NOTED.format(kept="图片 1 张") + "\n" + texts.ASK_CATEGORY
    )
    await say(app, v11_private("3", user_id="32006"))
    again = v11.MessageSegment("image", {"file": "q.image", "url": media.put("q.jpg", JPEG)})
    assert await say(app, v11_private(v11.Message(again), user_id="32006")) == (
        texts.PHOTO_NEEDS_WORDS.format(kept="图片 2 张") + "\n" + ask_description(world.appeals.evidence.limits)
    )
    voice = v11.MessageSegment("record", {"file": "v.amr", "url": media.put("v.silk", silk(1.0))})
    assert await say(app, v11_private(v11.Message(voice), user_id="32006")) == texts.ASK_PLACE
    await say(app, v11_private("G75 贵阳东", user_id="32006"))
    await say(app, v11_private("跳过", user_id="32006"))
    summary = await say(app, v11_private("不知道", user_id="32006"))
    assert "描述：（语音 1 条）" in summary and texts.SUMMARY_EVIDENCE.format(kept="图片 2 张、语音 1 条") in summary
    done = await say(app, v11_private("确认", user_id="32006"))
    number = _number(done)
    assert done == texts.SUBMITTED.format(number=number) + texts.SUBMITTED_EVIDENCE.format(kept="图片 2 张、语音 1 条")
    shown = await say(app, v11_private(f"/诉求 查询 {number}", user_id="32006"))
    assert "附件：图片 2 张、语音 1 条" in shown and shown.endswith("[image][image]\n[record]")


async def test_a_picture_sent_while_entering_an_appeal_for_a_driver_is_kept_with_it(app: App, world, media):
    from nonebot.adapters.onebot import v11

    await say(app, v11_private("/诉求 代录", user_id="31009"))
    for answer in ("1", "王师傅", "13900001111", "1"):  # 12328, the driver's name and phone, 运费拖欠
        await say(app, v11_private(answer, user_id="31009"))
    photo = v11.MessageSegment("image", {"file": "r.image", "url": media.put("r.jpg", JPEG)})
    noted = await say(app, v11_private(v11.Message(photo), user_id="31009"))  # the receipt the driver sent
    assert "发来的图片会随诉求一起提交" in noted  # the promise the step makes: now kept
    await say(app, v11_private("货主拖欠运费八千元", user_id="31009"))
    await say(app, v11_private("贵阳东", user_id="31009"))
    done = await say(app, v11_private("确认", user_id="31009"))
    assert done.endswith(texts.SUBMITTED_EVIDENCE.format(kept="图片 1 张")), done
    number = _number(done)
    assert "附件：图片 1 张" in await say(app, v11_private(f"/诉求 查询 {number}", user_id="31009"))


async def test_a_file_that_is_no_picture_is_refused_at_once(app: App, world, media):
    from nonebot.adapters.onebot import v11

    number = await _file(app)
    fake = v11.MessageSegment(
        "image", {"file": "receipt.jpg", "url": media.put("receipt.jpg", b"%PDF-1.4 not a photo")}
    )
    message = v11.Message(v11.MessageSegment.text(f"/诉求 补充 {number} 收据")) + fake
    reply = await say(app, v11_group(message, user_id="32001", group_id=GROUP))
    assert reply == (
        texts.EVIDENCE_REFUSED.format(what="图片", reason=texts.EVIDENCE_NOT_A["image"])
        + "\n"
        + texts.NOTE_SAVED.format(number=number, action="补充")
    )


async def _wechat(app: App, event, file: bytes | None = None) -> str:
    """A WeChat (OneBot v12) event through every matcher; `file`: what get_file answers for the voice's id."""
    import base64

    from nonebot.adapters.onebot import v12
    from nonebot.message import handle_event

    from tests.support.events import SELF_ID, text_of

    replies: list[str] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v12.Bot, self_id=SELF_ID, impl="test", platform="wechat")
        if file is not None:
            ctx.should_call_api(
                "get_file", {"type": "data", "file_id": "F27"}, {"data": base64.b64encode(file).decode()}
            )

        async def capture(event, message, **kwargs):
            replies.append(text_of(message))

        bot.send = capture
        await handle_event(bot, event)
    return "\n".join(replies)


async def test_a_wechat_voice_given_by_file_id_is_fetched_with_get_file(app: App, world):
    from nonebot.adapters.onebot import v12

    from tests.support.events import SELF_ID, v12_group

    def said(content: str | v12.Message) -> v12.GroupMessageEvent:
        return v12_group(content, user_id="wx_27", group_id="wxg_27")

    await world.branches.open(Actor("wechat", "10000", "wxg_27", SELF_ID), "微信证据支部")
    await _wechat(app, said("/诉求"))
    await _wechat(app, said("1"))
    voice = said(v12.Message(v12.MessageSegment.voice("F27")))
    # Fetched by its id through the platform's get_file, and it answered the description.
    assert await _wechat(app, voice, silk(1.0)) == "@wx_27 " + texts.ASK_PLACE
    await _wechat(app, said("贵阳东"))
    done = await _wechat(app, said("确认"))
    assert texts.SUBMITTED_EVIDENCE.format(kept="语音 1 条") in done


async def test_with_an_operators_speech_model_the_voice_is_written_into_the_description(app: App, world, media):
    from nonebot.adapters.onebot import v11

    world.appeals.evidence.transcriber = lambda wav: "轮胎在收费站爆了"
    await say(app, v11_private("/诉求", user_id="32007"))
    await say(app, v11_private("4", user_id="32007"))
    voice = v11.MessageSegment("record", {"file": "v.amr", "url": media.put("v.silk", silk(1.0))})
    await say(app, v11_private(v11.Message(voice), user_id="32007"))
    await say(app, v11_private("G75 贵阳东", user_id="32007"))
    await say(app, v11_private("跳过", user_id="32007"))
    summary = await say(app, v11_private("不知道", user_id="32007"))
    assert "描述：（语音 1 条，机器转写）轮胎在收费站爆了" in summary

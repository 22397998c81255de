"""Branch and member commands through NoneBot (nonebug): exact replies where the wording is the contract."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from nonebot.adapters.onebot import v11
from nonebug import App
from sqlalchemy import select

from bot.core.models import Member, OutboxItem
from bot.features.branch import texts
from tests.support.events import SELF_ID, say, v11_at, v11_group, v11_private

SUPERUSER = "10000"


def _at(user_id: str, text: str) -> str:
    """A group reply that @-mentions the asker first."""
    return f"@{user_id} {text}"


def joined(user_id: str, group_id: str) -> v11.GroupIncreaseNoticeEvent:
    """OneBot v11: someone joined a group."""
    return v11.GroupIncreaseNoticeEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="notice",
        notice_type="group_increase",
        sub_type="approve",
        group_id=int(group_id),
        operator_id=int(SUPERUSER),
        user_id=int(user_id),
    )


async def _outbox(services, purpose: str) -> list[OutboxItem]:
    async with services.database.reading() as session:
        return list((await session.scalars(select(OutboxItem).where(OutboxItem.purpose == purpose))).all())


def _text(item: OutboxItem) -> str:
    return "".join(p.get("text") or f"@{p.get('user_id')}" for p in item.parts)


async def _open(app: App, group_id: str, name: str) -> None:
    assert texts.OPENED.split("「")[0] in await say(app, v11_group(f"/支部 开通 {name}", SUPERUSER, group_id))


async def _register_in_group(app: App, user_id: str, group_id: str, name: str) -> None:
    await say(app, v11_group("/登记", user_id, group_id))
    assert await say(app, v11_group(name, user_id, group_id)) == _at(user_id, texts.MOVED_TO_PRIVATE.format(name=name))


async def test_an_owner_opens_a_branch_the_superuser_is_told_and_closes_it(app: App, own_services):
    refused = await say(app, v11_group("/支部 开通 测试一支部", user_id="30001", group_id="7001"))
    assert refused == "这条命令只有群主、行业党委可以使用。"
    opened = await say(app, v11_group("/支部 开通 测试一支部", user_id="30001", group_id="7001", role="owner"))
    assert opened == texts.OPENED.format(name="测试一支部", push_time="07:30")
    [notice] = await _outbox(own_services, "branch_opened")
    assert (notice.target_kind, notice.target_id) == ("private", SUPERUSER)
    assert _text(notice) == texts.OPENED_NOTICE.format(group="7001", name="测试一支部", opener="30***01")
    card = await say(app, v11_group("/支部", user_id="30002", group_id="7001"))
    assert card.startswith("【测试一支部】\n书记：未设置\n登记成员：0 人")
    assert await say(app, v11_group("/支部 关闭", user_id="30001", group_id="7001", role="owner")) == (
        "这条命令只有行业党委可以使用。"
    )
    closed = await say(app, v11_private("/支部 关闭 测试一支部", user_id=SUPERUSER))
    assert closed == texts.CLOSED.format(name="测试一支部")
    assert "（本支部已停用）" in await say(app, v11_group("/支部", user_id="30002", group_id="7001"))


async def test_registration_asks_the_name_in_the_group_and_the_rest_in_private(app: App, own_services):
    await _open(app, "7002", "测试二支部")
    first = await say(app, v11_group("/登记", user_id="30010", group_id="7002"))
    assert first == _at("30010", f"{texts.INTRO_GROUP}\n{texts.ASK_NAME}\n随时回复“取消”可退出。")
    # A phone typed in the group is not kept, and the person is told so (once, with the question again).
    leaked = await say(app, v11_group("13812345678", user_id="30010", group_id="7002"))
    assert leaked == _at("30010", f"{texts.NOT_STORED_IN_GROUP}\n{texts.ASK_NAME}")
    # Another command in the middle is answered, and the question is recalled once, in plain punctuation.
    aside = await say(app, v11_group("/支部", user_id="30010", group_id="7002"))
    assert aside.endswith("（「登记」还在等待您回答：请回复您的真实姓名；回复“取消”可退出。）"), aside
    assert "贵A12345" not in await say(app, v11_group("贵A12345", user_id="30010", group_id="7002"))
    moved = await say(app, v11_group("李四", user_id="30010", group_id="7002"))
    assert moved == _at("30010", texts.MOVED_TO_PRIVATE.format(name="李四"))
    [private] = await _outbox(own_services, "conversation")
    assert (private.target_kind, private.target_id) == ("private", "30010")
    assert _text(private).startswith(texts.PRIVATE_CONTINUE.format(branch="测试二支部", name="李四"))
    assert texts.ASK_PHONE in _text(private)
    # The private part: phone, plate, two skips, status, then the summary with full numbers, and 确认.
    assert await say(app, v11_private("13812345678", "30010")) == texts.ASK_PLATE + "（可回复“跳过”）"
    await say(app, v11_private("贵A12345", "30010"))
    await say(app, v11_private("跳过", "30010"))
    assert await say(app, v11_private("跳过", "30010")) == texts.ASK_STATUS
    summary = await say(app, v11_private("1", "30010"))
    assert "手机：13812345678" in summary and "车牌：贵A12345" in summary
    done = await say(app, v11_private("确认", "30010"))
    assert done == texts.REGISTERED.format(tail=texts.TAIL_PENDING)
    # In the group the record is short (no phone, plate, hometown or route); in private chat it is whole.
    group_view = await say(app, v11_group("/档案", user_id="30010", group_id="7002"))
    assert group_view.startswith("【档案】李四（测试二支部）\n政治面貌：") and "138" not in group_view
    own = await say(app, v11_private("/档案", "30010"))
    assert own.startswith("【档案】李四（测试二支部）\n手机：13812345678　车牌：贵A12345")


async def test_private_registration_needs_a_known_branch_and_asks_which_of_several(app: App):
    assert await say(app, v11_private("/登记", "30030")) == texts.NO_BRANCH_KNOWN
    await _open(app, "7003", "甲支部")
    await _open(app, "7004", "乙支部")
    await _register_in_group(app, "30030", "7003", "王五")
    await say(app, v11_private("取消", "30030"))
    await _register_in_group(app, "30030", "7004", "王五")
    await say(app, v11_private("取消", "30030"))
    # Nothing stored (cancelled), but 王五 wrote to the bot in both groups: private /登记 asks which.
    asked = await say(app, v11_private("/登记", "30030"))
    assert asked == texts.ASK_BRANCH.format(choices="1. 甲支部\n2. 乙支部")
    assert texts.INTRO_PRIVATE.format(branch="乙支部") in await say(app, v11_private("/登记 2", "30030"))
    assert await say(app, v11_private("取消", "30030")) == "已取消「登记」，没有保存任何内容。"


async def test_re_registering_and_editing_keep_the_confirmation_and_skipped_fields(app: App, own_services):
    await _open(app, "7005", "丙支部")
    await say(app, v11_group(v11_at("30041", "/书记 设置 "), SUPERUSER, "7005"))
    await _register_in_group(app, "30040", "7005", "赵六")
    for answer in ("13812345678", "跳过", "贵州省遵义市", "跳过", "1", "确认"):
        await say(app, v11_private(answer, "30040"))
    [new] = [i for i in await _outbox(own_services, "registration") if i.target_id == "30041"]
    assert _text(new).startswith("「丙支部」有新登记：赵六，自报政治面貌：党员。")
    confirmed = await say(app, v11_group(v11_at("30040", "/认定 ") + v11.MessageSegment.text(" 党员"), "30041", "7005"))
    assert confirmed == texts.CONFIRMED.format(name="赵六", status="党员")
    # Re-running /登记 with every answer skipped keeps everything, 认定 included.
    await say(app, v11_private("/登记", "30040"))
    for answer in ("跳过", "跳过", "跳过", "跳过", "跳过", "跳过"):
        await say(app, v11_private(answer, "30040"))
    assert await say(app, v11_private("确认", "30040")) == texts.UPDATED.format(tail=texts.TAIL_DONE)
    # One field changed: phone and plate only in private chat; the secretary hears 资料更新.
    refused = await say(app, v11_group("/登记 修改 手机 13900000000", "30040", "7005"))
    assert refused == texts.EDIT_PRIVATE_ONLY.format(field="手机")
    edited = await say(app, v11_private("/登记 修改 路线 贵阳—重庆", "30040"))
    assert edited == texts.EDITED.format(branches="「丙支部」", field="常跑路线", value="贵阳—重庆")
    async with own_services.database.reading() as session:
        member = await session.scalar(select(Member).where(Member.user_key == "qq:30040"))
    assert member is not None
    assert (member.status, member.hometown, member.phone, member.route) == (
        "党员",
        "贵州省遵义市",
        "13812345678",
        "贵阳—重庆",
    )
    updates = [_text(i) for i in await _outbox(own_services, "registration") if "资料更新" in _text(i)]
    assert updates == ["「丙支部」资料更新：赵六 更新了常跑路线。"]


async def test_the_card_shows_a_secretarys_registered_name_and_departments_their_handlers(app: App):
    await _open(app, "7006", "丁支部")
    assert (
        await say(app, v11_group(v11_at("30050", "/书记 设置 "), SUPERUSER, "7006"))
        == "已设置 用户30050 为「丁支部」书记。"
    )
    await _register_in_group(app, "30050", "7006", "王书记")
    for answer in ("13812345678", "跳过", "跳过", "跳过", "1", "确认"):
        await say(app, v11_private(answer, "30050"))
    assert "书记：王书记\n" in await say(app, v11_group("/支部", "30051", "7006"))
    bound = await say(
        app, v11_group(v11_at("30052", "/部门 绑定 ") + v11.MessageSegment.text(" 交通运输"), SUPERUSER, "7006")
    )
    assert bound == "已将 用户30052 绑定为「交通运输」承办人。"
    listed = await say(app, v11_private("/部门", SUPERUSER))
    assert "· 交通运输：用户30***52" in listed
    assert await say(app, v11_group("/部门", "30051", "7006")) == "这条命令只有书记、承办部门、行业党委可以使用。"


async def test_member_records_answer_only_in_their_own_group_or_privately_to_a_secretary(app: App):
    await _open(app, "7007", "戊支部")
    await _open(app, "7008", "己支部")
    await say(app, v11_group(v11_at("30061", "/书记 设置 "), SUPERUSER, "7008"))
    await _register_in_group(app, "30060", "7007", "孙七")
    for answer in ("13812345678", "跳过", "跳过", "跳过", "4", "确认"):
        await say(app, v11_private(answer, "30060"))
    # 己's secretary, in 戊's group, cannot read 戊's member; nor by name in private chat.
    refused = await say(app, v11_group(v11_at("30060", "/档案 "), "30061", "7007"))
    assert refused == texts.PROFILE_OTHERS_DENIED
    assert await say(app, v11_private("/档案 孙七", "30061")) == texts.PROFILE_NOT_FOUND.format(name="孙七")
    found = await say(app, v11_private("/档案 孙七", SUPERUSER))
    assert found.startswith("【档案】孙七（戊支部）\n手机：13812345678")


async def test_newcomers_are_welcomed_once_in_one_message_per_window(app: App, own_services):
    await _open(app, "7009", "庚支部")
    for user in ("30070", "30071", "30072"):
        await say(app, joined(user, "7009"), expect_reply=False)
    await say(app, joined("30070", "7009"), expect_reply=False)  # joined again: not welcomed twice
    [welcome] = await _outbox(own_services, "welcome")
    assert welcome.target_id == "7009" and welcome.next_attempt_at > welcome.created_at
    assert _text(welcome) == "欢迎 @30070 @30071 @30072" + texts.WELCOME_BODY.format(branch="庚支部")
    assert await say(app, v11_group("/欢迎 关闭", "30073", "7009")) == "这条命令只有书记、行业党委可以使用。"
    assert await say(app, v11_group("/欢迎 关闭", SUPERUSER, "7009")) == texts.WELCOME_OFF
    await say(app, joined("30074", "7009"), expect_reply=False)
    assert len(await _outbox(own_services, "welcome")) == 1
    assert "新成员欢迎：已关闭" in await say(app, v11_group("/支部", "30073", "7009"))


async def test_chatter_and_cq_lookalikes_get_no_answer(app: App):
    assert await say(app, v11_group("今天跑哪条线", group_id="7010"), expect_reply=False) is None
    assert await say(app, v11_group("[CQ:at,qq=all] /登记", group_id="7010"), expect_reply=False) is None


async def _v12(app: App, event) -> list[str]:
    """One OneBot v12 event through every matcher (a WeChat bot); the texts the bot answered."""
    from nonebot.adapters.onebot import v12
    from nonebot.message import handle_event

    from tests.support.events import text_of

    replies: list[str] = []
    async with app.test_api() as ctx:
        bot = ctx.create_bot(base=v12.Bot, self_id=SELF_ID, platform="wechat", impl="test")

        async def capture(event, message, **kwargs):
            replies.append(text_of(message))

        bot.send = capture
        await handle_event(bot, event)
    return replies


async def test_a_wechat_newcomer_over_v12_is_welcomed(app: App, own_services):
    from nonebot.adapters.onebot import v12

    from tests.support.events import v12_group

    [opened] = await _v12(app, v12_group("/支部 开通 微信支部", user_id=SUPERUSER, group_id="wxg_7011"))
    assert opened == texts.OPENED.format(name="微信支部", push_time="07:30")
    event = v12.GroupMemberIncreaseEvent(
        id="n1",
        time=datetime.now(UTC),
        type="notice",
        detail_type="group_member_increase",
        sub_type="join",
        self=v12.BotSelf(platform="wechat", user_id=SELF_ID),
        group_id="wxg_7011",
        user_id="wx_30080",
        operator_id="wx_admin",
    )
    assert await _v12(app, event) == []
    [welcome] = await _outbox(own_services, "welcome")
    assert (welcome.platform, welcome.target_id) == ("wechat", "wxg_7011")
    assert _text(welcome).startswith("欢迎 @wx_30080 加入「微信支部」")


async def test_on_onebot_binding_and_proof_are_said_to_be_unneeded_at_once(app: App):
    """One id per person: private /绑定 授权 sent people to the group, where they heard 「这里不需要绑定」."""
    await say(app, v11_group("/支部 开通 无需绑定支部", user_id=SUPERUSER, group_id="7091"))
    private = await say(app, v11_private("/绑定 授权 123456", user_id="30091"))
    assert private == texts.PROOF_NOT_NEEDED
    group = await say(app, v11_group("/绑定 授权 123456", user_id="30091", group_id="7091"))
    assert group == f"@30091 {texts.PROOF_NOT_NEEDED}"
    assert await say(app, v11_private("/解绑", user_id="30091")) == texts.UNBIND_NOT_NEEDED

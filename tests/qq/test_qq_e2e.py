"""The whole bot as a process on the official QQ bot platform, through a fake gateway and HTTP API on 127.0.0.1.

The adapter logs in (token endpoint), connects to the gateway (Hello → Identify → Ready), receives group and private
messages, answers them passively (with the message's msg_id), sends pushes proactively through the outbox, and a
refusal by the platform ends up in the outbox with the platform's code and reason, not retried.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.db import Database
from bot.core.models import Branch, Member, OutboxItem
from bot.core.outbox import Target, enqueue
from bot.features.branch.texts import (
    BIND_CLAIMED,
    BOUND,
    BOUND_IN_GROUP,
    NOT_SENT_REMINDED,
    PROFILE_NONE,
    PROOF_NEEDED,
    PROOF_REMINDER,
    REGISTER_BIND_FIRST,
    UNBOUND_GROUP,
)
from tests.support.qqfake import (
    APP_ID,
    NEVER_WROTE,
    PROACTIVE_REFUSED,
    FakeQQ,
    QQBotProcess,
    c2c_payload,
    group_payload,
)

SUPER = "super-openid-1"
GROUP = "group-openid-1"


@pytest.fixture(scope="module")
async def qq(tmp_path_factory):
    """A fake platform and the bot connected to it (one process for the module)."""
    async with FakeQQ() as fake:
        env = fake.bot_env() | {"SUPERUSERS": json.dumps(["10000", f"qqbot:{SUPER}"])}
        process = QQBotProcess(tmp_path_factory.mktemp("qqbot"), env=env)
        process.start()
        try:
            await process.started(fake)
            yield fake, process
        finally:
            await process.stop_in_thread()


async def test_a_command_is_answered_passively_in_the_group_and_in_private(qq):
    fake, _ = qq
    event = group_payload("/帮助")
    sent = await fake.ask(event)
    assert sent.kind == "group" and sent.target == GROUP
    assert sent.body["msg_id"] == event[1]["id"] and sent.body["msg_type"] == 0
    assert sent.content.startswith("【红色方向盘】可用命令")
    private = c2c_payload("/帮助")
    sent = await fake.ask(private)
    assert (sent.kind, sent.target, sent.body["msg_id"]) == ("private", "user-openid-1", private[1]["id"])


async def test_user_text_is_never_sent_as_platform_markup(qq):
    fake, _ = qq
    fake.push(group_payload("今天路上堵不堵？<@someone>", at_bot=False))  # chatter: no answer
    sent = await fake.ask(group_payload("/没有这个<@someone>命令"))
    assert "<@" not in sent.content and "没有 /没有这个" in sent.content


async def _outbox_rows(process: QQBotProcess, wanted: int, timeout: float = 15) -> list[OutboxItem]:
    """The bot's outbox rows once `wanted` of them are settled (sent or failed)."""
    database = Database(process.database_url or f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with database.session() as session:
                rows = list((await session.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())
            if sum(row.status in ("sent", "failed") for row in rows) >= wanted or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.2)
    finally:
        await database.dispose()


async def test_a_push_goes_proactively_and_a_refusal_is_recorded_with_the_platforms_reason(qq):
    fake, process = qq
    fake.refuse_proactive("group-closed")
    database = Database(f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        async with database.session() as session:
            await enqueue(
                session, Target("qqbot", "group", GROUP, APP_ID), ["今晚八点学习《安全驾驶》"], purpose="push"
            )
            await enqueue(session, Target("qqbot", "group", "group-closed", APP_ID), ["通知"], purpose="notice")
            await enqueue(session, Target("qqbot", "private", "stranger-openid", APP_ID), ["回访"], purpose="notice")
    finally:
        await database.dispose()
    rows = await _outbox_rows(process, 3)
    by_target = {row.target_id: row for row in rows}
    pushed = by_target[GROUP]
    assert pushed.status == "sent"
    assert any(s.target == GROUP and not s.passive and "安全驾驶" in s.content for s in fake.sent)
    closed, stranger = by_target["group-closed"], by_target["stranger-openid"]
    assert (closed.status, closed.attempts) == ("failed", 1)  # permanent: not retried
    assert f"QQ 平台拒绝（{PROACTIVE_REFUSED[0]}）：{PROACTIVE_REFUSED[1]}" in (closed.last_error or "")
    assert (stranger.status, stranger.attempts) == ("failed", 1)
    assert f"QQ 平台拒绝（{NEVER_WROTE[0]}）：{NEVER_WROTE[1]}" in (stranger.last_error or "")


async def test_a_conversation_over_the_official_platform(qq):
    fake, _ = qq
    opened = await fake.ask(group_payload("/支部 开通 乌当区货车司机流动党员党支部", member="owner-1", role="owner"))
    assert "已开通" in opened.content
    # Registration: nothing is asked in the group; a code from private chat, claimed in the group, confirmed.
    told = await fake.ask(group_payload("/登记", member="member-openid-9"))
    assert told.content.endswith(REGISTER_BIND_FIRST) and told.passive
    code = re.search(r"/绑定 ([A-Z0-9]{8})", (await fake.reply_to(c2c_payload("/登记", user="user-openid-9"))).content)
    assert code is not None
    claimed = await fake.ask(group_payload(f"/绑定 {code[1]}", member="member-openid-9", name="张三"))
    assert claimed.content.endswith(BIND_CLAIMED)
    asked = await fake.reply_to(c2c_payload("/绑定", user="user-openid-9"))
    assert asked.content.startswith("「乌当区货车司机流动党员党支部」里「张三」在 ")  # who sent it, before binding
    mark = len(fake.sent)
    bound = await fake.reply_to(c2c_payload("/绑定 确认", user="user-openid-9"))
    assert bound.content == BOUND.format(branch="乌当区货车司机流动党员党支部", who="「张三」")
    _, told = await fake.wait_for(lambda s: s.kind == "group" and BOUND_IN_GROUP in s.content, mark)
    assert told.content.startswith("<@member-openid-9>")  # the member learns in the group, @-ed, proactively
    first = await fake.ask(group_payload("/诉求", member="member-openid-9"))
    assert "请选择类别" in first.content and first.passive
    assert "描述" in (await fake.ask(group_payload("1", member="member-openid-9", at_bot=False))).content
    asked_place = await fake.ask(group_payload("运费拖了三个月", member="member-openid-9", at_bot=False))
    assert "地点" in asked_place.content
    summary = await fake.ask(group_payload("贵阳东收费站", member="member-openid-9", at_bot=False))
    assert "请核对诉求" in summary.content and "运费拖了三个月" in summary.content
    done = await fake.ask(group_payload("确认", member="member-openid-9", at_bot=False))
    assert "诉求已提交，编号 SQ" in done.content and done.passive


async def test_a_private_message_to_a_bound_member_reaches_their_private_chat(qq):
    fake, process = qq
    await fake.ask(group_payload("/支部 开通 乌当区货车司机流动党员党支部", member="owner-1", role="owner"))
    code = re.search(r"/绑定 ([A-Z0-9]{8})", (await fake.reply_to(c2c_payload("/绑定", user="user-openid-7"))).content)
    assert code is not None
    await fake.ask(group_payload(f"/绑定 {code[1]}", member="member-openid-7"))
    assert "是您本人吗" in (await fake.reply_to(c2c_payload("/绑定", user="user-openid-7"))).content
    assert "绑定成功" in (await fake.reply_to(c2c_payload("/绑定 确认", user="user-openid-7"))).content
    database = Database(f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        async with database.session() as session:  # features address a person by the id they are stored under
            await enqueue(session, Target("qqbot", "private", "member-openid-7", APP_ID), ["请对办理结果评价"])
    finally:
        await database.dispose()
    for _ in range(75):
        if any("请对办理结果评价" in s.content for s in fake.sent):
            break
        await asyncio.sleep(0.2)
    delivered = [s for s in fake.sent if "请对办理结果评价" in s.content]
    assert [(s.kind, s.target) for s in delivered] == [("private", "user-openid-7")]


async def _seed_member(process: QQBotProcess, group: str, key: str, name: str, phone: str, plate: str) -> None:
    """A registered member of the branch of `group` (as /登记 leaves one)."""
    database = Database(f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        async with database.session() as session:
            branch = await session.scalar(select(Branch).where(Branch.group_id == group))
            assert branch is not None
            now = clock.now()
            session.add(
                Member(
                    branch_id=branch.id,
                    user_key=key,
                    name=name,
                    phone=phone,
                    plate=plate,
                    declared_status="党员",
                    status="党员",
                    registered_at=now,
                    updated_at=now,
                )
            )
    finally:
        await database.dispose()


async def test_a_planted_code_gives_an_outsider_nothing_of_a_secretarys(qq):
    """The chain of issue 21: an outsider's bind code, posted by a lured secretary as chatter, binds the outsider's
    private chat to the secretary — and gives it nothing: no record, no sign-in link, no notice; the notice for the
    secretary goes to the group as an @ asking them to bind, never as a private message to their group id."""
    fake, process = qq
    group, secretary, outsider = "group-openid-21", "secretary-openid-21", "outsider-user-21"
    await fake.ask(
        group_payload("/支部 开通 花溪区货车司机流动党员党支部", member="owner-21", group=group, role="owner")
    )
    named = group_payload(f"/书记 设置 <@{secretary}>", member=SUPER, group=group, mentions=[secretary])
    assert "书记" in (await fake.reply_to(named)).content  # the reply itself, not a notice sent meanwhile
    await _seed_member(process, group, "qqbot:member-openid-21", "张三", "13812345678", "贵A12345")
    code = re.search(r"/绑定 ([A-Z0-9]{8})", (await fake.reply_to(c2c_payload("/绑定", user=outsider))).content)
    assert code is not None
    fake.push(group_payload(f"今天学习奖励领取码 {code[1]}", member=secretary, group=group, at_bot=False))
    shown = await fake.reply_to(c2c_payload("/绑定", user=outsider))
    for _ in range(10):  # the chatter goes unanswered: ask until its claim is recorded (a loaded machine is slow)
        if "是您本人吗" in shown.content:
            break
        await asyncio.sleep(0.5)
        shown = await fake.reply_to(c2c_payload("/绑定", user=outsider))
    assert "是您本人吗" in shown.content
    mark = len(fake.sent)
    bound = await fake.reply_to(c2c_payload("/绑定 确认", user=outsider))
    assert bound.content.startswith("绑定成功") and "/绑定 授权" in bound.content  # bound, but powerless
    _, told = await fake.wait_for(lambda s: s.kind == "group" and BOUND_IN_GROUP in s.content, mark)
    assert told.target == group and told.content.startswith(f"<@{secretary}>")
    for asked in ("/档案 张三", "/后台", "/诉求 列表", "/通知 明天开会", "/档案"):
        answer = await fake.reply_to(c2c_payload(asked, user=outsider))
        assert answer.content.startswith(PROOF_NEEDED.split("{")[0]), (asked, answer.content)
        assert "13812345678" not in answer.content and "http" not in answer.content
    # A new appeal: the secretary is told in the group with an @ (their private chat is not proven), nothing leaks.
    mark = len(fake.sent)
    for said in ("/诉求", "1", "运费拖了三个月没结", "花溪收费站"):
        await fake.reply_to(group_payload(said, member="member-openid-21", group=group, at_bot=said == "/诉求"))
    done = await fake.reply_to(group_payload("确认", member="member-openid-21", group=group, at_bot=False))
    assert "诉求已提交" in done.content
    # bound (by someone else's private chat) but unproven: asked for the proof, and told how to undo a binding
    _, reminded = await fake.wait_for(lambda s: s.kind == "group" and PROOF_REMINDER in s.content, mark)
    assert reminded.target == group and reminded.content == f"<@{secretary}>{PROOF_REMINDER}"
    assert "运费" not in reminded.content
    await asyncio.sleep(1)  # the sender has had time for anything else it would send
    to_outsider = [s.content for s in fake.sent if s.kind == "private" and s.target == outsider]
    assert not any("运费" in text or "13812345678" in text for text in to_outsider)
    assert not fake.to_group_ids
    rows = await _outbox_rows(process, 0)
    told_secretary = [r for r in rows if r.target_kind == "private" and r.target_id == secretary]
    assert [(r.status, r.last_error) for r in told_secretary] == [
        ("failed", f"PermanentSendError: {NOT_SENT_REMINDED}")
    ]
    # The secretary undoes it in the group: the outsider's private chat is nobody again.
    assert (await fake.reply_to(group_payload("/解绑", member=secretary, group=group))).content.endswith(UNBOUND_GROUP)
    nobody = await fake.reply_to(c2c_payload("/档案", user=outsider))
    assert nobody.content == PROFILE_NONE

"""The whole bot as a process, driven over the real OneBot v11 and v12 WebSockets."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core.db import Database
from bot.core.models import OutboxItem
from bot.core.outbox import Target, enqueue
from bot.features.branch import texts

GROUP = "5001"


async def _open_branch(client) -> None:
    """The group owner opens the branch; the superuser is told in private chat."""
    await client.group_message(GROUP, "20000", "/支部 开通 乌当区货车司机流动党员党支部", role="owner")
    sent = {call.target: call.text for call in await client.sends(quiet=1.0)}
    assert "已开通" in sent[("group", GROUP)]
    assert "开通了支部「乌当区货车司机流动党员党支部」" in sent[("private", "10000")]


async def test_registration_moves_phone_and_plate_to_private_chat_over_v11(bot_process):
    client = await bot_process.client("v11")
    try:
        await _open_branch(client)
        # A driver may not name a secretary; the refusal says who may.
        refused = await client.ask(
            GROUP, "20001", [{"type": "text", "data": {"text": "/书记 设置 "}}, {"type": "at", "data": {"qq": "20002"}}]
        )
        assert "只有群主、行业党委" in refused

        # In the group only the name is asked; a phone typed there is not kept, and the person is told.
        assert texts.ASK_NAME in await client.ask(GROUP, "20001", "/登记")
        assert texts.NOT_STORED_IN_GROUP in await client.ask(GROUP, "20001", "13812345678")
        await client.group_message(GROUP, "20001", "王师傅")
        sent = {call.target: call.text for call in await client.sends(quiet=1.0)}
        assert sent[("group", GROUP)] == "@20001 " + texts.MOVED_TO_PRIVATE.format(name="王师傅")
        private = sent[("private", "20001")]
        assert private.startswith(texts.PRIVATE_CONTINUE.format(branch="乌当区货车司机流动党员党支部", name="王师傅"))
        assert texts.ASK_PHONE in private

        # The rest in private chat: a wrong phone, a plate, a skipped answer, and confirmation.
        assert "11 位数字" in await client.ask(None, "20001", "12345")
        assert "车牌" in await client.ask(None, "20001", "13812345678")
        assert "户籍地" in await client.ask(None, "20001", "贵A12345")
        assert "常跑路线" in await client.ask(None, "20001", "跳过")
        assert "政治面貌" in await client.ask(None, "20001", "贵阳—昆明[CQ:at,qq=all]")
        summary = await client.ask(None, "20001", "1")
        assert "13812345678" in summary and "贵A12345" in summary
        # CQ-code lookalike text typed by a user comes back as text: no at-all is ever produced.
        assert "[CQ:at,qq=all]" in summary
        assert "登记成功" in await client.ask(None, "20001", "确认")
        profile = await client.ask(GROUP, "20001", "/档案")
        assert "王师傅" in profile and "138" not in profile and "贵A" not in profile  # the short record in a group
        assert "13812345678" in await client.ask(None, "20001", "/档案")
        group_texts = [call.text for call in client.history if call.target == ("group", GROUP)]
        assert not [text for text in group_texts if "13812345678" in text or "贵A12345" in text]

        # A cancelled conversation stores nothing and lets chatter be chatter again.
        await client.ask(GROUP, "20003", "/登记")
        assert "已取消" in await client.ask(GROUP, "20003", "取消")
        await client.group_message(GROUP, "20003", "赵六")
        assert await client.sends(quiet=0.8) == []

        segments = [seg for call in client.history for seg in call.params.get("message") or [] if isinstance(seg, dict)]
        assert not [seg for seg in segments if seg.get("type") == "at" and seg["data"].get("qq") == "all"]

        # An unknown event is ignored; a malformed frame makes the adapter drop that connection (the
        # implementation reconnects, as NapCat and Lagrange do) and the bot carries on.
        await client.notice({"post_type": "notice", "notice_type": "mystery"})
        await client.raw("{not json")
        await client.close()
        client = await bot_process.client("v11")
        assert "【乌当区货车司机流动党员党支部】" in await client.ask(GROUP, "20001", "/支部")
        # Emoji and an overlong argument get a clear answer.
        assert "用法" in await client.ask(GROUP, "20001", "/支部 🚚🚚")
        assert "太长" in await client.ask(GROUP, "20001", "/支部 开通 " + "长" * 300, role="owner")
    finally:
        await client.close()


async def test_newcomers_get_one_welcome_per_window_over_v11(bot_process):
    client = await bot_process.client("v11")
    try:
        assert "已开通" in await client.ask(GROUP, "10000", "/支部 开通 乌当区货车司机流动党员党支部")
        bot_process.set_clock("2026-05-01T09:00:30+08:00")
        for user in ("30001", "30002", "30003", "30001"):
            await client.notice(
                {
                    "post_type": "notice",
                    "notice_type": "group_increase",
                    "sub_type": "approve",
                    "group_id": int(GROUP),
                    "operator_id": 10000,
                    "user_id": int(user),
                }
            )
        assert await client.sends(quiet=1.5) == []  # nothing before the window ends
        bot_process.set_clock("2026-05-01T09:03:01+08:00")
        sent = await client.sends(quiet=2.0)
        [welcome] = sent  # one message for the three newcomers (notices handled concurrently: any order)
        head, _, body = welcome.text.partition(" 加入")
        assert welcome.target == ("group", GROUP)
        assert sorted(head.removeprefix("欢迎 ").split()) == ["@30001", "@30002", "@30003"]
        assert " 加入" + body == texts.WELCOME_BODY.format(branch="乌当区货车司机流动党员党支部")
    finally:
        bot_process.set_clock(None)
        await client.close()


async def test_wechat_over_v12_opens_a_branch_and_registers(bot_process):
    client = await bot_process.client("v12", self_id="wxbot")
    try:
        reply = await client.ask("wxg1", "10000", "/支部 开通 微信测试支部")
        assert "已开通" in reply
        assert "姓名" in await client.ask("wxg1", "wx_driver", "/登记")
        assert "已取消" in await client.ask("wxg1", "wx_driver", "取消")
        card = await client.ask("wxg1", "wx_driver", "#支部")
        assert "微信测试支部" in card
        assert client.history[-1].action == "send_message"
    finally:
        await client.close()


async def test_outbox_items_survive_a_restart_and_go_out_exactly_once(bot_process):
    client = await bot_process.client("v11")
    await _open_branch(client)
    await client.close()
    bot_process.stop()

    # While the bot is down, three notices are queued (as another process or a scheduled job would).
    database = Database(f"sqlite+aiosqlite:///{bot_process.workdir / 'bot.db'}")
    async with database.session() as session:
        for n in range(3):
            await enqueue(session, Target("qq", "group", GROUP, "10001"), [f"通知{n}"], dedupe_key=f"notice-{n}")
    await database.dispose()

    bot_process.start()
    client = await bot_process.client("v11")
    sent = await client.sends(quiet=1.5)
    assert sorted(call.text for call in sent) == ["通知0", "通知1", "通知2"]
    await client.close()

    bot_process.stop()
    bot_process.start()
    client = await bot_process.client("v11")
    assert await client.sends(quiet=1.5) == []  # nothing is sent twice
    await client.close()

    database = Database(f"sqlite+aiosqlite:///{bot_process.workdir / 'bot.db'}")
    async with database.session() as session:
        statuses = (await session.scalars(select(OutboxItem.status).where(OutboxItem.dedupe_key.is_not(None)))).all()
    await database.dispose()
    assert statuses == ["sent"] * 3


async def test_a_restart_mid_conversation_tells_the_person_to_start_again(bot_process):
    client = await bot_process.client("v11")
    await _open_branch(client)
    assert "姓名" in await client.ask(GROUP, "20001", "/登记")
    await client.close()
    bot_process.stop(kill=True)

    bot_process.start()
    client = await bot_process.client("v11")
    try:
        notice = await client.next_send(timeout=10)
        assert notice.target == ("group", GROUP)
        assert "@20001" in notice.text and "已中断" in notice.text and "/登记" in notice.text
        # The half-finished answers were not stored.
        assert "还没有登记" in await client.ask(GROUP, "20001", "/档案")
        await asyncio.sleep(0)
    finally:
        await client.close()

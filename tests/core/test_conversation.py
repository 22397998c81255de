"""Conversations kept in our own store: steps, hints, skipping, cancelling, timing out, restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.conversation import Conversations, Flow, Invalid, Outcome, Refused, Step
from bot.core.models import Waiting as WaitingRow
from bot.core.waiting import Waiting

DRIVER = Actor("qq", "20001", "5001", "10001")


def _number(text: str) -> int:
    if not text.isdigit():
        raise Invalid("请回复数字。")
    return int(text)


def _flow(store: list) -> Flow:
    async def finish(actor, data):
        store.append(data)
        return f"已保存 {data}"

    return Flow(
        id="tests.numbers",
        name="测试",
        command="/测试",
        steps=[
            Step("a", "请回复数字 a：", _number),
            Step("b", "请回复备注：", str, optional=True),
            Step("c", "群里不问的问题：", str, skip=lambda actor, data: not actor.is_private),
        ],
        confirm=lambda data: f"核对：{data}",
        finish=finish,
    )


async def test_a_flow_asks_rehints_skips_and_confirms(database):
    saved: list = []
    conversations = Conversations(Waiting(database, poll_seconds=0), 300)
    first = await conversations.start(DRIVER, conversations.register(_flow(saved)))
    assert "请回复数字 a" in first and conversations.is_waiting(DRIVER.session_key)
    wrong = await _answer(conversations, DRIVER, "abc")
    assert "请回复数字" in wrong.reply and not wrong.done
    assert "备注" in (await _answer(conversations, DRIVER, "7")).reply
    confirm = await _answer(conversations, DRIVER, "跳过")
    assert "核对" in confirm.reply  # step c is skipped in a group
    assert "请回复“确认”" in (await _answer(conversations, DRIVER, "嗯")).reply
    done = await _answer(conversations, DRIVER, "确认")
    assert done.done and saved == [{"a": 7, "b": None}]
    assert not conversations.is_waiting(DRIVER.session_key)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(WaitingRow)) == 0


async def test_cancel_keeps_nothing(database):
    saved: list = []
    conversations = Conversations(Waiting(database, poll_seconds=0), 300)
    await conversations.start(DRIVER, conversations.register(_flow(saved)))
    await _answer(conversations, DRIVER, "7")
    outcome = await _answer(conversations, DRIVER, "取消")
    assert outcome.done and "已取消" in outcome.reply and saved == []
    assert await conversations.answer(DRIVER, "8") is None


async def test_idle_conversations_time_out(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    conversations = Conversations(Waiting(database, poll_seconds=0), 300)
    await conversations.start(DRIVER, conversations.register(_flow([])))
    clock.advance(timedelta(minutes=4))
    assert await conversations.expire() == []
    clock.advance(timedelta(minutes=2))
    expired = await conversations.expire()
    assert [e.flow_name for e in expired] == ["测试"] and not conversations.is_waiting(DRIVER.session_key)


async def test_a_late_answer_after_timeout_is_told_to_start_again(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    conversations = Conversations(Waiting(database, poll_seconds=0), 60)
    await conversations.start(DRIVER, conversations.register(_flow([])))
    clock.advance(timedelta(minutes=2))
    outcome = await _answer(conversations, DRIVER, "7")
    assert outcome.done and "超时" in outcome.reply and "/测试" in outcome.reply


async def test_a_restart_reports_the_cut_off_conversation_once(database):
    before = Conversations(Waiting(database, poll_seconds=0), 300)
    await before.start(DRIVER, before.register(_flow([])))
    after = Conversations(Waiting(database, poll_seconds=0), 300)  # a new process
    after.register(_flow([]))
    cut_off = await after.interrupted("10001")
    assert [(c.actor.user_id, c.command) for c in cut_off] == [("20001", "/测试")]
    assert await after.interrupted("10001") == []


async def test_refusal_at_finish_ends_the_conversation(database):
    async def refuse(actor, data):
        raise Refused("本群的支部已不存在")

    conversations = Conversations(Waiting(database, poll_seconds=0), 300)
    flow = conversations.register(Flow("tests.refuse", "拒绝", "/拒绝", [Step("a", "a?", str)], finish=refuse))
    await conversations.start(DRIVER, flow)
    outcome = await _answer(conversations, DRIVER, "x")
    assert outcome.done and "不存在" in outcome.reply


async def _answer(conversations: Conversations, actor: Actor, text: str) -> Outcome:
    """An answer from someone with a conversation waiting (fails the test when there is none)."""
    outcome = await conversations.answer(actor, text)
    assert outcome is not None, "no conversation was waiting"
    return outcome


async def test_a_conversation_started_in_one_process_continues_in_another(database):
    """Two processes on one database: the second answers the steps the first asked, and finishes it."""
    saved: list = []
    first = Conversations(Waiting(database, poll_seconds=0), 300)
    second = Conversations(Waiting(database, poll_seconds=0), 300)
    for process in (first, second):
        process.register(_flow(saved))
    assert "请回复数字 a" in await first.start(DRIVER, "tests.numbers")
    await second.waiting.fresh()
    assert second.is_waiting(DRIVER.session_key)  # the other process's gate lets the answer through
    assert "备注" in (await _answer(second, DRIVER, "7")).reply
    assert "核对" in (await _answer(first, DRIVER, "跳过")).reply  # and back: the state is one, in the store
    done = await _answer(second, DRIVER, "确认")
    assert done.done and saved == [{"a": 7, "b": None}]
    await first.waiting.fresh()
    assert not first.is_waiting(DRIVER.session_key)


async def test_the_gate_reads_the_database_only_when_who_waits_changed(database):
    """Chatter costs no query: the waited-for keys are a set, re-read when the version row moved."""
    from sqlalchemy import event

    first = Conversations(Waiting(database, poll_seconds=0), 300)
    first.register(_flow([]))
    gate = Waiting(database, poll_seconds=0)
    await gate.fresh()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        await gate.fresh()
        assert len([s for s in statements if "waiting_version" in s]) == 1
        assert not [s for s in statements if "FROM waiting " in s or "FROM waiting\n" in s]
        await first.start(DRIVER, "tests.numbers")
        statements.clear()
        await gate.fresh()
        assert any("FROM waiting" in s and "waiting_version" not in s for s in statements)
        assert gate.in_chat(DRIVER.session_key)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    slow = Waiting(database, poll_seconds=60)
    await slow.fresh()
    statements.clear()
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        for _ in range(100):
            await slow.fresh()
        assert statements == []  # within the poll time, no query at all
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)


async def test_a_registration_started_by_one_process_is_finished_by_another(database):
    """Two Services on one database (two bot processes): /登记 asked by the first, answered and stored by the second."""
    from bot.core.settings import get_settings
    from bot.features.branch import flows as registration
    from bot.features.branch import texts
    from bot.services import build_services

    first = build_services(get_settings(), database=database)
    second = build_services(get_settings(), database=database)
    branch = await first.branches.open(Actor("qq", "10000", "5001", "10001"), "两进程支部")
    driver = Actor("qq", "20001", None, "10001")
    question = await first.conversations.start(driver, registration.PRIVATE, registration.initial(branch, None))
    assert texts.ASK_NAME in question
    await second.waiting.fresh(now=True)
    assert second.conversations.is_waiting(driver.session_key)
    for answer, asked in [("张三", texts.ASK_PHONE), ("13800001234", texts.ASK_PLATE), ("跳过", texts.ASK_HOMETOWN)]:
        assert asked in (await _answer(second.conversations, driver, answer)).reply
    for answer in ("跳过", "跳过", "1"):
        await _answer(second.conversations, driver, answer)
    done = await _answer(second.conversations, driver, "确认")
    assert done.done and "登记成功" in str(done.reply)
    member = await first.members.get(branch.id, driver.key)
    assert member is not None and (member.name, member.phone) == ("张三", "13800001234")


async def test_a_conversation_left_by_a_dead_process_is_forgotten_an_hour_after_its_time(database):
    """Its answers (a phone, a plate) must not outlive it when no process is left to time it out."""
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    dead = Conversations(Waiting(database, poll_seconds=0), 300)
    await dead.start(DRIVER, dead.register(_flow([])))
    survivor = Waiting(database, poll_seconds=0)
    clock.advance(timedelta(minutes=30))
    await survivor.purge()
    assert len(await survivor.find("flow")) == 1  # the process that moved it last may still tell the person
    clock.advance(timedelta(hours=1))
    await survivor.purge()
    assert await survivor.find("flow") == []

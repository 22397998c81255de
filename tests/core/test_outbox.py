"""The delivery path: queued once, sent once, paced, capped, retried, expired, and safe with two senders."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.identity import IdentityLinks
from bot.core.models import OutboxItem
from bot.core.outbox import (
    EXPIRED_REASON,
    HIGH,
    LOW,
    NORMAL,
    Target,
    batch_report,
    claim_next,
    enqueue,
    new_batch_id,
    priority_for,
)
from bot.core.sender import DeliveryLimits, PermanentSendError, Sender
from bot.core.settings import Settings

QQ_BOT = ("qq", "10001")


def fast_settings(**overrides) -> Settings:
    """Settings with tiny gaps so tests run quickly."""
    values = {
        "delivery_gap_min": 0.0,
        "delivery_gap_max": 0.001,
        "delivery_retry_base_seconds": 60,
        "delivery_max_attempts": 3,
    }
    values.update(overrides)
    return Settings(**values)


class Recorder:
    """Stands in for the chat platform: records what reached which chat (the database is real)."""

    def __init__(self, fail_times: int = 0, permanent: bool = False) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail_times = fail_times
        self.permanent = permanent

    async def __call__(self, self_id, kind, target_id, parts) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise (PermanentSendError("机器人不在群内") if self.permanent else ConnectionError("断线"))
        await asyncio.sleep(0)
        self.sent.append((kind, target_id, "".join(p for p in parts if isinstance(p, str))))


async def _queue(database, target_id: str, text: str, **options) -> int | None:
    async with database.session() as session:
        return await enqueue(session, Target("qq", "group", target_id, "10001"), [text], **options)


async def test_dedupe_key_queues_a_push_only_once(database):
    first = await _queue(database, "1", "早安", dedupe_key="push:1:2026-11-23")
    second = await _queue(database, "1", "早安", dedupe_key="push:1:2026-11-23")
    assert first is not None and second is None
    recorder = Recorder()
    await Sender(database, fast_settings(), recorder, lambda: [QQ_BOT]).drain()
    assert recorder.sent == [("group", "1", "早安")]


async def test_items_wait_while_no_account_is_connected(database):
    await _queue(database, "1", "通知")
    recorder = Recorder()
    connected: list = []
    sender = Sender(database, fast_settings(), recorder, lambda: connected)
    assert await sender.drain() == 0
    connected.append(QQ_BOT)  # the account reconnects
    assert await sender.drain() == 1
    assert recorder.sent == [("group", "1", "通知")]


async def test_failures_retry_with_backoff_then_fail_with_reason(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    await _queue(database, "1", "通知")
    recorder = Recorder(fail_times=5)
    sender = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT])
    await sender.drain()
    assert await sender.drain() == 0  # not due yet: backoff
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await sender.drain()
    async with database.session() as session:
        item = await session.scalar(select(OutboxItem))
    assert item.status == "failed" and item.attempts == 3 and "断线" in item.last_error
    assert recorder.sent == []


async def test_a_permanent_refusal_is_not_retried(database):
    await _queue(database, "1", "通知")
    sender = Sender(database, fast_settings(), Recorder(fail_times=1, permanent=True), lambda: [QQ_BOT])
    await sender.drain()
    async with database.session() as session:
        item = await session.scalar(select(OutboxItem))
    assert item.status == "failed" and item.attempts == 1 and "不在群内" in item.last_error


async def test_daily_cap_per_group(database):
    for n in range(4):
        await _queue(database, "1", f"第{n}条")
    await _queue(database, "2", "别的群")
    recorder = Recorder()
    sender = Sender(
        database,
        fast_settings(delivery_daily_cap_per_group=2),
        recorder,
        lambda: [QQ_BOT],
        DeliveryLimits(delivery_reserved_per_group=0),
    )
    await sender.drain()
    assert [t for _, t, _ in recorder.sent].count("1") == 2
    assert ("group", "2", "别的群") in recorder.sent
    async with database.session() as session:
        failed = (await session.scalars(select(OutboxItem).where(OutboxItem.status == "failed"))).all()
    assert len(failed) == 2 and all("上限" in f.last_error for f in failed)


async def test_a_push_missed_while_offline_expires_at_the_end_of_its_day(database):
    clock.set_now(datetime(2026, 11, 23, 7, 30, tzinfo=clock.tz()))
    _, end_of_day = clock.day_bounds(clock.today())
    await _queue(database, "1", "今日学习", not_after=end_of_day)
    clock.set_now(datetime(2026, 11, 24, 8, 0, tzinfo=clock.tz()))
    recorder = Recorder()
    await Sender(database, fast_settings(), recorder, lambda: [QQ_BOT]).drain()
    assert recorder.sent == []
    async with database.session() as session:
        assert (await session.scalar(select(OutboxItem.status))) == "expired"


async def test_an_item_cut_off_mid_send_is_never_sent_again(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    await _queue(database, "1", "通知")
    async with database.session() as session:
        item = await session.scalar(select(OutboxItem))
        item.status, item.claimed_by, item.claimed_at = "sending", "dead-process", clock.now()
    clock.advance(timedelta(minutes=5))
    recorder = Recorder()
    await Sender(database, fast_settings(), recorder, lambda: [QQ_BOT]).drain()
    assert recorder.sent == []
    async with database.session() as session:
        item = await session.scalar(select(OutboxItem))
    assert item.status == "failed" and "不再重发" in item.last_error


async def test_pacing_leaves_random_gaps_between_sends_of_one_account(database):
    for n in range(3):
        await _queue(database, str(n), "通知")
    times: list[float] = []
    loop = asyncio.get_running_loop()

    async def send(*_):
        times.append(loop.time())

    await Sender(database, fast_settings(delivery_gap_min=0.1, delivery_gap_max=0.15), send, lambda: [QQ_BOT]).drain()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 2 and all(gap >= 0.09 for gap in gaps)


async def test_two_senders_on_one_database_send_each_item_exactly_once(database):
    batch = new_batch_id()
    for n in range(40):
        await _queue(database, str(n), "广播", batch=batch)
    recorder = Recorder()
    one = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT])
    two = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT])
    await asyncio.gather(one.drain(), two.drain())
    targets = [t for _, t, _ in recorder.sent]
    assert sorted(targets, key=int) == [str(n) for n in range(40)]
    async with database.session() as session:
        report = await batch_report(session, batch)
    assert report.sent == 40 and report.pending == 0 and report.failed == []


@pytest.mark.parametrize("accounts", [[("qq", "10002")]])
async def test_an_item_bound_to_one_account_waits_for_that_account(database, accounts):
    await _queue(database, "1", "通知")  # bound to 10001
    recorder = Recorder()
    assert await Sender(database, fast_settings(), recorder, lambda: accounts).drain() == 0
    assert recorder.sent == []


async def _private(database, user_id: str, text: str, **options) -> int | None:
    async with database.session() as session:
        return await enqueue(session, Target("qq", "private", user_id, "10001"), [text], **options)


def test_a_purpose_without_a_priority_gets_its_default():
    assert priority_for("study_push") == priority_for("broadcast") == priority_for("appeal") == HIGH
    assert priority_for("appeal_reminder") == HIGH
    assert priority_for("registration") == priority_for("conversation") == LOW
    assert priority_for("something new") == NORMAL


async def test_31_quick_low_priority_items_do_not_stop_the_push_or_a_committee_notice(database):
    clock.set_now(datetime(2026, 11, 23, 6, 0, tzinfo=clock.tz()))
    for n in range(31):
        await _queue(database, "1", f"欢迎{n}", purpose="registration")
    recorder = Recorder()
    sender = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT], DeliveryLimits())
    await sender.drain()  # at 06:00 the low-priority items use their share of the cap, not the whole cap
    low = [text for _, _, text in recorder.sent if text.startswith("欢迎")]
    assert len(low) == 30 - 8
    clock.set_now(datetime(2026, 11, 23, 7, 30, tzinfo=clock.tz()))
    for n in range(31):
        await _queue(database, "1", f"提醒{n}", purpose="activity")
    await _queue(database, "1", "今日学习", purpose="study_push")
    await _queue(database, "1", "【行业党委通知】寒潮", purpose="broadcast")
    await sender.drain()
    after = [text for _, _, text in recorder.sent[len(low) :]]
    assert after[:2] == ["今日学习", "【行业党委通知】寒潮"]  # queued last, sent first
    assert not any(text.startswith("提醒") for text in after)
    async with database.session() as session:
        refused = (await session.scalars(select(OutboxItem).where(OutboxItem.status == "failed"))).all()
    assert len(refused) == 9 + 31 and all("留给学习推送和通知" in r.last_error for r in refused)
    await _queue(database, "1", "诉求 #12 已受理", purpose="appeal")
    await sender.drain()
    assert recorder.sent[-1][2] == "诉求 #12 已受理"  # a high-priority item still has room


async def test_private_messages_have_their_own_cap_and_never_use_a_groups(database):
    for n in range(5):
        await _private(database, "1", f"私聊{n}", purpose="appeal")
    for n in range(2):
        await _queue(database, "1", f"群{n}")
    recorder = Recorder()
    limits = DeliveryLimits(delivery_daily_cap_per_private=3, delivery_reserved_per_group=0)
    await Sender(database, fast_settings(delivery_daily_cap_per_group=2), recorder, lambda: [QQ_BOT], limits).drain()
    assert [text for kind, _, text in recorder.sent if kind == "group"] == ["群0", "群1"]
    assert len([1 for kind, _, _ in recorder.sent if kind == "private"]) == 3
    async with database.session() as session:
        refused = (await session.scalars(select(OutboxItem).where(OutboxItem.status == "failed"))).all()
    assert len(refused) == 2 and all(r.target_kind == "private" and "私聊" in r.last_error for r in refused)


async def test_a_crash_during_the_pacing_wait_leaves_the_item_queued(database):
    await _queue(database, "1", "第一条")
    await _queue(database, "2", "第二条")
    recorder = Recorder()
    sender = Sender(database, fast_settings(delivery_gap_min=30, delivery_gap_max=30), recorder, lambda: [QQ_BOT])
    task = asyncio.create_task(sender.drain())
    for _ in range(200):
        if recorder.sent:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # now in the 30 s wait before the second item
    task.cancel()  # the process dies here
    with pytest.raises(asyncio.CancelledError):
        await task
    async with database.session() as session:
        second = await session.scalar(select(OutboxItem).where(OutboxItem.target_id == "2"))
    assert recorder.sent == [("group", "1", "第一条")]
    assert second.status == "pending" and second.attempts == 0 and second.claimed_by is None
    later = Recorder()
    await Sender(database, fast_settings(), later, lambda: [QQ_BOT]).drain()  # the next process sends it
    assert later.sent == [("group", "2", "第二条")]


async def test_a_platforms_own_allowance_caps_its_chats_and_no_other_platforms(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    rules = DeliveryLimits.model_validate({"delivery_platform_rules": '{"qqbot": {"private_per_month": 2}}'})
    async with database.session() as session:
        for n in range(3):
            await enqueue(session, Target("qqbot", "private", "openid-1", "app"), [f"回访{n}"], purpose="appeal")
            await enqueue(session, Target("qq", "private", "20001", "10001"), [f"私聊{n}"], purpose="appeal")
    recorder = Recorder()
    sender = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT, ("qqbot", "app")], rules)
    await sender.drain()
    assert [text for _, target, text in recorder.sent if target == "openid-1"] == ["回访0", "回访1"]
    assert len([1 for _, target, _ in recorder.sent if target == "20001"]) == 3  # OneBot keeps the general caps
    clock.set_now(datetime(2026, 11, 30, 9, 0, tzinfo=clock.tz()))
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "private", "openid-1", "app"), ["月底"], purpose="appeal")
        refused = (await session.scalars(select(OutboxItem).where(OutboxItem.status == "failed"))).all()
    assert [r.last_error for r in refused] == ["已达 qqbot 平台每人私聊每月 2 条的主动消息上限"]
    await sender.drain()
    assert "月底" not in [text for _, _, text in recorder.sent]  # still the same month
    clock.set_now(datetime(2026, 12, 1, 9, 0, tzinfo=clock.tz()))
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "private", "openid-1", "app"), ["新的一月"], purpose="appeal")
    await sender.drain()
    assert recorder.sent[-1][2] == "新的一月"


async def test_items_due_in_a_platforms_quiet_hours_wait_for_their_end(database):
    clock.set_now(datetime(2026, 11, 23, 23, 30, tzinfo=clock.tz()))
    rules = DeliveryLimits.model_validate({"delivery_platform_rules": {"qqbot": {"quiet_hours": "22:00-07:00"}}})
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "group", "group-1", "app"), ["夜里的提醒"], purpose="activity")
        await enqueue(session, Target("qq", "group", "5001", "10001"), ["QQ 群照发"], purpose="activity")
    recorder = Recorder()
    sender = Sender(database, fast_settings(), recorder, lambda: [QQ_BOT, ("qqbot", "app")], rules)
    await sender.drain()
    assert [text for _, _, text in recorder.sent] == ["QQ 群照发"]
    async with database.session() as session:
        waiting = await session.scalar(select(OutboxItem).where(OutboxItem.target_id == "group-1"))
    assert waiting is not None and waiting.status == "pending" and waiting.attempts == 0
    assert clock.local(waiting.next_attempt_at) == datetime(2026, 11, 24, 7, 0, tzinfo=clock.tz())
    clock.set_now(datetime(2026, 11, 24, 7, 1, tzinfo=clock.tz()))
    await sender.drain()
    assert recorder.sent[-1] == ("group", "group-1", "夜里的提醒")


def test_quiet_hours_must_read_as_times():
    with pytest.raises(ValueError, match="Invalid isoformat"):
        DeliveryLimits.model_validate({"delivery_platform_rules": {"qqbot": {"quiet_hours": "晚上"}}})


async def test_quiet_hours_hold_an_item_back_before_a_cap_could_fail_it(database):
    clock.set_now(datetime(2026, 11, 23, 21, 0, tzinfo=clock.tz()))
    rules = DeliveryLimits.model_validate(
        {"delivery_platform_rules": {"qqbot": {"private_per_day": 1, "quiet_hours": "22:00-07:00"}}}
    )
    recorder = Recorder()
    sender = Sender(database, fast_settings(), recorder, lambda: [("qqbot", "app")], rules)
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "private", "openid-1", "app"), ["白天的回访"], purpose="appeal")
    await sender.drain()
    clock.set_now(datetime(2026, 11, 23, 23, 30, tzinfo=clock.tz()))
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "private", "openid-1", "app"), ["夜里的回访"], purpose="appeal")
    await sender.drain()
    async with database.session() as session:
        night = await session.scalar(select(OutboxItem).order_by(OutboxItem.id.desc()).limit(1))
    # Today's allowance is used up, but the quiet hours decide first: it waits for the morning, a new day.
    assert night is not None and night.status == "pending" and night.attempts == 0
    clock.set_now(datetime(2026, 11, 24, 7, 1, tzinfo=clock.tz()))
    await sender.drain()
    assert [text for _, _, text in recorder.sent] == ["白天的回访", "夜里的回访"]


async def test_a_private_chat_bound_in_two_groups_uses_one_allowance(database):
    """The official QQ bot counts its allowance per private chat; the outbox queues that chat under each group id
    the person bound to it, and counts them together."""
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    links = IdentityLinks(database)
    for member, group in (("member-in-a", "group-a"), ("member-in-b", "group-b")):
        code = await links.issue("qqbot", "user-openid-1")
        await links.claim("qqbot", code, member, group)
        await links.pending("qqbot", "user-openid-1", asking=True)
        await links.confirm("qqbot", "user-openid-1")
    rules = DeliveryLimits.model_validate({"delivery_platform_rules": {"qqbot": {"private_per_day": 1}}})
    recorder = Recorder()
    sender = Sender(
        database, fast_settings(), recorder, lambda: [("qqbot", "app")], rules, same_chat=links.ids_of_private_chat
    )
    async with database.session() as session:
        await enqueue(session, Target("qqbot", "private", "member-in-a", "app"), ["A 支部回访"], purpose="appeal")
        await enqueue(session, Target("qqbot", "private", "member-in-b", "app"), ["B 支部回访"], purpose="appeal")
    await sender.drain()
    assert [text for _, _, text in recorder.sent] == ["A 支部回访"]
    async with database.session() as session:
        refused = await session.scalar(select(OutboxItem).where(OutboxItem.target_id == "member-in-b"))
    assert refused is not None and refused.last_error == "已达 qqbot 平台每人私聊每日 1 条的主动消息上限"


async def test_an_item_past_its_time_limit_is_never_taken_even_before_it_is_marked_expired(database):
    clock.set_now(datetime(2026, 11, 23, 7, 30, tzinfo=clock.tz()))
    await _queue(database, "1", "今日学习", not_after=datetime(2026, 11, 23, 8, 0, tzinfo=clock.tz()))
    clock.set_now(datetime(2026, 11, 23, 8, 1, tzinfo=clock.tz()))
    async with database.session() as session:
        assert await claim_next(session, "someone", [QQ_BOT]) is None
    await Sender(database, fast_settings(), Recorder(), lambda: [QQ_BOT]).drain()
    async with database.session() as session:
        item = await session.scalar(select(OutboxItem))
    assert item is not None and (item.status, item.last_error) == ("expired", EXPIRED_REASON)


async def test_a_binding_notice_goes_out_through_quiet_hours_and_caps(database):
    """The member must learn at once that a private chat was bound to them (official QQ bot)."""
    clock.set_now(datetime(2026, 11, 23, 23, 30, tzinfo=clock.tz()))
    rules = DeliveryLimits.model_validate(
        {"delivery_platform_rules": {"qqbot": {"group_per_day": 1, "quiet_hours": "22:00-07:00"}}}
    )
    recorder = Recorder()
    sender = Sender(database, fast_settings(), recorder, lambda: [("qqbot", "app")], rules)
    async with database.session() as session:
        for text in ("夜里的提醒", "绑定提醒一", "绑定提醒二"):
            purpose = "binding" if text.startswith("绑定") else "activity"
            await enqueue(session, Target("qqbot", "group", "group-1", "app"), [text], purpose=purpose)
    await sender.drain()
    assert [text for _, _, text in recorder.sent] == ["绑定提醒一", "绑定提醒二"]  # the reminder waits for 07:00

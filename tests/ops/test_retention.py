"""Leaving and forgetting: a lost group, and a purge that reaches every copy of a leaver's personal data."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core import clock, ledger
from bot.core.actor import Actor
from bot.core.models import LedgerEntry, Member, OutboxItem
from bot.core.outbox import Target, enqueue
from bot.core.settings import Settings
from bot.features.appeals.models import Appeal
from bot.features.ops.retention import FORGOTTEN, RetentionRules
from bot.services import Services, build_services

SUPERUSER = Actor("qq", "10000", None, "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")
PHONE, PLATE = "13812345678", "贵A12345"


@pytest.fixture
async def world(database, tmp_path):
    """The whole services over the test database; two branches; a driver registered in the first, with points, an
    appeal with a phone, a private message and an export file."""
    clock.set_now(datetime(2026, 5, 1, 9, 0, tzinfo=clock.tz()))
    services = build_services(Settings(data_dir=tmp_path), database=database)
    services.broadcasts.retention.export_dir = tmp_path / "exports"
    services.broadcasts.retention.rules = RetentionRules(member_days=180, outbox_days=7, export_hours=24)
    first = await services.branches.open(Actor("qq", "10000", "5001", "10001"), "一支部")
    second = await services.branches.open(Actor("qq", "10000", "5002", "10001"), "二支部")
    await services.members.register(DRIVER, first, {"name": "张三", "phone": PHONE, "plate": PLATE, "status": "党员"})
    async with database.session() as session:
        await ledger.record(session, DRIVER.key, first.id, ledger.STUDY)
        await ledger.record(session, DRIVER.key, second.id, ledger.QUIZ)
        session.add(
            Appeal(
                number="20260501-001",
                branch_id=first.id,
                appellant_key=DRIVER.key,
                platform="qq",
                self_id="10001",
                group_id=None,
                category="停车",
                description="货车停车场收费乱",
                place="乌当",
                phone=PHONE,
                state="待受理",
                tier="一般",
                received_at=clock.now(),
            )
        )
        await enqueue(session, Target("qq", "private", "20001", "10001"), [f"您的手机号 {PHONE} 已登记"])
    return services, first, second


async def _sent_everything(services: Services) -> None:
    async with services.database.session() as session:
        for item in (await session.scalars(select(OutboxItem).where(OutboxItem.status == "pending"))).all():
            item.status, item.sent_at = "sent", clock.now()


async def test_a_lost_group_stops_its_branch_marks_its_members_left_and_fails_its_queue(world):
    services, first, _ = world
    await services.notify(Target("qq", "group", "5001", "10001"), "明天开会", purpose="broadcast")
    assert await services.broadcasts.retention.group_lost("qq", "5001") == "一支部"
    assert await services.broadcasts.retention.group_lost("qq", "5001") is None
    async with services.database.reading() as session:
        item = await session.scalar(select(OutboxItem).where(OutboxItem.target_kind == "group"))
        member = await session.scalar(select(Member).where(Member.branch_id == first.id))
    assert item is not None and item.status == "failed" and "不在该群" in (item.last_error or "")
    assert member is not None and member.left_at is not None
    services.branches.forget()
    branch = await services.branches.by_name("一支部")
    assert branch is not None and not branch.active


async def test_the_purge_forgets_every_copy_of_a_leavers_personal_data(world, tmp_path):
    services, _, _ = world
    retention = services.broadcasts.retention
    await _sent_everything(services)
    exports = tmp_path / "exports"
    exports.mkdir()
    old_file, new_file = exports / "一支部-台账.csv", exports / "二支部-台账.csv"
    old_file.write_text(PHONE)
    new_file.write_text("x")
    os.utime(old_file, (time.time() - 25 * 3600, time.time() - 25 * 3600))
    await services.members.mark_left("qq", "5001", "20001")
    async with services.database.reading() as session:
        points_before = await session.scalar(select(func.sum(LedgerEntry.points)))

    clock.advance(timedelta(days=179))
    await services.notify(Target("qq", "private", "20001", "10001"), "最近的消息", purpose="activity")
    await _sent_everything(services)
    early = await retention.purge()
    assert early.members == 0  # not yet: the retention period has not passed
    assert (early.outbox_texts, early.export_files) == (1, 1)  # but the old message text and export file go
    clock.advance(timedelta(days=2))
    purge = await retention.purge()
    assert (purge.members, purge.ledger_lines, purge.appeals) == (1, 2, 1)
    assert purge.outbox_texts == 0  # the message of two days ago stays a few days more
    async with services.database.reading() as session:
        member = await session.scalar(select(Member))
        lines = (await session.scalars(select(LedgerEntry))).all()
        appeal = await session.scalar(select(Appeal))
        items = (await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
        points_after = await session.scalar(select(func.sum(LedgerEntry.points)))
    assert member is not None and member.erased_at is not None
    assert (member.phone, member.plate, member.user_key) != (PHONE, PLATE, DRIVER.key)
    assert member.phone is None and member.plate is None and member.name.startswith("已离开成员#")
    assert "20001" not in member.user_key
    keys = {line.user_key for line in lines}
    assert len(keys) == 1 and DRIVER.key not in keys and "20001" not in next(iter(keys))  # one consistent pseudonym
    assert points_after == points_before  # the figures stay
    assert appeal is not None and appeal.phone is None and "停车场" not in appeal.description
    assert appeal.appellant_key != DRIVER.key
    assert items[0].parts == [] and items[0].target_id == FORGOTTEN and items[0].forgotten_at is not None
    assert items[1].parts != [] and items[1].forgotten_at is None
    assert not old_file.exists() and new_file.exists()
    assert (await retention.purge()).members == 0  # nothing twice


async def test_leaving_one_branch_keeps_what_belongs_to_another(world):
    services, _, second = world
    await services.members.register(Actor("qq", "20001", "5002", "10001"), second, {"name": "张三", "status": "群众"})
    await services.members.mark_left("qq", "5001", "20001")
    clock.advance(timedelta(days=181))
    purge = await services.broadcasts.retention.purge()
    assert (purge.members, purge.ledger_lines, purge.appeals) == (1, 1, 0)
    async with services.database.reading() as session:
        still = await session.scalar(select(LedgerEntry).where(LedgerEntry.branch_id == second.id))
        appeal = await session.scalar(select(Appeal))
    assert still is not None and still.user_key == DRIVER.key
    assert appeal is not None and appeal.phone == PHONE  # the person is still a member elsewhere

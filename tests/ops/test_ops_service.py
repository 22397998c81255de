"""Broadcasts as a service: who may send where, the double-tap guard, the report, the delivery priority."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Conflict, NotFound, PermissionDenied, Roles
from bot.core.members import MemberRecords
from bot.core.models import OutboxItem
from bot.core.sender import Sender
from bot.core.settings import Settings
from bot.features.ops.service import Broadcasts, NeedsConfirmation, Queued

SUPERUSER = Actor("qq", "10000", None, "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")


@pytest.fixture
async def world(database):
    """Two branches; a secretary in the first."""
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    first = await branches.open(Actor("qq", "10000", "5001", "10001"), "一支部")
    second = await branches.open(Actor("qq", "10000", "5002", "10001"), "二支部")
    await roles.set_secretary(SUPERUSER, first, SECRETARY.key, "李书记")
    return Broadcasts(database, roles), first, second, MemberRecords(database, roles)


async def test_who_may_send_where(world):
    broadcasts, first, _, _ = world
    with pytest.raises(PermissionDenied):
        await broadcasts.plan(DRIVER, first, "明天开会")
    plan = await broadcasts.plan(SECRETARY, first, "明天开会")
    assert [b.name for b in plan.branches] == ["一支部"]
    with pytest.raises(PermissionDenied, match="行业党委"):
        await broadcasts.plan(SECRETARY, first, "全部 明天开会")
    everyone = await broadcasts.plan(SUPERUSER, None, "全部 冬季行车注意安全")
    assert [b.name for b in everyone.branches] == ["一支部", "二支部"]
    with pytest.raises(NotFound, match="「三支部」"):
        await broadcasts.plan(SUPERUSER, None, "一支部,三支部 通知")
    with pytest.raises(Conflict, match="不能为空"):
        await broadcasts.plan(SECRETARY, first, "   ")
    with pytest.raises(Conflict, match="最多 1500 字"):
        await broadcasts.plan(SECRETARY, first, "长" * 1501)


async def test_a_double_tap_asks_for_confirmation(world):
    broadcasts, first, _, _ = world
    plan = await broadcasts.plan(SECRETARY, first, "明天开会")
    assert isinstance(await broadcasts.send(SECRETARY, plan), Queued)
    again = await broadcasts.send(SECRETARY, plan)
    assert isinstance(again, NeedsConfirmation) and again.branches == ["一支部"]
    queued = await broadcasts.confirm(SECRETARY)
    assert queued.branches == ["一支部"]
    with pytest.raises(NotFound):
        await broadcasts.confirm(SECRETARY)
    clock.advance(timedelta(minutes=6))
    assert isinstance(await broadcasts.send(SECRETARY, plan), Queued)


async def test_the_sender_hears_how_it_went_once(world):
    broadcasts, _, second, _ = world
    plan = await broadcasts.plan(SUPERUSER, None, "全部 冬季行车注意安全")
    await broadcasts.send(SUPERUSER, plan)

    async def send(self_id, kind, target, parts):
        if target == second.group_id:
            raise ConnectionError("机器人被移出")

    settings = Settings(delivery_gap_min=0, delivery_gap_max=0.001, delivery_max_attempts=1)
    await Sender(broadcasts.database, settings, send, lambda: [("qq", "10001")]).drain()
    assert await broadcasts.report_finished(lambda r: f"送达 {r.sent}，失败 {len(r.failures)}") == 1
    assert await broadcasts.report_finished(lambda r: "again") == 0
    report = await broadcasts.last_report(SUPERUSER)
    assert (report.total, report.sent, [f.branch for f in report.failures]) == (2, 1, ["二支部"])
    async with broadcasts.database.reading() as session:
        told = await session.scalar(select(OutboxItem).where(OutboxItem.purpose == "broadcast_report"))
    assert told.target_id == "10000" and "送达 1，失败 1" in told.parts[-1]["text"]


async def test_a_notice_is_queued_ahead_of_low_priority_items(world):
    broadcasts, first, _, _ = world
    await broadcasts.send(SECRETARY, await broadcasts.plan(SECRETARY, first, "明天开会"))
    async with broadcasts.database.reading() as session:
        item = await session.scalar(select(OutboxItem).where(OutboxItem.purpose == "broadcast"))
    assert item is not None and item.priority == 2

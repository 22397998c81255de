"""Every limit chased: 催办 to the holder before it, 督办 up the chain after it, each once, in the trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.models import OutboxItem
from bot.features.appeals.rules import Action
from bot.features.appeals.service import AppealService
from bot.features.appeals.timelimits import TimeLimits

SUPERUSER = Actor("qq", "10000", None, "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
HANDLER = Actor("qq", "20050", None, "10001")
APPEAL = {"category": "运费拖欠", "description": "货主拖欠运费", "place": "贵阳", "phone": None}
QUIET = {"催办": 0, "督办": 0, "未回复": 0}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@pytest.fixture
async def world(database):
    """Monday 23 November 2026 09:00; accept within 10 h, transfer within 2 h."""
    clock.set_now(at(2026, 11, 23, 9, 0))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    branch = await branches.open(Actor("qq", "10000", "5001", "10001"), "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    await roles.bind_department(SUPERUSER, HANDLER.key, "交通运输", "王科长")
    return AppealService(database, roles, TimeLimits(accept_hours=10)), branch


async def _sent(service) -> list[tuple[str, str]]:
    async with service.database.reading() as session:
        items = (await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
    return [(i.target_id, "".join(p.get("text", "") for p in i.parts)) for i in items]


async def _trail(service, number) -> list[str]:
    viewed = await service.view(SUPERUSER, number)
    return [f"{e.action}:{e.note}" for e in viewed.events]


async def test_an_appeal_never_accepted_is_chased(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    clock.set_now(at(2026, 11, 23, 17, 0))  # 80 % of 10 hours
    assert await service.scan_deadlines() == {**QUIET, "催办": 1}
    clock.set_now(at(2026, 11, 23, 19, 1))
    assert await service.scan_deadlines() == {**QUIET, "督办": 1}
    assert await service.scan_deadlines() == QUIET
    sent = await _sent(service)
    assert any(t == "20009" and "【催办】" in x and "受理时限" in x and f"/受理 {number}" in x for t, x in sent)
    assert any(t == "10000" and "【督办】" in x and "受理时限" in x and "支部书记" in x for t, x in sent)
    trail = await _trail(service, number)
    assert trail[-2].startswith("催办:受理时限") and trail[-1].startswith("督办:超过受理时限")


async def test_transfer_feedback_opinion_and_close_each_once(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(
        SECRETARY, number, Action.ACCEPT, "一般"
    )  # transfer 11:00, feedback 25th, opinion 26th, close 30th
    clock.set_now(at(2026, 11, 23, 10, 40))
    assert await service.scan_deadlines() == {**QUIET, "催办": 1}  # 转办
    clock.set_now(at(2026, 11, 23, 11, 1))
    assert await service.scan_deadlines() == {**QUIET, "督办": 1}
    await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")
    clock.set_now(at(2026, 11, 25, 0, 0))  # past 80 % of 反馈 (2 working days)
    assert await service.scan_deadlines() == {**QUIET, "催办": 1}
    # The department's progress note meets 反馈 and 办理意见.
    assert await service.add_note(HANDLER, number, "已联系货主，约定周五前付清") == ("办理意见", (0, 0, 0))
    clock.set_now(at(2026, 11, 29, 12, 0))  # 80 % of the close limit
    assert await service.scan_deadlines() == {**QUIET, "催办": 1}  # only 办结 is left
    clock.set_now(at(2026, 11, 30, 9, 1))
    assert await service.scan_deadlines() == {**QUIET, "督办": 1}
    assert await service.scan_deadlines() == QUIET
    sent = await _sent(service)
    remind_close = [x for t, x in sent if t == "20050" and "【催办】" in x and "办结时限" in x]
    assert len(remind_close) == 1  # to the department that holds it
    supervised = [t for t, x in sent if "【督办】" in x and "办结时限" in x]
    assert set(supervised) == {"20050", "20009", "10000"}  # the holder, the branch and the committee
    trail = await _trail(service, number)
    assert [line.split(":")[0] for line in trail].count("督办") == 2
    assert (await service.find(number)).tier == "支部"  # 督办 tells the level above; it takes the appeal up by /上报


async def test_follow_up_reminder_then_no_answer(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    await service.act(SECRETARY, number, Action.CLOSE, "已解决")  # window until Wednesday 25th 09:00
    clock.set_now(at(2026, 11, 25, 0, 0))
    assert await service.scan_deadlines() == {**QUIET, "催办": 1}
    clock.set_now(at(2026, 11, 25, 9, 1))
    assert await service.scan_deadlines() == {**QUIET, "未回复": 1}
    assert await service.scan_deadlines() == QUIET
    sent = await _sent(service)
    assert any(t == "5001" and "【回访提醒】" in x for t, x in sent)  # in the group, to the appellant
    assert any(t == "20009" and "未回复" in x for t, x in sent)
    assert (await service.find(number)).satisfaction == "未回复"


async def test_overdue_lists_open_appeals_in_scope(world):
    service, branch = world
    late = (await service.submit(DRIVER, branch, APPEAL)).number
    clock.advance(timedelta(hours=11))
    fresh = (await service.submit(DRIVER, branch, APPEAL)).number
    found = await service.overdue(SUPERUSER, None)
    assert [(o.appeal.number, o.limit.name) for o in found] == [(late, "受理")]
    assert fresh not in [o.appeal.number for o in await service.overdue(SECRETARY, branch)]

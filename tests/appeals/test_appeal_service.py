"""The appeal workflow as a service: intake, every transition, permissions, races, deadlines, statistics."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, NotFound, Roles
from bot.core.models import OutboxItem
from bot.features.appeals.models import AppealEvent
from bot.features.appeals.rules import Action, TransitionError
from bot.features.appeals.service import AppealService, Stale

SUPERUSER = Actor("qq", "10000", None, "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")
OTHER = Actor("qq", "20002", "5001", "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
HANDLER = Actor("qq", "20050", None, "10001")
APPEAL = {"category": "运费拖欠", "description": "货主拖欠运费 8000 元", "place": "贵阳市乌当区", "phone": None}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@pytest.fixture
async def world(database):
    """A branch with a secretary and a 交通运输 handler, on Monday 23 November 2026, 09:00."""
    clock.set_now(at(2026, 11, 23, 9, 0))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    branch = await branches.open(Actor("qq", "10000", "5001", "10001"), "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    await roles.bind_department(SUPERUSER, HANDLER.key, "交通运输", "王科长")
    return AppealService(database, roles), branch


async def _outbox(service) -> list[OutboxItem]:
    async with service.database.reading() as session:
        return list((await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all())


async def test_numbers_are_unique_per_day_also_under_concurrency(world):
    service, branch = world
    appeals = await asyncio.gather(*(service.submit(DRIVER, branch, APPEAL) for _ in range(12)))
    numbers = sorted(a.number for a in appeals)
    assert numbers == [f"SQ20261123-{n:04d}" for n in range(1, 13)]
    clock.advance(timedelta(days=1))
    assert (await service.submit(DRIVER, branch, APPEAL)).number == "SQ20261124-0001"


async def test_submitting_tells_the_secretary_privately(world):
    service, branch = world
    appeal = await service.submit(DRIVER, branch, APPEAL)
    [notice] = await _outbox(service)
    assert (notice.target_kind, notice.target_id) == ("private", "20009")
    assert appeal.number in notice.parts[0]["text"]


async def test_the_whole_workflow_with_trail_and_notices(world):
    service, branch = world
    appeal = await service.submit(DRIVER, branch, APPEAL)
    number = appeal.number
    accepted = await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    assert accepted.state == "已受理" and accepted.close_due == at(2026, 11, 30, 9, 0)
    transferred = await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")
    assert transferred.state == "已转办"
    returned = await service.act(HANDLER, number, Action.SEND_BACK, "不属于本部门")
    assert returned.state == "已退单"
    await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")
    closed = await service.act(HANDLER, number, Action.CLOSE, "已协调货主结清运费")
    assert closed.state == "已办结" and closed.follow_up_due == at(2026, 11, 25, 9, 0)
    reopened = await service.act(DRIVER, number, Action.FOLLOW_UP, "不满意")
    assert reopened.state == "重办" and reopened.closed_at is None
    await service.act(SECRETARY, number, Action.CLOSE, "已当面结清")
    done = await service.act(DRIVER, number, Action.FOLLOW_UP, "满意")
    assert done.state == "已回访" and done.satisfaction == "满意"
    events = (await service.view(Actor("qq", "20001", None, "10001"), number)).events
    assert [e.action for e in events] == ["提交", "受理", "转办", "退单", "转办", "办结", "回访", "办结", "回访"]
    assert [e.to_state for e in events][-1] == "已回访"
    texts = [i.parts[-1]["text"] for i in await _outbox(service)]
    assert any("已转办到「交通运输」" in t for t in texts)  # the handler was told
    assert any("请直接回复：满意、基本满意 或 不满意" in t for t in texts)  # the appellant was asked


async def test_refused_transitions_say_why(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    with pytest.raises(TransitionError, match="请先 /受理"):
        await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")
    with pytest.raises(TransitionError, match="需要"):
        await service.act(DRIVER, number, Action.ACCEPT, "一般")  # the appellant holds a role, but not this one
    await service.act(SECRETARY, number, Action.ACCEPT, "紧急")
    with pytest.raises(NotFound, match="宣传部"):
        await service.act(SECRETARY, number, Action.TRANSFER, "宣传部")
    with pytest.raises(TransitionError, match="需要"):
        await service.act(DRIVER, number, Action.CLOSE, "我自己办结")
    await service.act(SECRETARY, number, Action.CLOSE, "已解决")
    await service.act(DRIVER, number, Action.FOLLOW_UP, "基本满意")
    with pytest.raises(TransitionError, match="已回访"):
        await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")


async def test_escalation_goes_up_the_chain_and_stops_at_the_top(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    # Without a tree the branch sits under the root: one step up, where it waits for that level's 受理.
    raised = await service.act(SECRETARY, number, Action.ESCALATE)
    assert (raised.tier, raised.state, raised.close_due) == ("省", "待受理", None)
    with pytest.raises(TransitionError, match="已上报至「行业党委」"):
        await service.act(SECRETARY, number, Action.ACCEPT, "一般")  # the branch looks on
    with pytest.raises(TransitionError, match="最高一级"):
        await service.act(SUPERUSER, number, Action.ESCALATE)
    assert (await service.act(SUPERUSER, number, Action.ACCEPT, "一般")).state == "已受理"


async def test_only_the_right_people_see_an_appeal(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, {**APPEAL, "phone": "13812345678"})).number
    # Someone without a role on it hears exactly what a missing number gets (numbers are sequential).
    with pytest.raises(NotFound) as other:
        await service.view(OTHER, number)
    with pytest.raises(NotFound) as missing:
        await service.view(OTHER, "SQ20261123-0099")
    assert str(other.value) == str(missing.value).replace("0099", "0001")
    with pytest.raises(NotFound):
        await service.view(HANDLER, number)  # not yet transferred to their department
    viewed = await service.view(SECRETARY, number, branch)
    assert not viewed.full_phone  # in the group: masked
    with pytest.raises(NotFound, match="不是诉求编号"):
        await service.find("abc")
    with pytest.raises(NotFound, match="没有编号"):
        await service.find("sq20261123-9999")


async def test_acting_twice_at_once_one_wins(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    results = await asyncio.gather(
        service.act(SECRETARY, number, Action.ACCEPT, "一般"),
        service.act(SUPERUSER, number, Action.ACCEPT, "紧急"),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], (Stale, TransitionError))
    events = (await service.view(SECRETARY, number, branch)).events
    assert [e.action for e in events].count("受理") == 1


async def test_withdraw_and_reject(world):
    service, branch = world
    first = (await service.submit(DRIVER, branch, APPEAL)).number
    assert (await service.act(DRIVER, first, Action.WITHDRAW)).state == "已撤回"
    second = (await service.submit(DRIVER, branch, APPEAL)).number
    with pytest.raises(TransitionError, match="原因"):
        await service.act(SECRETARY, second, Action.REJECT, "")
    assert (await service.act(SECRETARY, second, Action.REJECT, "属于私人纠纷，建议走司法途径")).state == "已退回"


async def test_reminder_then_supervision_each_once(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(SECRETARY, number, Action.ACCEPT, "一般")  # due Monday 30 November 09:00
    await service.act(SECRETARY, number, Action.TRANSFER, "交通运输")
    assert await service.scan_deadlines() == {"催办": 0, "督办": 0, "未回复": 0}
    clock.set_now(at(2026, 11, 29, 12, 0))  # 80 % of the close limit; 反馈 and 办理意见 passed unmet
    assert await service.scan_deadlines() == {"催办": 1, "督办": 2, "未回复": 0}
    assert await service.scan_deadlines() == {"催办": 0, "督办": 0, "未回复": 0}
    clock.set_now(at(2026, 11, 30, 9, 1))
    assert (await service.scan_deadlines())["督办"] == 1
    assert (await service.scan_deadlines())["督办"] == 0
    viewed = await service.view(SUPERUSER, number)
    assert viewed.appeal.tier == "支部" and viewed.events[-1].action == "督办"  # the level above decides to take it up
    texts = [i.parts[-1]["text"] for i in await _outbox(service)]
    assert sum("【催办】" in t and "办结时限" in t for t in texts) == 1 and any("【督办】" in t for t in texts)


async def test_no_answer_to_follow_up_is_recorded_and_not_satisfied(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    await service.act(SECRETARY, number, Action.CLOSE, "已解决")
    clock.set_now(at(2026, 11, 26, 9, 1))
    assert (await service.scan_deadlines())["未回复"] == 1
    appeal = await service.find(number)
    assert appeal.state == "已回访" and appeal.satisfaction == "未回复"
    stats = await service.statistics(branch.id, None)
    # 未回复 is no answer: neither in the numerator nor in the denominator of 满意率.
    assert (stats.answered, stats.satisfied, stats.no_answer, stats.satisfaction_rate) == (0, 0, 1, 0.0)


async def test_statistics_by_hand(world):
    service, branch = world
    numbers = [
        (await service.submit(DRIVER, branch, {**APPEAL, "category": c})).number
        for c in ("运费拖欠", "运费拖欠", "停车", "维修救援")
    ]
    for number in numbers[:3]:
        await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    clock.set_now(at(2026, 11, 24, 9, 0))
    await service.act(SECRETARY, numbers[0], Action.CLOSE, "已解决")  # 1 day
    await service.act(DRIVER, numbers[0], Action.FOLLOW_UP, "满意")
    clock.set_now(at(2026, 12, 2, 9, 0))  # past the 30 November limit
    await service.act(SECRETARY, numbers[1], Action.CLOSE, "已解决")  # 9 days, late
    stats = await service.statistics(branch.id, date(2026, 11, 1))
    assert (stats.collected, stats.closed, stats.closed_on_time) == (4, 2, 1)
    assert stats.close_rate == 0.5 and stats.on_time_rate == 0.5
    assert stats.avg_days == pytest.approx(5.0, abs=0.01)
    assert stats.overdue == 2  # one closed late, one still open past its limit
    assert (stats.followed_up, stats.satisfied) == (1, 1)
    assert stats.by_category[0] == ("运费拖欠", 2, 2)
    assert (await service.statistics(None, date(2026, 12, 1))).collected == 0


async def test_the_trail_is_append_only(world):
    service, branch = world
    number = (await service.submit(DRIVER, branch, APPEAL)).number
    await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    async with service.database.reading() as session:
        first = await session.scalars(select(AppealEvent.id).order_by(AppealEvent.id))
        ids = list(first.all())
    await service.act(SECRETARY, number, Action.CLOSE, "已解决")
    async with service.database.reading() as session:
        after = list((await session.scalars(select(AppealEvent.id).order_by(AppealEvent.id))).all())
    assert after[: len(ids)] == ids and len(after) == len(ids) + 1

"""The figures by their definitions, computed by hand on a fixture with 不满意, 未回复, 退单 and 重办."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from alembic import command
from sqlalchemy import func, select, text

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.migrate import alembic_config, upgrade
from bot.features.appeals.figures import Figures
from bot.features.appeals.models import Appeal, AppealEvent
from bot.features.appeals.rules import Action
from bot.features.appeals.service import AppealService

SUPERUSER = Actor("qq", "10000", None, "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
HANDLER = Actor("qq", "20050", None, "10001")
OTHER_DRIVER = Actor("qq", "20101", "5002", "10001")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=clock.tz())


@pytest.fixture
async def province(database):
    """Two branches; appeals received in November 2026 (and one in October), each a case of the definitions."""
    clock.set_now(at(2026, 10, 20, 9, 0))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    first = await branches.open(Actor("qq", "10000", "5001", "10001"), "乌当支部")
    second = await branches.open(Actor("qq", "10000", "5002", "10001"), "花溪支部")
    await roles.set_secretary(SUPERUSER, first, SECRETARY.key, "李书记")
    await roles.bind_department(SUPERUSER, HANDLER.key, "交通运输", "王科长")
    service = AppealService(database, roles, per_user_per_day=50)

    def new(category: str, who: Actor = DRIVER, branch=first):
        return service.submit(who, branch, {"category": category, "description": "d", "place": "p", "phone": None})

    october = (await new("停车")).number  # last month: collected, closed, 满意
    await service.act(SECRETARY, october, Action.ACCEPT, "一般")
    await service.act(SECRETARY, october, Action.CLOSE, "ok")
    await service.act(DRIVER, october, Action.FOLLOW_UP, "满意")

    clock.set_now(at(2026, 11, 2, 9, 0))  # Monday; close limit 一般 = Monday 9 November 09:00
    a = (await new("运费拖欠")).number  # closed in 1 day, 满意
    b = (await new("运费拖欠")).number  # transferred, 退单, re-transferred, closed late (10 days), 未回复
    c = (await new("停车")).number  # closed in 2 days, 不满意 → 重办, still open and overdue
    d = (await new("维修救援")).number  # closed in 2 days, 基本满意
    e = (await new("维修救援", OTHER_DRIVER, second)).number  # other branch, still waiting
    f = (await new("其他")).number  # withdrawn
    for number in (a, b, c, d):
        await service.act(SECRETARY, number, Action.ACCEPT, "一般")
    await service.act(SECRETARY, b, Action.TRANSFER, "交通运输")
    await service.act(HANDLER, b, Action.SEND_BACK, "不属于本部门")
    await service.act(SECRETARY, b, Action.TRANSFER, "交通运输")
    await service.act(DRIVER, f, Action.WITHDRAW)
    clock.set_now(at(2026, 11, 3, 9, 0))
    await service.act(SECRETARY, a, Action.CLOSE, "ok")
    await service.act(DRIVER, a, Action.FOLLOW_UP, "满意")
    clock.set_now(at(2026, 11, 4, 9, 0))
    await service.act(SECRETARY, c, Action.CLOSE, "ok")
    await service.act(DRIVER, c, Action.FOLLOW_UP, "不满意")
    await service.act(SECRETARY, d, Action.CLOSE, "ok")
    await service.act(DRIVER, d, Action.FOLLOW_UP, "基本满意")
    clock.set_now(at(2026, 11, 12, 9, 0))
    await service.act(HANDLER, b, Action.CLOSE, "ok")
    clock.set_now(at(2026, 11, 16, 9, 0))  # b's window (2 working days) has passed
    await service.scan_deadlines()
    clock.set_now(at(2026, 11, 20, 9, 0))
    return service, first, second, (a, b, c, d, e, f)


async def test_figures_of_a_month_by_hand(province):
    service, _, _, (_, _, c, _, e, _) = province
    figures = await service.statistics(None, date(2026, 11, 1), date(2026, 12, 1))
    assert figures.collected == 5  # a b c d e — f was withdrawn: no appeal to handle, not collected
    assert figures.closed == 3  # a b d (c was reopened, e waits)
    assert figures.close_rate == pytest.approx(3 / 5)
    assert figures.closed_on_time == 2  # a, d; b closed on the 12th after its 9th limit
    assert figures.on_time_rate == pytest.approx(2 / 3)
    assert figures.avg_days == pytest.approx((1 + 10 + 2) / 3, abs=0.001)
    assert figures.ever_closed == 4  # a b c d
    assert figures.answered == 3  # a 满意, c 不满意, d 基本满意 (b 未回复 is no answer)
    assert figures.no_answer == 1
    assert figures.follow_up_rate == pytest.approx(3 / 4)
    assert figures.satisfied == 2
    assert figures.satisfaction_rate == pytest.approx(2 / 3)  # not 100 %: the 不满意 counts
    assert (figures.transferred, figures.returned) == (1, 1)
    assert figures.return_rate == pytest.approx(1.0)
    assert figures.reopened == 1
    assert figures.reopen_rate == pytest.approx(1 / 4)
    # 超期 now: c (reopened, past its new limits) and e (never accepted, past its 受理 limit); b closed late is in
    # 按期办结率, not 超期 — the same two /诉求 超期 lists
    assert figures.overdue == 2
    assert sorted(o.appeal.number for o in await service.overdue(SUPERUSER, None)) == sorted([c, e])
    assert figures.by_category[:1] == [("运费拖欠", 2, 2)]


async def test_figures_by_branch_department_and_category(province):
    service, first, _, _ = province
    by_branch = await service.figures(None, date(2026, 11, 1), date(2026, 12, 1), by="branch")
    assert (by_branch["乌当支部"].collected, by_branch["花溪支部"].collected) == (4, 1)
    assert (by_branch["乌当支部"].overdue, by_branch["花溪支部"].overdue) == (1, 1)
    by_department = await service.figures(None, date(2026, 11, 1), date(2026, 12, 1), by="department")
    assert by_department["交通运输"].closed == 1
    # no department: a and d closed by the branch itself; c (reopened) and e wait for someone to take them
    assert (by_department["未转部门（本级办结）"].collected, by_department["未转部门（本级办结）"].closed) == (2, 2)
    assert (by_department["待分派"].collected, by_department["待分派"].closed) == (2, 0)
    one = await service.figures(first.id, date(2026, 11, 1), date(2026, 12, 1), by="category")
    assert one["维修救援"].collected == 1 and one["停车"].reopened == 1


async def test_the_previous_period_and_the_monthly_report(province):
    service, first, second, _ = province
    october = await service.statistics(first.id, date(2026, 10, 1), date(2026, 11, 1))
    assert (october.collected, october.closed, october.satisfaction_rate) == (1, 1, 1.0)
    assert await service.monthly_figures(first.id, date(2026, 11, 1), date(2026, 12, 1)) == {"收集": 4, "办结": 3}
    assert await service.monthly_figures(second.id, date(2026, 11, 1), date(2026, 12, 1)) == {"收集": 1, "办结": 0}


async def test_forgetting_a_person_keeps_the_figures(province):
    service, _, _, numbers = province
    before = await service.statistics(None, None)
    assert await service.forget_person(DRIVER.key) == 6
    assert await service.mine(DRIVER.key) == []
    appeal = await service.find(numbers[0])
    assert appeal.phone is None and appeal.description == appeal.place == "（已按保存期限删除）"
    assert appeal.appellant_key.startswith("gone:") and appeal.category == "运费拖欠"
    after = await service.statistics(None, None)
    assert after == before


async def _flags(service: AppealService, numbers) -> dict[str, tuple[bool, bool]]:
    async with service.database.reading() as session:
        rows = await session.execute(
            select(Appeal.number, Appeal.was_returned, Appeal.was_reopened).where(Appeal.number.in_(numbers))
        )
    return {number: (bool(returned), bool(reopened)) for number, returned, reopened in rows}


def _downgrade(connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, target)


async def test_returned_and_reopened_are_flags_on_the_row_and_the_migration_fills_them(province):
    service, _, _, numbers = province
    a, b, c, d, e, f = numbers
    month = (date(2026, 11, 1), date(2026, 12, 1))
    # Written with the trail line: b was handed back (退单), c reopened by 不满意; nobody else.
    assert await _flags(service, numbers) == {
        a: (False, False),
        b: (True, False),
        c: (False, True),
        d: (False, False),
        e: (False, False),
        f: (False, False),
    }
    before = await service.statistics(None, *month)
    assert (before.returned, before.reopened) == (1, 1)
    # A database from before the flags: the columns go, the trail stays; one more 退单 is written straight into
    # the trail there (as an older bot version would have).
    database = service.database
    async with database.engine.connect() as connection:
        await connection.run_sync(_downgrade, "appeals_0002")
        await connection.commit()
    async with database.session() as session:
        columns = list((await session.execute(text("SELECT * FROM appeal LIMIT 0"))).keys())
        assert "was_returned" not in columns and "was_reopened" not in columns
        d_id = await session.scalar(select(Appeal.id).where(Appeal.number == d))
        assert d_id is not None
        session.add(
            AppealEvent(
                appeal_id=d_id,
                at=clock.now(),
                actor_key=HANDLER.key,
                action="退单",
                from_state="已转办",
                to_state="已退单",
                note="",
            )
        )
    async with database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(AppealEvent)) > 20  # the trail survived
    await upgrade(database)
    assert await _flags(service, numbers) == {
        a: (False, False),
        b: (True, False),
        c: (False, True),
        d: (True, False),
        e: (False, False),
        f: (False, False),
    }
    after = await service.statistics(None, *month)
    assert (after.returned, after.reopened, after.transferred) == (2, 1, 2)
    assert replace(after, returned=1, transferred=1) == before


async def test_the_one_pass_totals_are_the_overall_figures(province):
    service, first, _, _ = province
    for branch_id, since, until in ((None, None, None), (first.id, date(2026, 11, 1), date(2026, 12, 1))):
        overall = (await service.figures(branch_id, since, until))[""]
        totals = await service.statistics(branch_id, since, until)
        assert replace(totals, by_category=[], avg_days=None) == replace(overall, avg_days=None)
        assert totals.avg_days == pytest.approx(overall.avg_days)
    assert await service.statistics(None, date(2027, 1, 1)) == Figures()  # nothing received: no groups, all zero


async def test_the_figures_of_any_set_of_appeals_come_from_one_definition(province):
    """The web view (a committee's subtree, a period it picks) asks `figures(..., scope=…)`: the same numbers as
    the figures by branch, 超期 included."""
    service, _, second, (*_, e, _) = province
    month = (date(2026, 11, 1), date(2026, 12, 1))
    scoped = (await service.figures(None, *month, scope=[Appeal.branch_id == second.id]))[""]
    by_branch = (await service.figures(None, *month, by="branch"))["花溪支部"]
    assert scoped == by_branch and (scoped.collected, scoped.overdue) == (1, 1)
    assert [o.appeal.number for o in await service.overdue(SUPERUSER, None) if o.appeal.branch_id == second.id] == [e]

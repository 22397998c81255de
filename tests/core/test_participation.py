"""Members' rates (`bot.core.participation`) computed by hand on a scripted month: two members, one who left, two
drivers who never registered; nothing may pass 100 %, and what non-members did is counted beside."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.core import clock, ledger, participation
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.members import MemberRecords
from bot.core.participation import Rate

SUPERUSER = Actor("qq", "10000", "5001", "10001")


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2027, 1, day, hour, 0, tzinfo=clock.tz())


@pytest.fixture
async def month(database):
    """January 2027, seen on the 4th: 张三 and 李四 members from the 1st, 王五 a member who left on the 3rd; two
    unregistered drivers (qq:8, qq:9). Check-ins: 张三 on 3 days, 李四 on 1, 王五 on 2 (before leaving), qq:8 on 4
    days, qq:9 on 1; answers: 张三 1, qq:8 2; 李四 handles an appeal (work, no participation)."""
    clock.set_now(at(1, 8))
    branches = BranchDirectory(database)
    members = MemberRecords(database, Roles(database, branches))
    branch = await branches.open(SUPERUSER, "乌当支部")
    for user, name in (("1", "张三"), ("2", "李四"), ("3", "王五")):
        await members.register(Actor("qq", user, "5001", "10001"), branch, {"name": name, "status": "党员"})
    entries = [
        *((day, "qq:1", ledger.STUDY) for day in (1, 2, 4)),
        (2, "qq:2", ledger.STUDY),
        *((day, "qq:3", ledger.STUDY) for day in (1, 2)),
        *((day, "qq:8", ledger.STUDY) for day in (1, 2, 3, 4)),
        (4, "qq:9", ledger.STUDY),
        (1, "qq:1", ledger.QUIZ),
        *((day, "qq:8", ledger.QUIZ) for day in (2, 3)),
        (3, "qq:2", ledger.APPEAL_HELP),
    ]
    async with database.session() as session:
        for day, user, kind in entries:
            clock.set_now(at(day))
            await ledger.record(session, user, branch.id, kind)
    clock.set_now(at(3, 12))
    await members.mark_left("qq", "5001", "3")
    clock.set_now(at(4, 20))
    return database, branch


async def test_the_months_rates_by_hand(month):
    database, branch = month
    first, end = date(2027, 1, 1), date(2027, 2, 1)
    assert participation.days_counted(first, end) == 4  # the 1st to the 4th have begun
    async with database.reading() as session:
        assert await participation.members(session, [branch.id], first, end) == {branch.id: 2}  # 王五 left
        rates = await participation.ledger_rates(session, (ledger.STUDY, ledger.QUIZ), [branch.id], first, end)
        active = await participation.active_members(session, [branch.id], first, end)
    # member-days: 张三 4 + 李四 4 + 王五 3 (the 1st to the day he left) = 11; members' check-ins while members:
    # 张三 3 + 李四 1 + 王五 2 (made before he left: still his branch's) = 6; qq:8's 4 and qq:9's 1 are beside
    assert rates[(branch.id, ledger.STUDY)] == Rate(done=6, possible=11, others=5)
    assert rates[(branch.id, ledger.STUDY)].value == pytest.approx(6 / 11)
    assert rates[(branch.id, ledger.QUIZ)] == Rate(done=1, possible=11, others=2)
    assert active == {branch.id: 2}  # 张三 and 李四 took part (李四 also by checking in, not by the appeal)


async def test_a_day_of_a_group_of_mostly_unregistered_drivers_stays_under_100_percent(month):
    database, branch = month
    async with database.reading() as session:
        day = await participation.ledger_rates(
            session, (ledger.STUDY,), [branch.id], date(2027, 1, 4), date(2027, 1, 5)
        )
    rate = day[(branch.id, ledger.STUDY)]
    assert rate == Rate(done=1, possible=2, others=2)  # 张三 of 2 members; qq:8 and qq:9 beside
    assert rate.value == pytest.approx(0.5) and rate.total == 3
    assert (rate + Rate(1, 3, 0)) == Rate(2, 5, 2)


async def test_a_driver_who_joins_today_is_not_counted_for_the_days_before(month):
    """A member who registers on the 4th after checking in that morning as a driver: the 4th is their one member-day,
    the morning's check-in was no member's (beside the rate); tomorrow's would be."""
    database, branch = month
    members = MemberRecords(database, Roles(database, BranchDirectory(database)))
    clock.set_now(at(4, 7))
    async with database.session() as session:
        await ledger.record(session, "qq:5", branch.id, ledger.STUDY)
    clock.set_now(at(4, 21))
    await members.register(Actor("qq", "5", "5001", "10001"), branch, {"name": "赵七", "status": "党员"})
    async with database.reading() as session:
        rates = await participation.ledger_rates(
            session, (ledger.STUDY,), [branch.id], date(2027, 1, 1), date(2027, 2, 1)
        )
        days = await participation.member_days(session, [branch.id], date(2027, 1, 1), date(2027, 2, 1))
    assert days == {branch.id: 12}  # 11 as above + 赵七's 4th, not 4 days for a member of one evening
    assert rates[(branch.id, ledger.STUDY)] == Rate(done=6, possible=12, others=6)


async def test_a_past_month_keeps_who_left_only_after_it(month):
    database, branch = month
    async with database.reading() as session:
        december = await participation.members(session, None, date(2026, 12, 1), date(2027, 1, 1))
        rates = await participation.ledger_rates(
            session, (ledger.STUDY,), [branch.id], date(2026, 12, 1), date(2027, 1, 1)
        )
    assert december == {}  # nobody had registered yet
    assert rates[(branch.id, ledger.STUDY)] == Rate(0, 0, 0)

"""The participation ledger: points, daily caps, reversals."""

from datetime import datetime, timedelta

import pytest

from bot.core import clock, ledger


async def test_daily_cap_limits_points_but_keeps_the_row(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    rules = ledger.PointRules(points={ledger.CONTACT: 2}, daily_cap={ledger.CONTACT: 3})
    async with database.session() as session:
        points = [(await ledger.record(session, "qq:1", None, ledger.CONTACT, rules=rules)).points for _ in range(3)]
    assert points == [2, 1, 0]
    clock.advance(timedelta(days=1))
    async with database.session() as session:
        assert (await ledger.record(session, "qq:1", None, ledger.CONTACT, rules=rules)).points == 2


async def test_a_reversal_is_a_new_row_and_only_once(database):
    async with database.session() as session:
        entry = await ledger.record(session, "qq:1", None, ledger.ORG_LIFE, "会议1")
    async with database.session() as session:
        await ledger.reverse(session, entry.id, "误记")
    async with database.session() as session:
        with pytest.raises(ValueError, match="更正过"):
            await ledger.reverse(session, entry.id, "again")
    async with database.session() as session:
        summary = await ledger.summary(session, "qq:1")
    assert summary[ledger.ORG_LIFE] == (0, 0)


async def test_unknown_kind_is_refused(database):
    async with database.session() as session:
        with pytest.raises(ValueError, match="unknown ledger kind"):
            await ledger.record(session, "qq:1", None, "刷分")


async def test_reverse_matching_reverses_each_earning_entry_once(database):
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    async with database.session() as session:
        for user in ("qq:1", "qq:2"):
            await ledger.record(session, user, None, ledger.ACTIVITY_SIGNUP, "activity:1")
            await ledger.record(session, user, None, ledger.ACTIVITY_CHECKIN, "activity:1", points=3)
        await ledger.record(session, "qq:1", None, ledger.ACTIVITY_SIGNUP, "activity:2")
    async with database.session() as session:
        mine = await ledger.reverse_matching(session, "activity:1", (ledger.ACTIVITY_SIGNUP,), "取消报名", "qq:1")
    assert [(c.user_key, c.points) for c in mine] == [("qq:1", -1)]
    async with database.session() as session:
        rest = await ledger.reverse_matching(
            session, "activity:1", (ledger.ACTIVITY_SIGNUP, ledger.ACTIVITY_CHECKIN), "活动取消"
        )
    assert sorted((c.user_key, c.points) for c in rest) == [("qq:1", -3), ("qq:2", -3), ("qq:2", -1)]
    async with database.session() as session:
        assert await ledger.reverse_matching(session, "activity:1", ledger.KINDS, "again") == []
        assert (await ledger.summary(session, "qq:1"))[ledger.ACTIVITY_SIGNUP] == (1, 1)  # activity:2 stays


async def test_only_reversals_of_todays_entries_free_todays_cap(database):
    clock.set_now(datetime(2026, 11, 22, 9, 0, tzinfo=clock.tz()))
    async with database.session() as session:
        yesterday = await ledger.record(session, "qq:1", None, ledger.STUDY, "a")
    clock.advance(timedelta(days=1))
    async with database.session() as session:
        today = await ledger.record(session, "qq:1", None, ledger.STUDY, "b")
        await ledger.reverse(session, yesterday.id, "误记")
        assert await ledger.points_today(session, "qq:1", ledger.STUDY, today.day) == 1
        assert (await ledger.record(session, "qq:1", None, ledger.STUDY, "c")).points == 0
        await ledger.reverse(session, today.id, "误记")
        assert await ledger.points_today(session, "qq:1", ledger.STUDY, today.day) == 0
        assert (await ledger.record(session, "qq:1", None, ledger.STUDY, "d")).points == 1

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
        with pytest.raises(ValueError):
            await ledger.record(session, "qq:1", None, "刷分")

"""The data layer works on both databases and keeps times aware."""

from datetime import datetime

from sqlalchemy import select

from bot.core import clock
from bot.core.models import Branch


async def test_branch_round_trip_keeps_timezone(database):
    clock.set_now(datetime(2026, 11, 23, 7, 30, tzinfo=clock.tz()))
    async with database.session() as session:
        session.add(Branch(name="测试支部", platform="qq", group_id="1", created_by="qq:1", created_at=clock.now()))
    async with database.session() as session:
        branch = await session.scalar(select(Branch))
    assert branch.created_at == clock.now()
    assert branch.created_at.utcoffset() is not None

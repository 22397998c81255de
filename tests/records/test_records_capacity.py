"""Capacity is enforced by the database: concurrent sign-ups through two connections' pools never overbook."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.features.records.models import Activity, ActivitySignup
from bot.features.records.service import RecordsService

SUPERUSER = Actor("qq", "10000", "5001", "10001")
PEOPLE = 40
CAPACITY = 3


async def test_concurrent_sign_ups_never_overbook(database):
    """Two Database objects (as two bot processes would have) and many sign-ups at once; capacity 3."""
    clock.set_now(datetime(2026, 11, 10, 9, 0, tzinfo=clock.tz()))
    branch = await BranchDirectory(database).open(SUPERUSER, "名额支部")
    first = RecordsService(database)
    activity = await first.publish(
        branch.id,
        SUPERUSER.key,
        {"title": "主题党日", "starts_at": clock.now(), "place": "线上", "capacity": CAPACITY, "points": 3},
    )
    other_database = Database(database.url)
    second = RecordsService(other_database)
    try:
        services = (first, second)
        results = await asyncio.gather(
            *(services[i % 2].sign_up(branch.id, activity.id, f"qq:{100 + i}") for i in range(PEOPLE)),
            return_exceptions=True,
        )
    finally:
        await other_database.dispose()
    assert not [r for r in results if isinstance(r, BaseException)]
    statuses = [r.status for r in results if not isinstance(r, BaseException)]
    assert statuses.count("registered") == CAPACITY
    assert statuses.count("waiting") == PEOPLE - CAPACITY
    async with database.reading() as session:
        registered = await session.scalar(
            select(func.count()).where(ActivitySignup.activity_id == activity.id, ActivitySignup.status == "registered")
        )
        taken = await session.scalar(select(Activity.taken).where(Activity.id == activity.id))
    assert registered == taken == CAPACITY
    positions = sorted(r.position for r in results if not isinstance(r, BaseException) and r.status == "waiting")
    assert positions[-1] == PEOPLE - CAPACITY


async def test_the_same_person_twice_at_once_keeps_one_sign_up(database):
    clock.set_now(datetime(2026, 11, 10, 9, 0, tzinfo=clock.tz()))
    branch = await BranchDirectory(database).open(SUPERUSER, "名额支部")
    first = RecordsService(database)
    activity = await first.publish(
        branch.id,
        SUPERUSER.key,
        {"title": "主题党日", "starts_at": clock.now(), "place": "线上", "capacity": 2, "points": 3},
    )
    other_database = Database(database.url)
    try:
        results = await asyncio.gather(
            first.sign_up(branch.id, activity.id, "qq:7"),
            RecordsService(other_database).sign_up(branch.id, activity.id, "qq:7"),
            return_exceptions=True,
        )
    finally:
        await other_database.dispose()
    assert all(not isinstance(r, BaseException) or isinstance(r, Conflict) for r in results)
    async with database.reading() as session:
        rows = await session.scalar(select(func.count()).where(ActivitySignup.activity_id == activity.id))
        taken = await session.scalar(select(Activity.taken).where(Activity.id == activity.id))
    assert rows == 1 and taken == 1

"""Leader election: one process at a time runs the jobs that must run once; another takes over when it goes."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.core.leader import Leadership


async def _terminate_connections_of(database, application_pids: list[int]) -> None:
    """What a dropped network does to a leader: the server ends its connection."""
    parsed = make_url(database.url)
    admin = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, database=parsed.database)
    try:
        for pid in application_pids:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_one_leader_and_a_successor_when_it_stops_or_loses_its_connection(database):
    first, second = Leadership(database, poll_seconds=0.2), Leadership(database, poll_seconds=0.2)
    if database.is_sqlite:  # one process is the supported shape on SQLite: it always leads
        assert first.is_leader and await first.campaign()
        return
    elected: list[str] = []

    async def second_elected() -> None:
        elected.append("second")

    second.on_elected.append(second_elected)
    try:
        assert await first.campaign() is True
        assert await second.campaign() is False  # the lock is held
        assert await first.campaign() is True  # still holding it
        await first.stop()  # a clean shutdown hands over at once
        assert await second.campaign() is True
        assert second._elected is not None
        await second._elected
        assert elected == ["second"]
        assert await first.campaign() is False

        # The leader's connection is cut (network, server restart): it steps down at its next round, and the lock
        # went with the connection, so the other one takes it.
        assert second._connection is not None
        pid = await second._connection.scalar(text("SELECT pg_backend_pid()"))
        await _terminate_connections_of(database, [pid])
        assert await second.campaign() is False
        assert await first.campaign() is True
    finally:
        await first.stop()
        await second.stop()

"""One elected process runs the jobs that must run once (retention, 催办/督办 scans, backups, reports).

On PostgreSQL the leader is the process that holds a session-level advisory lock on a connection of its own: the
server releases it the moment that connection ends (the process died, or the network dropped it and TCP keepalives
noticed), and another process takes it at its next poll. On SQLite a single process is the supported shape, so the
one process is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from .db import Database

log = logging.getLogger(__name__)

# Distinct from the migration lock (bot.core.migrate.PG_MIGRATION_LOCK); advisory locks are scoped to one database.
PG_LEADER_LOCK = 72_014_053
# The server drops a silent client after idle + interval × count seconds, which releases the lock.
KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


class Leadership:
    """Whether this process is the leader, kept true by a background poll; `on_elected` runs on each election."""

    def __init__(self, database: Database, poll_seconds: float = 15.0, key: int = PG_LEADER_LOCK) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.key = key
        self.on_elected: list[Callable[[], Awaitable[object]]] = []
        self._leader = not self.shared
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task | None = None
        self._elected: asyncio.Task | None = None

    @property
    def shared(self) -> bool:
        """Whether several processes may share the database (PostgreSQL), so an election is needed."""
        return self.database.dialect == "postgresql"

    @property
    def is_leader(self) -> bool:
        """Whether this process runs the jobs that must run once, now."""
        return self._leader

    def start(self) -> None:
        """Campaign in the background (on SQLite there is nothing to do: the one process leads)."""
        if self.shared and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._loop(), name="redwheel-leader")

    async def stop(self) -> None:
        """Stop campaigning and give the lock back at once (a clean shutdown hands over without waiting)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _loop(self) -> None:
        """One round every poll interval; a failure costs leadership, never the process."""
        while True:
            await self.campaign()
            await asyncio.sleep(self.poll_seconds)

    async def campaign(self) -> bool:
        """One round: a leader checks its connection still holds the lock; a follower tries to take it."""
        if not self.shared:
            return True
        try:
            if self._leader:
                await asyncio.wait_for(self._still_holding(), max(self.poll_seconds, 1.0))
            else:
                await asyncio.wait_for(self._try_take(), max(self.poll_seconds, 1.0))
        except Exception as error:  # the database is away: whoever cannot see it must not act as leader
            if self._leader:
                log.warning("leadership lost: %s", type(error).__name__)
            await self._drop()
        return self._leader

    async def _still_holding(self) -> None:
        """The lock is held by our own connection (it is, while the connection lives)."""
        assert self._connection is not None
        await self._connection.execute(text("SELECT 1"))

    async def _try_take(self) -> None:
        """Take the lock if nobody holds it; on success this process leads until its connection ends."""
        if self._connection is None:
            if self._engine is None:
                self._engine = create_async_engine(self.database.url, poolclass=NullPool)
            connection = await self._engine.connect()
            for name, value in KEEPALIVES.items():
                await connection.execute(text(f"SET {name} = {int(value)}"))
            await connection.commit()
            self._connection = connection
        taken = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        await self._connection.commit()
        if taken:
            self._leader = True
            log.info("this process is now the leader (runs the jobs that must run once)")
            self._elected = asyncio.create_task(self._catch_up(), name="redwheel-elected")

    async def _catch_up(self) -> None:
        """The work a new leader does at once (a daily job its predecessor may have missed), outside the poll."""
        for work in self.on_elected:
            try:
                await work()
            except Exception as error:  # one failed catch-up must not stop the others
                log.error("work on election failed: %s", type(error).__name__)

    async def _drop(self) -> None:
        """Close the lock's connection: the server releases the lock with it."""
        self._leader = not self.shared
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

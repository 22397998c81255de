"""The data layer: one async engine per process, SQLite (WAL) by default or PostgreSQL by URL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_in_write: ContextVar[bool] = ContextVar("redwheel_in_write", default=False)


class AwareDateTime(TypeDecorator):
    """Stores UTC and always returns aware datetimes, also on SQLite which keeps no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Refuse naive times: every time in Redwheel carries its zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use bot.core.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """SQLite gives naive UTC back; attach the zone."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    """Declarative base of every table; models of all plugins share its metadata."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict] = {datetime: AwareDateTime()}


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (the driver would defer it past our pragmas).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        # Readers start a plain (deferred) transaction: in WAL they never block and are never blocked.
        readonly = connection.get_execution_options().get("redwheel_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def private_sqlite_file(path: Path) -> None:
    """The database file readable by the bot's user only (0600), created so before SQLite opens it; SQLite gives
    its -wal and -shm files the database file's mode. A file found looser (an older version made it 0644) is
    tightened, with its -wal and -shm."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for one in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if one.exists() and one.stat().st_mode & 0o077:
            one.chmod(0o600)


def create_engine(url: str) -> AsyncEngine:
    """An engine for `url`; creates the SQLite file (0600) and its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_file(Path(parsed.database))
        # hide_parameters: an error's text must not carry the phone or message being written (it may reach a log).
        engine = create_async_engine(url, pool_size=5, max_overflow=5, pool_timeout=60, hide_parameters=True)
        _prepare_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True)


class Database:
    """An engine and its session factory; services take one of these."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.dialect = self.engine.dialect.name
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time: queue this process's writers here, in order, instead of in
        # SQLite's busy handler (which sleeps and retries); other processes still wait on busy_timeout.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One read-write transaction: committed when the block ends, rolled back on any error. Never nest two."""
        if self._write_lock is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        if _in_write.get():
            raise RuntimeError("nested database.session(): finish the open transaction first")
        token = _in_write.set(True)
        try:
            async with self._write_lock, self._sessions() as session, session.begin():
                yield session
        finally:
            _in_write.reset(token)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction: runs beside writers, sees a consistent snapshot, writes nothing."""
        async with self._sessions() as session:
            await session.connection(execution_options={"redwheel_readonly": True})
            yield session  # closing the session ends the transaction and keeps loaded objects usable

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

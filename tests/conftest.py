"""Shared test set-up: a real SQLite file (and PostgreSQL when it answers), a settable clock, NoneBot via nonebug."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="redwheel-tests-"))
os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{_TMP / 'bot.db'}"
os.environ.setdefault("SUPERUSERS", '["10000"]')
os.environ["DELIVERY_ENABLED"] = "false"  # nonebug's bots are no chat platform; e2e processes turn it on
os.environ["ENVIRONMENT"] = "test"  # no .env.prod of a developer leaks in
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["RECORDS_EXPORT_DIR"] = str(_TMP / "exports")

PG_ADMIN_URL = os.environ.get("REDWHEEL_TEST_PG", "postgresql://127.0.0.1:5432/test")


NONEBOT_SETTINGS = {
    "driver": "~fastapi+~websockets",
    "command_start": ["/", "#"],
    "command_sep": [" "],
    "superusers": ["10000"],
    "log_level": "WARNING",
    "apscheduler_autostart": False,
}


def _start_nonebot() -> None:
    """Start NoneBot and load every plugin before any test module (or sub-folder conftest) imports a plugin."""
    import nonebot
    from nonebot.adapters.onebot.v11 import Adapter as V11
    from nonebot.adapters.onebot.v12 import Adapter as V12
    from nonebot.matcher import matchers
    from nonebug.provider import NoneBugProvider

    nonebot.init(**NONEBOT_SETTINGS)
    matchers.set_provider(NoneBugProvider)
    driver = nonebot.get_driver()
    driver.register_adapter(V11)
    driver.register_adapter(V12)
    from bot import logs, runtime
    from bot.app import load_plugins

    logs.install()
    runtime.install()
    load_plugins()


_start_nonebot()


def pytest_configure(config: pytest.Config) -> None:
    """Hand nonebug the settings NoneBot was started with."""
    from nonebug import NONEBOT_INIT_KWARGS

    config.stash[NONEBOT_INIT_KWARGS] = NONEBOT_SETTINGS


@pytest.fixture(scope="session", autouse=True)
def _nonebot_init() -> None:
    """Replaces nonebug's fixture of the same name: NoneBot was started when this conftest was imported."""


@pytest.fixture(autouse=True)
def _free_clock():
    """Every test starts on the real clock and leaves it so."""
    from bot.core import clock

    clock.set_now(None)
    yield
    clock.set_now(None)


_template: Path | None = None


async def _sqlite_template() -> Path:
    """Migrate one SQLite file per session; each test gets a copy (a fresh, fully migrated database)."""
    global _template
    if _template is None:
        from bot.core.db import Database
        from bot.core.migrate import upgrade

        path = _TMP / "template.db"
        database = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await database.dispose()
        _template = path
    return _template


_pg_reason: list[str | None] = []


async def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason to skip (asked once per session)."""
    if _pg_reason:
        return _pg_reason[0]
    _pg_reason.append(await _probe_pg())
    return _pg_reason[0]


async def _probe_pg() -> str | None:
    """Try one connection."""
    try:
        import asyncpg

        connection = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), 3)
        await connection.close()
        return None
    except Exception as error:  # any failure to connect means: skip with the reason
        return f"PostgreSQL at {PG_ADMIN_URL} not reachable: {error!r}"


def _without_postgresql(reason: str) -> None:
    """Skip with the reason; under CI=true fail instead: CI must never go green with its PostgreSQL tests skipped
    (.ci/run starts a server when none answers)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} — CI=true: the PostgreSQL tests must run (.ci/run starts a server)", pytrace=False)
    pytest.skip(reason)


def _pg_url(name: str) -> str:
    """The SQLAlchemy URL of a database on the test server."""
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"


_pg_templates: list[str] = []


async def _pg_template() -> str:
    """Migrate one PostgreSQL database per test process; each test's database is a copy of it (CREATE DATABASE …
    TEMPLATE takes a tenth of a second where running every migration took seconds)."""
    if not _pg_templates:
        import asyncpg

        from bot.core.db import Database
        from bot.core.migrate import upgrade

        name = f"redwheel_tpl_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(PG_ADMIN_URL)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        database = Database(_pg_url(name))
        await upgrade(database)
        await database.dispose()  # no connection may stay on a template while it is copied
        _pg_templates.append(name)
    return _pg_templates[0]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this process's PostgreSQL template."""
    if not _pg_templates:
        return

    async def drop() -> None:
        import asyncpg

        admin = await asyncpg.connect(PG_ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{_pg_templates[0]}" WITH (FORCE)')
        await admin.close()

    with contextlib.suppress(Exception):
        asyncio.run(drop())


@contextlib.asynccontextmanager
async def _fresh_pg(*, migrated: bool = False) -> AsyncIterator[str]:
    """A new PostgreSQL database's URL — empty, or a copy of the migrated template — dropped afterwards (skipped, or
    failed under CI, without a server)."""
    reason = await _pg_available()
    if reason:
        _without_postgresql(reason)
    import asyncpg

    name = f"redwheel_t_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{await _pg_template()}"' if migrated else ""
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"{template}')
    await admin.close()
    try:
        yield _pg_url(name)
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def pg_url():
    """The URL of a new, empty PostgreSQL database (for bot processes that migrate it themselves)."""
    async with _fresh_pg() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest):
    """A fresh, migrated database: a SQLite file, and PostgreSQL (a new database) when it answers."""
    from bot.core.db import Database

    if request.param == "sqlite":
        path = _TMP / f"{uuid.uuid4().hex}.db"
        shutil.copy(await _sqlite_template(), path)
        db = Database(f"sqlite+aiosqlite:///{path}")
        yield db
        await db.dispose()
        path.unlink(missing_ok=True)
        return
    async with _fresh_pg(migrated=True) as url:
        db = Database(url)
        yield db
        await db.dispose()


@pytest.fixture
async def sqlite_database():
    """A fresh, migrated SQLite database only (for tests that are about SQLite itself)."""
    from bot.core.db import Database

    path = _TMP / f"{uuid.uuid4().hex}.db"
    shutil.copy(await _sqlite_template(), path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    yield db
    await db.dispose()

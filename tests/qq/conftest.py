"""Nonebug tests of the official QQ bot: each test gets its own migrated database and services."""

import shutil
import uuid

import pytest


@pytest.fixture(autouse=True)
async def own_services(tmp_path):
    """A fresh SQLite copy of the migrated template, services built over it and swapped into the runtime."""
    from bot import runtime
    from bot.core.db import Database
    from bot.core.settings import get_settings
    from bot.services import build_services
    from tests.conftest import _sqlite_template

    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(await _sqlite_template(), path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    fresh = build_services(get_settings(), database=database, send=runtime._send, accounts=runtime.connected_accounts)
    fresh.appeals.evidence.root = tmp_path / "evidence"  # pictures and voice kept by this test stay in it
    for work in fresh.startup:
        await work()
    old = runtime.use(fresh)
    yield fresh
    runtime.use(old)
    await database.dispose()

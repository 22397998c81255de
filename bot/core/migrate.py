"""Schema migrations with alembic: core and each plugin keep their own branch, all applied on start-up."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .db import Database

BOT_DIR = Path(__file__).resolve().parents[1]
CORE_VERSIONS = BOT_DIR / "migrations" / "versions"
# Serialises start-up migrations when several bot processes share one PostgreSQL database.
PG_MIGRATION_LOCK = 72_014_052
# Serialises a whole start-up (migrations, then the features' seeding: sample stations, study materials), so two
# processes started together on a new database do not both seed it.
PG_STARTUP_LOCK = 72_014_054


def plugin_version_dirs() -> list[Path]:
    """Every plugin folder that ships migrations."""
    return sorted(p for p in (BOT_DIR / "features").glob("*/migrations") if p.is_dir())


def import_all_models() -> None:
    """Import the core and every feature's models so their tables join Base.metadata (no NoneBot needed)."""
    importlib.import_module("bot.core.models")
    for folder in plugin_version_dirs():
        module = f"bot.features.{folder.parent.name}.models"
        if (folder.parent / "models.py").exists():
            importlib.import_module(module)


def alembic_config(url: str | None = None) -> Config:
    """An alembic configuration built in code, so no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(BOT_DIR / "migrations"))
    locations = [str(CORE_VERSIONS), *(str(p) for p in plugin_version_dirs())]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection, config: Config, target: str) -> None:
    """Run alembic on an open connection (called through run_sync)."""
    config.attributes["connection"] = connection
    command.upgrade(config, target)


async def upgrade(database: Database, target: str = "heads") -> None:
    """Bring the schema up to date; an upgrade only adds, it never drops data."""
    config = alembic_config()
    async with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        try:
            await connection.run_sync(_upgrade, config, target)
            await connection.commit()
        finally:
            if database.dialect == "postgresql":
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
                await connection.commit()


@asynccontextmanager
async def one_process_at_a_time(database: Database, key: int = PG_STARTUP_LOCK) -> AsyncIterator[None]:
    """On PostgreSQL, hold a session-level advisory lock for the block (other processes wait); elsewhere nothing."""
    if database.dialect != "postgresql":
        yield
        return
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            await connection.commit()


def _current_heads(connection) -> set[str]:
    """The revisions the database is at."""
    return set(MigrationContext.configure(connection).get_current_heads())


async def schema_state(database: Database) -> tuple[set[str], set[str]]:
    """(revisions in the database, revisions this code knows as heads)."""
    script = ScriptDirectory.from_config(alembic_config())
    async with database.engine.connect() as connection:
        current = await connection.run_sync(_current_heads)
    return current, set(script.get_heads())


async def pending_revisions(database: Database) -> list[str]:
    """Revisions this code would still apply to the database (empty: up to date)."""
    script = ScriptDirectory.from_config(alembic_config())
    current, _ = await schema_state(database)
    applied = {rev.revision for rev in script.revision_map.iterate_revisions(tuple(current), "base") if rev}
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in applied]


def known_revisions() -> set[str]:
    """Every revision this code ships."""
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}

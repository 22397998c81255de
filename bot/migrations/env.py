"""Alembic environment: runs on the connection bot.core.migrate hands over, or on sqlalchemy.url for the CLI."""

from alembic import context
from sqlalchemy import create_engine

from bot.core.db import Base

# Revisions need no models to run; autogenerate (scripts/make_migration.py) loads every plugin first so that
# all tables are on Base.metadata. Importing plugin models here would need a running NoneBot.
target_metadata = Base.metadata


def _run(connection) -> None:
    """Configure and run the migrations on one connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table.
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("migrations run from bot.core.migrate, which passes a connection or sqlalchemy.url")
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    with engine.connect() as sync_connection:
        _run(sync_connection)

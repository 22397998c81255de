"""Migrations: the schema they build matches the models, and an upgrade keeps every row."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select

from bot.core import clock
from bot.core.db import Base, Database
from bot.core.migrate import import_all_models, pending_revisions, upgrade
from bot.core.models import Member


async def test_the_migrated_schema_matches_the_models(database):
    import_all_models()

    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


async def test_upgrading_an_older_database_keeps_its_data(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    await upgrade(database, "core@core_0001")
    now = clock.now()
    async with database.session() as session:  # only the columns core_0001 had (later ones do not exist yet)
        branch_id = (
            await session.execute(
                insert(Base.metadata.tables["branch"])
                .values(name="老支部", platform="qq", group_id="1", created_by="qq:1", created_at=now)
                .returning(Base.metadata.tables["branch"].c.id)
            )
        ).scalar_one()
        await session.execute(
            insert(Base.metadata.tables["member"]).values(
                branch_id=branch_id,
                user_key="qq:2",
                name="张三",
                phone="13812345678",
                declared_status="党员",
                registered_at=now,
                updated_at=now,
            )
        )
    await upgrade(database)
    await upgrade(database)  # a second start changes nothing
    async with database.reading() as session:
        member = await session.scalar(select(Member))
    pending = await pending_revisions(database)
    await database.dispose()
    assert member is not None
    assert member.name == "张三" and member.phone == "13812345678"
    assert pending == []

"""Write a new alembic revision for the core or one plugin by comparing the models with a migrated scratch database.

python scripts/make_migration.py core "what changed"
python scripts/make_migration.py study "what changed"     # a plugin's first revision starts its own branch
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from bot.app import create_app
from bot.core.db import Database
from bot.core.migrate import BOT_DIR, CORE_VERSIONS, alembic_config, upgrade


async def main(area: str, message: str) -> None:
    """Generate the revision file."""
    create_app()  # load every plugin, so every model is on the metadata
    folder = CORE_VERSIONS if area == "core" else BOT_DIR / "features" / area / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp()) / "scratch.db"
    database = Database(f"sqlite+aiosqlite:///{scratch}")
    await upgrade(database)
    script = ScriptDirectory.from_config(alembic_config())
    heads = {
        script.get_revision(h).branch_labels and next(iter(script.get_revision(h).branch_labels)): h
        for h in script.get_heads()
    }
    count = len(list(folder.glob("*.py")))
    revision_id = f"{area}_{count + 1:04d}"
    options: dict = {"message": message, "autogenerate": True, "version_path": str(folder), "rev_id": revision_id}
    if area in heads:
        options["head"] = f"{area}@head"
    else:
        options.update(head="base", branch_label=area, depends_on="core_0001" if area != "core" else None)

    def generate(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, **options)

    async with database.engine.connect() as connection:
        await connection.run_sync(generate)
    await database.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2]))

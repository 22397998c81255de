"""A built wheel (not an editable install) carries its data and starts from any directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, json, sys
import bot
from sqlalchemy import text
from bot.core.migrate import upgrade
from bot.services import build_services


async def main():
    services = build_services()
    await upgrade(services.database)
    for work in services.startup:
        await work()
    async with services.database.reading() as session:
        materials = await session.scalar(text("select count(*) from study_material"))
        stations = await session.scalar(text("select count(*) from station"))
    await services.database.dispose()
    print(json.dumps({"package": bot.__file__, "materials": materials, "stations": stations}))


asyncio.run(main())
"""


def test_a_built_wheel_has_its_materials_stations_and_regions_from_any_directory(tmp_path):
    wheels, site, run = tmp_path / "wheels", tmp_path / "site", tmp_path / "somewhere"
    run.mkdir()
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)], check=True)
    wheel = next(wheels.glob("redwheel-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RECORDS_EXPORT_DIR")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=run, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["package"].startswith(str(site)), "the wheel's copy must be the one imported"
    assert found["materials"] >= 30 and found["stations"] >= 80
    assert (run / "data" / "redwheel.db").exists(), "the database goes to data/ of the working directory"

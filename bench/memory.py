"""Resident memory and start-up time of the whole bot, bare and with a province loaded.

    python bench/memory.py

Starts the bot as a process on an empty database and on a generated province (200 branches, 25,000 drivers,
300,000 ledger rows, 20,000 appeals), and prints the time until it answers its first command and its resident
memory (VmRSS) after that. Stops by itself.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from generate import appeals, fresh, ledger_rows, province

from tests.support.botprocess import BotProcess


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(label: str, url: str, workdir: Path) -> dict:
    """Start, wait for the first answer, read memory."""
    process = BotProcess(workdir, database_url=url, env={"LOG_LEVEL": "WARNING"})
    started = time.perf_counter()
    process.start()
    client = await process.client()
    await client.ask("800000", "2000000", "/支部")
    try:
        await client.ask("800000", "2000000", "/驿站 贵阳 洗澡")  # the station index and jieba are loaded by now
    except TimeoutError:
        pass  # a build without the stations plugin
    ready = time.perf_counter() - started
    assert process.process is not None
    memory = rss_mib(process.process.pid)
    await client.close()
    process.stop()
    return {"case": label, "first_answer_s": round(ready, 2), "rss_mib": round(memory, 1)}


async def main() -> None:
    """Both cases, one table."""
    workdir = Path(tempfile.mkdtemp(prefix="redwheel-memory-"))
    empty = await measure("empty database", f"sqlite+aiosqlite:///{workdir / 'empty.db'}", workdir / "empty")
    url = f"sqlite+aiosqlite:///{workdir / 'province.db'}"
    database = await fresh(url)
    await province(database)
    await ledger_rows(database, 300_000, 200, 25_000)
    await appeals(database, 20_000, 5, 200)
    await database.dispose()
    loaded = await measure("province loaded", url, workdir / "province")
    print(f"{'case':20}{'first answer s':>16}{'RSS MiB':>10}")
    for row in (empty, loaded):
        print(f"{row['case']:20}{row['first_answer_s']:>16}{row['rss_mib']:>10}")
    print(json.dumps({"bench": "memory", "results": [empty, loaded]}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

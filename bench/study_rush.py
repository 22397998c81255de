"""The morning rush over the real OneBot v11 WebSocket: 2,000 members send 打卡, then 2,000 ask /答题 and answer
with a bare letter (the bot waits for it as an entry in a dict, not as 2,000 waiting matchers).

    python bench/study_rush.py [--members 2000] [--concurrency 50] [--postgres URL]

Starts the whole bot as a process, sends the check-ins from `concurrency` members at a time across 10 branch
groups, measures each round trip, then counts the rows: every check-in and answer recorded exactly once (no lost or
doubled rows). The rate limits are raised for the run (a real group does not send 200 打卡 in two seconds; the
limits have tests of their own). Prints messages per second, p50/p99 latency, and a JSON line. Stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.core.actor import Actor  # noqa: E402
from bot.core.branches import BranchDirectory  # noqa: E402
from bot.core.db import Database  # noqa: E402
from tests.support.botprocess import BotProcess  # noqa: E402

GROUPS = [str(900100 + n) for n in range(10)]


async def rush(client, members: int, concurrency: int, message) -> dict:
    """`members` people each send one message; round-trip latency of each reply."""
    waiting: dict[tuple[str, str], asyncio.Future] = {}

    async def route() -> None:
        while True:
            call = await client.calls.get()
            if not call.is_send or not call.target or call.target[0] != "group":
                continue
            for seg in call.params.get("message", []):
                if seg.get("type") == "at":
                    future = waiting.pop((call.target[1], str(seg["data"]["qq"])), None)
                    if future and not future.done():
                        future.set_result(time.perf_counter())
                    break

    router = asyncio.create_task(route())
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        group, user = GROUPS[n % len(GROUPS)], str(4_000_000 + n)
        async with semaphore:
            future = asyncio.get_running_loop().create_future()
            waiting[(group, user)] = future
            sent = time.perf_counter()
            await client.group_message(group, user, message(n))
            latencies.append(await asyncio.wait_for(future, 120) - sent)

    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(members)))
    wall = time.perf_counter() - start
    router.cancel()
    latencies.sort()
    return {
        "per_s": round(members / wall, 1),
        "wall_s": round(wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000, 1),
    }


async def main() -> None:
    """Run the rush against SQLite (or PostgreSQL) and check the rows."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="redwheel-rush-"))
    url = args.postgres or f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
    limits = {"RATE_USER_BURST": "100", "RATE_GROUP_BURST": "100000", "RATE_GROUP_PER_MINUTE": "1000000"}
    bot = BotProcess(workdir, database_url=url, env={"LOG_LEVEL": "WARNING", **limits})
    bot.start()
    try:
        database = Database(url)
        directory = BranchDirectory(database)
        for group in GROUPS:
            await directory.open(Actor("qq", "10000", group, "10001", group_role="owner"), f"早高峰{group}")
        await database.dispose()
        client = await bot.client()
        await client.ask(GROUPS[0], "10000", "/学习")  # today's material is chosen
        checkin = await rush(client, args.members, args.concurrency, lambda n: "打卡")
        asked = await rush(client, args.members, args.concurrency, lambda n: "/答题")
        answers = await rush(client, args.members, args.concurrency, lambda n: "abc"[n % 3])
        await client.close()
    finally:
        bot.stop()
    database = Database(url)
    async with database.reading() as session:
        checkins = await session.scalar(text("SELECT count(*) FROM study_checkin"))
        distinct = await session.scalar(text("SELECT count(DISTINCT user_key) FROM study_checkin"))
        ledger = await session.scalar(text("SELECT count(*) FROM ledger_entry WHERE kind = '学习打卡'"))
        quiz = await session.scalar(text("SELECT count(*) FROM quiz_answer"))
    await database.dispose()
    print(f"database: {url.split(':')[0]}, members: {args.members}, concurrency: {args.concurrency}")
    print(f"{'':14}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'打卡':14}{checkin['per_s']:>10}{checkin['p50_ms']:>10}{checkin['p99_ms']:>10}")
    print(f"{'/答题':14}{asked['per_s']:>10}{asked['p50_ms']:>10}{asked['p99_ms']:>10}")
    print(f"{'bare letter':14}{answers['per_s']:>10}{answers['p50_ms']:>10}{answers['p99_ms']:>10}")
    print(
        f"rows: check-ins {checkins} (distinct {distinct}), ledger {ledger}, answers {quiz}"
        f" — expected {args.members} each"
    )
    print(
        json.dumps(
            {
                "bench": "study_rush",
                "checkin": checkin,
                "question": asked,
                "answers": answers,
                "rows": {"checkins": checkins, "ledger": ledger, "answers": quiz},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())

"""/积分, /积分榜, /月报 over 1,000,000 ledger rows and /诉求 统计 over 100,000 appeals with 1,000,000 trail events.

    python bench/records_appeals.py [--ledger 1000000] [--appeals 100000] [--postgres URL]

Generates the data into a fresh SQLite file (and PostgreSQL when a URL is given), then times each query 20 times
through the same services the commands call, and prints p50/p99 in milliseconds plus one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from generate import appeals, fresh, ledger_rows, province

from bot.core import clock
from bot.core.branches import BranchDirectory, Roles
from bot.core.models import Branch
from bot.features.appeals.service import AppealService
from bot.features.records.service import RecordsService


async def timed(label: str, call, runs: int = 20) -> dict:
    """p50/p99 of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"query": label, "p50_ms": round(statistics.median(samples), 2), "p99_ms": round(samples[-1], 2)}


async def sign_up_and_back(records: RecordsService, activity_id: int) -> None:
    """One sign-up (a seat, a capped ledger row) and its withdrawal (a correction row)."""
    await records.sign_up(1, activity_id, "qq:3000001")
    await records.withdraw(1, activity_id, "qq:3000001")


async def run(url: str, ledger_count: int, appeal_count: int) -> list[dict]:
    """Generate and measure on one database."""
    started = time.perf_counter()
    database = await fresh(url)
    await province(database, branches=200, drivers=25_000, member_drivers=6_000)
    await ledger_rows(database, ledger_count, 200, 25_000)
    await appeals(database, appeal_count, 10, 200)
    generated = time.perf_counter() - started
    appeal_service = AppealService(database, Roles(database, BranchDirectory(database)))
    records = RecordsService(database, appeals=appeal_service)  # /月报 asks appeals for its figures, as in the bot
    async with database.reading() as session:
        branch = await session.get(Branch, 1)
    assert branch is not None
    month = clock.today().replace(day=1)
    exports = Path(tempfile.mkdtemp())
    activity = await records.publish(
        1,
        "qq:3000001",
        {"title": "bench", "starts_at": clock.now(), "place": "线上", "capacity": 0, "points": 3},
    )
    results = [
        await timed("/积分", lambda: records.points("qq:3000001")),
        await timed("/积分榜", lambda: records.ranking(1, month)),
        await timed("/月报", lambda: records.monthly(branch, month)),
        await timed("/台账 导出 xlsx (one branch)", lambda: records.export(branch, exports, full=False, fmt="xlsx")),
        await timed("/报名 + /报名 取消 (ledger cap)", lambda: sign_up_and_back(records, activity.id)),
        await timed("/诉求 统计 全部 (all branches)", lambda: appeal_service.statistics(None, None)),
        await timed(
            "/诉求 统计 本年 (one branch)", lambda: appeal_service.statistics(1, clock.today().replace(month=1, day=1))
        ),
    ]
    await database.dispose()
    for result in results:
        result["database"] = database.dialect
        result["generate_s"] = round(generated, 1)
    return results


async def main() -> None:
    """Measure on SQLite (and PostgreSQL)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://… of an empty database")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "bench.db"
    results = await run(f"sqlite+aiosqlite:///{path}", args.ledger, args.appeals)
    if args.postgres:
        results += await run(args.postgres, args.ledger, args.appeals)
    print(f"ledger rows {args.ledger:,}, appeals {args.appeals:,} with {args.appeals * 10:,} trail events")
    print(f"{'database':12}{'query':36}{'p50 ms':>10}{'p99 ms':>10}")
    for r in results:
        print(f"{r['database']:12}{r['query']:36}{r['p50_ms']:>10}{r['p99_ms']:>10}")
    print(json.dumps({"bench": "records_appeals", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

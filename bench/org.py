"""Every scoped figure and list of a generated province, as a county, a city and the province ask for it.

    python bench/org.py [--scale 1] [--runs 30] [--postgres URL]

The province of the issue (1 province, 9 cities, 95 counties, 209 branches, 6,000 members, 20,000 appeals over two
years with their trails, 1,000 departments, 200,000 ledger rows) is generated into a fresh SQLite file (and into
PostgreSQL when a URL of an empty database is given); `--scale 2` doubles cities, counties, branches, members,
appeals and departments while each county stays the same size — a county's timings must not move with it, since no
scoped query reads branches outside the asker's subtree. Each query runs `--runs` times through the services the
commands and pages call; p50 and p99 in milliseconds are printed, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from generate import CHUNK, _bulk, fresh, ledger_rows, province, reset_sequences
from sqlalchemy import text, update

from bot.core import clock
from bot.core.actor import Actor
from bot.core.models import Branch, Committee, CommitteeMember, Department
from bot.core.settings import Settings
from bot.features.appeals import rules
from bot.features.appeals.models import Appeal, AppealEvent
from bot.services import Services, build_services
from bot.web import overview, periods, queries, units

CHANNELS = ("群聊", "群聊", "群聊", "私聊", "12328专线", "12345热线", "司机之家意见箱")


async def tree(services: Services, scale: int) -> tuple[list[int], list[int]]:
    """The province (the root), 9 cities and 95 counties per scale; returns (city ids, county ids)."""
    database, now = services.database, clock.now()
    async with database.session() as session:
        await session.execute(update(Committee).where(Committee.id == 1).values(name="压测省行业党委"))
    cities = list(range(2, 2 + 9 * scale))
    counties = list(range(cities[-1] + 1, cities[-1] + 1 + 95 * scale))
    rows = [
        {"id": c, "name": f"压测市{c}", "level": "市", "parent_id": 1, "path": f"/1/{c}/", "created_at": now}
        for c in cities
    ]
    for n, c in enumerate(counties):
        city = cities[n % len(cities)]
        rows.append(
            {
                "id": c,
                "name": f"压测县{c}",
                "level": "县",
                "parent_id": city,
                "path": f"/1/{city}/{c}/",
                "created_at": now,
            }
        )
    await _bulk(database, Committee.__table__, rows)
    members = [
        {
            "committee_id": c,
            "user_key": f"qq:{4_000_000 + c}",
            "display_name": f"委员{c}",
            "appointed_by": "qq:10000",
            "appointed_at": now,
        }
        for c in (1, *cities, *counties)
    ]
    await _bulk(database, CommitteeMember.__table__, members)
    departments = []
    for n in range(1000 * scale - 6):  # the root has 6 from the migration
        owner = (cities + counties)[n % (len(cities) + len(counties))]
        departments.append({"committee_id": owner, "name": f"部门{n // (len(cities) + len(counties))}"})
    await _bulk(database, Department.__table__, departments)
    return cities, counties


async def place(services: Services, branches: int, cities: list[int], counties: list[int]) -> None:
    """Each branch under a county (every 20th right under a city)."""
    async with services.database.session() as session:
        for n in range(1, branches + 1):
            county = counties[(n - 1) % len(counties)]
            owner = cities[(n - 1) % len(cities)] if n % 20 == 0 else county
            await session.execute(update(Branch).where(Branch.id == n).values(committee_id=owner))


async def appeals(services: Services, count: int, branches: int, cities: list[int], counties: list[int]) -> None:
    """`count` appeals over two years (channels, levels, closing levels) with a short trail each."""
    rng = random.Random(17)
    now = clock.now()
    appeal_rows, event_rows = [], []
    for n in range(count):
        received = now - timedelta(days=rng.uniform(0, 730))
        branch = n % branches + 1
        county = counties[(branch - 1) % len(counties)]
        raised = rng.random()
        tier, committee = ("支部", None) if raised < 0.8 else ("县", county) if raised < 0.95 else ("市", cities[0])
        closed = received + timedelta(days=rng.uniform(0.2, 9)) if rng.random() < 0.97 else None
        appeal_rows.append(
            {
                "id": n + 1,
                "number": f"SQ{received:%Y%m%d}-{n:06d}",
                "branch_id": branch,
                "appellant_key": f"qq:{3_000_000 + n % 6_000}",
                "platform": "qq",
                "self_id": "10001",
                "group_id": None,
                "category": rng.choice(rules.CATEGORIES),
                "description": "压测诉求",
                "place": "贵阳",
                "phone": None,
                "state": rules.FOLLOWED_UP if closed else rules.ACCEPTED,
                "level": "一般",
                "tier": tier,
                "committee_id": committee,
                "held_since": received,
                "channel": rng.choice(CHANNELS),
                "department": None,
                "received_at": received,
                "accepted_at": received,
                "transfer_due": received + timedelta(hours=2),
                "feedback_due": received + timedelta(days=2),
                "close_due": received + timedelta(days=7),
                "closed_at": closed,
                "closed_level": tier if closed else None,
                "result": "已办结" if closed else None,
                "satisfaction": rng.choice(["满意", "满意", "基本满意", "不满意", "未回复"]) if closed else None,
                "version": 3,
            }
        )
        for step in range(5):
            event_rows.append(
                {
                    "appeal_id": n + 1,
                    "at": received + timedelta(hours=step),
                    "actor_key": "qq:2000000",
                    "action": "受理",
                    "from_state": rules.PENDING,
                    "to_state": rules.ACCEPTED,
                    "note": "",
                }
            )
        if len(event_rows) >= CHUNK:
            await _bulk(services.database, Appeal.__table__, appeal_rows)
            await _bulk(services.database, AppealEvent.__table__, event_rows)
            appeal_rows, event_rows = [], []
    await _bulk(services.database, Appeal.__table__, appeal_rows)
    await _bulk(services.database, AppealEvent.__table__, event_rows)


async def timed(label: str, who: str, call, runs: int) -> dict:
    """p50/p99 of `runs` calls (one warm-up first)."""
    await call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return {"query": label, "who": who, "p50_ms": round(statistics.median(samples), 1), "p99_ms": round(p99, 1)}


async def measure(services: Services, who: str, actor: Actor, runs: int) -> list[dict]:
    """Every scoped answer of one asker."""
    appeals, roles = services.appeals, services.roles
    scope = await roles.scope(actor)
    tree = await roles.org.tree()
    node = tree.root if scope.everything else tree.committees[scope.top[0]]
    year = clock.today().replace(month=1, day=1)
    period = periods.default(clock.today())

    async def stats():
        conditions, unit = await appeals.subtree(node)
        dims = ("category", "channel", "department", "place")
        return await appeals.statistics_by(None, year, None, dims, scope=conditions, fold={"place": unit})

    async def study():
        ids = sorted(tree.branches_under(tree.subtree(node.id)) & tree.active_branches)
        return await services.study.day_rates(ids)

    async def web_overview():
        level = await units.children(services, scope, None)
        visible = None if scope.everything else scope.branches
        return await overview.compute(services, visible, period, 5, level)

    async def monthly_all():
        visible = await roles.visible_branches(actor)
        return await services.records.monthly_lines(visible, clock.today().replace(day=1))

    async def monthly_each():  # what /月报 全部 did before monthly_lines: one whole report a branch
        first = clock.today().replace(day=1)
        return [await services.records.monthly(branch, first) for branch in await roles.visible_branches(actor)]

    async def board():
        return await queries.board(services, queries.appeal_scope(scope), queries.BoardFilter(), 1, 50)

    return [
        await timed("scope (the one rule)", who, lambda: roles.scope(actor), runs),
        await timed("/诉求 统计 本年", who, stats, runs),
        await timed("/诉求 列表", who, lambda: appeals.listing(actor, None, None), runs),
        await timed("/诉求 超期", who, lambda: appeals.overdue(actor, None), runs),
        await timed("/学习 统计", who, study, runs),
        await timed("/月报 全部", who, monthly_all, runs),
        await timed("/月报 全部 report each (old)", who, monthly_each, min(runs, 5)),
        await timed("web overview (uncached)", who, web_overview, runs),
        await timed("web appeals board", who, board, runs),
    ]


async def run(url: str, scale: int, runs: int) -> list[dict]:
    """Generate one province and measure it."""
    started = time.perf_counter()
    database = await fresh(url)
    branches = 209 * scale
    services = build_services(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp())), database=database)
    await province(database, branches=branches, drivers=6_000 * scale, member_drivers=6_000 * scale)
    cities, counties = await tree(services, scale)
    await place(services, branches, cities, counties)
    await ledger_rows(database, 200_000 * scale, branches, 6_000 * scale, days=60)
    await appeals(services, 20_000 * scale, branches, cities, counties)
    await reset_sequences(database)
    if database.dialect == "postgresql":  # fresh statistics for the planner after the bulk load
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    generated = time.perf_counter() - started
    askers = {
        "county": Actor("qq", str(4_000_000 + counties[0]), None, "10001"),
        "city": Actor("qq", str(4_000_000 + cities[0]), None, "10001"),
        "province": Actor("qq", str(4_000_001), None, "10001"),  # the root's member: everything
    }
    results = []
    for who, actor in askers.items():
        results += await measure(services, who, actor, runs)
    await database.dispose()
    for result in results:
        result.update(database=database.dialect, scale=scale, generate_s=round(generated, 1))
    return results


async def main() -> None:
    """Measure on SQLite (and PostgreSQL)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://… of an empty database")
    args = parser.parse_args()
    clock.set_now(None)
    path = Path(tempfile.mkdtemp()) / "bench.db"
    results = await run(f"sqlite+aiosqlite:///{path}", args.scale, args.runs)
    if args.postgres:
        results += await run(args.postgres, args.scale, args.runs)
    print(f"province ×{args.scale}: {209 * args.scale} branches, {20_000 * args.scale:,} appeals")
    print(f"{'database':12}{'who':10}{'query':28}{'p50 ms':>9}{'p99 ms':>9}")
    for r in results:
        print(f"{r['database']:12}{r['who']:10}{r['query']:28}{r['p50_ms']:>9}{r['p99_ms']:>9}")
    print(json.dumps({"bench": "org", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

"""The web view's pages over a generated province: p50/p99 per page through the ASGI app (httpx, no network).

    python bench/web.py [--branches 200] [--drivers 25000] [--ledger 1000000] [--appeals 100000] [--runs 30]
                        [--sqlite-file PATH] [--postgres URL]
    python bench/web.py --org [--runs 30] [--sqlite-file PATH] [--postgres URL]

`--org`: the province of bench/org.py instead (1 province, 9 cities, 95 counties, 209 branches under them, 6,000
members, 20,000 appeals over two years, 200,000 ledger rows), every page timed as the province's, a city's and a
county's committee member and a branch's secretary, the overview for a month, a quarter, a year and 累计 computed
on every view (cache off). A PostgreSQL database that already holds the generated province is reused, like a kept
SQLite file.

Generates the data into a fresh SQLite file (and PostgreSQL when a URL is given) with bench/generate.py, mounts
the web view on a bare FastAPI app as the bot does, signs in a committee member and one branch's secretary, and
times each page. The overview is timed twice: computed on every view (cache off) and as served (cached 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SUPERUSERS", '["10000"]')

from generate import appeals, fresh, ledger_rows, province

from bot.core.settings import Settings, get_settings

COMMITTEE, SECRETARY = "qq:10000", "qq:2000000"  # generate.py names qq:2000000 secretary of branch 1


async def timed(client, label: str, path: str, runs: int) -> dict:
    """p50/p99 of `runs` GETs of one page (each must answer 200), after one warm-up view."""
    await client.get(path)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = await client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {path} answered {response.status_code}")
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(len(samples) * 0.99))]
    return {"page": label, "p50_ms": round(statistics.median(samples), 1), "p99_ms": round(p99, 1)}


async def client_as(app, services, key: str):
    """An httpx client over the ASGI app with a session (a row, as a confirmed link makes) for `key`."""
    import httpx

    from bot.web.auth import COOKIE

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    client.cookies.set(COOKIE, await services.web_sessions.start(key, key, "bench"), path="/admin")
    return client


def kept(path: str | None) -> bool:
    """Whether a generated SQLite file is there to reuse."""
    return bool(path) and Path(str(path)).exists()


async def run(url: str, args: argparse.Namespace) -> list[dict]:
    """Generate a province on one database and time every page."""
    from fastapi import FastAPI
    from sqlalchemy import select

    from bot.features.appeals.models import Appeal
    from bot.services import build_services
    from bot.web.app import create_web_app
    from bot.web.config import WebConfig

    started = time.perf_counter()
    reuse = url.startswith("sqlite") and kept(args.sqlite_file)
    database = await fresh(url)
    if not reuse:
        await province(database, branches=args.branches, drivers=args.drivers, member_drivers=args.drivers * 6 // 25)
        await ledger_rows(database, args.ledger, args.branches, args.drivers)
        await appeals(database, args.appeals, 10, args.branches)
    settings = Settings(**{**get_settings().model_dump(), "database_url": url, "data_dir": Path(tempfile.mkdtemp())})
    services = build_services(settings, database=database)
    await services.stations.import_sample_if_empty()
    generated = time.perf_counter() - started
    async with database.reading() as session:
        number = await session.scalar(select(Appeal.number).where(Appeal.branch_id == 1).limit(1))
    results = []
    for cache, label in ((0, "（不缓存）"), (60, "（缓存 60 秒）")):
        config = WebConfig(web_secret="bench", web_overview_cache_seconds=cache)
        app = FastAPI()
        app.mount(config.prefix, create_web_app(lambda: services, config))
        committee, secretary = await client_as(app, services, COMMITTEE), await client_as(app, services, SECRETARY)
        results.append(await timed(committee, f"概览 行业党委{label}", "/admin/", args.runs))
        results.append(await timed(committee, f"概览 累计{label}", "/admin/?period=all", args.runs))
        year = f"/admin/?period={date.today().year}"
        results.append(await timed(committee, f"概览 本年{label}", year, args.runs if cache else 5))
        if cache:
            results.append(await timed(committee, "概览 导出 XLSX（缓存）", "/admin/export/overview.xlsx", args.runs))
            continue
        pages = [
            (committee, "近十二个月（不缓存）", "/admin/trend"),
            (committee, "诉求看板 行业党委", "/admin/appeals"),
            (committee, "诉求看板 第 3 页", "/admin/appeals?page=3"),
            (committee, "诉求看板 超期（现在）", "/admin/appeals?state=%E8%B6%85%E6%9C%9F"),
            (committee, "诉求看板 一个支部 全部", "/admin/appeals?unit=branch:7&state=%E5%85%A8%E9%83%A8"),
            (committee, "诉求看板 按编号", f"/admin/appeals?state=%E5%85%A8%E9%83%A8&number={number}"),
            (committee, "诉求看板 导出 XLSX 超期", "/admin/appeals/export.xlsx?state=%E8%B6%85%E6%9C%9F"),
            (committee, "诉求详情", f"/admin/appeals/{number}"),
            (committee, "支部页 行业党委", "/admin/branch/1"),
            (secretary, "概览 书记", "/admin/"),
            (secretary, "诉求看板 书记", "/admin/appeals"),
            (secretary, "支部页 书记", "/admin/branch/1"),
            (committee, "驿站列表", "/admin/stations"),
            (committee, "驿站搜索", "/admin/stations?q=%E4%B9%8C%E5%BD%93"),
            (committee, "驿站列表 第 2 页", "/admin/stations?page=2"),
            (committee, "地图标注 API 搜索", "/admin/api/stations?q=%E5%81%9C%E8%BD%A6"),
            (committee, "台账导出 XLSX", "/admin/branch/1/export.xlsx"),
            (committee, "地图标注 API", "/admin/api/stations"),
        ]
        for client, name, path in pages:
            results.append(await timed(client, name, path, args.runs))
        await committee.aclose()
        await secretary.aclose()
    await database.dispose()
    for result in results:
        result["database"] = database.dialect
        result["generate_s"] = round(generated, 1)
    return results


async def generated(database) -> bool:
    """Whether a database already holds a generated province (a kept file, a reused PostgreSQL database)."""
    from sqlalchemy import func, select

    from bot.core.models import Branch

    async with database.reading() as session:
        return bool(await session.scalar(select(func.count()).select_from(Branch)))


async def run_org(url: str, args: argparse.Namespace) -> list[dict]:
    """The province of bench/org.py, every page as each kind of viewer, overviews uncached."""
    import org
    from fastapi import FastAPI
    from sqlalchemy import select, text

    from bot.core.models import Committee
    from bot.features.appeals.models import Appeal
    from bot.services import build_services
    from bot.web.app import create_web_app
    from bot.web.config import WebConfig

    started = time.perf_counter()
    database = await fresh(url)
    settings = Settings(**{**get_settings().model_dump(), "database_url": url, "data_dir": Path(tempfile.mkdtemp())})
    services = build_services(settings, database=database)
    if not await generated(database):
        await province(database, branches=209, drivers=6_000, member_drivers=6_000)
        cities, counties = await org.tree(services, 1)
        await org.place(services, 209, cities, counties)
        await ledger_rows(database, 200_000, 209, 6_000, days=60)
        await org.appeals(services, 20_000, 209, cities, counties)
        await org.reset_sequences(database)
        if database.dialect == "postgresql":
            async with database.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))
    await services.stations.import_sample_if_empty()
    generated_s = time.perf_counter() - started
    async with database.reading() as session:
        city = await session.scalar(select(Committee.id).where(Committee.level == "市").order_by(Committee.id))
        county = await session.scalar(
            select(Committee.id).where(Committee.level == "县", Committee.parent_id == city).order_by(Committee.id)
        )
        number = await session.scalar(select(Appeal.number).where(Appeal.branch_id == 1).limit(1))
        held = await session.scalar(select(Appeal.number).where(Appeal.committee_id == county).limit(1))
    assert city is not None and county is not None, "no generated tree"
    branch = 1  # under the first county (org.place: branch n under county n-1 of the list)
    app = FastAPI()
    app.mount("/admin", create_web_app(lambda: services, WebConfig(web_secret="bench", web_overview_cache_seconds=0)))
    viewers = {
        "省": await client_as(app, services, "qq:4000001"),
        "市": await client_as(app, services, f"qq:{4_000_000 + city}"),
        "县": await client_as(app, services, f"qq:{4_000_000 + county}"),
        "书记": await client_as(app, services, SECRETARY),
    }
    today = date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    everyone = ("省", "市", "县")
    pages = [
        *((who, "概览 本月", "/admin/") for who in (*everyone, "书记")),
        *((who, "概览 本季", f"/admin/?period={quarter}") for who in everyone),
        *((who, "概览 本年", f"/admin/?period={today.year}") for who in (*everyone, "书记")),
        *((who, "概览 累计", "/admin/?period=all") for who in everyone),
        ("省", "概览 下钻到市 本年", f"/admin/?period={today.year}&unit=committee:{city}"),
        ("省", "概览 下钻到县 本年", f"/admin/?period={today.year}&unit=committee:{county}"),
        *((who, "概览 导出 XLSX 本年", f"/admin/export/overview.xlsx?period={today.year}") for who in everyone),
        *((who, "近十二个月", "/admin/trend") for who in everyone),
        *((who, "诉求看板", "/admin/appeals") for who in (*everyone, "书记")),
        ("省", "诉求看板 第 3 页", "/admin/appeals?page=3"),
        ("省", "诉求看板 超期", "/admin/appeals?state=%E8%B6%85%E6%9C%9F"),
        ("省", "诉求看板 一县 全部", f"/admin/appeals?unit=committee:{county}&state=%E5%85%A8%E9%83%A8"),
        ("省", "诉求看板 按编号", f"/admin/appeals?state=%E5%85%A8%E9%83%A8&number={held}"),
        *((who, "诉求看板 导出 XLSX 全部", "/admin/appeals/export.xlsx?state=%E5%85%A8%E9%83%A8") for who in everyone),
        ("省", "诉求详情", f"/admin/appeals/{number}"),
        *((who, "支部页", f"/admin/branch/{branch}") for who in (*everyone, "书记")),
        ("省", "支部页 本年", f"/admin/branch/{branch}?period={today.year}"),
        ("县", "台账导出 XLSX", f"/admin/branch/{branch}/export.xlsx"),
        ("省", "支部列表", "/admin/branches"),
        ("省", "驿站列表", "/admin/stations"),
    ]
    results = []
    for who, name, path in pages:
        results.append({"who": who, **await timed(viewers[who], name, path, args.runs)})
    for client in viewers.values():
        await client.aclose()
    await database.dispose()
    for result in results:
        result["database"] = database.dialect
        result["generate_s"] = round(generated_s, 1)
    return results


async def main_org(args: argparse.Namespace) -> None:
    """The organization's province on SQLite (and PostgreSQL)."""
    path = Path(args.sqlite_file) if args.sqlite_file else Path(tempfile.mkdtemp()) / "bench.db"
    results = await run_org(f"sqlite+aiosqlite:///{path}", args)
    if args.postgres:
        results += await run_org(args.postgres, args)
    print(f"province (bench/org.py): 209 branches, 6,000 members, 20,000 appeals, {args.runs} views per page")
    print(f"{'database':12}{'who':6}{'page':28}{'p50 ms':>10}{'p99 ms':>10}")
    for r in results:
        print(f"{r['database']:12}{r['who']:6}{r['page']:28}{r['p50_ms']:>10}{r['p99_ms']:>10}")
    print(json.dumps({"bench": "web-org", "results": results}, ensure_ascii=False))


async def main() -> None:
    """Measure on SQLite (and PostgreSQL)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--drivers", type=int, default=25_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sqlite-file", default=None, help="keep the generated SQLite file here; reuse it if present")
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://… of an empty database")
    parser.add_argument("--org", action="store_true", help="the organization's province of bench/org.py")
    args = parser.parse_args()
    if args.org:
        await main_org(args)
        return
    path = Path(args.sqlite_file) if args.sqlite_file else Path(tempfile.mkdtemp()) / "bench.db"
    results = await run(f"sqlite+aiosqlite:///{path}", args)
    if args.postgres:
        results += await run(args.postgres, args)
    print(
        f"branches {args.branches}, drivers {args.drivers:,}, ledger rows {args.ledger:,}, "
        f"appeals {args.appeals:,} ({args.appeals * 10:,} trail events), {args.runs} views per page"
    )
    print(f"{'database':12}{'page':28}{'p50 ms':>10}{'p99 ms':>10}")
    for r in results:
        print(f"{r['database']:12}{r['page']:28}{r['p50_ms']:>10}{r['p99_ms']:>10}")
    print(json.dumps({"bench": "web", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

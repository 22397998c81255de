"""The web view's pages: overview, appeals board and appeal, branch, stations, and the map's marker API."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from bot.core import clock
from bot.core.branches import NotFound
from bot.core.errors import Refusal
from bot.core.models import Branch
from bot.core.participation import Rate
from bot.core.validation import mask_phone, mask_plate
from bot.features.appeals import rules
from bot.features.stations.models import StationRecord

from . import queries
from .app import Viewer, Web
from .charts import bars

router = APIRouter()
SORTS = {
    "name": lambda r: r.name,
    "members": lambda r: r.members,
    "today": lambda r: r.today_rate,
    "month": lambda r: r.month_rate,
    "quiz": lambda r: r.quiz_rate,
    "collected": lambda r: r.appeals.collected,
    "close": lambda r: r.appeals.close_rate,
    "overdue": lambda r: r.appeals.overdue,
    "satisfaction": lambda r: r.appeals.satisfaction_rate,
}


def web_of(request: Request) -> Web:
    """The mounted web view's state."""
    return request.app.state.web


async def signed_in(request: Request) -> Viewer:
    """The dependency of every page: the viewer, or NotSignedIn."""
    return await web_of(request).viewer(request)


ViewerDep = Annotated[Viewer, Depends(signed_in)]


async def _overview_data(web: Web, viewer: Viewer) -> dict:
    """Branch lines, totals and the monthly trend, cached: a stale copy is served while a fresh one is computed."""
    key = overview_key(viewer)
    ttl = web.config.web_overview_cache_seconds
    hit = web.cache.get(key)
    if hit is not None and ttl > 0:
        if time.monotonic() - hit[0] >= ttl and key not in web.refreshing:
            web.refreshing[key] = asyncio.create_task(_refresh(web, key, viewer))
        return hit[1]  # type: ignore[return-value]
    running = web.refreshing.get(key)
    if running is not None:  # being computed already (started at sign-in): wait for it, do not start another
        return await asyncio.shield(running)
    return await _refresh(web, key, viewer)


def overview_key(viewer: Viewer) -> str:
    """The cache key of a viewer's overview: the committee's, or the set of a secretary's branches."""
    return "committee" if viewer.committee else ",".join(map(str, sorted(viewer.branch_ids)))


def prepare_overview(web: Web, viewer: Viewer) -> None:
    """At sign-in: start computing the overview the person is about to open, unless it is cached or running."""
    key = overview_key(viewer)
    wanted = web.config.web_overview_cache_seconds > 0 and (viewer.committee or viewer.branch_ids)
    if wanted and key not in web.cache and key not in web.refreshing:
        web.refreshing[key] = asyncio.create_task(_refresh(web, key, viewer))


async def _refresh(web: Web, key: str, viewer: Viewer) -> dict:
    """Compute the overview's figures through the services and the grouped queries, and keep them."""
    try:
        services = web.services
        rows = await queries.branch_figures(services, None if viewer.committee else viewer.branch_ids)
        first = clock.today().replace(day=1)
        trend = await queries.collected_by_month(services, None if viewer.committee else viewer.branch_ids, 6)
        totals = await services.appeals.statistics(None, first) if viewer.committee else None
        data = {"rows": rows, "totals": totals, "trend": trend, "at": clock.now()}
        web.cache[key] = (time.monotonic(), data)
        return data
    finally:
        web.refreshing.pop(key, None)


@router.get("/")
async def overview(request: Request, viewer: ViewerDep, sort: str = "name", desc: int = 0) -> Response:
    """Committee: every branch's figures and the province's totals; a secretary: their branches."""
    web = web_of(request)
    if not viewer.committee and not viewer.branch_ids:
        return RedirectResponse(f"{web.config.prefix}/appeals", status_code=303)
    data = await _overview_data(web, viewer)
    rows = sorted(data["rows"], key=SORTS.get(sort, SORTS["name"]), reverse=bool(desc))
    members = sum(r.members for r in rows)
    today, month = sum((r.today for r in rows), Rate()), sum((r.month for r in rows), Rate())
    chart = bars(data["trend"]) if data["trend"] else None
    return web.page(
        request,
        "overview.html",
        viewer,
        rows=rows,
        sort=sort,
        desc=desc,
        totals=data["totals"],
        trend=data["trend"],
        chart=chart,
        members=members,
        today_rate=today.value,
        month_rate=month.value,
        today_others=today.others,
        month_others=month.others,
        at=clock.local(data["at"]),
        local=clock.local,
    )


@router.get("/appeals")
async def appeals_board(request: Request, viewer: ViewerDep, state: str = "") -> Response:
    """Open appeals with the time left to their limits, and counts by state, department and category."""
    web = web_of(request)
    condition = queries.appeal_scope(viewer.committee, viewer.branch_ids, viewer.departments)
    lines, counts = await queries.board(web.services, condition, state if state in rules.STATES else None)
    return web.page(
        request,
        "appeals.html",
        viewer,
        lines=lines,
        counts=counts,
        state=state,
        states=rules.STATES,
        red=[line for line in lines if line.flag == "red"],
        supervised=[line for line in lines if line.supervised],
        urgent=[line for line in lines if line.flag == "red" or line.supervised],
        local=clock.local,
        left_text=left_text,
    )


def left_text(line: queries.BoardLine) -> str:
    """剩 2 天 3 小时 / 超 5 小时 / —."""
    if line.left is None:
        return "—"
    seconds = int(line.left.total_seconds())
    word = "剩" if seconds >= 0 else "超"
    seconds = abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{word} {days} 天 {hours} 小时"
    return f"{word} {hours} 小时 {minutes} 分" if hours else f"{word} {minutes} 分钟"


@router.get("/appeals/{number}")
async def appeal_page(request: Request, number: str, viewer: ViewerDep) -> Response:
    """One appeal and its whole trail (the appellant's phone masked); the view is logged."""
    web = web_of(request)
    services = web.services
    try:
        viewed = await services.appeals.view(viewer.actor, number)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    except Refusal:
        raise HTTPException(403, "无权查看这条诉求。") from None
    appeal, events = _appeal_and_trail(viewed)
    await services.members.log_access(viewer.actor, "网页查看诉求", appeal.number, appeal.branch_id)
    branch = await _branch(web, appeal.branch_id) if appeal.branch_id else None
    return web.page(
        request,
        "appeal.html",
        viewer,
        appeal=appeal,
        events=events,
        branch=branch,
        phone=mask_phone(appeal.phone),
        local=clock.local,
    )


def _appeal_and_trail(viewed: Any) -> tuple[Any, list[Any]]:
    """(appeal, trail) from what the appeal service's view returns: a pair, or an object holding both."""
    if isinstance(viewed, tuple):
        return viewed[0], list(viewed[1])
    return viewed.appeal, list(viewed.events)


async def _branch(web: Web, branch_id: int) -> Branch | None:
    """A branch by id."""
    async with web.services.database.reading() as session:
        return await session.get(Branch, branch_id)


@router.get("/branches")
async def branches(request: Request, viewer: ViewerDep) -> Response:
    """The branches a viewer may open (a secretary of one goes straight to it)."""
    web = web_of(request)
    async with web.services.database.reading() as session:
        query = select(Branch).where(Branch.active).order_by(Branch.id)
        if not viewer.committee:
            query = query.where(Branch.id.in_(viewer.branch_ids))
        items = list((await session.scalars(query)).all())
    if len(items) == 1 and not viewer.committee:
        return RedirectResponse(f"{web.config.prefix}/branch/{items[0].id}", status_code=303)
    return web.page(request, "branches.html", viewer, items=items)


async def _visible_branch(web: Web, viewer: Viewer, branch_id: int) -> Branch:
    """The branch when the viewer may see it; 404 otherwise (no hint that another branch exists)."""
    branch = await _branch(web, branch_id) if viewer.sees_branch(branch_id) else None
    if branch is None:
        raise HTTPException(404, "没有这个支部，或您无权查看。")
    return branch


@router.get("/branch/{branch_id}")
async def branch_page(request: Request, branch_id: int, viewer: ViewerDep, full: int = 0) -> Response:
    """Members with participation, who has not studied this week, the month. Full phone and plate only to the branch's
    own secretary who asks for them (PRODUCT.md: the person and their secretary), and that view is logged; the
    committee sees them masked."""
    web = web_of(request)
    services = web.services
    branch = await _visible_branch(web, viewer, branch_id)
    own = branch.id in viewer.branch_ids
    full = full if own else 0
    lines = await queries.branch_members(services, branch.id)
    action = "网页查看台账（完整号码）" if full else "网页查看台账"
    await services.members.log_access(viewer.actor, action, branch.name, branch.id)
    first = clock.today().replace(day=1)
    report = await services.records.monthly(branch, first)
    per_day = dict(report.checkins_per_day)
    days = [first + timedelta(days=n) for n in range(clock.today().day)]
    chart = bars([(f"{day:%m-%d}", per_day.get(day, 0)) for day in days]) if per_day else None
    people = [
        {
            "name": line.member.name,
            "status": line.member.status or f"{line.member.declared_status}（待认定）",
            "phone": (line.member.phone or "") if full else mask_phone(line.member.phone),
            "plate": (line.member.plate or "") if full else mask_plate(line.member.plate),
            "kinds": line.by_kind,
            "points": sum(line.by_kind.values()),
            "studied": line.studied_this_week,
        }
        for line in lines
    ]
    return web.page(
        request,
        "branch.html",
        viewer,
        branch=branch,
        people=people,
        missing=[p["name"] for p in people if not p["studied"]],
        report=report,
        chart=chart,
        full=full,
        own=own,
    )


@router.get("/branch/{branch_id}/export.csv")
async def branch_export(request: Request, branch_id: int, viewer: ViewerDep) -> Response:
    """The branch's ledger as CSV (masked, as `/台账 导出`); the export is logged."""
    web = web_of(request)
    services = web.services
    branch = await _visible_branch(web, viewer, branch_id)
    folder = Path(tempfile.mkdtemp(prefix="redwheel-web-"))
    path = await services.records.export(branch, folder, full=False)
    await services.members.log_access(viewer.actor, "网页导出台账", branch.name, branch.id)

    def clean() -> None:
        """Remove the temporary file after sending it."""
        path.unlink(missing_ok=True)
        folder.rmdir()

    filename = f"{branch.name}-台账-{date.today():%Y%m}.csv"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename, background=BackgroundTask(clean))


@router.get("/stations")
async def stations(request: Request, viewer: ViewerDep, q: str = "", page: int = 1) -> Response:
    """Stations with a keyword search, and the map."""
    web = web_of(request)
    services = web.services
    total = 0
    if q.strip():
        result = await services.stations.search(q.strip()[:40], page=max(page, 1))
        items, total = result.items, result.total
    else:
        items = await _all_stations(web)
        total = len(items)
    return web.page(
        request,
        "stations.html",
        viewer,
        items=items[:200],
        total=total,
        q=q,
        tile_url=web.config.web_tile_url,
        attribution=web.config.web_tile_attribution,
        subdomains=web.config.web_tile_subdomains,
    )


async def _all_stations(web: Web) -> list[StationRecord]:
    """Every live station that every branch sees, by province, city and name."""
    async with web.services.database.reading() as session:
        query = select(StationRecord).where(StationRecord.deleted_at.is_(None))
        status = getattr(StationRecord, "status", None)  # stations a secretary added wait for approval
        if status is not None:
            query = query.where(status == "approved")
        rows = await session.scalars(query.order_by(StationRecord.province, StationRecord.city, StationRecord.name))
        return list(rows.all())


@router.get("/api/stations")
async def stations_api(request: Request, viewer: ViewerDep) -> Response:
    """The map's markers: every live station with coordinates (GCJ-02, as stored)."""
    items = [
        {"id": s.id, "name": s.name, "kind": s.kind, "lat": s.lat, "lng": s.lng, "address": s.address}
        for s in await _all_stations(web_of(request))
        if s.lat is not None and s.lng is not None
    ]
    return JSONResponse({"stations": items})

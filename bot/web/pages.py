"""The web view's pages: overview, appeals board and appeal, branch, stations, exports, and the map's marker API."""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from bot.core import clock
from bot.core.branches import NotFound
from bot.core.errors import Refusal
from bot.core.models import Branch
from bot.core.validation import mask_phone, mask_plate
from bot.features.appeals import rules
from bot.features.stations.models import StationRecord
from bot.features.stations.station import Station

from . import exports, periods, queries, texts, units
from .app import Viewer, Web
from .charts import bars
from .overview import Overview, compute, rate, trend, whole_rate
from .periods import Period
from .privacy import full_numbers, may_see_full_numbers
from .queries import BoardFilter, BoardLine

logger = logging.getLogger(__name__)
router = APIRouter()
# Sorting the overview: (value of a line, whether a line can be judged by it). Lines that cannot (no appeals, no
# members) go last whichever way the column is sorted, so the worst are never branches with nothing to judge.
SORTS: dict[str, tuple[Any, Any]] = {
    "name": (lambda line: units.pinyin_key(line.unit.name), lambda line: True),
    "members": (lambda line: line.figures.members, lambda line: True),
    "today": (lambda line: line.figures.today_rate, lambda line: line.figures.members),
    "study": (lambda line: line.figures.study_rate, lambda line: line.figures.study.possible),
    "quiz": (lambda line: line.figures.quiz_rate, lambda line: line.figures.quiz.possible),
    "collected": (lambda line: line.appeals.collected, lambda line: True),
    "close": (lambda line: line.appeals.close_rate, lambda line: line.judged),
    "on_time": (lambda line: line.appeals.on_time_rate, lambda line: line.judged),
    "satisfaction": (lambda line: line.appeals.satisfaction_rate, lambda line: line.judged),
    "county": (lambda line: line.appeals.county_rate, lambda line: line.appeals.closed),
    "open": (lambda line: line.now.open, lambda line: True),
    "overdue": (lambda line: line.now.overdue, lambda line: True),
    "supervised": (lambda line: line.now.supervised, lambda line: True),
}
BOARD_STATES = (texts.IN_PROGRESS, texts.OVERDUE_NOW, texts.SUPERVISED_NOW, texts.EVERY_STATE, *rules.STATES)
EXPORT_ROWS = 50_000
CACHED_OVERVIEWS = 32  # periods × viewers kept; the oldest computed goes first
TREND_SECONDS = 600  # the twelve months' trend is computed at most this often (when the overview is cached at all)


def web_of(request: Request) -> Web:
    """The mounted web view's state."""
    return request.app.state.web


async def signed_in(request: Request) -> Viewer:
    """The dependency of every page: the viewer, or NotSignedIn."""
    return await web_of(request).viewer(request)


ViewerDep = Annotated[Viewer, Depends(signed_in)]


def chosen_period(request: Request) -> Period:
    """The period of this request: asked for in the query (a period or a from/to range), else the one remembered in
    the cookie, else this year. One asked for is remembered (see `render`)."""
    query = request.query_params
    asked = periods.parse(query.get("period")) or periods.from_range(query.get("from", ""), query.get("to", ""))
    if asked is not None:
        request.state.period = asked.value
        return asked
    return periods.parse(request.cookies.get(periods.COOKIE)) or periods.default(clock.today())


PeriodDep = Annotated[Period, Depends(chosen_period)]


def render(request: Request, name: str, viewer: Viewer | None, period: Period | None = None, **context) -> Response:
    """A page with the period picker's context; a newly chosen period is remembered in a cookie."""
    web = web_of(request)
    today = clock.today()
    response = web.page(
        request, name, viewer, period=period, choices=periods.choices(today), today=today, local=clock.local, **context
    )
    remembered = getattr(request.state, "period", None)
    if remembered:
        response.set_cookie(periods.COOKIE, remembered, httponly=True, samesite="strict", path=web.config.prefix)
    return response


@dataclass(frozen=True)
class Pager:
    """Which page of how many, and the links to the others (the query kept)."""

    page: int
    pages: int
    total: int
    size: int
    base: str

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.size

    def link(self, page: int) -> str:
        """The link to another page."""
        return f"{self.base}{'&' if '?' in self.base else '?'}page={page}"

    def numbers(self) -> list[int | None]:
        """Page numbers to show: the first, the last and two around the current one (None: a gap)."""
        wanted = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        shown: list[int | None] = []
        for n in wanted:
            if shown and n - (shown[-1] or 0) > 1:
                shown.append(None)
            shown.append(n)
        return shown


def pager(request: Request, total: int, size: int, page: int) -> Pager:
    """The pager of a list: the page asked for within bounds; links keep every other query parameter."""
    pages = max(1, math.ceil(total / size))
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v]
    base = request.url.path + ("?" + urlencode(params) if params else "")
    return Pager(min(max(page, 1), pages), pages, total, size, base)


# ---- overview ---------------------------------------------------------------------------------------------------
def overview_key(viewer: Viewer, period: Period, unit: str = "") -> str:
    """The cache key of a viewer's overview of a period (and of the unit drilled into): the top's, a committee's, or
    the set of a secretary's branches."""
    if viewer.committee:
        who = "committee"
    elif viewer.scope.top:
        who = "committee:" + ",".join(map(str, viewer.scope.top)) + "+" + ",".join(map(str, sorted(viewer.scope.own)))
    else:
        who = ",".join(map(str, sorted(viewer.branch_ids)))
    return f"{who}|{period.value}|{unit}"


def _visible(viewer: Viewer) -> frozenset[int] | None:
    """The branches a viewer's figures cover (None: every branch)."""
    return None if viewer.committee else viewer.branch_ids


async def overview_of(web: Web, viewer: Viewer, period: Period, unit: str = "") -> Overview:
    """The overview, cached: a stale copy is served while a fresh one is computed behind it."""
    key = overview_key(viewer, period, unit)
    ttl = web.config.web_overview_cache_seconds
    hit = web.cache.get(key)
    if hit is not None and ttl > 0:
        if time.monotonic() - hit[0] >= ttl and key not in web.refreshing:
            web.refreshing[key] = asyncio.create_task(_refresh(web, key, viewer, period, unit))
        return hit[1]  # type: ignore[return-value]
    running = web.refreshing.get(key)
    if running is not None:  # being computed already (started at sign-in): wait for it, do not start another
        return await asyncio.shield(running)
    return await _refresh(web, key, viewer, period, unit)


def prepare_overview(web: Web, viewer: Viewer) -> None:
    """At sign-in: start computing the overview the person is about to open, unless it is cached or running; for a
    committee, then the other periods of the picker one after another (a province's year reads a year of the ledger:
    computed while the person reads the first page, the choice is served from the cache)."""
    today = clock.today()
    period = periods.default(today)
    key = overview_key(viewer, period)
    wanted = web.config.web_overview_cache_seconds > 0 and (viewer.committee or viewer.branch_ids)
    if wanted and key not in web.cache and key not in web.refreshing:
        web.refreshing[key] = asyncio.create_task(_refresh(web, key, viewer, period))
    if wanted and (viewer.committee or viewer.scope.top):
        warming = "warm:" + key
        if warming not in web.refreshing:
            rest = [choice for choice in periods.choices(today) if choice.value != period.value]
            web.refreshing[warming] = asyncio.create_task(_warm(web, viewer, key, rest, warming))


async def _warm(web: Web, viewer: Viewer, first: str, rest: list[Period], warming: str) -> None:
    """Compute the periods one at a time after the first (never several at once on a small machine)."""
    try:
        running = web.refreshing.get(first)
        if running is not None:
            await asyncio.shield(running)
        for period in rest:
            key = overview_key(viewer, period)
            if key in web.cache or key in web.refreshing:
                continue
            task = web.refreshing[key] = asyncio.create_task(_refresh(web, key, viewer, period))
            await asyncio.shield(task)
    except Exception:  # a warm-up that fails leaves the page to compute it when asked; it never breaks a page
        logger.exception("warming the overview's periods failed")
    finally:
        web.refreshing.pop(warming, None)


async def _refresh(web: Web, key: str, viewer: Viewer, period: Period, unit: str = "") -> Overview:
    """Compute an overview and keep it: a committee's view one line per unit right below the one drilled into."""
    try:
        at = units.find(await units.committees(web.services, viewer.scope), unit)
        level = await units.children(web.services, viewer.scope, at)
        data = await compute(web.services, _visible(viewer), period, web.config.web_rank_min_appeals, level)
        web.cache[key] = (time.monotonic(), data)
        _bound(web)
        return data
    finally:
        web.refreshing.pop(key, None)


def _bound(web: Web) -> None:
    """Any range of days is a period: keep the cache's memory bounded, the oldest computed going first."""
    while len(web.cache) > CACHED_OVERVIEWS:
        web.cache.pop(min(web.cache, key=lambda k: web.cache[k][0]))


def sorted_lines(data: Overview, sort: str, desc: int) -> list:
    """The lines by a column; lines that column cannot judge last, in pinyin order."""
    value, judged = SORTS.get(sort, SORTS["name"])
    ranked = sorted((line for line in data.lines if judged(line)), key=value, reverse=bool(desc))
    return ranked + [line for line in data.lines if not judged(line)]


@router.get("/")
async def overview(
    request: Request,
    viewer: ViewerDep,
    period: PeriodDep,
    sort: str = "name",
    desc: int = 0,
    lag: str = "close",
    unit: str = "",
    level: str = "",
) -> Response:
    """The period's figures per unit beside the state now, who lags, and the trends by month; `unit` drills into a
    committee of the viewer's scope (province → city → county → branch)."""
    web = web_of(request)
    if not viewer.committee and not viewer.branch_ids:
        return RedirectResponse(f"{web.config.prefix}/appeals", status_code=303)
    unit = unit if units.find(await units.committees(web.services, viewer.scope), unit) is not None else ""
    data = await overview_of(web, viewer, period, unit)
    lag = lag if lag in texts.LAG_KEYS else "close"
    level = level if level in data.levels else ""
    return render(
        request,
        "overview.html",
        viewer,
        period,
        data=data,
        lines=sorted_lines(data, sort, desc),
        sort=sort if sort in SORTS else "name",
        desc=desc,
        lag=lag,
        lag_keys=texts.LAG_KEYS,
        level=level,
        unit=unit,
        lagging=data.lagging(lag, level),
        rate=rate,
        whole_rate=whole_rate,
        at=clock.local(data.at),
        board_dates=period.board_dates(),
    )


@router.get("/trend")
async def trend_section(request: Request, viewer: ViewerDep, period: PeriodDep) -> Response:
    """The last twelve months (up to the period's last), as a section the overview loads after itself (htmx), or as
    a page of its own without script. Cached longer than the overview: it reads twelve months of the ledger."""
    web = web_of(request)
    if not viewer.committee and not viewer.branch_ids:
        raise HTTPException(404, texts.NOT_FOUND_BRANCH)
    last = period.last_day(clock.today())
    key = f"trend|{overview_key(viewer, period).split('|')[0]}|{last:%Y-%m}"
    hit = web.cache.get(key)
    if hit is not None and web.config.web_overview_cache_seconds > 0 and time.monotonic() - hit[0] < TREND_SECONDS:
        months: list[queries.MonthTrend] = hit[1]  # type: ignore[assignment]
    else:
        months = await trend(web.services, _visible(viewer), period)
        web.cache[key] = (time.monotonic(), months)
        _bound(web)
    charts = {
        "closed": bars([(_month_label(t.first), t.closed) for t in months]),
        "satisfaction": bars([(_month_label(t.first), t.satisfaction_rate * 100) for t in months], _percent),
        "study": bars([(_month_label(t.first), t.study_rate * 100) for t in months], _percent),
    }
    name = "_trend.html" if request.headers.get("HX-Request") else "trend.html"
    return render(request, name, viewer, period, months=months, charts=charts)


def _month_label(first: date) -> str:
    """1月 … 12月 (the section's heading says which months)."""
    return f"{first.month}月"


def _percent(value: float) -> str:
    return f"{value:.0f}%"


@router.get("/export/overview.xlsx")
async def overview_export(request: Request, viewer: ViewerDep, period: PeriodDep, unit: str = "") -> Response:
    """The overview's table of the period as XLSX — of the committee drilled into (`unit`, one of the viewer's
    scope), else of the viewer's whole scope; logged. No personal data is in it, whatever the viewer's role."""
    web = web_of(request)
    if not viewer.committee and not viewer.branch_ids:
        raise HTTPException(404, texts.NOT_FOUND_BRANCH)
    unit = unit if units.find(await units.committees(web.services, viewer.scope), unit) is not None else ""
    data = await overview_of(web, viewer, period, unit)
    title = exports.title(data.root.name + "概览", period.label, data.at)
    rows = exports.overview_rows(data)
    body = await asyncio.to_thread(exports.workbook, texts.SHEET_OVERVIEW, title, texts.OVERVIEW_HEADER, rows)
    what = f"{data.root.name} {period.label}"
    await web.services.members.log_access(viewer.actor, texts.LOG_EXPORT_OVERVIEW, what, None)
    name = texts.EXPORT_OVERVIEW_NAME.format(period=period.value.replace("~", "-"), at=clock.now())
    return exports.download(body, name)


# ---- appeals board ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardAsked:
    """The board's filter as asked in the query, checked against what the viewer may see."""

    unit: str
    department: str
    category: str
    state: str
    since: str
    until: str
    number: str

    def filter(self, visible: list[units.Unit]) -> BoardFilter:
        """The filter to query with; a unit the viewer does not see filters nothing (the scope still applies)."""
        unit = units.find(visible, self.unit)
        return BoardFilter(
            unit=unit.appeal_condition() if unit is not None else None,
            department=self.department,
            category=self.category if self.category in rules.CATEGORIES else "",
            state="" if self.state in ("", texts.IN_PROGRESS) else self.state,
            since=_day(self.since),
            until=_day(self.until),
            number=self.number.strip()[:20],
        )


def _day(text: str) -> date | None:
    """A date input's value, or None."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


async def _board_units(web: Web, viewer: Viewer) -> list[units.Unit]:
    """The units a viewer may filter the board by: the committees of their scope, then the branches (a department
    sees no branch list)."""
    if not viewer.committee and not viewer.branch_ids:
        return []
    committees = await units.committees(web.services, viewer.scope)  # in region order
    return [*committees, *await units.branches(web.services, _visible(viewer))]


def _asked(request: Request) -> BoardAsked:
    """The board's filter from the query (`from` and `to` are Python keywords, so read by hand)."""
    q = request.query_params
    state = q.get("state", "")
    return BoardAsked(
        q.get("unit", ""),
        q.get("department", "")[:32],
        q.get("category", ""),
        state if state in BOARD_STATES else "",
        q.get("from", ""),
        q.get("to", ""),
        q.get("number", ""),
    )


@router.get("/appeals")
async def appeals_board(request: Request, viewer: ViewerDep, period: PeriodDep, page: int = 1) -> Response:
    """Appeals by unit, department, category, state and received days, or by number; a page at a time."""
    web = web_of(request)
    asked = _asked(request)
    visible = await _board_units(web, viewer)
    wanted = asked.filter(visible)
    scope = queries.appeal_scope(viewer.scope)
    size = web.config.web_page_size
    found = await queries.board(web.services, scope, wanted, page, size)
    pages = pager(request, found.total, size, found.page)
    # 「（未转办）」 is the select's own last option, not a department (it was listed twice)
    departments = sorted(
        {*web.services.settings.departments, *found.counts.get("department", {})} - {"", texts.UNASSIGNED}
    )
    return render(
        request,
        "appeals.html",
        viewer,
        period,
        board=found,
        lines=found.lines,
        pager=pages,
        asked=asked,
        units=visible,
        departments=departments,
        categories=rules.CATEGORIES,
        states=BOARD_STATES,
        left_text=left_text,
        export_query=urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page" and v]),
        board_dates=period.board_dates(),
    )


@router.get("/appeals/export.xlsx")
async def appeals_export(request: Request, viewer: ViewerDep, period: PeriodDep) -> Response:
    """The board as filtered (every page, up to EXPORT_ROWS) as XLSX; logged."""
    web = web_of(request)
    asked = _asked(request)
    visible = await _board_units(web, viewer)
    scope = queries.appeal_scope(viewer.scope)
    found = await queries.board(web.services, scope, asked.filter(visible), 1, EXPORT_ROWS)
    left = {line.appeal.id: left_text(line) for line in found.lines}
    what = describe(asked, visible)
    # Built in a worker thread: a province's year of appeals takes seconds, and every other page waits meanwhile
    # when it runs on the event loop.
    body = await asyncio.to_thread(
        exports.workbook,
        texts.SHEET_BOARD,
        exports.title(texts.SHEET_BOARD, what),
        texts.BOARD_HEADER,
        exports.board_rows(found.lines, left),
    )
    await web.services.members.log_access(viewer.actor, texts.LOG_EXPORT_BOARD, what[:200], None)
    return exports.download(body, texts.EXPORT_BOARD_NAME.format(at=clock.now()))


def describe(asked: BoardAsked, visible: list[units.Unit]) -> str:
    """The filter in words, for the export's title and the access log."""
    unit = units.find(visible, asked.unit)
    parts = [
        unit.name if unit else "",
        asked.department,
        asked.category,
        asked.state or texts.IN_PROGRESS,
        f"{asked.since}~{asked.until}" if asked.since or asked.until else "",
        asked.number,
    ]
    return "，".join(part for part in parts if part)


def left_text(line: BoardLine) -> str:
    """剩 2 天 3 小时 / 超 5 小时 / —."""
    if line.left is None:
        return "—"
    seconds = int(line.left.total_seconds())
    word = texts.LEFT if seconds >= 0 else texts.LATE
    seconds = abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return texts.DAYS_HOURS.format(word=word, d=days, h=hours)
    return (
        texts.HOURS_MINUTES.format(word=word, h=hours, m=minutes)
        if hours
        else texts.MINUTES.format(word=word, m=minutes)
    )


@router.get("/appeals/{number}")
async def appeal_page(request: Request, number: str, viewer: ViewerDep, period: PeriodDep) -> Response:
    """One appeal and its whole trail (the appellant's phone masked); the view is logged."""
    web = web_of(request)
    services = web.services
    try:
        viewed = await services.appeals.view(viewer.actor, number)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    except Refusal:
        raise HTTPException(403, texts.NOT_YOURS_APPEAL) from None
    appeal, events = viewed.appeal, list(viewed.events)
    await services.members.log_access(viewer.actor, texts.LOG_VIEW_APPEAL, appeal.number, appeal.branch_id)
    branch = await _branch(web, appeal.branch_id) if appeal.branch_id else None
    return render(
        request,
        "appeal.html",
        viewer,
        period,
        appeal=appeal,
        events=events,
        branch=branch,
        branch_link=branch is not None and viewer.sees_branch(branch.id),
        phone=mask_phone(appeal.phone),
        evidence=[row for row in viewed.evidence if row.failed is None],
        evidence_failed=sum(1 for row in viewed.evidence if row.failed is not None),
    )


@router.get("/appeals/{number}/evidence/{item_id}")
async def appeal_evidence(
    request: Request, number: str, item_id: int, viewer: ViewerDep, original: int = 0
) -> Response:
    """One picture or voice message kept with an appeal, for those who may see the appeal (the same rule as its
    page); a voice message as the browser's copy (WAV) unless `original`; every fetch is logged."""
    services = web_of(request).services
    try:
        viewed = await services.appeals.view(viewer.actor, number)
    except NotFound as error:
        raise HTTPException(404, str(error)) from None
    except Refusal:
        raise HTTPException(403, texts.NOT_YOURS_APPEAL) from None
    item = next((row for row in viewed.evidence if row.id == item_id and row.path), None)
    if item is None or item.path is None:
        raise HTTPException(404, texts.NO_SUCH_EVIDENCE)
    play = item.kind == "voice" and not original and item.playable is not None and item.playable != item.path
    relative = item.playable if play and item.playable else item.path
    file = services.appeals.evidence.path_of(relative)
    if not file.is_file():  # forgotten a moment ago, or the folder is not shared with this process
        raise HTTPException(404, texts.NO_SUCH_EVIDENCE)
    await services.appeals.log_evidence(viewer.actor, viewed.appeal, f"#{item.id}")
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if original:
        headers["Content-Disposition"] = (
            f'attachment; filename="{viewed.appeal.number}-{item.id}{Path(relative).suffix}"'
        )
    return FileResponse(
        file,
        media_type="audio/wav" if play else (item.mime or "application/octet-stream"),
        headers=headers,
    )


async def _branch(web: Web, branch_id: int) -> Branch | None:
    """A branch by id."""
    async with web.services.database.reading() as session:
        return await session.get(Branch, branch_id)


# ---- branches ---------------------------------------------------------------------------------------------------
@router.get("/branches")
async def branches(request: Request, viewer: ViewerDep, period: PeriodDep, page: int = 1) -> Response:
    """The branches a viewer may open, in pinyin order, a page at a time (a secretary of one goes straight to it)."""
    web = web_of(request)
    if not viewer.committee and not viewer.branch_ids:
        raise HTTPException(404, texts.NOT_FOUND_BRANCH)
    items = await units.branches(web.services, _visible(viewer))
    if len(items) == 1 and not viewer.committee:
        return RedirectResponse(f"{web.config.prefix}/branch/{items[0].id}", status_code=303)
    pages = pager(request, len(items), web.config.web_page_size, page)
    shown = items[pages.offset : pages.offset + pages.size]
    return render(request, "branches.html", viewer, period, items=shown, pager=pages)


async def _visible_branch(web: Web, viewer: Viewer, branch_id: int) -> Branch:
    """The branch when the viewer may see it; 404 otherwise (no hint that another branch exists)."""
    branch = await _branch(web, branch_id) if viewer.sees_branch(branch_id) else None
    if branch is None:
        raise HTTPException(404, texts.NOT_FOUND_BRANCH)
    return branch


@router.get("/branch/{branch_id}")
async def branch_page(
    request: Request, branch_id: int, viewer: ViewerDep, period: PeriodDep, full: int = 0
) -> Response:
    """Members with participation, who has not studied this week, the month, and the branch's appeals (the period's
    figures, the state now, those in progress). Full phone and plate only as `privacy.full_numbers` allows (the
    branch's own secretary who asks), and that view is logged."""
    web = web_of(request)
    services = web.services
    branch = await _visible_branch(web, viewer, branch_id)
    own = may_see_full_numbers(viewer, branch.id)
    shown_full = full_numbers(viewer, branch.id, bool(full))
    lines = await queries.branch_members(services, branch.id)
    action = texts.LOG_VIEW_LEDGER_FULL if shown_full else texts.LOG_VIEW_LEDGER
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
            "phone": (line.member.phone or "") if shown_full else mask_phone(line.member.phone),
            "plate": (line.member.plate or "") if shown_full else mask_plate(line.member.plate),
            "kinds": line.by_kind,
            "points": sum(line.by_kind.values()),
            "studied": line.studied_this_week,
        }
        for line in lines
    ]
    figures = await services.appeals.statistics(branch.id, period.start, period.end)
    now = (await queries.now_state(services, [branch.id])).get(branch.id, queries.NowState())
    scope = queries.appeal_scope(viewer.scope)
    open_now = await queries.board(services, scope, BoardFilter(branch_ids=frozenset({branch.id})), 1, 20)
    return render(
        request,
        "branch.html",
        viewer,
        period,
        branch=branch,
        unit=f"{units.BRANCH}:{branch.id}",
        people=people,
        missing=[p["name"] for p in people if not p["studied"]],
        report=report,
        chart=chart,
        full=shown_full,
        own=own,
        figures=figures,
        now=now,
        open_now=open_now,
        left_text=left_text,
        board_dates=period.board_dates(),
    )


@router.get("/branch/{branch_id}/export.csv")
async def branch_export(request: Request, branch_id: int, viewer: ViewerDep) -> Response:
    """The branch's ledger as CSV (masked, as `/台账 导出` in a group); the export is logged."""
    web = web_of(request)
    services = web.services
    branch = await _visible_branch(web, viewer, branch_id)
    folder = Path(tempfile.mkdtemp(prefix="redwheel-web-"))
    path = await services.records.export(branch, folder, full=False)
    await services.members.log_access(viewer.actor, texts.LOG_EXPORT_LEDGER, branch.name, branch.id)

    def clean() -> None:
        """Remove the temporary file after sending it."""
        path.unlink(missing_ok=True)
        folder.rmdir()

    filename = f"{branch.name}-台账-{date.today():%Y%m}.csv"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename, background=BackgroundTask(clean))


@router.get("/branch/{branch_id}/export.xlsx")
async def branch_export_xlsx(request: Request, branch_id: int, viewer: ViewerDep, full: int = 0) -> Response:
    """The branch's ledger as XLSX, masked unless the viewer may and asks to see numbers in full; logged."""
    web = web_of(request)
    services = web.services
    branch = await _visible_branch(web, viewer, branch_id)
    shown_full = full_numbers(viewer, branch.id, bool(full))
    rows = await services.records.export_rows(branch, shown_full)
    action = texts.LOG_EXPORT_LEDGER_FULL if shown_full else texts.LOG_EXPORT_LEDGER
    await services.members.log_access(viewer.actor, action, branch.name, branch.id)
    title = exports.title(branch.name + texts.SHEET_LEDGER, clock.today().isoformat())
    body = await asyncio.to_thread(exports.workbook, texts.SHEET_LEDGER, title, [str(c) for c in rows[0]], rows[1:])
    return exports.download(body, texts.EXPORT_LEDGER_NAME.format(branch=branch.name, at=clock.now()))


# ---- stations ---------------------------------------------------------------------------------------------------
async def _matching(web: Web, q: str) -> tuple[list[Any], int]:
    """Every station a search finds (all its pages), or every station without a search."""
    if not q:
        items = await _all_stations(web)
        return items, len(items)
    found: list[Station] = []
    page, pages = 1, 1
    while page <= pages:
        result = await web.services.stations.search(q, page=page, page_size=50)
        found += result.items
        pages, page = result.pages, page + 1
    return found, len(found)


@router.get("/stations")
async def stations(request: Request, viewer: ViewerDep, period: PeriodDep, q: str = "", page: int = 1) -> Response:
    """Stations with a keyword search, a page at a time, and the map of what the search found."""
    web = web_of(request)
    q = q.strip()[:40]
    items, total = await _matching(web, q)
    pages = pager(request, total, web.config.web_page_size, page)
    outline = web.config.web_map_outline
    return render(
        request,
        "stations.html",
        viewer,
        period,
        items=items[pages.offset : pages.offset + pages.size],
        total=total,
        pager=pages,
        q=q,
        tile_url=web.config.web_tile_url,
        attribution=web.config.web_tile_attribution,
        subdomains=web.config.web_tile_subdomains,
        outline=f"map/{outline}" if outline else "",
    )


async def _all_stations(web: Web) -> list[StationRecord]:
    """Every live approved station (every branch sees those), by province, city and name."""
    async with web.services.database.reading() as session:
        query = select(StationRecord).where(StationRecord.deleted_at.is_(None), StationRecord.status == "approved")
        rows = await session.scalars(query.order_by(StationRecord.province, StationRecord.city, StationRecord.name))
        return list(rows.all())


@router.get("/api/stations")
async def stations_api(request: Request, viewer: ViewerDep, q: str = "") -> Response:
    """The map's markers: the stations a search finds (every station without one), GCJ-02 as stored."""
    items, _ = await _matching(web_of(request), q.strip()[:40])
    markers = [
        {"id": s.id, "name": s.name, "kind": s.kind, "lat": s.lat, "lng": s.lng, "address": s.address}
        for s in items
        if s.lat is not None and s.lng is not None
    ]
    return JSONResponse({"stations": markers})

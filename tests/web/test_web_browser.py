"""In a real browser: headless Chromium (the system's package) signs in through a /后台 link and opens every page.

The bot's web view is served by uvicorn in this test's event loop, over a fresh migrated SQLite database. Where the
browser cannot start, the test fails with the reason: a silent pass would hide a broken map or sign-in.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
import uvicorn

from bot.core import clock
from bot.core.settings import Settings
from bot.services import build_services
from tests.web.seed import PREFIX, SECRETARY_A, SUPER, link_path, link_reply, make_app, private, seed

CHROMIUM = os.environ.get("REDWHEEL_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def served(sqlite_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The seeded web view on a real HTTP server; yields (base URL, world)."""
    monkeypatch.setenv("WEB_SECRET", "test-secret")
    settings = Settings(database_url=sqlite_database.url, data_dir=tmp_path, superusers={"10000"})
    world = await seed(build_services(settings, database=sqlite_database))
    await world.services.stations.search("花溪")  # the word segmenter loads once, before the clock runs
    port = free_port()
    monkeypatch.setenv("WEB_BASE_URL", f"http://127.0.0.1:{port}")
    config = uvicorn.Config(make_app(world.services), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", world
    server.should_exit = True
    await asyncio.wait_for(task, 10)


def require_browser() -> None:
    """Fail (not skip) when the system's Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no browser at {CHROMIUM}: install it (apt-get install -y chromium) or set REDWHEEL_CHROMIUM")


def finish_shots(shots: Path) -> None:
    """Six screenshots were written; they stay only when REDWHEEL_KEEP_SHOTS is set."""
    assert sorted(p.name for p in shots.glob("*.png")) == sorted(f"{n}.png" for n in SHOTS)
    if os.environ.get("REDWHEEL_KEEP_SHOTS") is None:
        shutil.rmtree(shots)


SHOTS = ("overview", "appeals", "appeal", "branch", "stations", "secretary-phone")


async def launch(playwright):
    """Chromium from the system's packages; a failure says why instead of skipping."""
    require_browser()
    try:
        return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    except Exception as error:  # the reason goes into the failure
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}")


async def test_sign_in_and_every_page_in_chromium(served):
    from playwright.async_api import async_playwright, expect

    base, world = served
    shots = Path(tempfile.mkdtemp(prefix="redwheel-web-shots-"))
    errors: list[str] = []
    stats = await world.services.appeals.statistics(None, clock.today().replace(day=1))
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = await context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

            reply = await link_reply(world.services, private(SUPER.key))
            url = next(word for word in reply.split() if word.startswith("http"))
            assert url.startswith(base + PREFIX + "/login?t=")
            await page.goto(url)  # the confirmation page: opening the link spends nothing
            await page.click("#confirm")
            await page.wait_for_url(f"{base}{PREFIX}/")
            assert await page.text_content("#total-close-rate") == f"{stats.close_rate * 100:.2f}%"
            assert await page.locator("#branches tbody tr").count() == 2
            await page.screenshot(path=str(shots / "overview.png"), full_page=True)

            await page.goto(f"{base}{PREFIX}/appeals")
            assert await page.locator("#open tbody tr[data-number]").count() == 4
            await page.screenshot(path=str(shots / "appeals.png"), full_page=True)

            number = world.numbers["a_closed"]
            await page.click(f"text={world.numbers['a_open']}")
            await page.goto(f"{base}{PREFIX}/appeals/{number}")
            assert await page.locator("#trail li").count() == 3
            await page.screenshot(path=str(shots / "appeal.png"), full_page=True)

            await page.goto(f"{base}{PREFIX}/branch/{world.branch_a.id}")
            assert await page.text_content("#member-count") == "3"
            assert "138****5678" in (await page.text_content("#members") or "")
            await page.screenshot(path=str(shots / "branch.png"), full_page=True)

            await page.goto(f"{base}{PREFIX}/stations")
            await page.wait_for_selector("#map[data-markers]")
            assert await page.get_attribute("#map", "data-markers") == "3"
            assert await page.locator("#map .station-dot").count() == 3
            await page.fill("#q", "花溪")
            await expect(page.locator("#stations tbody tr")).to_have_count(1, timeout=30_000)
            assert "花溪红色驿站" in (await page.text_content("#stations") or "")
            await page.screenshot(path=str(shots / "stations.png"), full_page=True)

            # The same link a second time: refused. A phone-sized secretary's view.
            again = await context.new_page()
            await again.goto(url)
            assert "已经用过" in (await again.text_content("#message") or "")
            phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            mobile = await phone.new_page()
            await mobile.goto(link_path_url(base, await link_reply(world.services, private(SECRETARY_A))))
            await mobile.click("#confirm")
            await mobile.wait_for_url(f"{base}{PREFIX}/")
            assert world.branch_b.name not in (await mobile.content())
            await mobile.screenshot(path=str(shots / "secretary-phone.png"), full_page=True)
        finally:
            await browser.close()
    assert not errors, errors  # no script errors, no CSP violations
    finish_shots(shots)


def link_path_url(base: str, reply: str) -> str:
    """The link of a reply, on this server."""
    return base + link_path(reply)

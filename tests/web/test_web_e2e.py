"""End to end: the bot as a real process; /后台 over the OneBot WebSocket gives a link that signs in, in Chromium.

Runs once the bot mounts the web view in bot/app.py or a plugin (until then it is skipped with that reason).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.botprocess import ROOT, BotProcess
from tests.web.test_web_browser import launch


def mounted() -> bool:
    """Whether the bot mounts the web view yet (in bot/app.py or a plugin)."""
    sources = [ROOT / "bot" / "app.py", *sorted((ROOT / "bot" / "plugins").glob("*.py"))]
    return any("bot.web" in path.read_text(encoding="utf-8") for path in sources)


@pytest.fixture
def bot(tmp_path: Path):
    """A running bot whose links point at its own port."""
    if not mounted():
        pytest.skip("the bot does not mount the web view yet (bot.web.mount in bot/app.py or a plugin)")
    process = BotProcess(tmp_path / "bot", env={"WEB_SECRET": "e2e-secret"})
    process.env["WEB_BASE_URL"] = f"http://127.0.0.1:{process.port}"
    process.start()
    yield process
    process.stop()


async def test_a_link_from_the_chat_signs_in_in_a_browser(bot: BotProcess):
    from playwright.async_api import async_playwright

    client = await bot.client()
    try:
        group = await client.ask("9101", "10000", "/后台")
        assert "私聊" in group and "http" not in group
        reply = await client.ask(None, "10000", "/后台")
        driver = await client.ask(None, "40009", "/后台")
    finally:
        await client.close()
    assert "http" not in driver
    link = next(word for word in reply.split() if word.startswith("http"))
    assert link.startswith(f"http://127.0.0.1:{bot.port}/admin/login?t=")
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page()
            await page.goto(link)
            await page.click("#confirm")
            await page.wait_for_url(f"http://127.0.0.1:{bot.port}/admin/")
            assert "全省概览" in (await page.text_content("h1") or "")
        finally:
            await browser.close()
    async with httpx.AsyncClient() as http:
        again = await http.get(link)
        assert again.status_code == 403  # the link was used
        assert (await http.get(f"http://127.0.0.1:{bot.port}/admin/")).status_code == 401
    token = link.split("t=", 1)[1]
    log = bot.read_log()
    assert '"GET /admin/login?t=[令牌] HTTP/1.1" 200' in log  # uvicorn's access line is there, without the token
    assert token not in log and token.split(".")[0] not in log

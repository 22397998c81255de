"""Personal data never reaches the bot's log: a registration with a phone and a plate, an appeal with a phone and a
description, a shared location and a typed coordinate lookup, driven over the WebSocket against the real process at
its default log level (and at DEBUG); then the whole log is searched for each value — and for the token of a web
sign-in link opened meanwhile; the database files are the bot's user's alone (0600)."""

import asyncio
import stat
import time

import httpx
import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory
from bot.core.db import Database
from tests.support.botprocess import BotProcess

GROUP = "5901"
DRIVER = "20071"
REG_NAME = "欧阳青山"
REG_PHONE = "13987654321"
REG_PLATE = "贵A7K2Q9"
APPEAL_PHONE = "15012348765"
APPEAL_TEXT = "停车场收费乱要求核查七号库"
LAT, LNG = "26.61234", "106.70321"
TYPED_LAT, TYPED_LNG = "26.59871", "106.68452"
SIGN_IN_TOKEN = "cXE6MTAwMDA.Zk9yZ2VkU2lnbmF0dXJl"  # shaped like a link's token: the QQ number 10000, signed
PRIVATE_VALUES = (REG_NAME, REG_PHONE, REG_PLATE, APPEAL_PHONE, APPEAL_TEXT, LAT, LNG, TYPED_LAT, TYPED_LNG)


def _answer(prompt: str) -> str | None:
    """What a driver answers to a registration or appeal question (None: nothing to answer here)."""
    if "私聊里继续" in prompt or "已私聊您" in prompt:
        return None  # "continue in private chat": the question comes there
    rules = (
        ("核对", "确认"),
        ("确认", "确认"),
        ("姓名", REG_NAME),
        ("手机", REG_PHONE),
        ("车牌", REG_PLATE),
        ("户籍", "跳过"),
        ("路线", "跳过"),
        ("政治面貌", "4"),
        ("类别", "1"),
        ("描述", APPEAL_TEXT),
        ("地点", "贵阳市乌当区"),
        ("联系电话", APPEAL_PHONE),
    )
    return next((answer for word, answer in rules if word in prompt), None)


async def _say(client, chat: str | None, text: str) -> None:
    if chat is None:
        await client.private_message(DRIVER, text)
    else:
        await client.group_message(chat, DRIVER, text)


async def _converse(client, start: str, chat: str | None, rounds: int = 14) -> list[str]:
    """Start a conversation and answer each question where it was asked (it may move to private chat)."""
    said: list[str] = []
    await _say(client, chat, start)
    for _ in range(rounds):
        replies = await client.sends(quiet=1.5, timeout=30)
        said += [r.text for r in replies]
        askable = [r for r in replies if r.target and _answer(r.text) is not None]
        if not askable:
            break
        last = askable[-1]
        chat = None if last.target[0] == "private" else last.target[1]
        answer = _answer(last.text)
        assert answer is not None
        await _say(client, chat, answer)
        if answer == "确认":
            said += [r.text for r in await client.sends(quiet=1.5, timeout=30)]
            break
    return said


async def _wait_for_start(process: BotProcess) -> None:
    deadline = time.monotonic() + 60
    while "Redwheel started" not in process.read_log():
        if time.monotonic() > deadline:
            raise TimeoutError(process.read_log()[-2000:])
        await asyncio.sleep(0.2)


async def _seed(process: BotProcess) -> None:
    """The branch of the group, straight into the bot's database (after its migrations ran)."""
    database = Database(process.database_url or f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    try:
        await BranchDirectory(database).open(Actor("qq", "10000", GROUP, "10001"), "隐私测试支部")
    finally:
        await database.dispose()


@pytest.fixture(params=["default", "DEBUG"])
def privacy_bot(request, tmp_path):
    """The bot at the log level it ships with (the launcher's default), and at DEBUG."""
    env = {} if request.param == "default" else {"LOG_LEVEL": "DEBUG"}
    process = BotProcess(tmp_path / "bot", env=env)
    process.start()
    yield process
    process.stop()


async def test_no_personal_data_in_the_log(privacy_bot):
    await _wait_for_start(privacy_bot)
    await _seed(privacy_bot)
    client = await privacy_bot.client()
    try:
        registration = await _converse(client, "/登记", GROUP)
        appeal = await _converse(client, "/诉求", None)
        notices = await client.sends(quiet=1.5, timeout=20)  # what the bot sent on its own after the appeal
        location = [{"type": "location", "data": {"lat": LAT, "lon": LNG, "title": "我的位置", "content": ""}}]
        near = await client.ask(GROUP, DRIVER, location)
        typed = await client.ask(GROUP, DRIVER, f"/驿站 {TYPED_LAT},{TYPED_LNG}")
        await client.sends(quiet=1.5, timeout=20)
        async with httpx.AsyncClient() as web:  # a one-time sign-in link: its token encodes who it is for
            opened = await web.get(f"http://127.0.0.1:{privacy_bot.port}/admin/login", params={"t": SIGN_IN_TOKEN})
        assert opened.status_code == 403  # refused (no such link); what matters is the access log line below
        await asyncio.sleep(0.5)
    finally:
        await client.close()
    log = privacy_bot.read_log()
    # The web server's access log keeps the request line, never the link's token.
    assert '"GET /admin/login?t=[令牌] HTTP/1.1" 403' in log and SIGN_IN_TOKEN not in log
    # The database and its WAL and shared-memory files are readable by the bot's user only.
    files = [privacy_bot.workdir / name for name in ("bot.db", "bot.db-wal", "bot.db-shm")]
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files if path.exists()} == {
        "bot.db": 0o600,
        "bot.db-wal": 0o600,
        "bot.db-shm": 0o600,
    }
    assert "Redwheel started" in log
    leaked = [value for value in PRIVATE_VALUES if value in log]
    assert leaked == [], [line for line in log.splitlines() if any(v in line for v in leaked)][:10]
    # A privately filed appeal's description and phone, and a registration's phone and plate, never reach a group.
    in_groups = [s.text for s in client.history if s.target and s.target[0] == "group"]
    shown = [text for text in in_groups if any(v in text for v in (APPEAL_TEXT, APPEAL_PHONE, REG_PHONE, REG_PLATE))]
    assert shown == [], (shown, [(n.target, n.text[:40]) for n in notices])
    # The conversations really ran (otherwise the log could not have held the values anyway).
    assert len(appeal) >= 5 and any("SQ" in r for r in appeal[-3:]), appeal
    assert "离您最近" in near, near
    assert typed
    assert len(registration) >= 4, registration
    assert any("登记" in r for r in registration[-3:]), registration
    asked = {_answer(r) for r in registration}
    assert REG_PHONE in asked and REG_PLATE in asked, registration  # the phone and the plate were really typed

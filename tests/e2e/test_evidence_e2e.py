"""Done-when of issue 27, with the bot as a real process over the OneBot v11 WebSocket: a driver sends a voice message
(it answers the description) and a picture during /诉求, both from links that answer only once; a day later the
secretary's private query and the web view still show both, a group never gets them; a too-large file and a text
named .jpg are refused in words; the retention purge removes the files."""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import datetime, timedelta

import httpx
import pytest

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.db import Database
from bot.core.members import MemberRecords
from bot.core.settings import Settings
from bot.onebot_client import ApiCall
from bot.services import build_services
from tests.support.botprocess import BotProcess
from tests.support.media import PNG, MediaServer, silk
from tests.web.seed import PREFIX, sign_in

GROUP, DRIVER, SECRETARY = "5271", "20001", "20009"
SUPER = Actor("qq", "10000", None, "10001")
START = datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz())


def _number(text: str) -> str:
    match = re.search(r"SQ\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


def _database(process: BotProcess) -> Database:
    return Database(f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")


async def _seed(process: BotProcess) -> None:
    """A branch for the group, its secretary, and the driver registered in it (retention erases registered members)."""
    database = _database(process)
    try:
        branches = BranchDirectory(database)
        roles = Roles(database, branches)
        branch = await branches.open(Actor("qq", "10000", GROUP, "10001"), "证据支部")
        await roles.set_secretary(SUPER, branch, f"qq:{SECRETARY}", "李书记")
        driver = Actor("qq", DRIVER, GROUP, "10001")
        await MemberRecords(database, roles).register(driver, branch, {"name": "张三", "status": "群众"})
    finally:
        await database.dispose()


@pytest.fixture
def evidence_bot(tmp_path):
    """A bot on a moved clock, with a 64 KB limit per file and its web view on its own port."""
    process = BotProcess(tmp_path / "bot", env={"WEB_SECRET": "e2e-secret", "APPEALS_EVIDENCE_MAX_BYTES": "65536"})
    process.env["WEB_BASE_URL"] = f"http://127.0.0.1:{process.port}"
    process.workdir.mkdir(parents=True)
    process.set_clock(START.isoformat())
    process.start()
    yield process
    process.stop()


def _segment(kind: str, url: str, name: str) -> list[dict]:
    return [{"type": kind, "data": {"file": name, "url": url}}]


def _media_of(sends: list[ApiCall]) -> list[tuple[str, bytes]]:
    """The pictures and voice messages in what the bot sent, with their bytes."""
    found = []
    for send in sends:
        message = send.params.get("message")
        for seg in message if isinstance(message, list) else []:
            if seg.get("type") in ("image", "record"):
                found.append((seg["type"], base64.b64decode(seg["data"]["file"].removeprefix("base64://"))))
    return found


async def test_evidence_kept_shown_to_the_entitled_a_day_later_and_purged(evidence_bot):
    await asyncio.sleep(1.0)  # migrations done
    await _seed(evidence_bot)
    voice = silk(3.0)
    client = await evidence_bot.client()
    with MediaServer() as media:
        try:
            await client.ask(GROUP, DRIVER, "/诉求")
            await client.ask(GROUP, DRIVER, "1")
            voice_url = media.put("voice.silk", voice)
            assert "事发地点" in await client.ask(GROUP, DRIVER, _segment("record", voice_url, "v.amr"))
            picture_url = media.put("receipt.png", PNG)
            noted = await client.ask(GROUP, DRIVER, _segment("image", picture_url, "receipt.png"))
            assert "已收到图片 1 张、语音 1 条，提交时一并保存" in noted
            summary = await client.ask(GROUP, DRIVER, "贵阳东收费站")
            assert "描述：（语音 1 条）" in summary and "附件：图片 1 张、语音 1 条" in summary
            await client.group_message(GROUP, DRIVER, "确认")
            # the secretary's private notice of the new appeal may come first: read what went to the group
            [done] = [send.text for send in await client.sends() if send.target == ("group", GROUP)]
            number = _number(done)
            assert "已保存图片 1 张、语音 1 条" in done
            # The platform's links answer once: they are dead now, the bot had fetched them at once.
            async with httpx.AsyncClient() as http:
                assert (await http.get(voice_url)).status_code == 404
                assert (await http.get(picture_url)).status_code == 404

            # Refused in words: too large, and a text file named .jpg.
            big = media.put("big.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 70_000)
            note = [{"type": "text", "data": {"text": f"/诉求 补充 {number} 收据"}}]
            await client.group_message(GROUP, DRIVER, [*note, *_segment("image", big, "big.jpg")])
            said = [send.text for send in await client.sends()]
            assert "这条图片没有保存：文件太大，每个不能超过 64 KB。请压缩或截图后再发。" in said
            fake = media.put("photo.jpg", b"Hello, I am a text file pretending to be a photo.")
            await client.group_message(GROUP, DRIVER, [*note, *_segment("image", fake, "photo.jpg")])
            said = [send.text for send in await client.sends()]
            assert "这条图片没有保存：这不是图片文件（只收 JPG、PNG、GIF、WEBP），请直接发照片或截图。" in said

            # A day later the links are long gone; the secretary still sees both, in private chat, as they were.
            evidence_bot.set_clock((START + timedelta(days=1)).isoformat())
            await client.private_message(SECRETARY, f"/诉求 查询 {number}")
            sends = await client.sends()
            [detail] = [send.text for send in sends if send.text.startswith("【诉求")]  # (a notice may come between)
            assert "附件：图片 1 张、语音 1 条" in detail and "另有 2 个没能保存" in detail
            assert sorted(_media_of(sends)) == [("image", PNG), ("record", voice)]
            assert all(send.target == ("private", SECRETARY) for send in sends)
            # In the group: the count, never the files.
            await client.group_message(GROUP, SECRETARY, f"/诉求 查询 {number}")
            in_group = await client.sends()
            assert _media_of(in_group) == [] and "附件：图片 1 张、语音 1 条" in in_group[0].text

            # The web view: a thumbnail and a player, the files behind them.
            await client.private_message(SECRETARY, "/后台")
            said = " ".join(send.text for send in await client.sends())
            link = next(w for w in said.split() if w.startswith("http"))
            base = f"http://127.0.0.1:{evidence_bot.port}"
            async with httpx.AsyncClient(base_url=base) as web:
                assert (await sign_in(web, link.removeprefix(base), origin=base)).status_code == 200
                page = (await web.get(f"{PREFIX}/appeals/{number}")).text
                sources = re.findall(rf'src="({PREFIX}/appeals/{number}/evidence/\d+)"', page)
                assert len(sources) == 2 and "<img" in page and "<audio" in page
                sound, picture = [await web.get(src) for src in sources]  # in the order they came: the voice first
                assert picture.content == PNG and sound.content[8:12] == b"WAVE"

                # The driver leaves the group; after the retention period the purge removes the files.
                folder = evidence_bot.workdir / "data" / "evidence"
                assert len([p for p in folder.rglob("*") if p.is_file()]) == 3  # picture, SILK, its WAV
                await client.notice(
                    {
                        "post_type": "notice",
                        "notice_type": "group_decrease",
                        "sub_type": "leave",
                        "group_id": int(GROUP),
                        "user_id": int(DRIVER),
                        "operator_id": int(DRIVER),
                    }
                )
                await asyncio.sleep(1.0)
                later = START + timedelta(days=182)
                evidence_bot.set_clock(later.isoformat())
                await _purge(evidence_bot, later)
                assert [p for p in folder.rglob("*") if p.is_file()] == []
                assert (await web.get(sources[0])).status_code in (401, 404)
            await client.private_message(SECRETARY, f"/诉求 查询 {number}")
            after = await client.sends()
            [detail] = [send.text for send in after if send.text.startswith("【诉求")]
            assert _media_of(after) == [] and "附件" not in detail
            assert "voice.silk" not in evidence_bot.read_log() and "receipt.png" not in evidence_bot.read_log()
        finally:
            await client.close()


async def _purge(process: BotProcess, now: datetime) -> None:
    """The daily retention job, as the elected process runs it, over the bot's database and data folder."""
    database = _database(process)
    clock.set_now(now)
    try:
        services = build_services(Settings(data_dir=process.workdir / "data"), database=database)
        purge = await services.broadcasts.retention.purge()
        assert (purge.members, purge.appeals) == (1, 1)
    finally:
        clock.set_now(None)
        await database.dispose()

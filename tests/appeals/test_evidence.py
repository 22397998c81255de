"""Evidence kept with an appeal, as a service: fetched at once, checked by its bytes, limits told in words, files
private and unguessable, voice playable in a browser, failures recorded, everything gone with retention."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.core import clock, privacy
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.members import MemberRecords
from bot.core.models import AccessLog
from bot.core.parts import Image, Media, Voice
from bot.features.appeals import evidence, followup, texts
from bot.features.appeals.evidence import Evidence, Limits, Receipt, sniff
from bot.features.appeals.models import AppealEvidence
from bot.features.appeals.service import AppealService
from bot.features.appeals.transcribe import NoModel, sense_voice
from tests.support.media import JPEG, PNG, MediaServer, silk

SUPERUSER = Actor("qq", "10000", None, "10001")
DRIVER = Actor("qq", "20001", "5001", "10001")
SECRETARY = Actor("qq", "20009", None, "10001")
APPEAL = {"category": "运费拖欠", "description": "货主拖欠运费", "place": "贵阳东", "phone": None}
SESSION = DRIVER.session_key


@pytest.fixture
def media():
    with MediaServer() as server:
        yield server


@pytest.fixture
async def world(database, tmp_path):
    """A branch with a secretary; evidence kept under tmp_path with small limits."""
    clock.set_now(datetime(2026, 11, 23, 9, 0, tzinfo=clock.tz()))
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    branch = await branches.open(Actor("qq", "10000", "5001", "10001"), "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    kept = Evidence(database, tmp_path / "evidence", Limits(max_items=3, max_bytes=64 * 1024, max_voice_seconds=5))
    service = AppealService(database, roles, evidence=kept, log_access=MemberRecords(database, roles).log_access)
    appeal = await service.submit(DRIVER, branch, APPEAL)
    return service, appeal


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (JPEG, "image", "image/jpeg"),
        (PNG, "image", "image/png"),
        (b"GIF89a" + b"\x00" * 20, "image", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image", "image/webp"),
        (b"\x02#!SILK_V3\x00\x00", "voice", "audio/silk"),
        (b"#!SILK_V3\x00\x00", "voice", "audio/silk"),
        (b"#!AMR\n\x3c", "voice", "audio/amr"),
        (b"ID3\x04\x00", "voice", "audio/mpeg"),
        (b"OggS\x00\x02", "voice", "audio/ogg"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "voice", "audio/wav"),
        (b"\x00\x00\x00\x20ftypM4A \x00", "voice", "audio/mp4"),
    ],
)
def test_content_is_known_by_its_bytes(data, kind, mime):
    found = sniff(data)
    assert found is not None and (found.kind, found.mime) == (kind, mime)


def test_a_text_or_a_program_is_no_picture_whatever_its_name():
    assert sniff(b"<html><script>alert(1)</script>") is None
    assert sniff(b"MZ\x90\x00") is None


async def test_a_picture_and_a_voice_are_fetched_at_once_and_kept_private(world, media, tmp_path):
    service, appeal = world
    (tmp_path / "evidence").mkdir(mode=0o755)  # as a volume may come: the folder is made private on first use
    voice = silk(2.0)
    found = [Media("image", url=media.put("a.jpg", JPEG)), Media("voice", url=media.put("v.silk", voice))]
    receipt = await service.evidence.receive(SESSION, found, 60)
    assert receipt.refused == [] and len(receipt.kept) == 2
    assert sorted(media.fetched) == ["a.jpg", "v.silk"]  # fetched before anything else happens
    pictures, voices, left_out = await service.evidence.attach(
        appeal.id, DRIVER.key, await service.evidence.take(SESSION)
    )
    assert (pictures, voices, left_out) == (1, 1, 0)
    rows = await service.evidence.items(appeal.id)
    picture, sound = rows
    assert (picture.kind, picture.mime, picture.size) == ("image", "image/jpeg", len(JPEG))
    assert picture.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (sound.mime, sound.duration_ms) == ("audio/silk", 2000)
    root = tmp_path / "evidence"
    for row in rows:
        path = root / (row.path or "")
        assert path.read_bytes() == (JPEG if row.kind == "image" else voice)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and path.parent.name == str(appeal.id)
        assert "a.jpg" not in path.name and "v.silk" not in path.name and len(path.stem) >= 24
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    wav = (root / (sound.playable or "")).read_bytes()
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 2 * 24000 * 2  # two seconds of 24 kHz audio
    assert list((root / "staging").rglob("*.*")) == []  # nothing left waiting


async def test_a_failed_download_is_recorded_and_the_driver_asked_again(world, media):
    service, appeal = world
    url = media.put("once.jpg", JPEG)
    await service.evidence.receive("someone else", [Media("image", url=url)], 60)  # the one fetch the link allows
    receipt = await service.evidence.receive(SESSION, [Media("image", url=url)], 60)
    assert receipt.text() == texts.EVIDENCE_REFUSED.format(what="图片", reason=texts.EVIDENCE_DOWNLOAD_FAILED)
    assert "请再发一次" in receipt.text()
    await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION))
    [row] = await service.evidence.items(appeal.id)
    assert (row.kind, row.failed, row.path) == ("image", texts.EVIDENCE_DOWNLOAD_FAILED, None)


async def test_limits_are_told_in_words(world, media):
    service, _ = world
    big = JPEG[:-2] + b"\x00" * 70 * 1024
    fake = b"this is a text file, whatever its name says"
    receipt = await service.evidence.receive(
        SESSION,
        [
            Media("image", url=media.put("big.jpg", big)),
            Media("image", url=media.put("fake.jpg", fake), name="fake.jpg"),
            Media("image", url="https://example.invalid/x.jpg", size=1024 * 1024),  # too large by its own word
        ],
        60,
    )
    long_voice = [Media("voice", url=media.put("long.silk", silk(6.0)))]
    receipt = Receipt(refused=receipt.refused + (await service.evidence.receive(SESSION, long_voice, 60)).refused)
    assert receipt.refused == [
        "这条图片没有保存：文件太大，每个不能超过 64 KB。请压缩或截图后再发。",
        "这条图片没有保存：这不是图片文件（只收 JPG、PNG、GIF、WEBP），请直接发照片或截图。",
        "这条图片没有保存：文件太大，每个不能超过 64 KB。请压缩或截图后再发。",
        "这条语音没有保存：语音 6 秒，每条不能超过 5 秒。请分成几条再发，或用文字说明。",
    ]
    assert "fake.jpg" not in media.blobs  # it was fetched and looked at, not trusted by its name


async def test_a_slow_download_is_given_up_in_time_and_the_driver_asked_again(database, media, tmp_path):
    slow = Evidence(database, tmp_path / "evidence", Limits(timeout_seconds=0.3))
    media.delay = 1.0
    found = [Media("image", url=media.put("a.jpg", JPEG)), Media("image", url=media.put("b.jpg", JPEG))]
    started = asyncio.get_running_loop().time()
    receipt = await slow.receive(SESSION, found, 60)
    assert asyncio.get_running_loop().time() - started < 0.9  # side by side, each within its limit
    reason = texts.EVIDENCE_TIMEOUT.format(seconds="0.3")
    assert receipt.refused == [texts.EVIDENCE_REFUSED.format(what="图片", reason=reason)] * 2
    assert "请再发一次" in reason


async def test_no_more_than_the_limit_per_appeal(world, media):
    service, appeal = world
    found = [Media("image", url=media.put(f"{n}.png", PNG)) for n in range(4)]
    receipt = await service.evidence.receive(SESSION, found, 60)
    assert len(receipt.kept) == 3 and receipt.refused == [texts.EVIDENCE_TOO_MANY.format(limit=3)]
    assert "最多保存 3 个" in receipt.text()
    assert await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION)) == (3, 0, 0)
    await service.evidence.receive(SESSION, [Media("image", url=media.put("more.png", PNG))], 60)
    assert await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION)) == (0, 0, 1)
    # a /诉求 补充 with only a picture that no longer fits writes no blank line into the trail and tells nobody
    await service.evidence.receive(SESSION, [Media("image", url=media.put("last.png", PNG))], 60)
    before = len((await service.view(SECRETARY, appeal.number)).events)
    staged = await service.evidence.take(SESSION)
    assert (await followup.add_note(service, DRIVER, appeal.number, "", staged))[1] == (0, 0, 1)
    assert len((await service.view(SECRETARY, appeal.number)).events) == before


async def test_retention_forgets_rows_and_files(world, media, tmp_path):
    service, appeal = world
    found = [Media("image", url=media.put("a.jpg", JPEG)), Media("voice", url=media.put("v.silk", silk(1.0)))]
    await service.evidence.receive(SESSION, found, 60)
    await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION))
    folder = tmp_path / "evidence" / str(appeal.id)
    assert len(list(folder.iterdir())) == 3  # the picture, the SILK and its WAV
    assert await service.forget_person(DRIVER.key) == 1
    assert not folder.exists()
    async with service.database.reading() as session:
        assert (await session.scalars(select(AppealEvidence))).all() == []


async def test_a_query_shows_them_to_the_secretary_and_logs_it(world, media):
    service, appeal = world
    await service.evidence.receive(SESSION, [Media("image", url=media.put("a.jpg", JPEG))], 60)
    await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION))
    viewed = await service.view(SECRETARY, appeal.number)
    [part] = evidence.parts_of(service.evidence, viewed.evidence)
    assert isinstance(part, Image) and part.personal
    service.evidence.root = service.evidence.root.parent / "elsewhere"  # a database restored without the files
    assert evidence.parts_of(service.evidence, viewed.evidence) == []  # nothing to send rather than a failed send
    await service.log_evidence(SECRETARY, appeal)
    async with service.database.reading() as session:
        logged = (await session.scalars(select(AccessLog))).all()
    assert [(line.actor_key, line.action, line.subject) for line in logged] == [
        (SECRETARY.key, texts.LOG_EVIDENCE, appeal.number)
    ]


async def test_one_chat_reply_carries_files_within_a_few_megabytes_and_leaves_the_rest_to_the_web(world, media):
    """Two 9 MB pictures sent base64 in one message dropped the bot's connection (QA): a reply sends what fits."""
    service, appeal = world
    urls = [Media("image", url=media.put(f"{n}.jpg", JPEG)) for n in range(3)]
    await service.evidence.receive(SESSION, urls, 60)
    await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION))
    rows = (await service.view(SECRETARY, appeal.number)).evidence
    assert evidence.for_chat(rows) == (rows, 0)  # small pictures: all of them
    shown, left = evidence.for_chat(rows, budget=2 * len(JPEG))
    assert (shown, left) == (rows[:2], 1)
    assert evidence.CHAT_MEDIA_BYTES <= 4 * 1024 * 1024


def test_the_group_guard_drops_kept_pictures_and_voice():
    sent = privacy.for_group(["看图", Image(path="/x/a.jpg", personal=True), Voice(path="/x/v.silk")])
    assert sent == ["看图", privacy.NO_MEDIA_IN_GROUP]
    chart = Image(data=b"png")
    assert privacy.for_group([chart]) == [chart]  # a chart of the month is no one's evidence


async def test_an_operators_model_transcribes_a_voice_and_none_pretends_without_one(world, media, tmp_path):
    service, appeal = world
    heard: list[bytes] = []

    def model(wav: bytes) -> str:
        heard.append(wav)
        return "货主拖欠运费八千元"

    service.evidence.transcriber = model
    await service.evidence.receive(SESSION, [Media("voice", url=media.put("v.silk", silk(1.0)))], 60)
    [staged] = service.evidence.waiting(SESSION)
    assert staged.transcript == "货主拖欠运费八千元" and heard[0][8:12] == b"WAVE"  # the model hears the WAV
    await service.evidence.attach(appeal.id, DRIVER.key, await service.evidence.take(SESSION))
    [row] = await service.evidence.items(appeal.id)
    assert row.transcript == "货主拖欠运费八千元"
    service.evidence.transcriber = None
    await service.evidence.receive(SESSION, [Media("voice", url=media.put("w.silk", silk(1.0)))], 60)
    assert service.evidence.waiting(SESSION)[0].transcript is None


def test_a_configured_model_that_cannot_work_stops_the_start_with_the_reason(tmp_path):
    with pytest.raises(NoModel, match=r"no model\.int8\.onnx/model\.onnx with tokens\.txt"):
        sense_voice(tmp_path)
    (tmp_path / "model.int8.onnx").write_bytes(b"")
    (tmp_path / "tokens.txt").write_text("")
    with pytest.raises(NoModel, match="sherpa-onnx is not installed"):  # the bot does not ship it
        sense_voice(tmp_path)

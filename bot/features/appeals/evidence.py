"""Evidence kept with an appeal: the pictures and voice messages a driver sends during the `/诉求` intake or with
`/诉求 补充`, downloaded the moment they arrive (platform links expire within a day or two).

- A message's media (`bot.core.parts.Media`) are fetched at once by `Evidence.receive` — from the platform's url
  (httpx, `max_bytes` and `timeout_seconds`), or by the platform's own loader for a file id (OneBot v12 `get_file`) —
  and checked by their bytes, never their name: JPEG, PNG, GIF, WEBP for a picture; SILK (QQ, WeChat), AMR, MP3,
  OGG, WAV, M4A for a voice message, at most `max_voice_seconds` long where the format says its length.
- What was fetched waits by chat session (files in a per-process staging folder) until the intake is confirmed or
  the `/诉求 补充` command runs, which attach it to the appeal (`attach`): the file moves to
  `<evidence dir>/<appeal id>/<random name>`, a row of `appeal_evidence` keeps its type, size and sha256. One that
  could not be kept is a row too, with the reason, and the driver was told at once to send it again.
- SILK is decoded to WAV for browsers (silk-python; `bench/silk.py` compares it with pilk); AMR is kept for download
  (no decoder shipped). Speech is transcribed only with an operator's offline model (`transcribe.py`).
- Files are 0600 and folders 0700; names are `secrets.token_urlsafe`, so a path says nothing and cannot be guessed.
  `forget` deletes rows and files with the appeal's retention.

Knows nothing of NoneBot; the plugin hands it the message's media and the platform's loader.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import secrets
import shutil
import stat
import struct
import time
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from bot.core import clock
from bot.core.db import Database
from bot.core.parts import Image, Media, Voice
from bot.core.waiting import MEDIA, Wait, Waiting

from . import texts
from .models import AppealEvidence
from .transcribe import Transcriber

IMAGE, VOICE = "image", "voice"
Loader = Callable[[Media], Awaitable[bytes]]  # the platform's own fetch of a file id (OneBot v12 get_file)
CHUNK = 64 * 1024
SILK_RATE = 24000
STAGING = "staging"
STASH = "appeals.evidence"  # what staged media wait for in the waiting store (its `ref`)


@dataclass(frozen=True, slots=True)
class Limits:
    """What a driver may send with one appeal."""

    max_items: int = 9
    max_bytes: int = 10 * 1024 * 1024
    timeout_seconds: float = 20.0
    max_voice_seconds: int = 120


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the bytes are."""

    kind: str
    mime: str
    ext: str


def sniff(data: bytes) -> Sniffed | None:
    """The type of a file by its first bytes (magic numbers), or None for anything else."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(IMAGE, "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(IMAGE, "image/png", "png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(IMAGE, "image/gif", "gif")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(IMAGE, "image/webp", "webp")
    if head.startswith((b"#!SILK_V3", b"\x02#!SILK_V3")):
        return Sniffed(VOICE, "audio/silk", "silk")
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return Sniffed(VOICE, "audio/amr", "amr")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Sniffed(VOICE, "audio/wav", "wav")
    if head.startswith(b"OggS"):
        return Sniffed(VOICE, "audio/ogg", "ogg")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed(VOICE, "audio/mpeg", "mp3")
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso"):
        return Sniffed(VOICE, "audio/mp4", "m4a")
    return None


# Bytes of one 20 ms AMR frame by its frame type (narrow band, wide band); 0 for types that carry no speech.
_AMR_NB = (12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0)
_AMR_WB = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0)


def duration_ms(data: bytes, mime: str) -> int | None:
    """How long a voice message is, where the format says it without decoding (SILK, AMR, WAV); else None."""
    if mime == "audio/silk":
        at = data.index(b"#!SILK_V3") + 9
        frames = 0
        while at + 2 <= len(data):
            (length,) = struct.unpack_from("<h", data, at)
            if length <= 0 or at + 2 + length > len(data):
                break
            at += 2 + length
            frames += 1
        return frames * 20
    if mime == "audio/amr":
        wide = data.startswith(b"#!AMR-WB\n")
        sizes = _AMR_WB if wide else _AMR_NB
        at, frames = (9 if wide else 6), 0
        while at < len(data):
            at += 1 + sizes[(data[at] >> 3) & 0x0F]
            frames += 1
        return frames * 20
    if mime == "audio/wav":
        with contextlib.suppress(wave.Error, EOFError, struct.error), wave.open(io.BytesIO(data)) as sound:
            return int(sound.getnframes() * 1000 / max(1, sound.getframerate()))
    return None


def silk_to_wav(data: bytes) -> bytes | None:
    """A SILK voice message as 16-bit mono WAV that browsers play (silk-python), or None if it cannot be decoded."""
    import pysilk

    pcm = io.BytesIO()
    try:
        pysilk.decode(io.BytesIO(data), pcm, SILK_RATE)
    except Exception:  # a damaged file: keep the original for download
        return None
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(SILK_RATE)
        sound.writeframes(pcm.getvalue())
    return out.getvalue()


def size_words(size: int) -> str:
    """10 MB, 2.5 MB, 64 KB: a size as people say it (never three decimals, which the group guard would mask)."""
    if size >= 1024 * 1024:
        return f"{round(size / 1024 / 1024, 1):g} MB"
    return f"{max(1, round(size / 1024))} KB"


@dataclass(slots=True)
class Staged:
    """One medium of a message, fetched (a file in the staging folder) or not (`failed`: why, in words)."""

    kind: str
    mime: str | None = None
    size: int = 0
    sha256: str | None = None
    file: Path | None = None
    playable: Path | None = None  # the browser's copy (SILK → WAV), or the file itself where browsers play it
    duration_ms: int | None = None
    failed: str | None = None
    transcript: str | None = None  # only with an operator's offline model (transcribe.py)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What `receive` did with a message's media: how many kept, and the sentences for those refused."""

    kept: list[Staged] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def text(self) -> str:
        """What to tell the driver at once (empty when everything was kept)."""
        return "\n".join(self.refused)


class TooLarge(Exception):
    """More bytes than allowed."""


class Evidence:
    """Downloads, checks, stages and keeps the media of appeals; lists and forgets them."""

    def __init__(
        self,
        database: Database,
        root: Path,
        limits: Limits | None = None,
        client: httpx.AsyncClient | None = None,
        transcriber: Transcriber | None = None,
        waiting: Waiting | None = None,
    ) -> None:
        self.database = database
        self.root = root
        self.limits = limits or Limits()
        self.client = client
        self.transcriber = transcriber  # only where an operator configured an offline model (transcribe.py)
        self.store = waiting or Waiting(database)  # staged media wait here, by chat session (kind `media`)
        self._seen: dict[str, list[Staged]] = {}  # what this process staged, by chat (for conversation readers)
        self._fetching: dict[str, int] = {}  # media of a chat session being fetched right now (count toward the limit)

    # ---- files ----------------------------------------------------------------------------------------------
    def _folder(self, *parts: str) -> Path:
        """A folder under the evidence root, made 0700 (and the root too, also one made by someone else, e.g. a volume
        mounted 0755)."""
        folder = self.root
        for part in ("", *parts):
            folder = folder / part if part else folder
            if not folder.is_dir():
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if stat.S_IMODE(folder.stat().st_mode) != 0o700:
                os.chmod(folder, 0o700)
        return folder

    @staticmethod
    def _write(folder: Path, ext: str, data: bytes) -> Path:
        """A new file with an unguessable name, 0600 from its creation."""
        path = folder / f"{secrets.token_urlsafe(18)}.{ext}"
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        return path

    def path_of(self, relative: str) -> Path:
        """The file of a row (paths in rows are relative to the evidence root)."""
        return self.root / relative

    # ---- receiving ------------------------------------------------------------------------------------------
    def waiting(self, session_key: str) -> list[Staged]:
        """What this process staged for a chat and nobody took yet (for a conversation's step readers, which cannot
        wait for the database; the message being answered was received by this same process)."""
        return self._seen.get(session_key, [])

    async def _stash(self, session_key: str) -> tuple[list[Wait], list[Staged]]:
        """The waits of this chat's staged media in the waiting store, and the staged items still in time."""
        found = [w for w in await self.store.find(MEDIA, session_key=session_key) if w.ref == STASH]
        now = clock.now()
        return found, [self._staged_of(item) for w in found if w.until >= now for item in w.data.get("items", [])]

    async def take(self, session_key: str) -> list[Staged]:
        """What waits for this chat session, taken (the caller attaches it or drops it) — in whichever process."""
        await self.sweep()
        found, items = await self._stash(session_key)
        await self.store.remove(found)
        self._seen.pop(session_key, None)
        return items

    def drop(self, items: list[Staged]) -> None:
        """Delete staged files nobody will attach."""
        for item in items:
            for path in (item.file, item.playable):
                if path is not None:
                    path.unlink(missing_ok=True)

    async def sweep(self) -> None:
        """Forget what waited past its time (a conversation given up), with its files."""
        now = clock.now()
        gone = [w for w in await self.store.find(MEDIA) if w.ref == STASH and w.until < now]
        if gone:
            await self.store.remove(gone)
            self.drop([self._staged_of(item) for w in gone for item in w.data.get("items", [])])
            for w in gone:
                self._seen.pop(w.session_key, None)

    def clear_staging(self, older_than: float = 86400) -> None:
        """At start-up: staged files untouched for a day are removed (nobody waits for them any more)."""
        folder = self.root / STAGING
        if folder.is_dir():
            for old in folder.iterdir():
                if time.time() - old.stat().st_mtime > older_than:
                    if old.is_dir():
                        shutil.rmtree(old, ignore_errors=True)
                    else:
                        old.unlink(missing_ok=True)

    def _staged_of(self, item: dict[str, Any]) -> Staged:
        """A staged item as the waiting store keeps it (paths relative to the evidence folder)."""
        return Staged(
            item["kind"],
            item.get("mime"),
            int(item.get("size") or 0),
            item.get("sha256"),
            self.root / item["file"] if item.get("file") else None,
            self.root / item["playable"] if item.get("playable") else None,
            item.get("duration_ms"),
            item.get("failed"),
            item.get("transcript"),
        )

    def _stored_of(self, item: Staged) -> dict[str, Any]:
        """The inverse of `_staged_of`."""
        return {
            "kind": item.kind,
            "mime": item.mime,
            "size": item.size,
            "sha256": item.sha256,
            "file": str(item.file.relative_to(self.root)) if item.file else None,
            "playable": str(item.playable.relative_to(self.root)) if item.playable else None,
            "duration_ms": item.duration_ms,
            "failed": item.failed,
            "transcript": item.transcript,
        }

    async def receive(
        self, session_key: str, media: list[Media], keep_seconds: float, load: Loader | None = None
    ) -> Receipt:
        """Fetch and check a message's media now, side by side (one time limit each), and stage them for this chat
        session in the waiting store (any process may take them); a refused or failed one is staged as a failure
        (recorded on the appeal) and its sentence returned to tell the driver. Beyond `max_items` nothing is
        fetched."""
        await self.sweep()
        _, waiting = await self._stash(session_key)
        room = self.limits.max_items - sum(1 for i in waiting if i.failed is None) - self._fetching.get(session_key, 0)
        wanted = media[: max(0, room)]
        self._fetching[session_key] = self._fetching.get(session_key, 0) + len(wanted)
        try:
            fetched = await asyncio.gather(*(self._fetch(medium, load) for medium in wanted))
        finally:
            self._fetching[session_key] -= len(wanted)
            if not self._fetching[session_key]:
                del self._fetching[session_key]
        _, waiting = await self._stash(session_key)  # another message of the chat may have added to it
        failures = sum(1 for item in waiting if item.failed is not None)
        refused = [self._sentence(item) for item in fetched if item.failed is not None]
        if len(wanted) < len(media):
            refused.append(texts.EVIDENCE_TOO_MANY.format(limit=self.limits.max_items))
        for item in fetched:
            if item.failed is not None:
                if failures >= self.limits.max_items:
                    continue  # enough failures recorded for one appeal
                failures += 1
            waiting.append(item)
        until = clock.now() + timedelta(seconds=keep_seconds)
        stored = {"items": [self._stored_of(item) for item in waiting]}
        await self.store.put(Wait(MEDIA, session_key, "", STASH, stored, until))
        self._seen[session_key] = waiting
        return Receipt([item for item in fetched if item.failed is None], refused)

    def _sentence(self, item: Staged) -> str:
        """What the driver reads about one that was not kept."""
        what = texts.EVIDENCE_KINDS[item.kind]
        return texts.EVIDENCE_REFUSED.format(what=what, reason=item.failed)

    async def _fetch(self, medium: Media, load: Loader | None) -> Staged:
        """Download and check one medium; a Staged with `failed` set when it cannot be kept."""
        limits = self.limits
        megabytes = size_words(limits.max_bytes)
        if medium.size is not None and medium.size > limits.max_bytes:
            return Staged(medium.kind, failed=texts.EVIDENCE_TOO_LARGE.format(limit=megabytes))
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                if medium.url and medium.url.startswith(("http://", "https://")):
                    data = await self._download(medium.url)
                elif medium.file_id and load is not None:
                    data = await load(medium)
                else:
                    return Staged(medium.kind, failed=texts.EVIDENCE_NO_LINK)
        except TooLarge:
            return Staged(medium.kind, failed=texts.EVIDENCE_TOO_LARGE.format(limit=megabytes))
        except TimeoutError:
            return Staged(medium.kind, failed=texts.EVIDENCE_TIMEOUT.format(seconds=f"{limits.timeout_seconds:g}"))
        except Exception:  # the link expired, the network failed, the platform refused: send it again
            return Staged(medium.kind, failed=texts.EVIDENCE_DOWNLOAD_FAILED)
        if len(data) > limits.max_bytes:
            return Staged(medium.kind, failed=texts.EVIDENCE_TOO_LARGE.format(limit=megabytes))
        sniffed = sniff(data)
        if sniffed is None or sniffed.kind != medium.kind:
            return Staged(medium.kind, failed=texts.EVIDENCE_NOT_A[medium.kind])
        return await asyncio.to_thread(self._stage, sniffed, data)

    async def _download(self, url: str) -> bytes:
        """The bytes at a url, refusing more than `max_bytes` before reading them all."""
        client = self.client or httpx.AsyncClient(follow_redirects=True, max_redirects=3)
        try:
            async with client.stream("GET", url) as response:
                response.raise_for_status()
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.limits.max_bytes:
                    raise TooLarge
                body = bytearray()
                async for chunk in response.aiter_bytes(CHUNK):
                    body += chunk
                    if len(body) > self.limits.max_bytes:
                        raise TooLarge
                return bytes(body)
        finally:
            if client is not self.client:
                await client.aclose()

    def _stage(self, sniffed: Sniffed, data: bytes) -> Staged:
        """Write a checked file to this process's staging folder (SILK also as WAV); too long a voice is refused."""
        length = duration_ms(data, sniffed.mime) if sniffed.kind == VOICE else None
        if length is not None and length > self.limits.max_voice_seconds * 1000:
            return Staged(
                VOICE,
                failed=texts.EVIDENCE_TOO_LONG.format(
                    seconds=round(length / 1000), limit=self.limits.max_voice_seconds
                ),
            )
        folder = self._folder(STAGING)
        file = self._write(folder, sniffed.ext, data)
        playable: Path | None = None
        wav: bytes | None = None
        if sniffed.mime == "audio/silk":
            wav = silk_to_wav(data)
            playable = self._write(folder, "wav", wav) if wav is not None else None
        elif sniffed.kind == VOICE and sniffed.mime != "audio/amr":
            playable = file
            wav = data if sniffed.mime == "audio/wav" else None
        return Staged(
            sniffed.kind,
            sniffed.mime,
            len(data),
            hashlib.sha256(data).hexdigest(),
            file,
            playable,
            length,
            transcript=self._transcript(wav),
        )

    def _transcript(self, wav: bytes | None) -> str | None:
        """The words of a voice message, where an operator configured a model and the model heard any."""
        if wav is None or self.transcriber is None:
            return None
        try:
            return self.transcriber(wav)[: texts.MAX_TRANSCRIPT] or None
        except Exception:  # a model that fails on one message must not lose the message itself
            return None

    # ---- keeping --------------------------------------------------------------------------------------------
    async def attach(self, appeal_id: int, added_by: str, items: list[Staged]) -> tuple[int, int, int]:
        """Keep staged items with an appeal (up to `max_items` kept in all), failures as rows with their reason;
        returns (pictures kept, voice messages kept, left out for lack of room)."""
        async with self.database.reading() as session:
            existing = await session.scalar(
                select(func.count()).where(AppealEvidence.appeal_id == appeal_id, AppealEvidence.failed.is_(None))
            )
        room = self.limits.max_items - int(existing or 0)
        folder = self._folder(str(appeal_id)) if any(item.file for item in items) else None
        rows: list[AppealEvidence] = []
        left_out: list[Staged] = []
        now = clock.now()
        for item in items:
            row = AppealEvidence(
                appeal_id=appeal_id,
                kind=item.kind,
                mime=item.mime,
                size=item.size,
                sha256=item.sha256,
                duration_ms=item.duration_ms,
                failed=item.failed,
                transcript=item.transcript,
                added_by=added_by,
                added_at=now,
            )
            if item.file is not None and folder is not None:
                if room <= 0:
                    left_out.append(item)
                    continue
                room -= 1
                row.path = self._move(item.file, folder)
                if item.playable == item.file:
                    row.playable = row.path
                elif item.playable is not None:
                    row.playable = self._move(item.playable, folder)
            rows.append(row)
        self.drop(left_out)
        async with self.database.session() as session:
            session.add_all(rows)
        kept = [row for row in rows if row.failed is None]
        return (
            sum(1 for row in kept if row.kind == IMAGE),
            sum(1 for row in kept if row.kind == VOICE),
            len(left_out),
        )

    def _move(self, staged: Path, folder: Path) -> str:
        """Move a staged file into the appeal's folder; its path relative to the root."""
        target = folder / staged.name
        os.replace(staged, target)
        return str(target.relative_to(self.root))

    async def items(self, appeal_id: int) -> list[AppealEvidence]:
        """What is kept with an appeal (failures included), oldest first."""
        async with self.database.reading() as session:
            rows = await session.scalars(
                select(AppealEvidence).where(AppealEvidence.appeal_id == appeal_id).order_by(AppealEvidence.id)
            )
            return list(rows.all())

    async def forget(self, appeal_ids: list[int]) -> int:
        """Delete what is kept with these appeals: the rows and the files (the appeal's retention); files deleted."""
        if not appeal_ids:
            return 0
        async with self.database.session() as session:
            rows = (await session.scalars(select(AppealEvidence).where(AppealEvidence.appeal_id.in_(appeal_ids)))).all()
            paths = {p for row in rows for p in (row.path, row.playable) if p}
            await session.execute(delete(AppealEvidence).where(AppealEvidence.appeal_id.in_(appeal_ids)))
        for relative in paths:
            self.path_of(relative).unlink(missing_ok=True)
        for appeal_id in appeal_ids:
            folder = self.root / str(appeal_id)
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
        return len(paths)


def parts_of(evidence: Evidence, rows: list[AppealEvidence]) -> list[Image | Voice]:
    """Kept pictures and voice messages as message parts for a private chat (never a group: the guard drops them)."""
    out: list[Image | Voice] = []
    for row in rows:
        if row.failed is not None or row.path is None or not evidence.path_of(row.path).is_file():
            continue  # a file not on this server (a restored database without the evidence folder) is not sent
        path = str(evidence.path_of(row.path))
        out.append(Image(path=path, personal=True) if row.kind == IMAGE else Voice(path=path))
    return out


# What one chat reply carries of an appeal's files together: the platform takes a message of a few MB at most (a
# OneBot implementation drops the whole connection on a larger frame, and pictures travel base64-encoded).
CHAT_MEDIA_BYTES = 3 * 1024 * 1024


def for_chat(rows: list[AppealEvidence], budget: int = CHAT_MEDIA_BYTES) -> tuple[list[AppealEvidence], int]:
    """The kept files one chat reply sends, in order, within `budget` bytes; and how many are left to the web view."""
    shown: list[AppealEvidence] = []
    used = left = 0
    for row in rows:
        if row.failed is not None:
            continue
        if used + (row.size or 0) > budget:
            left += 1
            continue
        used += row.size or 0
        shown.append(row)
    return shown, left


def counted(rows: list[AppealEvidence]) -> tuple[int, int, int]:
    """(pictures kept, voice messages kept, failed) of an appeal's rows."""
    kept = [row for row in rows if row.failed is None]
    return (
        sum(1 for row in kept if row.kind == IMAGE),
        sum(1 for row in kept if row.kind == VOICE),
        len(rows) - len(kept),
    )


def kept_words(pictures: int, voices: int) -> str:
    """图片 2 张、语音 1 条 (empty when none)."""
    words = []
    if pictures:
        words.append(texts.EVIDENCE_PICTURES.format(count=pictures))
    if voices:
        words.append(texts.EVIDENCE_VOICES.format(count=voices))
    return texts.EVIDENCE_AND.join(words)


def staged_words(items: list[Staged]) -> str:
    """What waits, in words (the fetched ones only)."""
    kept = [item for item in items if item.failed is None]
    return kept_words(sum(1 for i in kept if i.kind == IMAGE), sum(1 for i in kept if i.kind == VOICE))

"""Pictures for appeals. The dispatcher hands a command (and a conversation) text only, so the NoneBot module puts
the picture references of a `/诉求 补充 …` message, or of a message sent during the /诉求 intake, in the waiting store
(kind `media`, by chat session) before the dispatcher runs; the command, or the intake when it is confirmed, takes
them — in whichever process handles it. A reference is the platform's own file id or url; pictures are never
downloaded or re-hosted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.waiting import MEDIA, Wait, Waiting

from .models import AppealPhoto

MAX_PHOTOS = 9  # per appeal
MAX_REF = 1000
STASH_SECONDS = 30.0
STASH = "appeals.pictures"  # what the pictures wait for (the waiting store's ref)


@dataclass
class PhotoStash:
    """Picture references of the message being handled, by chat session; short-lived, used once."""

    waiting: Waiting

    async def put(self, session_key: str, refs: list[str], keep_seconds: float = STASH_SECONDS) -> None:
        """Keep the references of a message (added to any still waiting for this session), until taken."""
        now = clock.now()
        found = await self.waiting.find(MEDIA, session_key=session_key)
        earlier = [ref for w in found if w.ref == STASH and w.until >= now for ref in w.data.get("refs", [])]
        kept = (earlier + [ref[:MAX_REF] for ref in refs if ref])[:MAX_PHOTOS]
        if kept:
            until = now + timedelta(seconds=keep_seconds)
            await self.waiting.put(Wait(MEDIA, session_key, "", STASH, {"refs": kept}, until))

    async def take(self, session_key: str) -> list[str]:
        """The references waiting for this session (emptied): the pending pictures of a chat."""
        found = [w for w in await self.waiting.find(MEDIA, session_key=session_key) if w.ref == STASH]
        await self.waiting.remove(found)
        now = clock.now()
        return [ref for w in found if w.until >= now for ref in w.data.get("refs", [])][:MAX_PHOTOS]


async def store(service, appeal_id: int, actor: Actor, refs: list[str]) -> int:
    """Attach references to an appeal, up to MAX_PHOTOS in all; how many were stored."""
    async with service.database.session() as session:
        existing = len((await session.scalars(select(AppealPhoto.id).where(AppealPhoto.appeal_id == appeal_id))).all())
        room = max(0, MAX_PHOTOS - existing)
        now = clock.now()
        for ref in refs[:room]:
            session.add(AppealPhoto(appeal_id=appeal_id, ref=ref, added_by=actor.key, added_at=now))
    return min(room, len(refs))


async def of(service, appeal_id: int) -> list[str]:
    """The references attached to an appeal, oldest first."""
    async with service.database.reading() as session:
        rows = await session.scalars(
            select(AppealPhoto.ref).where(AppealPhoto.appeal_id == appeal_id).order_by(AppealPhoto.id)
        )
        return list(rows.all())

"""The one store of what the bot waits for from a person, in the database so every process reads the same.

Three kinds, keyed by ids only: `flow` (a conversation's next answer, by chat session, `ref` = the flow's id),
`reply` (a short reply standing for a declared command, by user key, `ref` = the command) and `media` (pictures for a
command about to run, by chat session). Conversations (`conversation.py`), expected replies (`expect.py`) and the
appeals' picture stash are views of it.

The chatter gate asks every group message whether its sender is waited for, so that question never reads the
database: each process keeps the sets of waited-for session and user keys, re-read only when `waiting_version`
(one row counting every change) moved — and it looks at that row at most every `poll_seconds`. A wait started in
another process counts here within that time; one started here counts at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from . import clock
from .db import Database
from .models import Waiting as Row
from .models import WaitingVersion

FLOW, REPLY, MEDIA = "flow", "reply", "media"
POLL_SECONDS = 1.0
# A conversation this long past its time was left by a process that died (its own sweep would have ended it).
ORPHANED = timedelta(hours=1)


@dataclass
class Wait:
    """One thing waited for."""

    kind: str
    session_key: str
    user_key: str
    ref: str
    data: dict[str, Any]
    until: datetime
    self_id: str = ""
    id: int | None = None
    owner: str = ""


class Waiting:
    """The waiting store of one process over the shared table."""

    def __init__(self, database: Database, poll_seconds: float = POLL_SECONDS) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.owner = f"wait-{uuid.uuid4().hex[:12]}"
        self._sessions: set[str] = set()  # chats with a conversation waiting
        self._users: set[str] = set()  # people with a reply waited for
        self._version: int | None = None
        self._looked_at = -float("inf")

    # ---- the cheap question of every message ----------------------------------------------------------------
    def due(self) -> bool:
        """Whether `fresh` would look at the version now (lets the gate skip the await)."""
        return time.monotonic() - self._looked_at >= self.poll_seconds

    async def fresh(self, *, now: bool = False) -> None:
        """Re-read who waits if another process changed it (a look at the version at most every poll_seconds, or
        `now`)."""
        moment = time.monotonic()
        if not now and moment - self._looked_at < self.poll_seconds:
            return
        self._looked_at = moment
        async with self.database.reading() as session:
            version = await session.scalar(select(WaitingVersion.version).where(WaitingVersion.id == 1))
            if version == self._version:
                return
            rows = (await session.execute(select(Row.kind, Row.session_key, Row.user_key))).all()
        self._sessions = {s for kind, s, _ in rows if kind == FLOW}
        self._users = {u for kind, _, u in rows if kind == REPLY}
        self._version = version

    def in_chat(self, session_key: str) -> bool:
        """Whether a conversation waits in this chat (a set lookup; `fresh` first)."""
        return session_key in self._sessions

    def for_user(self, user_key: str) -> bool:
        """Whether a reply is waited for from this person (a set lookup; `fresh` first)."""
        return user_key in self._users

    # ---- reading and writing --------------------------------------------------------------------------------
    async def find(self, kind: str, *, session_key: str | None = None, user_key: str | None = None) -> list[Wait]:
        """What waits of a kind in a chat or from a person, oldest first (also what is past its time)."""
        query = select(Row).where(Row.kind == kind).order_by(Row.id)
        if session_key is not None:
            query = query.where(Row.session_key == session_key)
        if user_key is not None:
            query = query.where(Row.user_key == user_key)
        async with self.database.reading() as session:
            return [_wait(row) for row in (await session.scalars(query)).all()]

    async def put(self, wait: Wait, *, one_per_chat: bool = False) -> Wait:
        """Wait for something, replacing the same wait (same kind, chat, person and ref), or with `one_per_chat`
        anything of the kind in that chat."""
        same = [Row.kind == wait.kind, Row.session_key == wait.session_key]
        if not one_per_chat:
            same += [Row.user_key == wait.user_key, Row.ref == wait.ref]
        async with self.database.session() as session:
            await session.execute(delete(Row).where(*same))
            row = Row(
                kind=wait.kind,
                session_key=wait.session_key,
                user_key=wait.user_key,
                ref=wait.ref,
                data=encode(wait.data),
                self_id=wait.self_id,
                owner=self.owner,
                until=wait.until,
                started_at=clock.now(),
            )
            session.add(row)
            await _moved(session)
            await session.flush()
            wait.id, wait.owner = row.id, self.owner
        self._known(wait.kind, wait.session_key, wait.user_key)
        return wait

    async def keep(self, wait: Wait) -> None:
        """Store a wait's new state and time (this process moves it on now)."""
        async with self.database.session() as session:
            await session.execute(
                update(Row).where(Row.id == wait.id).values(data=encode(wait.data), until=wait.until, owner=self.owner)
            )

    async def remove(self, waits: list[Wait]) -> None:
        """Stop waiting for these."""
        ids = [w.id for w in waits if w.id is not None]
        if not ids:
            return
        async with self.database.session() as session:
            await session.execute(delete(Row).where(Row.id.in_(ids)))
            await _moved(session)
        await self.fresh(now=True)  # the person may still wait for something else: re-read who waits

    async def take_over(self, kind: str, *, mine: bool, self_id: str | None = None) -> list[Wait]:
        """Remove and return waits of a kind: `mine` — past their time and moved last by this process (its
        timeouts); else those of `self_id` another process (an earlier run) moved last."""
        query = select(Row).where(Row.kind == kind)
        if mine:
            query = query.where(Row.owner == self.owner, Row.until < clock.now())
        else:
            query = query.where(Row.owner != self.owner, Row.self_id == self_id)
        async with self.database.reading() as session:
            found = [_wait(row) for row in (await session.scalars(query)).all()]
        await self.remove(found)
        return found

    async def purge(self) -> None:
        """Forget replies and pictures past their time, and conversations an hour past theirs whose process is gone
        (their answers must not outlive them; nobody is told)."""
        now = clock.now()
        stale = or_(Row.kind != FLOW, Row.until < now - ORPHANED)
        async with self.database.session() as session:
            gone = await session.execute(delete(Row).where(stale, Row.until < now))
            if gone.rowcount:  # type: ignore[attr-defined]
                await _moved(session)

    def _known(self, kind: str, session_key: str, user_key: str) -> None:
        if kind == FLOW:
            self._sessions.add(session_key)
        elif kind == REPLY:
            self._users.add(user_key)


async def _moved(session) -> None:
    """Count a change, in the same transaction: other processes re-read who waits."""
    await session.execute(
        update(WaitingVersion).where(WaitingVersion.id == 1).values(version=WaitingVersion.version + 1)
    )


def _wait(row: Row) -> Wait:
    return Wait(
        row.kind, row.session_key, row.user_key, row.ref, decode(row.data), row.until, row.self_id, row.id, row.owner
    )


def encode(value: Any) -> Any:
    """A conversation's answers as JSON: tuples, dates and times are tagged so they come back as they were."""
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    return value


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__datetime__" in value:
            return datetime.fromisoformat(value["__datetime__"])
        if "__date__" in value:
            return date.fromisoformat(value["__date__"])
        return {k: decode(v) for k, v in value.items()}
    return value

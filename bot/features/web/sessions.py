"""Web view sessions kept on the server: the cookie carries only a random id, whose hash names a row here.

So a session ends when the server says so: 退出 ends one, and anything that changes who a person is (/解绑, a new
binding, a role taken away, leaving the group, retention erasing them) ends every session of theirs at once
(`Services.revoke`). Idle and absolute limits are checked on every read. No NoneBot and no FastAPI here.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from bot.core import clock
from bot.core.db import Database

from .config import SessionConfig
from .models import WebSession

# Record "last seen" at most this often: a page view is not a write.
TOUCH = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in person, as the web view needs them."""

    id: int
    user_key: str
    created_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebSessions:
    """Sessions over one database (every process sees the same ones)."""

    def __init__(self, database: Database, config: SessionConfig | None = None) -> None:
        self.database = database
        config = config or SessionConfig()
        self.idle = timedelta(minutes=config.web_session_idle_minutes)
        self.most = timedelta(hours=config.web_session_max_hours)

    async def start(self, user_key: str, private_chat: str, nonce: str) -> str:
        """A new session for a person signed in with the link `nonce` asked for in `private_chat`: the cookie's value
        (only its hash is stored)."""
        token, now = secrets.token_urlsafe(32), clock.now()
        async with self.database.session() as session:
            session.add(
                WebSession(
                    token_hash=_hash(token),
                    user_key=user_key,
                    private_chat=private_chat[:96],
                    link_nonce=nonce[:32],
                    created_at=now,
                    seen_at=now,
                )
            )
        return token

    async def read(self, token: str | None) -> Session | None:
        """The open session a cookie names, or None; a session idle or older than the limits is ended here (with
        that reason) and reads as None."""
        if not token or len(token) > 128:
            return None
        now = clock.now()
        async with self.database.reading() as session:
            row = await session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
        if row is None or row.ended_at is not None:
            return None
        why = "idle" if now - row.seen_at > self.idle else "expired" if now - row.created_at > self.most else None
        if why is not None or now - row.seen_at >= TOUCH:
            async with self.database.session() as session:
                values = {"ended_at": now, "ended_why": why} if why else {"seen_at": now}
                await session.execute(
                    update(WebSession).where(WebSession.id == row.id, WebSession.ended_at.is_(None)).values(**values)
                )
        return None if why else Session(row.id, row.user_key, row.created_at)

    async def end(self, token: str | None, why: str = "logout") -> bool:
        """End the session a cookie names (退出)."""
        if not token:
            return False
        async with self.database.session() as session:
            result = await session.execute(
                update(WebSession)
                .where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None))
                .values(ended_at=clock.now(), ended_why=why)
            )
        return bool(getattr(result, "rowcount", 0))

    async def end_person(self, user_key: str, why: str) -> int:
        """End every open session of a person; how many."""
        async with self.database.session() as session:
            result = await session.execute(
                update(WebSession)
                .where(WebSession.user_key == user_key, WebSession.ended_at.is_(None))
                .values(ended_at=clock.now(), ended_why=why[:16])
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def open_count(self) -> int:
        """Sessions open now (not ended, within both limits), for /状态."""
        now = clock.now()
        async with self.database.reading() as session:
            count = await session.scalar(
                select(func.count(WebSession.id)).where(
                    WebSession.ended_at.is_(None),
                    WebSession.seen_at > now - self.idle,
                    WebSession.created_at > now - self.most,
                )
            )
        return int(count or 0)

    async def forget(self, user_key: str | None = None, before: datetime | None = None) -> int:
        """Retention: remove a person's rows (their record was erased), or rows begun before `before`."""
        conditions = []
        if user_key is not None:
            conditions.append(WebSession.user_key == user_key)
        if before is not None:
            conditions.append(WebSession.created_at < before)
        if not conditions:
            return 0
        async with self.database.session() as session:
            result = await session.execute(delete(WebSession).where(or_(*conditions)))
        return int(getattr(result, "rowcount", 0) or 0)

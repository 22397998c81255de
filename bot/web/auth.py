"""Sign-in without passwords: one-time links and idle-limited session cookies, both signed with HMAC.

A link carries (user key, nonce, expiry); opening it records the nonce in `web_link_use`, so a second opening is
refused also when several processes share the database. A session cookie carries (user key, issued, last seen)
and is re-signed as the person moves around; idle longer than the setting, or older than the maximum, it is void.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot.core import clock
from bot.core.db import Database
from bot.features.web.models import WebLinkUse

from .config import WebConfig

COOKIE = "redwheel_session"
# Re-sign the cookie at most this often, so every page view is not a new cookie.
TOUCH_SECONDS = 60


def load_secret(config: WebConfig, data_dir: Path) -> bytes:
    """WEB_SECRET, else the secret kept in <data_dir>/web_secret (created with mode 0600 on first start)."""
    if config.web_secret:
        return config.web_secret.encode()
    path = data_dir / "web_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _encode(data: dict) -> str:
    """Compact URL-safe JSON."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> dict | None:
    """The JSON of `_encode`, or None."""
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class LinkRefused(Exception):
    """A sign-in link that does not sign in; the message says why, in Chinese."""


@dataclass(frozen=True)
class Session:
    """A signed-in person."""

    user_key: str
    issued: float
    seen: float


class Signer:
    """Makes and checks links and session cookies with one secret."""

    def __init__(self, secret: bytes, config: WebConfig) -> None:
        self.secret = secret
        self.config = config

    def _sign(self, purpose: str, body: str) -> str:
        """The HMAC of a body for one purpose (a link can never pass for a cookie)."""
        digest = hmac.new(self.secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _pack(self, purpose: str, data: dict) -> str:
        """Body and signature."""
        body = _encode(data)
        return f"{body}.{self._sign(purpose, body)}"

    def _unpack(self, purpose: str, token: str) -> dict | None:
        """The data of a well-signed token, else None."""
        body, _, signature = token.partition(".")
        if not body or not signature or not hmac.compare_digest(signature, self._sign(purpose, body)):
            return None
        return _decode(body)

    # ---- links ------------------------------------------------------------------------------------
    def make_link_token(self, user_key: str, now: datetime | None = None) -> str:
        """A one-time sign-in token for a person, valid for the configured minutes."""
        now = now or clock.now()
        expires = now + timedelta(minutes=self.config.web_link_minutes)
        return self._pack("link", {"k": user_key, "n": secrets.token_hex(16), "e": int(expires.timestamp())})

    async def redeem(self, database: Database, token: str) -> str:
        """Use a link once: its person's key; LinkRefused when forged, expired or used before."""
        data = self._unpack("link", token)
        if data is None or not isinstance(data.get("k"), str) or not isinstance(data.get("n"), str):
            raise LinkRefused("登录链接无效。请在私聊中重新发送 /后台 获取新链接。")
        now = clock.now()
        expires = datetime.fromtimestamp(int(data.get("e", 0)), tz=now.tzinfo)
        if now >= expires:
            raise LinkRefused("登录链接已过期。请在私聊中重新发送 /后台 获取新链接。")
        try:
            async with database.session() as session:
                session.add(WebLinkUse(nonce=data["n"], user_key=data["k"], used_at=now, expires_at=expires))
        except IntegrityError:
            raise LinkRefused("这个登录链接已经用过了，每个链接只能登录一次。请重新发送 /后台。") from None
        return data["k"]

    # ---- sessions -----------------------------------------------------------------------------------
    def make_cookie(self, user_key: str, issued: float | None = None, now: float | None = None) -> str:
        """A session cookie value."""
        now = now if now is not None else clock.now().timestamp()
        return self._pack("session", {"k": user_key, "i": issued if issued is not None else now, "s": now})

    def read_cookie(self, value: str | None, now: float | None = None) -> Session | None:
        """The session of a cookie, or None when absent, forged, idle too long or too old."""
        if not value:
            return None
        data = self._unpack("session", value)
        if data is None or not isinstance(data.get("k"), str):
            return None
        now = now if now is not None else clock.now().timestamp()
        issued, seen = float(data.get("i", 0)), float(data.get("s", 0))
        if now - seen > self.config.web_session_idle_minutes * 60:
            return None
        if now - issued > self.config.web_session_max_hours * 3600:
            return None
        return Session(data["k"], issued, seen)

    def needs_touch(self, session: Session, now: float | None = None) -> bool:
        """Whether the cookie should be re-signed with a fresh 'last seen'."""
        now = now if now is not None else clock.now().timestamp()
        return now - session.seen >= TOUCH_SECONDS

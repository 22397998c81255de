"""Sign-in without passwords: one-time links signed with HMAC, redeemed by a person, and server-side sessions.

A link carries (user key, the private chat that asked, nonce, expiry). Opening it (GET) only shows a confirmation
page and spends nothing, so a chat app's link preview or a URL-safety fetcher signs nobody in and leaves the link
working. The page's form (POST, same origin, with a form token bound to the link) spends it: the nonce goes into
`web_link_use`, so a second use is refused also when several processes share the database, and a session row is
made (bot/features/web/sessions.py) whose random id is the cookie.
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
class Link:
    """What a well-signed, unexpired link says."""

    user_key: str
    private_chat: str
    nonce: str
    expires: datetime


INVALID = "登录链接无效。请在私聊中重新发送 /后台 获取新链接。"
EXPIRED = "登录链接已过期。请在私聊中重新发送 /后台 获取新链接。"
USED = "这个登录链接已经用过了，每个链接只能登录一次。请重新发送 /后台。"


class Signer:
    """Makes and checks sign-in links and the confirmation form's token with one secret."""

    def __init__(self, secret: bytes, config: WebConfig) -> None:
        self.secret = secret
        self.config = config

    def _sign(self, purpose: str, body: str) -> str:
        """The HMAC of a body for one purpose (a link can never pass for a form token)."""
        digest = hmac.new(self.secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def make_link_token(self, user_key: str, private_chat: str = "", now: datetime | None = None) -> str:
        """A one-time sign-in token for a person, asked for in `private_chat`, valid for the configured minutes."""
        now = now or clock.now()
        expires = now + timedelta(minutes=self.config.web_link_minutes)
        data = {"k": user_key, "p": private_chat, "n": secrets.token_hex(16), "e": int(expires.timestamp())}
        body = _encode(data)
        return f"{body}.{self._sign('link', body)}"

    async def check(self, database: Database, token: str) -> Link:
        """What a link says, when it is well signed, unexpired and unused; LinkRefused otherwise. Spends nothing."""
        body, _, signature = token.partition(".")
        data = (
            _decode(body) if body and signature and hmac.compare_digest(signature, self._sign("link", body)) else None
        )
        if data is None or not isinstance(data.get("k"), str) or not isinstance(data.get("n"), str):
            raise LinkRefused(INVALID)
        now = clock.now()
        expires = datetime.fromtimestamp(int(data.get("e", 0)), tz=now.tzinfo)
        if now >= expires:
            raise LinkRefused(EXPIRED)
        async with database.reading() as session:
            if await session.get(WebLinkUse, data["n"]) is not None:
                raise LinkRefused(USED)
        return Link(data["k"], str(data.get("p") or ""), data["n"], expires)

    def form_token(self, link: Link) -> str:
        """The confirmation form's token: bound to this link (a form made for another link does not spend this one)."""
        return self._sign("form", link.nonce)

    async def redeem(self, database: Database, token: str, form_token: str) -> Link:
        """Spend a link from its confirmation form: its data; LinkRefused when forged, expired, used before, or the
        form's token is not this link's."""
        link = await self.check(database, token)
        if not hmac.compare_digest(form_token, self.form_token(link)):
            raise LinkRefused(INVALID)
        try:
            async with database.session() as session:
                session.add(
                    WebLinkUse(nonce=link.nonce, user_key=link.user_key, used_at=clock.now(), expires_at=link.expires)
                )
        except IntegrityError:  # another tab or process spent it a moment ago
            raise LinkRefused(USED) from None
        return link

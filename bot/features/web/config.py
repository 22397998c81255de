"""The session limits of the web view (`WEB_SESSION_*` in .env), readable without the web server."""

from __future__ import annotations

from pydantic import BaseModel


class SessionConfig(BaseModel):
    """How long a web session lasts: idle minutes, and hours at most from sign-in."""

    web_session_idle_minutes: int = 30
    web_session_max_hours: int = 12

"""The web view's one table: sign-in links already used, so a link signs in once, also across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class WebLinkUse(Base):
    """A one-time sign-in link that has been opened (its nonce); a second opening finds the row and is refused."""

    __tablename__ = "web_link_use"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime]

"""The web view's table (sign-in links already used, so a link signs in once, also across processes) and the index its
figures read the ledger by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.models import LedgerEntry


class WebLinkUse(Base):
    """A one-time sign-in link that has been opened (its nonce); a second opening finds the row and is refused."""

    __tablename__ = "web_link_use"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime]


# The overview's check-in and answer counts of a period (by branch) and its monthly trend (by day) read only the
# period's rows of two kinds from this index; without it each read scans the whole ledger, every year of it.
LEDGER_KIND_DAY = Index(
    "ix_ledger_kind_day", LedgerEntry.kind, LedgerEntry.day, LedgerEntry.branch_id, LedgerEntry.reverses_id
)

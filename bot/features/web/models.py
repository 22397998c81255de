"""The web view's tables: sign-in links already used (a link signs in once, also across processes) and sessions; and
the index its figures read the ledger by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.models import LedgerEntry, Member


class WebLinkUse(Base):
    """A one-time sign-in link that has been opened (its nonce); a second opening finds the row and is refused."""

    __tablename__ = "web_link_use"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class WebSession(Base):
    """One sign-in: the cookie carries a random id whose hash names this row, so the server can end it at any time."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    # The private chat that asked for the link (`<platform>:<id>`) and the link's nonce: which sign-in this was.
    private_chat: Mapped[str] = mapped_column(String(96))
    link_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_why: Mapped[str | None] = mapped_column(String(16))


# The overview's check-in and answer counts of a period (by branch) and its monthly trend (by day) read only the
# period's rows of two kinds from this index; without it each read scans the whole ledger, every year of it.
LEDGER_KIND_DAY = Index(
    "ix_ledger_kind_day", LedgerEntry.kind, LedgerEntry.day, LedgerEntry.branch_id, LedgerEntry.reverses_id
)
# The members' rates of a period (`bot.core.participation.ledger_rates`) read the ledger by branch, kind and day and
# look each line's person up among the period's members: with every column they read in these two indexes, neither
# read touches a table row (a province's quarter: 160,000 lines in 90–160 ms on SQLite instead of 370 ms).
LEDGER_BRANCH_KIND_DAY = Index(
    "ix_ledger_branch_kind_day",
    LedgerEntry.branch_id,
    LedgerEntry.kind,
    LedgerEntry.day,
    LedgerEntry.user_key,
    LedgerEntry.reverses_id,
    LedgerEntry.at,  # whether the person was a member when the line was made
)
MEMBER_PRESENT = Index("ix_member_present", Member.branch_id, Member.user_key, Member.registered_at, Member.left_at)

"""The branch area's own tables: who has been welcomed in which branch (so a newcomer is welcomed once), and who
has been seen using the bot in which branch group (where an appeal sent in private chat belongs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class BranchWelcome(Base):
    """One newcomer of a branch group who was (or is about to be) welcomed; a second join finds the row."""

    __tablename__ = "branch_welcome"
    __table_args__ = (
        UniqueConstraint("branch_id", "user_key"),
        Index("ix_branch_welcome_window", "branch_id", "window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(96))
    # The batching window the welcome went out in (`welcome:<branch>:<window>` is the outbox item's dedupe key).
    window: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime]


class BranchSetting(Base):
    """A branch's own settings of this area (no row: the defaults — newcomers are welcomed)."""

    __tablename__ = "branch_setting"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), primary_key=True)
    welcome_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str] = mapped_column(String(96))
    changed_at: Mapped[datetime]


class BranchSeen(Base):
    """A person the bot has seen writing to it in a branch group (a command or an answer); one row per person and
    branch, so the bot knows which branch a private appeal of someone unregistered belongs to."""

    __tablename__ = "branch_seen"
    __table_args__ = (UniqueConstraint("branch_id", "user_key"), Index("ix_branch_seen_user_key", "user_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(96))
    seen_at: Mapped[datetime]
    left_at: Mapped[datetime | None]  # they left the group (a welcome row no longer says they are in it)

"""Records tables: activities with sign-ups, and the contact mechanism (党员联系司机)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class Activity(Base):
    """An activity a branch holds (月月暖心行, 主题党日 …)."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_branch_starts", "branch_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int] = mapped_column(Integer)  # 0: no limit
    # Seats taken (registered sign-ups): raised only by a conditional UPDATE, so the database enforces capacity.
    taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime]


class ActivitySignup(Base):
    """One person's sign-up: registered or waiting, and their check-in."""

    __tablename__ = "activity_signup"
    __table_args__ = (UniqueConstraint("activity_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(96))
    status: Mapped[str] = mapped_column(String(10))  # registered | waiting | cancelled
    signed_up_at: Mapped[datetime]
    checked_in_at: Mapped[datetime | None]
    checkin_by: Mapped[str | None] = mapped_column(String(96))
    checkin_reason: Mapped[str | None] = mapped_column(String(100))


class Contact(Base):
    """A member driver who keeps in touch with a driver; one member per driver at a time."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("branch_id", "driver_key"),
        Index("ix_contact_member", "branch_id", "member_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    member_key: Mapped[str] = mapped_column(String(96))
    driver_key: Mapped[str] = mapped_column(String(96))
    assigned_at: Mapped[datetime]
    last_contacted_at: Mapped[datetime]
    times: Mapped[int] = mapped_column(Integer, default=1)

"""Study tables: the material library, each branch's material of the day, check-ins and answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class StudyMaterial(Base):
    """One piece of study material, imported from the material folder or added by a secretary."""

    __tablename__ = "study_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(96), unique=True)
    title: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(32), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text)
    # {"stem": ..., "options": {"A": ...}, "answer": "B", "explanation": ...} or None
    question: Mapped[dict | None] = mapped_column(JSON)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="file")
    added_by: Mapped[str | None] = mapped_column(String(96))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # A secretary's material belongs to their branch (pending) until a superuser approves it for every branch.
    # approved: every branch · pending: branch_id only · rejected, withdrawn, removed: nowhere.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="approved", server_default="approved")
    review_note: Mapped[str] = mapped_column(String(120), default="", server_default="")


class StudyDay(Base):
    """The material a branch studies on one day; unique, so two processes agree on it."""

    __tablename__ = "study_day"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    material_id: Mapped[int] = mapped_column(ForeignKey("study_material.id"))
    chosen_at: Mapped[datetime]


class StudyCheckin(Base):
    """打卡: one per person, branch and day."""

    __tablename__ = "study_checkin"
    __table_args__ = (
        UniqueConstraint("branch_id", "user_key", "day"),
        Index("ix_checkin_branch_day", "branch_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(96))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]


class QuizAnswer(Base):
    """答题: one try per person, branch and day."""

    __tablename__ = "quiz_answer"
    __table_args__ = (UniqueConstraint("branch_id", "user_key", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(96))
    day: Mapped[date] = mapped_column(Date)
    material_id: Mapped[int] = mapped_column(ForeignKey("study_material.id"))
    letter: Mapped[str] = mapped_column(String(1))
    correct: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]

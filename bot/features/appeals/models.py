"""Appeal tables: the appeal, its append-only trail, the daily number counter and sent alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class Appeal(Base):
    """A driver's appeal (诉求); its state fields follow the trail and are never edited outside a transition."""

    __tablename__ = "appeal"
    __table_args__ = (
        Index("ix_appeal_branch_received", "branch_id", "received_at"),
        Index("ix_appeal_state", "state"),
        Index("ix_appeal_appellant", "appellant_key"),
        Index("ix_appeal_committee", "committee_id"),
        Index("ix_appeal_department_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    appellant_key: Mapped[str] = mapped_column(String(96))
    platform: Mapped[str] = mapped_column(String(16))
    self_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8))
    level: Mapped[str | None] = mapped_column(String(4))
    # Who holds it: `tier` is the holder's level (支部, 县, 市, 省) and `committee_id` the committee holding it (None
    # while its branch holds it); `held_since` when the holder got it (the level's own limits run from then).
    tier: Mapped[str] = mapped_column(String(8))
    committee_id: Mapped[int | None] = mapped_column(Integer)
    held_since: Mapped[datetime | None]
    # The department's name as shown; `department_id` says which joint meeting's (a county's 公安 is not another's).
    department: Mapped[str | None] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(Integer)
    # Where it came in (群聊, 私聊, 12328专线, 12345热线, 司机之家意见箱); for one entered by a secretary, a handler
    # or a committee member: who entered it and the driver's name (the driver's phone is `phone`).
    channel: Mapped[str] = mapped_column(String(8), default="群聊", server_default="群聊")
    entered_by: Mapped[str | None] = mapped_column(String(96))
    appellant_name: Mapped[str | None] = mapped_column(String(32))
    # The holder's level when it was closed (支部, 县, 市, 省): 小事不出县率 counts 支部 and 县.
    closed_level: Mapped[str | None] = mapped_column(String(4))
    received_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    transfer_due: Mapped[datetime | None]
    feedback_due: Mapped[datetime | None]
    close_due: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    follow_up_due: Mapped[datetime | None]
    satisfaction: Mapped[str | None] = mapped_column(String(8))
    # What the trail holds, kept with the trail line that sets it (AppealService.record), so the figures read one
    # row per appeal: a department handed it back (退单) at least once; a 不满意 回访 reopened it (重办) at least once.
    was_returned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    was_reopened: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Optimistic lock: two people acting at once — one wins, the other is told.
    version: Mapped[int] = mapped_column(Integer, default=1)


class AppealEvent(Base):
    """One change of an appeal: who, when, from which state to which, and a note. Never edited."""

    __tablename__ = "appeal_event"
    __table_args__ = (
        Index("ix_appeal_event_appeal", "appeal_id", "at"),
        Index("ix_appeal_event_action_at", "action", "at"),
        Index("ix_appeal_event_appeal_action", "appeal_id", "action"),  # an appeal's progress notes, the backfill
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor_key: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(8))
    from_state: Mapped[str | None] = mapped_column(String(8))
    to_state: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")


class AppealCounter(Base):
    """The last number handed out per day: SQ20261122-0007 is unique also under concurrency."""

    __tablename__ = "appeal_counter"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class AppealAlert(Base):
    """A 催办 or 督办 already sent for a deadline: each goes out once, also with two processes."""

    __tablename__ = "appeal_alert"
    __table_args__ = (UniqueConstraint("appeal_id", "kind", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    due: Mapped[datetime]
    sent_at: Mapped[datetime]


class AppealPhoto(Base):
    """A picture reference kept before evidence was downloaded (the platform's url, long expired); read-only now."""

    __tablename__ = "appeal_photo"
    __table_args__ = (Index("ix_appeal_photo_appeal", "appeal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(1000))
    added_by: Mapped[str] = mapped_column(String(96))
    added_at: Mapped[datetime]


class AppealEvidence(Base):
    """A picture or voice message kept with an appeal (`evidence.py`): the file under the data folder, its checked
    type, size and sha256; or, for one that could not be kept, why (`failed`, no file)."""

    __tablename__ = "appeal_evidence"
    __table_args__ = (Index("ix_appeal_evidence_appeal", "appeal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # image | voice
    mime: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer, default=0)
    # Relative to the evidence folder: <appeal id>/<random>.<ext>; `playable` the browser's copy (SILK → WAV).
    path: Mapped[str | None] = mapped_column(String(200))
    playable: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[str | None] = mapped_column(String(100))
    transcript: Mapped[str | None] = mapped_column(Text)  # only with an operator's offline speech model
    added_by: Mapped[str] = mapped_column(String(96))
    added_at: Mapped[datetime]

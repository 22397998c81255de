"""Operations tables: one row per broadcast (/通知), for its report, the double-tap guard and confirmations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base

AWAITING, DROPPED, SENDING, DONE = "awaiting", "dropped", "sending", "done"


class Broadcast(Base):
    """A notice sent (or waiting for confirmation) to one or more branch groups through the outbox."""

    __tablename__ = "ops_broadcast"
    __table_args__ = (
        Index("ix_ops_broadcast_sender", "sender_key", "created_at"),
        Index("ix_ops_broadcast_open", "status", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The outbox batch of its items; empty while it waits for confirmation.
    batch: Mapped[str | None] = mapped_column(String(32), unique=True)
    sender_key: Mapped[str] = mapped_column(String(96))
    # Where the sender gave the command: the report goes back there.
    platform: Mapped[str] = mapped_column(String(16))
    self_id: Mapped[str] = mapped_column(String(64))
    reply_kind: Mapped[str] = mapped_column(String(8))
    reply_id: Mapped[str] = mapped_column(String(64))
    reply_user_id: Mapped[str] = mapped_column(String(64))
    header: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    branch_ids: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]


class BackupRecord(Base):
    """One run of the daily backup (either database): what was written, whether it was verified, or why it failed.

    Kept in the database so /状态 and /metrics in any process see the last good backup the leader took."""

    __tablename__ = "ops_backup"
    __table_args__ = (Index("ix_ops_backup_ok_taken", "ok", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "sqlite" | "postgresql"
    file: Mapped[str] = mapped_column(String(255))  # the file's name in the backup folder
    size: Mapped[int | None] = mapped_column(BigInteger)
    taken_at: Mapped[datetime]
    # SQLite: the copy passed integrity_check; PostgreSQL: the dump was restored into a scratch database and read.
    verified: Mapped[bool] = mapped_column(default=False)
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(300))

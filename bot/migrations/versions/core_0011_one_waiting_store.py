"""one waiting store for conversations, expected replies and pictures, readable by every process

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "core_0011"
down_revision: str | Sequence[str] | None = "core_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add waiting and waiting_version; drop pending_conversation (a conversation's row is now in waiting)."""
    op.create_table(
        "waiting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("session_key", sa.String(length=160), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("self_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("until", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("started_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting")),
    )
    op.create_index(op.f("ix_waiting_session_key"), "waiting", ["session_key"], unique=False)
    op.create_index(op.f("ix_waiting_user_key"), "waiting", ["user_key"], unique=False)
    version = op.create_table(
        "waiting_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_version")),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])
    op.drop_table("pending_conversation")


def downgrade() -> None:
    """Back to pending_conversation (conversations in flight are dropped)."""
    op.create_table(
        "pending_conversation",
        sa.Column("session_key", sa.String(length=160), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("self_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("started_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_key", name=op.f("pk_pending_conversation")),
    )
    op.drop_table("waiting_version")
    op.drop_index(op.f("ix_waiting_user_key"), table_name="waiting")
    op.drop_index(op.f("ix_waiting_session_key"), table_name="waiting")
    op.drop_table("waiting")

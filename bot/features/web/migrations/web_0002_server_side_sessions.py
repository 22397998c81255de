"""web view: server-side sessions

Revision ID: web_0002
Revises: web_0001
Create Date: 2026-12-02 05:17:12.648955
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "web_0002"
down_revision: str | Sequence[str] | None = "web_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (cookies signed before it name no row: everyone signs in again once)."""
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("private_chat", sa.String(length=96), nullable=False),
        sa.Column("link_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bot.core.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_session_token_hash")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_key"), ["user_key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_key"))
    op.drop_table("web_session")

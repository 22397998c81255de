"""outbox priority and forgotten texts

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-23 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "core_0002"
down_revision: str | Sequence[str] | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("forgotten_at", bot.core.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_claim", ["status", "priority", "next_attempt_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_claim")
        batch_op.drop_column("forgotten_at")
        batch_op.drop_column("priority")

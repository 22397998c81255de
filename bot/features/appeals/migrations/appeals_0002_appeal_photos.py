"""appeal photos, and an index for the figures' trail questions

Revision ID: appeals_0002
Revises: appeals_0001
Create Date: 2026-11-23 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "appeals_0002"
down_revision: str | Sequence[str] | None = "appeals_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "appeal_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=1000), nullable=False),
        sa.Column("added_by", sa.String(length=96), nullable=False),
        sa.Column("added_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeal.id"], name=op.f("fk_appeal_photo_appeal_id_appeal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_photo")),
    )
    with op.batch_alter_table("appeal_photo", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_photo_appeal", ["appeal_id"], unique=False)
    with op.batch_alter_table("appeal_event", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_event_appeal_action", ["appeal_id", "action"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("appeal_event", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_event_appeal_action")
    with op.batch_alter_table("appeal_photo", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_photo_appeal")
    op.drop_table("appeal_photo")

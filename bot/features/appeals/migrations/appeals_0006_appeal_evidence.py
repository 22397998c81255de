"""pictures and voice messages kept with an appeal (downloaded files, their checked type, or why one failed)

Revision ID: appeals_0006
Revises: appeals_0005
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "appeals_0006"
down_revision: str | Sequence[str] | None = "appeals_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "appeal_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=True),
        sa.Column("playable", sa.String(length=200), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("failed", sa.String(length=100), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=96), nullable=False),
        sa.Column("added_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeal.id"], name=op.f("fk_appeal_evidence_appeal_id_appeal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_evidence")),
    )
    with op.batch_alter_table("appeal_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_evidence_appeal", ["appeal_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("appeal_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_evidence_appeal")
    op.drop_table("appeal_evidence")

"""branch: who wrote to the bot in which branch group (and who left it)

Revision ID: branch_0002
Revises: branch_0001
Create Date: 2026-12-02 05:18:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "branch_0002"
down_revision: str | Sequence[str] | None = "branch_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "branch_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("seen_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("left_at", bot.core.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_branch_seen_branch_id_branch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_seen")),
        sa.UniqueConstraint("branch_id", "user_key", name=op.f("uq_branch_seen_branch_id_user_key")),
    )
    with op.batch_alter_table("branch_seen", schema=None) as batch_op:
        batch_op.create_index("ix_branch_seen_user_key", ["user_key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("branch_seen", schema=None) as batch_op:
        batch_op.drop_index("ix_branch_seen_user_key")

    op.drop_table("branch_seen")

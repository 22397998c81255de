"""branch: the welcome setting of a branch and who was welcomed

Revision ID: branch_0001
Revises:
Create Date: 2026-11-23 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "branch_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("branch",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "branch_setting",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("welcome_enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=96), nullable=False),
        sa.Column("changed_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_branch_setting_branch_id_branch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("branch_id", name=op.f("pk_branch_setting")),
    )
    op.create_table(
        "branch_welcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("window", sa.String(length=32), nullable=False),
        sa.Column("joined_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_branch_welcome_branch_id_branch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_welcome")),
        sa.UniqueConstraint("branch_id", "user_key", name=op.f("uq_branch_welcome_branch_id_user_key")),
    )
    with op.batch_alter_table("branch_welcome", schema=None) as batch_op:
        batch_op.create_index("ix_branch_welcome_window", ["branch_id", "window"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("branch_welcome", schema=None) as batch_op:
        batch_op.drop_index("ix_branch_welcome_window")
    op.drop_table("branch_welcome")
    op.drop_table("branch_setting")

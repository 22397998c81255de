"""rosters a province kept before the bot, and shared content approved by a committee for its subtree

Revision ID: core_0010
Revises: core_0007
Create Date: 2026-12-02 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "core_0010"
down_revision: str | Sequence[str] | None = "core_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add roster_entry and content_share."""
    op.create_table(
        "roster_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("imported_by", sa.String(length=96), nullable=False),
        sa.Column("imported_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", bot.core.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name="fk_roster_entry_branch_id_branch", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_roster_entry_member_id_member", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_roster_entry"),
        sa.UniqueConstraint("branch_id", "name", "phone", name="uq_roster_entry_branch_id_name_phone"),
    )
    op.create_index("ix_roster_entry_branch_id", "roster_entry", ["branch_id"], unique=False)
    op.create_table(
        "content_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=96), nullable=False),
        sa.Column("approved_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committee.id"], name="fk_content_share_committee_id_committee", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_content_share"),
        sa.UniqueConstraint("kind", "item_id", "committee_id", name="uq_content_share_kind_item_id_committee_id"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("content_share")
    op.drop_index("ix_roster_entry_branch_id", table_name="roster_entry")
    op.drop_table("roster_entry")

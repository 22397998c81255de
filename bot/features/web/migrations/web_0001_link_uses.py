"""web view: used sign-in links

Revision ID: web_0001
Revises:
Create Date: 2026-11-23 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "web_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("web",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_link_use",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("used_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_web_link_use")),
    )
    with op.batch_alter_table("web_link_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_link_use_user_key"), ["user_key"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("web_link_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_link_use_user_key"))
    op.drop_table("web_link_use")

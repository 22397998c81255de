"""station review: a secretary's station stays in their branch until a superuser approves it

Revision ID: stations_0002
Revises: stations_0001
Create Date: 2026-11-23 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stations_0002"
down_revision: str | Sequence[str] | None = "stations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add station.status (every existing station stays approved) and station.review_note."""
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="approved", nullable=False))
        batch_op.add_column(sa.Column("review_note", sa.String(length=120), server_default="", nullable=False))


def downgrade() -> None:
    """Drop the review columns."""
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.drop_column("review_note")
        batch_op.drop_column("status")

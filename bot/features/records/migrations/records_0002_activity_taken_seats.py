"""activity taken seats: a counter the database raises only while seats are free

Revision ID: records_0002
Revises: records_0001
Create Date: 2026-11-23 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0002"
down_revision: str | Sequence[str] | None = "records_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add activity.taken and fill it from the registered sign-ups."""
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE activity SET taken = (SELECT count(*) FROM activity_signup"
        " WHERE activity_signup.activity_id = activity.id AND activity_signup.status = 'registered')"
    )


def downgrade() -> None:
    """Drop activity.taken."""
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("taken")

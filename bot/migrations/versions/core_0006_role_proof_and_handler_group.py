"""role proof on identity links, the group a department handler was named in

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02 05:17:10.902716
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "core_0006"
down_revision: str | Sequence[str] | None = "core_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (links made before it are unproven: a role holder proves once in the group)."""
    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(length=64), nullable=True))

    with op.batch_alter_table("identity_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proven_at", bot.core.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("proof_code", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("proof_expires_at", bot.core.db.AwareDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("identity_link", schema=None) as batch_op:
        batch_op.drop_column("proof_expires_at")
        batch_op.drop_column("proof_code")
        batch_op.drop_column("proven_at")

    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.drop_column("group_id")

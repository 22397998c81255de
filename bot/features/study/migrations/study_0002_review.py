"""study review: a secretary's material stays in their branch until a superuser approves it

Revision ID: study_0002
Revises: study_0001
Create Date: 2026-11-23 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "study_0002"
down_revision: str | Sequence[str] | None = "study_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add study_material.branch_id, status (every existing material stays approved) and review_note."""
    with op.batch_alter_table("study_material", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="approved", nullable=False))
        batch_op.add_column(sa.Column("review_note", sa.String(length=120), server_default="", nullable=False))
        batch_op.create_index(batch_op.f("ix_study_material_branch_id"), ["branch_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_study_material_branch_id_branch"), "branch", ["branch_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    """Drop the review columns."""
    with op.batch_alter_table("study_material", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_study_material_branch_id_branch"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_study_material_branch_id"))
        batch_op.drop_column("review_note")
        batch_op.drop_column("status")
        batch_op.drop_column("branch_id")

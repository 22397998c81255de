"""web view: an index for the figures of a period (ledger rows by kind and day)

Revision ID: web_0003
Revises: web_0002
Create Date: 2026-12-02 05:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "web_0003"
down_revision: str | Sequence[str] | None = "web_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_kind_day", ["kind", "day", "branch_id", "reverses_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_kind_day")

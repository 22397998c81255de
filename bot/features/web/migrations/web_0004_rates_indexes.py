"""web view: covering indexes for the members' rates of a period (ledger by branch, kind, day; members present)

Revision ID: web_0004
Revises: web_0003
Create Date: 2026-12-02 08:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "web_0004"
down_revision: str | Sequence[str] | None = "web_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_branch_kind_day", ["branch_id", "kind", "day", "user_key", "reverses_id", "at"], unique=False
        )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_present", ["branch_id", "user_key", "registered_at", "left_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_present")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_branch_kind_day")

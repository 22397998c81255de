"""flags for returned and reopened: what the trail holds, on the appeal row, so the figures need no trail lookup

Revision ID: appeals_0003
Revises: appeals_0002
Create Date: 2026-12-01 20:49:30.144725
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "appeals_0003"
down_revision: str | Sequence[str] | None = "appeals_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as this revision knows them (a migration never imports today's models).
appeal = sa.table(
    "appeal", sa.column("id"), sa.column("was_returned", sa.Boolean), sa.column("was_reopened", sa.Boolean)
)
event = sa.table("appeal_event", sa.column("appeal_id"), sa.column("action"), sa.column("to_state"))


def _in_trail(*conditions: sa.ColumnElement[bool]) -> sa.Exists:
    """Whether the appeal's trail holds a line meeting the conditions."""
    return sa.exists().where(event.c.appeal_id == appeal.c.id, *conditions)


def upgrade() -> None:
    """Add appeal.was_returned and appeal.was_reopened and fill them from the trail."""
    # A plain string default: an SQL expression (sa.false()) would make SQLite copy the table in batch mode, and
    # dropping the old copy would cascade the trail away while foreign keys are on.
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("was_returned", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("was_reopened", sa.Boolean(), server_default="0", nullable=False))
    op.execute(appeal.update().where(_in_trail(event.c.action == "退单")).values(was_returned=True))
    op.execute(
        appeal.update().where(_in_trail(event.c.action == "回访", event.c.to_state == "重办")).values(was_reopened=True)
    )


def downgrade() -> None:
    """Drop the two flags (the trail still holds what they said)."""
    # Not in batch mode, for the same reason as above: SQLite (3.35+) drops a plain column in place.
    op.drop_column("appeal", "was_reopened")
    op.drop_column("appeal", "was_returned")

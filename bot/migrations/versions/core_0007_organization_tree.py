"""the organization: committees at three levels as a tree, their members, departments per joint meeting, a branch's
committee, a handler's department by id, a member's transfer

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "core_0007"
down_revision: str | Sequence[str] | None = "core_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROOT_ID = 1
ROOT_NAME = "行业党委"  # renamed by the first import of a province row
ROOT_LEVEL = "省"
# The departments of the flat list this release replaces (the DEPARTMENTS setting's default); the bot adds any other
# name of DEPARTMENTS to the root's joint meeting at start-up.
DEFAULT_DEPARTMENTS = ("交通运输", "公安交管", "市场监管", "工会", "人社", "应急管理")

committee = sa.table(
    "committee",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("level", sa.String),
    sa.column("parent_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("path", sa.String),
    sa.column("created_at", bot.core.db.AwareDateTime(timezone=True)),
)
department = sa.table(
    "department", sa.column("id", sa.Integer), sa.column("committee_id", sa.Integer), sa.column("name", sa.String)
)
handler = sa.table(
    "department_handler",
    sa.column("department", sa.String),
    sa.column("department_id", sa.Integer),
)


def upgrade() -> None:
    """Create the tree with its root (every branch sits under it until placed), move the flat department list to the
    root's joint meeting and point every bound handler at its department there."""
    op.create_table(
        "committee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=12), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("created_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["committee.id"], name="fk_committee_parent_id_committee", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_committee"),
        sa.UniqueConstraint("name", name="uq_committee_name"),
    )
    op.create_index("ix_committee_path", "committee", ["path"], unique=False)
    op.create_table(
        "committee_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=96), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("appointed_by", sa.String(length=96), nullable=False),
        sa.Column("appointed_at", bot.core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committee.id"], name="fk_committee_member_committee_id_committee", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_committee_member"),
        sa.UniqueConstraint("committee_id", "user_key", name="uq_committee_member_committee_id_user_key"),
    )
    op.create_index("ix_committee_member_committee_id", "committee_member", ["committee_id"], unique=False)
    op.create_index("ix_committee_member_user_key", "committee_member", ["user_key"], unique=False)
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committee.id"], name="fk_department_committee_id_committee", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_department"),
        sa.UniqueConstraint("committee_id", "name", name="uq_department_committee_id_name"),
    )
    op.create_index("ix_department_committee_id", "department", ["committee_id"], unique=False)
    now = datetime.now(UTC)
    op.execute(
        committee.insert().values(
            id=ROOT_ID, name=ROOT_NAME, level=ROOT_LEVEL, parent_id=None, code=None, path=f"/{ROOT_ID}/", created_at=now
        )
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the root took id 1 by hand: the sequence starts after it
        op.execute("SELECT setval(pg_get_serial_sequence('committee', 'id'), 1)")
    bound = [row[0] for row in bind.execute(sa.select(handler.c.department).distinct())]
    for name in dict.fromkeys([*DEFAULT_DEPARTMENTS, *bound]):
        op.execute(department.insert().values(committee_id=ROOT_ID, name=name))

    # Plain ADD COLUMN without a foreign key (SQLite adds one only by copying the table, and copying `branch` would
    # cascade its members away while foreign keys are on); committees are never deleted.
    op.add_column("branch", sa.Column("committee_id", sa.Integer(), nullable=True))
    op.create_index("ix_branch_committee_id", "branch", ["committee_id"], unique=False)
    op.add_column("member", sa.Column("moved_to_branch_id", sa.Integer(), nullable=True))
    op.add_column("department_handler", sa.Column("department_id", sa.Integer(), nullable=True))
    op.execute(
        handler.update().values(
            department_id=sa.select(department.c.id)
            .where(department.c.committee_id == ROOT_ID, department.c.name == handler.c.department)
            .scalar_subquery()
        )
    )
    # department_handler has no children: copying it (to swap its unique key and add the foreign key) loses nothing.
    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.alter_column("department_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_department_handler_user_key_department", type_="unique")
        batch_op.create_unique_constraint("uq_department_handler_user_key_department_id", ["user_key", "department_id"])
        batch_op.create_foreign_key(
            "fk_department_handler_department_id_department",
            "department",
            ["department_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_department_handler_department_id", ["department_id"], unique=False)


def downgrade() -> None:
    """Back to the flat list (handlers keep their department's name)."""
    with op.batch_alter_table("department_handler", schema=None) as batch_op:
        batch_op.drop_index("ix_department_handler_department_id")
        batch_op.drop_constraint("fk_department_handler_department_id_department", type_="foreignkey")
        batch_op.drop_constraint("uq_department_handler_user_key_department_id", type_="unique")
        batch_op.create_unique_constraint("uq_department_handler_user_key_department", ["user_key", "department"])
        batch_op.drop_column("department_id")
    op.drop_column("member", "moved_to_branch_id")
    op.drop_index("ix_branch_committee_id", table_name="branch")
    op.drop_column("branch", "committee_id")
    op.drop_table("department")
    op.drop_table("committee_member")
    op.drop_table("committee")

"""appeals climb the levels: the holder's committee and since when, the department by id, the channel it came in by,
who entered it for whom, and the level it was closed at

Revision ID: appeals_0005
Revises: appeals_0003
Create Date: 2026-12-02 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision: str = "appeals_0005"
down_revision: str | Sequence[str] | None = "appeals_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "core_0007"

ROOT_ID = 1  # the root committee core_0007 made
appeal = sa.table(
    "appeal",
    sa.column("id", sa.Integer),
    sa.column("group_id", sa.String),
    sa.column("state", sa.String),
    sa.column("tier", sa.String),
    sa.column("committee_id", sa.Integer),
    sa.column("department", sa.String),
    sa.column("department_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("closed_level", sa.String),
)
department = sa.table(
    "department", sa.column("id", sa.Integer), sa.column("committee_id", sa.Integer), sa.column("name", sa.String)
)


def upgrade() -> None:
    """Add the columns in place (copying `appeal` would cascade its trail away) and fill them: an appeal above its
    branch (行业党委, 联席会议) is the root's; its department the root's department of that name; its channel 群聊 or
    私聊 by where it was filed; a closed one closed at its branch, or at the root (raised there, or closed by one of the
    flat list's departments, which are the root's now) — as the bot records it from now on."""
    for column in (
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("held_since", bot.core.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), server_default="群聊", nullable=False),
        sa.Column("entered_by", sa.String(length=96), nullable=True),
        sa.Column("appellant_name", sa.String(length=32), nullable=True),
        sa.Column("closed_level", sa.String(length=4), nullable=True),
    ):
        op.add_column("appeal", column)
    op.create_index("ix_appeal_committee", "appeal", ["committee_id"], unique=False)
    op.create_index("ix_appeal_department_id", "appeal", ["department_id"], unique=False)
    op.execute(appeal.update().where(appeal.c.group_id.is_(None)).values(channel="私聊"))
    op.execute(appeal.update().where(appeal.c.tier != "支部").values(tier="省", committee_id=ROOT_ID))
    op.execute(
        appeal.update()
        .where(appeal.c.state.in_(("已办结", "已回访")))
        .values(
            closed_level=sa.case((sa.and_(appeal.c.tier == "支部", appeal.c.department.is_(None)), "支部"), else_="省")
        )
    )
    bind = op.get_bind()
    names = [row[0] for row in bind.execute(sa.select(appeal.c.department).where(appeal.c.department.is_not(None)))]
    known = {row[0] for row in bind.execute(sa.select(department.c.name).where(department.c.committee_id == ROOT_ID))}
    for name in dict.fromkeys(n for n in names if n not in known):
        op.execute(department.insert().values(committee_id=ROOT_ID, name=name))
    op.execute(
        appeal.update()
        .where(appeal.c.department.is_not(None))
        .values(
            department_id=sa.select(department.c.id)
            .where(department.c.committee_id == ROOT_ID, department.c.name == appeal.c.department)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    """Drop the columns (SQLite 3.35+ drops a plain column in place); a raised appeal shows as 行业党委 again."""
    op.execute(appeal.update().where(appeal.c.tier != "支部").values(tier="行业党委"))
    op.drop_index("ix_appeal_department_id", table_name="appeal")
    op.drop_index("ix_appeal_committee", table_name="appeal")
    for name in (
        "closed_level",
        "appellant_name",
        "entered_by",
        "channel",
        "department_id",
        "held_since",
        "committee_id",
    ):
        op.drop_column("appeal", name)

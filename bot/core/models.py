"""Core tables: branches, people and their roles, the participation ledger, the outbox, the access log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base


class Branch(Base):
    """A mobile party branch, bound to one group chat on one platform."""

    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("platform", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str] = mapped_column(String(64))
    # The bot account that sits in the group and sends its pushes.
    self_id: Mapped[str | None] = mapped_column(String(64))
    push_time: Mapped[str] = mapped_column(String(5), default="07:30")
    push_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime]
    # The committee (行业党委) the branch sits under; None: the root (a deployment without a tree). No foreign key:
    # SQLite adds one only by copying the table (see core_0007); committees are never deleted.
    committee_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Committee(Base):
    """A 行业党委 at 省, 市 or 县 level; one tree whose root is the deployment's top (superusers are its members).

    `path` is the ids from the root down, `/1/5/17/`: a subtree is one range on an indexed column (`subtree_range`),
    never a recursive walk."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(4))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("committee.id", ondelete="RESTRICT"))
    code: Mapped[str | None] = mapped_column(String(12))
    path: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]


class CommitteeMember(Base):
    """A person who sits on a committee: they see every branch below it, nothing else."""

    __tablename__ = "committee_member"
    __table_args__ = (UniqueConstraint("committee_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    appointed_by: Mapped[str] = mapped_column(String(96))
    appointed_at: Mapped[datetime]
    # The group the member was @-mentioned in when named (as for department handlers: where to remind them).
    group_id: Mapped[str | None] = mapped_column(String(64))


class Department(Base):
    """A department (公安、交通运输 …) of one committee's joint meeting (联席会议): a county's 公安 is not another's."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))


class Member(Base):
    """One person's record (一人一档) in one branch; `user_key` is `<platform>:<user id>`."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("branch_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(16))
    plate: Mapped[str | None] = mapped_column(String(16))
    hometown: Mapped[str | None] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(128))
    # What the driver declared, and what the secretary confirmed (认定).
    declared_status: Mapped[str] = mapped_column(String(8))
    status: Mapped[str | None] = mapped_column(String(8))
    status_confirmed_by: Mapped[str | None] = mapped_column(String(96))
    status_confirmed_at: Mapped[datetime | None]
    registered_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # 流出: the branch the member was transferred to (this row stays as the old branch's line, left_at set).
    moved_to_branch_id: Mapped[int | None] = mapped_column(Integer)


class Secretary(Base):
    """A person who runs a branch (书记 / 党建指导员)."""

    __tablename__ = "secretary"
    __table_args__ = (UniqueConstraint("branch_id", "user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    appointed_by: Mapped[str] = mapped_column(String(96))
    appointed_at: Mapped[datetime]


class DepartmentHandler(Base):
    """A person bound to a department (承办部门) that handles appeals assigned to it."""

    __tablename__ = "department_handler"
    __table_args__ = (UniqueConstraint("user_key", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    # The department's name as shown; `department_id` says which joint meeting's it is.
    department: Mapped[str] = mapped_column(String(32), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    bound_by: Mapped[str] = mapped_column(String(96))
    bound_at: Mapped[datetime]
    # The group the handler was @-mentioned in when bound: on the official QQ bot their id belongs to that group, and
    # a notice they cannot get in private chat (not bound yet) reminds them there.
    group_id: Mapped[str | None] = mapped_column(String(64))


class LedgerEntry(Base):
    """One line of the append-only participation ledger; a correction is a new line that reverses an old one."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_branch_day", "branch_id", "day"),
        Index("ix_ledger_user_day", "user_key", "day"),
        Index("ix_ledger_kind_ref", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_key: Mapped[str] = mapped_column(String(96))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64), default="")
    points: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    note: Mapped[str] = mapped_column(String(200), default="")


class OutboxItem(Base):
    """A message the bot sends on its own; rows are claimed by one sender at a time and sent at most once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_claim", "status", "priority", "next_attempt_at"),
        Index("ix_outbox_target_sent", "target_id", "sent_at"),
        Index("ix_outbox_batch", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique when set: the same push or notice is never queued twice, also by two processes.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    self_id: Mapped[str | None] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[str] = mapped_column(String(64))
    parts: Mapped[list] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(32), default="")
    batch: Mapped[str | None] = mapped_column(String(64))
    # Higher goes first: study pushes, committee and appeal notices are never starved by welcomes or reminders.
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    not_after: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # When retention erased the texts (and a private chat's id) of the finished item.
    forgotten_at: Mapped[datetime | None]


class AccessLog(Base):
    """Who viewed or exported personal data, and when (个人信息保护法)."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_key: Mapped[str] = mapped_column(String(96), index=True)
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))
    branch_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]


class Waiting(Base):
    """Something the bot waits for from a person, readable by every process (bot/core/waiting.py): a conversation's
    next answer (`flow`), a short reply standing for a command (`reply`), pictures for a command (`media`)."""

    __tablename__ = "waiting"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    session_key: Mapped[str] = mapped_column(String(160), index=True)  # the chat ("" for a reply from any chat)
    user_key: Mapped[str] = mapped_column(String(96), index=True)
    ref: Mapped[str] = mapped_column(String(64))  # the flow's id, or the command a reply or pictures are for
    data: Mapped[dict] = mapped_column(JSON)  # the kind's state: a conversation's answers so far (erased at its end)
    self_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64))  # the process that last moved it (it times it out)
    until: Mapped[datetime]
    started_at: Mapped[datetime]


class WaitingVersion(Base):
    """One row counting every change of `waiting`: a process re-reads who waits only when it moved."""

    __tablename__ = "waiting_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class MonthlyTheme(Base):
    """一月一主题: a branch's theme of the month, or every branch's when `branch_id` is empty."""

    __tablename__ = "monthly_theme"
    __table_args__ = (UniqueConstraint("branch_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    theme: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(96))
    set_at: Mapped[datetime]


class BotAccount(Base):
    """A bot account that has connected, and when; for /状态 and to route a group's sends."""

    __tablename__ = "bot_account"

    self_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str] = mapped_column(String(16))
    connected_at: Mapped[datetime | None]
    disconnected_at: Mapped[datetime | None]


class IdentityLink(Base):
    """A person's private-chat id joined to their id in one group, on a platform that gives one person two ids
    (the official QQ bot: `user_openid` in private chat, a `member_openid` per group). Made by /绑定."""

    __tablename__ = "identity_link"
    __table_args__ = (UniqueConstraint("platform", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    private_id: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime]
    # Role proof (bot/core/proof.py): for a person who holds a role, the link gives the private chat nothing until
    # they send the code shown there as `/绑定 授权 <code>` in the group, under their own group id.
    proven_at: Mapped[datetime | None]
    proof_code: Mapped[str | None] = mapped_column(String(8))
    proof_expires_at: Mapped[datetime | None]


class BindCode(Base):
    """A one-time code given in private chat and sent back in the group to make an `IdentityLink`."""

    __tablename__ = "bind_code"
    __table_args__ = (UniqueConstraint("platform", "code"), UniqueConstraint("platform", "private_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(8))
    private_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    # The first group member who sent the code: the private chat's owner confirms it was them (showing who
    # and where) before any link is made, so a code someone else copied from the group binds nothing.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_group: Mapped[str | None] = mapped_column(String(64))
    claimed_name: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    # When the owner was shown who claimed it: /绑定 确认 binds only a claim its owner has seen.
    question_shown_at: Mapped[datetime | None]
    # Sent by more than one member (or by one already waiting on another code): someone copied it, so it binds nobody.
    contested: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class BindMiss(Base):
    """A wrong bind code from a group member: kept (across restarts and processes) to stop guessing."""

    __tablename__ = "bind_miss"
    __table_args__ = (Index("ix_bind_miss_platform_member_id", "platform", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[str] = mapped_column(String(64))
    missed_at: Mapped[datetime]


class RosterEntry(Base):
    """A line of the 台账 a province kept before the bot (name, phone, plate, status, branch), imported; a person who
    registers later in that branch with the same name and phone is linked to it and keeps its status (认定)."""

    __tablename__ = "roster_entry"
    __table_args__ = (UniqueConstraint("branch_id", "name", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(16))
    plate: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    imported_by: Mapped[str] = mapped_column(String(96))
    imported_at: Mapped[datetime]
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime | None]


class ContentShare(Base):
    """Shared content (a study material, a station) a branch added, approved by a committee for its subtree. The
    province's approval makes it everyone's (the item's own status); a county's makes it its branches'."""

    __tablename__ = "content_share"
    __table_args__ = (UniqueConstraint("kind", "item_id", "committee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[int] = mapped_column(Integer)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    approved_by: Mapped[str] = mapped_column(String(96))
    approved_at: Mapped[datetime]

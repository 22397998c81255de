"""Member records (台账, 一人一档): registration, status confirmation (认定), viewing with masking and an access log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, union, update

from . import clock
from .actor import Actor
from .branches import PARTY_STATUSES, NotFound, PermissionDenied, Roles
from .conversation import Invalid
from .db import Database
from .models import AccessLog, Branch, DepartmentHandler, LedgerEntry, Member, RosterEntry, Secretary
from .validation import mask_phone, mask_plate, normalize_phone, normalize_plate

_PERSON_NAME = re.compile(r"^[\u4e00-\u9fa5·A-Za-z]{2,16}$")
MAX_FREE_TEXT = 60


def parse_name(text: str) -> str:
    """A real name: 2–16 Chinese characters or letters."""
    text = text.strip()
    if not _PERSON_NAME.match(text):
        raise Invalid("姓名请填 2–16 个汉字（或字母），不含数字和符号。")
    return text


def parse_phone(text: str) -> str:
    """A mainland mobile number."""
    phone = normalize_phone(text)
    if phone is None:
        raise Invalid("手机号应为 11 位数字、以 1 开头，例如 13812345678。")
    return phone


def parse_plate(text: str) -> str:
    """A Chinese vehicle plate, ordinary or new-energy."""
    plate = normalize_plate(text)
    if plate is None:
        raise Invalid("车牌格式不对，例如 贵A12345、贵A12345挂 或新能源 贵AD12345。")
    return plate


def parse_free_text(label: str) -> Callable[[str], str]:
    """A short free-text answer (户籍地, 常跑路线)."""

    def parse(text: str) -> str:
        text = text.strip()
        if not text:
            raise Invalid(f"{label}不能为空。")
        if len(text) > MAX_FREE_TEXT:
            raise Invalid(f"{label}最多 {MAX_FREE_TEXT} 个字。")
        return text

    return parse


def parse_status(text: str) -> str:
    """One of 党员、预备党员、积极分子、群众 (or its number)."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(PARTY_STATUSES):
        return PARTY_STATUSES[int(text) - 1]
    if text in PARTY_STATUSES:
        return text
    raise Invalid("请回复序号或名称：1 党员  2 预备党员  3 积极分子  4 群众")


# /登记 修改's words for the fields a member may change.
EDITABLE = ("name", "phone", "plate", "hometown", "route", "declared_status")
FIELD_WORDS = {
    "姓名": "name",
    "名字": "name",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "车牌": "plate",
    "车牌号": "plate",
    "户籍地": "hometown",
    "户籍": "hometown",
    "路线": "route",
    "常跑路线": "route",
    "政治面貌": "declared_status",
    "面貌": "declared_status",
}


@dataclass(frozen=True, slots=True)
class Registered:
    """What a registration did: the record, whether it is new (to the branch), and the fields it changed."""

    member: Member
    created: bool
    changed: list[str]
    roster: bool = False  # linked now to the branch's roster line of the same name and phone (认定 carried over)


@dataclass(frozen=True, slots=True)
class Profile:
    """A member record as one viewer may see it."""

    name: str
    branch: str
    phone: str
    plate: str
    hometown: str
    route: str
    declared_status: str
    status: str | None
    registered: str
    left: bool


async def _link_roster(session, member: Member, now) -> bool:
    """A registration with the name and phone of an unlinked line of its branch's roster is linked to it: the status
    the roster gave (the province's 台账 before the bot) is the confirmed one, unless a secretary confirmed one."""
    if not member.phone:
        return False
    entry = await session.scalar(
        select(RosterEntry).where(
            RosterEntry.branch_id == member.branch_id,
            RosterEntry.name == member.name,
            RosterEntry.phone == member.phone,
            RosterEntry.member_id.is_(None),
        )
    )
    if entry is None:
        return False
    entry.member_id, entry.linked_at = member.id, now
    if member.status_confirmed_at is None:
        member.status = entry.status
        member.status_confirmed_by = f"roster:{entry.imported_by}"
        member.status_confirmed_at = now
    if not member.plate and entry.plate:
        member.plate = entry.plate
    return True


class MemberRecords:
    """Registration, 认定 and viewing of member records."""

    def __init__(self, database: Database, roles: Roles) -> None:
        self.database = database
        self.roles = roles
        # More traces of where a person is, added by features: user_key → SELECTs of branch ids.
        self.sightings: list[Callable[[str], tuple[Any, ...]]] = []

    async def get(self, branch_id: int, user_key: str) -> Member | None:
        """One record."""
        async with self.database.reading() as session:
            return await session.scalar(
                select(Member).where(Member.branch_id == branch_id, Member.user_key == user_key)
            )

    async def names(self, branch_id: int, user_keys: list[str]) -> dict[str, str]:
        """Registered names of several people (for lists and rankings)."""
        if not user_keys:
            return {}
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Member.user_key, Member.name).where(
                    Member.branch_id == branch_id, Member.user_key.in_(user_keys)
                )
            )
            return dict(rows.all())

    async def register(self, actor: Actor, branch: Branch, data: dict) -> Registered:
        """Store or update the actor's record in one transaction.

        A new record takes every answer. An existing record keeps what was skipped (an answer of None) and the
        secretary's 认定: a changed declaration is stored beside the confirmed status, which only /认定 changes.
        """
        now = clock.now()
        async with self.database.session() as session:
            member = await session.scalar(
                select(Member).where(Member.branch_id == branch.id, Member.user_key == actor.key)
            )
            created = member is None
            if member is None:
                status = data.get("status") or "群众"
                member = Member(
                    branch_id=branch.id,
                    user_key=actor.key,
                    registered_at=now,
                    declared_status=status,
                    status="群众" if status == "群众" else None,
                )
                session.add(member)
            changed: list[str] = []
            was_left = member.left_at is not None
            for key in ("name", "phone", "plate", "hometown", "route"):
                value = data.get(key)
                if value is not None and (created or getattr(member, key) != value):
                    setattr(member, key, value)
                    changed.append(key)
            status = data.get("status")
            if not created and status is not None and status != member.declared_status:
                member.declared_status = status
                if member.status_confirmed_at is None:  # never confirmed: 群众 needs no confirmation
                    member.status = "群众" if status == "群众" else None
                changed.append("declared_status")
            if not member.name:
                raise Invalid("姓名不能为空。")
            member.updated_at = now
            member.left_at = None
            member.erased_at = None
            member.moved_to_branch_id = None
            await session.flush()
            linked = await _link_roster(session, member, now)
            if "name" in changed:
                await self._rename_roles(session, branch.id, actor.key, member.name)
        self.roles.forget()  # the branch card counts members and shows secretaries by their registered names
        return Registered(member, created or was_left, [] if created else changed, linked)

    async def edit(self, user_key: str, branch_ids: list[int], field: str, value: str) -> list[Member]:
        """/登记 修改: one field of the person's records in these branches; the rest and the 认定 stay."""
        if field not in EDITABLE:
            raise Invalid(field)
        now = clock.now()
        async with self.database.session() as session:
            rows = list(
                (
                    await session.scalars(
                        select(Member).where(
                            Member.user_key == user_key, Member.branch_id.in_(branch_ids), Member.left_at.is_(None)
                        )
                    )
                ).all()
            )
            for member in rows:
                setattr(member, field, value)
                if field == "declared_status" and member.status_confirmed_at is None:
                    member.status = "群众" if value == "群众" else None
                member.updated_at = now
                if field == "name":
                    await self._rename_roles(session, member.branch_id, user_key, value)
        if field == "name":
            self.roles.forget()
        return rows

    @staticmethod
    async def _rename_roles(session, branch_id: int, user_key: str, name: str) -> None:
        """A secretary or department handler who registers is shown by the registered name from then on."""
        await session.execute(
            update(Secretary)
            .where(Secretary.branch_id == branch_id, Secretary.user_key == user_key)
            .values(display_name=name[:64])
        )
        await session.execute(
            update(DepartmentHandler).where(DepartmentHandler.user_key == user_key).values(display_name=name[:64])
        )

    async def records_of(self, user_key: str) -> list[tuple[Branch, Member]]:
        """Every current record of a person, with its branch (for /档案 in private chat)."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Branch, Member)
                .join(Member, Member.branch_id == Branch.id)
                .where(Member.user_key == user_key, Member.left_at.is_(None))
                .order_by(Branch.id)
            )
            return [(branch, member) for branch, member in rows.all()]

    async def branches_of(self, user_key: str) -> list[Branch]:
        """The active branches the bot knows a person is in: registered there, seen taking part (the ledger), or any
        trace a feature adds (`sightings`: seen writing in the group, welcomed, an appeal filed there …) — never one
        they left."""
        async with self.database.reading() as session:
            registered = select(Member.branch_id).where(Member.user_key == user_key, Member.left_at.is_(None))
            seen = select(LedgerEntry.branch_id).where(
                LedgerEntry.user_key == user_key, LedgerEntry.branch_id.is_not(None)
            )
            left = select(Member.branch_id).where(Member.user_key == user_key, Member.left_at.is_not(None))
            traces = [select_ for sighting in self.sightings for select_ in sighting(user_key)]
            known = union(registered, seen, *traces)
            rows = await session.scalars(
                select(Branch)
                .where(
                    Branch.active,
                    Branch.id.in_(select(known.subquery().c[0])),
                    Branch.id.not_in(left),
                )
                .order_by(Branch.id)
            )
            return list(rows.all())

    async def find(self, branch_ids: list[int], name: str) -> list[tuple[Branch, Member]]:
        """Records of these branches under a registered name (a secretary looking someone up in private chat)."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Branch, Member)
                .join(Member, Member.branch_id == Branch.id)
                .where(Member.branch_id.in_(branch_ids), Member.name == name)
                .order_by(Branch.id)
            )
            return [(branch, member) for branch, member in rows.all()]

    async def confirm_status(self, actor: Actor, branch: Branch, target_key: str, status: str) -> Member:
        """认定: the secretary confirms a registered member's political status."""
        if not await self.roles.can_manage(actor, branch):
            raise PermissionDenied("只有本支部书记或行业党委可以认定政治面貌。")
        if status not in PARTY_STATUSES:
            raise NotFound(f"政治面貌只能是：{'、'.join(PARTY_STATUSES)}")
        async with self.database.session() as session:
            member = await session.scalar(
                select(Member).where(Member.branch_id == branch.id, Member.user_key == target_key)
            )
            if member is None or member.left_at is not None:
                raise NotFound("对方还没有在本支部登记，请先让他发送 /登记。")
            member.status = status
            member.status_confirmed_by = actor.key
            member.status_confirmed_at = clock.now()
            member.updated_at = clock.now()
        self.roles.forget()
        return member

    async def profile(self, viewer: Actor, branch: Branch, target_key: str) -> Profile:
        """A record as the viewer may see it; viewing another person's record is logged."""
        own = viewer.key == target_key
        manager = await self.roles.can_manage(viewer, branch)
        if not own and not manager:
            raise PermissionDenied("只能查看自己的档案；查看他人档案需要本支部书记权限。")
        member = await self.get(branch.id, target_key)
        if member is None:
            raise NotFound("还没有登记档案，发送 /登记 即可登记。" if own else "对方还没有在本支部登记。")
        if not own:
            await self.log_access(viewer, "查看档案", target_key, branch.id)
        # Full numbers only in private chat, to the person or their secretary; a group sees them masked.
        full = viewer.is_private
        return Profile(
            name=member.name,
            branch=branch.name,
            phone=(member.phone or "") if full else mask_phone(member.phone),
            plate=(member.plate or "") if full else mask_plate(member.plate),
            hometown=member.hometown or "",
            route=member.route or "",
            declared_status=member.declared_status,
            status=member.status,
            registered=clock.local(member.registered_at).strftime("%Y-%m-%d"),
            left=member.left_at is not None,
        )

    async def log_access(self, viewer: Actor, action: str, subject: str, branch_id: int | None) -> None:
        """Record who looked at or exported personal data."""
        async with self.database.session() as session:
            session.add(
                AccessLog(actor_key=viewer.key, action=action, subject=subject, branch_id=branch_id, at=clock.now())
            )

    async def mark_left(self, platform: str, group_id: str, user_id: str) -> bool:
        """A member left the group: keep the record, mark when (retention erases contact data later)."""
        async with self.database.session() as session:
            member = await session.scalar(
                select(Member)
                .join(Branch, Branch.id == Member.branch_id)
                .where(
                    Branch.platform == platform, Branch.group_id == group_id, Member.user_key == f"{platform}:{user_id}"
                )
            )
            if member is None or member.left_at is not None:
                return False
            member.left_at = clock.now()
        self.roles.forget()
        return True

    async def transfer(self, actor: Actor, source: Branch, target_key: str, target: Branch) -> Member:
        """流出/流入: a member moves to another branch (by a secretary of either branch, or a committee above both).
        The record moves with its 认定; the old branch keeps its line (left, and where to); the ledger and appeals
        keep their history where it happened (their rows carry the branch they were in)."""
        scope = await self.roles.scope(actor)
        either = source.id in scope.own or target.id in scope.own
        if not (either or (scope.sees_branch(source.id) and scope.sees_branch(target.id))):
            raise PermissionDenied("只有两个支部之一的书记，或同时管辖两个支部的行业党委，可以办理转移。")
        if source.id == target.id or not target.active:
            raise NotFound(f"「{target.name}」不能作为转入支部（同一支部或已关闭）。")
        now = clock.now()
        async with self.database.session() as session:
            old = await session.scalar(
                select(Member).where(
                    Member.branch_id == source.id, Member.user_key == target_key, Member.left_at.is_(None)
                )
            )
            if old is None:
                raise NotFound(f"「{source.name}」没有这名成员的登记。")
            new = await session.scalar(
                select(Member).where(Member.branch_id == target.id, Member.user_key == target_key)
            )
            if new is None:
                new = Member(branch_id=target.id, user_key=target_key, registered_at=now)
                session.add(new)
            for key in (
                "name",
                "phone",
                "plate",
                "hometown",
                "route",
                "declared_status",
                "status",
                "status_confirmed_by",
                "status_confirmed_at",
            ):
                setattr(new, key, getattr(old, key))
            new.updated_at, new.left_at, new.erased_at, new.moved_to_branch_id = now, None, None, None
            old.left_at, old.moved_to_branch_id, old.updated_at = now, target.id, now
            await session.flush()
        await self.log_access(actor, "成员转移", target_key, source.id)
        self.roles.forget()
        return new

    async def moved_out(self, branch_id: int, limit: int = 50) -> list[tuple[Member, str]]:
        """The branch's lines of members who moved to another branch, with where to (newest first)."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Member, Branch.name)
                .join(Branch, Branch.id == Member.moved_to_branch_id)
                .where(Member.branch_id == branch_id, Member.moved_to_branch_id.is_not(None))
                .order_by(Member.left_at.desc())
                .limit(limit)
            )
            return [(member, name) for member, name in rows.all()]

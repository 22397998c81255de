"""Branches and roles: who runs which branch, who handles which department, what a person may do."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from . import clock
from .actor import Actor, split_key
from .commands import Role
from .db import Database
from .errors import Conflict, NotFound, PermissionDenied
from .identity import Revoke, revoke_nothing
from .models import Branch, CommitteeMember, DepartmentHandler, Member, MonthlyTheme, Secretary
from .org import Dept, Org
from .scope import Scope, resolve
from .settings import get_settings

PARTY_STATUSES = ("党员", "预备党员", "积极分子", "群众")
MEMBER_DRIVER_STATUSES = ("党员", "预备党员")
_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9（）()·\-]{2,30}$")
_CACHE_SECONDS = 30.0
UNBOUND = "unbound"  # the platform of a branch the organization import made before its group opened it


@dataclass(frozen=True, slots=True)
class BranchCard:
    """What `/支部` shows."""

    name: str
    secretaries: list[str]
    members: int
    member_drivers: int
    push_time: str
    push_enabled: bool
    theme: str | None
    active: bool


class BranchDirectory:
    """Branch lookups with a short cache: every command in a group asks which branch it is."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._by_group: dict[tuple[str, str], tuple[float, Branch | None]] = {}
        # `/支部` is asked often and changes rarely: its card is kept until a change here, or _CACHE_SECONDS.
        self._cards: dict[int, tuple[float, BranchCard]] = {}

    def forget(self) -> None:
        """Drop the cache after a change."""
        self._by_group.clear()
        self._cards.clear()

    async def of_group(self, platform: str, group_id: str | None) -> Branch | None:
        """The branch bound to a group, or None."""
        if group_id is None:
            return None
        key = (platform, group_id)
        cached = self._by_group.get(key)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        async with self.database.reading() as session:
            branch = await session.scalar(
                select(Branch).where(Branch.platform == platform, Branch.group_id == group_id)
            )
        self._by_group[key] = (time.monotonic(), branch)
        return branch

    async def here(self, actor: Actor, what: str = "这条命令") -> Branch:
        """The branch of the actor's group, or a refusal that says how to get one."""
        if actor.group_id is None:
            raise Conflict(f"请在支部群里使用{what}。")
        branch = await self.of_group(actor.platform, actor.group_id)
        if branch is None:
            raise NotFound(f"本群还没有开通支部，{what}暂不可用。请行业党委或群主发送：/支部 开通 <支部名称>")
        return branch

    async def by_name(self, name: str) -> Branch | None:
        """A branch by its exact name."""
        async with self.database.reading() as session:
            return await session.scalar(select(Branch).where(Branch.name == name))

    async def all_active(self) -> list[Branch]:
        """Every active branch."""
        async with self.database.reading() as session:
            return list((await session.scalars(select(Branch).where(Branch.active).order_by(Branch.id))).all())

    async def open(self, actor: Actor, name: str) -> Branch:
        """Register the actor's group as a branch (superuser or group owner)."""
        if actor.group_id is None:
            raise Conflict("请在要开通的支部群里发送这条命令。")
        if not (actor.is_superuser or actor.is_group_owner):
            raise PermissionDenied("只有行业党委（超级管理员）或群主可以开通支部。")
        name = name.strip()
        if not _NAME.match(name):
            raise Conflict(
                "支部名称需 2–30 个字，只含汉字、字母、数字和括号，例如：/支部 开通 乌当区货车司机流动党员党支部"
            )
        now = clock.now()
        async with self.database.session() as session:
            existing = await session.scalar(
                select(Branch).where(Branch.platform == actor.platform, Branch.group_id == actor.group_id)
            )
            if existing is not None and existing.active:
                raise Conflict(f"本群已开通为「{existing.name}」。")
            taken = await session.scalar(select(Branch).where(Branch.name == name))
            if taken is not None and taken.platform == UNBOUND and existing is None:
                # Imported with the organization, waiting for its group: this group takes it over, in its place.
                taken.platform, taken.group_id, taken.self_id, taken.active = (
                    actor.platform,
                    actor.group_id,
                    actor.self_id,
                    True,
                )
                branch = taken
            elif taken is not None and (existing is None or taken.id != existing.id):
                raise Conflict(f"名称「{name}」已被其他支部使用，请换一个。")
            elif existing is not None:
                existing.active, existing.name, existing.self_id = True, name, actor.self_id
                branch = existing
            else:
                branch = Branch(
                    name=name,
                    platform=actor.platform,
                    group_id=actor.group_id,
                    self_id=actor.self_id,
                    created_by=actor.key,
                    created_at=now,
                )
                session.add(branch)
            try:
                await session.flush()
            except IntegrityError as error:
                raise Conflict("本群或该名称刚刚已被开通，请发送 /支部 查看。") from error
        self.forget()
        return branch

    async def close(self, branch: Branch) -> bool:
        """Stop a branch (superuser): no pushes, no new registrations; its records stay. False when already closed."""
        async with self.database.session() as session:
            row = await session.get(Branch, branch.id)
            if row is None or not row.active:
                return False
            row.active = False
        self.forget()
        return True

    async def card(self, branch: Branch) -> BranchCard:
        """The branch card (from memory when nothing changed since it was read)."""
        cached = self._cards.get(branch.id)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        card = await self._read_card(branch)
        self._cards[branch.id] = (time.monotonic(), card)
        return card

    async def _read_card(self, branch: Branch) -> BranchCard:
        """The branch card, from the database."""
        month = clock.today().strftime("%Y-%m")
        async with self.database.reading() as session:
            # A secretary who registered is shown by the registered name (王书记), not the name given when named.
            secretaries = (
                await session.scalars(
                    select(func.coalesce(Member.name, Secretary.display_name))
                    .select_from(Secretary)
                    .outerjoin(
                        Member,
                        (Member.branch_id == Secretary.branch_id)
                        & (Member.user_key == Secretary.user_key)
                        & Member.left_at.is_(None),
                    )
                    .where(Secretary.branch_id == branch.id)
                    .order_by(Secretary.id)
                )
            ).all()
            counts = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(Member.status.in_(MEMBER_DRIVER_STATUSES)),
                    ).where(Member.branch_id == branch.id, Member.left_at.is_(None))
                )
            ).one()
            theme = await theme_of_month(session, branch.id, month)
        return BranchCard(
            branch.name,
            [s or "（未署名）" for s in secretaries],
            counts[0],
            counts[1],
            branch.push_time,
            branch.push_enabled,
            theme,
            branch.active,
        )


async def theme_of_month(session, branch_id: int | None, month: str) -> str | None:
    """The month's theme: the branch's own, else the one set for all branches."""
    rows = (
        await session.execute(
            select(MonthlyTheme.branch_id, MonthlyTheme.theme).where(
                MonthlyTheme.month == month,
                (MonthlyTheme.branch_id == branch_id) | MonthlyTheme.branch_id.is_(None),
            )
        )
    ).all()
    own = [theme for b, theme in rows if b is not None]
    common = [theme for b, theme in rows if b is None]
    return (own or common or [None])[0]


class Roles:
    """Who may act where."""

    def __init__(self, database: Database, branches: BranchDirectory, org: Org | None = None) -> None:
        self.database = database
        self.branches = branches
        self.org = org or Org(database)
        # Every command asks who the caller is: secretaries, committee members and department handlers are kept in
        # memory, reloaded after a change here and at least every _CACHE_SECONDS (another process may have changed
        # them).
        self._loaded_at = -_CACHE_SECONDS
        self._secretary_of: dict[str, frozenset[int]] = {}
        self._departments_of: dict[str, tuple[str, ...]] = {}
        self._department_ids_of: dict[str, frozenset[int]] = {}
        self._committees_of: dict[str, frozenset[int]] = {}
        self.revoked: Revoke = (
            revoke_nothing  # set by build_services: a role taken away ends the person's proof and sessions
        )

    def forget(self) -> None:
        """Drop the cached roles, the tree (and branch cards, which show secretaries and members) after a change."""
        self._loaded_at = -_CACHE_SECONDS
        self.org.forget()
        self.branches.forget()

    async def _fresh(self) -> None:
        """Reload secretaries and department handlers when the cache is old."""
        if time.monotonic() - self._loaded_at < _CACHE_SECONDS:
            return
        async with self.database.reading() as session:
            secretaries = (await session.execute(select(Secretary.user_key, Secretary.branch_id))).all()
            handlers = (
                await session.execute(
                    select(DepartmentHandler.user_key, DepartmentHandler.department, DepartmentHandler.department_id)
                )
            ).all()
            seats = (await session.execute(select(CommitteeMember.user_key, CommitteeMember.committee_id))).all()
        by_user: dict[str, set[int]] = {}
        for key, branch_id in secretaries:
            by_user.setdefault(key, set()).add(branch_id)
        departments: dict[str, list[str]] = {}
        department_ids: dict[str, set[int]] = {}
        for key, department, department_id in handlers:
            departments.setdefault(key, []).append(department)
            department_ids.setdefault(key, set()).add(department_id)
        committees: dict[str, set[int]] = {}
        for key, committee_id in seats:
            committees.setdefault(key, set()).add(committee_id)
        self._secretary_of = {k: frozenset(v) for k, v in by_user.items()}
        self._departments_of = {k: tuple(v) for k, v in departments.items()}
        self._department_ids_of = {k: frozenset(v) for k, v in department_ids.items()}
        self._committees_of = {k: frozenset(v) for k, v in committees.items()}
        self._loaded_at = time.monotonic()

    async def scope(self, actor: Actor) -> Scope:
        """What the actor may see (bot/core/scope.py: the one rule)."""
        return await self.scope_of(actor.key, actor.is_superuser)

    async def scope_of(self, user_key: str, superuser: bool) -> Scope:
        """What a person may see, by their stored key (the web view's viewer, jobs)."""
        await self._fresh()
        return resolve(
            await self.org.tree(),
            superuser=superuser,
            committees=self._committees_of.get(user_key, frozenset()),
            own=self._secretary_of.get(user_key, frozenset()),
            departments=self._department_ids_of.get(user_key, frozenset()),
        )

    async def committee_members(self, committee_id: int) -> list[str]:
        """The keys of a committee's members (explicit: superusers are the root's without a row), from memory."""
        await self._fresh()
        return sorted(key for key, seats in self._committees_of.items() if committee_id in seats)

    async def visible_branches(self, actor: Actor) -> list[Branch]:
        """The active branches in the actor's scope (a secretary's own, a committee's subtree, all for the top), by
        id: what a command given in private chat covers."""
        scope = await self.scope(actor)
        if scope.empty:
            return []
        async with self.database.reading() as session:
            query = select(Branch).where(Branch.active).order_by(Branch.id)
            condition = scope.branch_condition(Branch.id)
            if condition is not None:
                query = query.where(condition)
            return list((await session.scalars(query)).all())

    async def held(self, actor: Actor, branch: Branch | None) -> frozenset[Role]:
        """The roles the actor holds here, from memory: 司机 always; 书记 of this group's branch (in private chat:
        of any branch); 承办部门; 群主 of this group; 行业党委."""
        await self._fresh()
        held = {Role.DRIVER}
        if actor.is_superuser:
            held.add(Role.SUPERUSER)
        if actor.is_group_owner:
            held.add(Role.OWNER)
        runs = self._secretary_of.get(actor.key, frozenset())
        if (branch is not None and branch.id in runs) or (actor.group_id is None and runs):
            held.add(Role.SECRETARY)
        if actor.key in self._departments_of:
            held.add(Role.DEPARTMENT)
        if actor.key in self._committees_of:
            held.add(Role.COMMITTEE)
        return frozenset(held)

    async def holds_any(self, user_key: str) -> bool:
        """Whether a person holds any role beyond driver, anywhere: a secretary of any branch, a department handler, a
        committee's member, a superuser (by key or raw id). The one list a new role joins: it decides who must prove
        a private chat in the group (bot/core/proof.py) and whose notices never go to a group-only id."""
        await self._fresh()
        superusers = get_settings().superusers
        return (
            user_key in superusers
            or split_key(user_key)[1] in superusers
            or user_key in self._secretary_of
            or user_key in self._departments_of
            or user_key in self._committees_of
        )

    async def is_secretary(self, user_key: str, branch_id: int) -> bool:
        """Whether the person runs this branch."""
        await self._fresh()
        return branch_id in self._secretary_of.get(user_key, frozenset())

    async def can_manage(self, actor: Actor, branch: Branch) -> bool:
        """Superusers manage every branch; a committee's members the branches below it; secretaries their own."""
        return (await self.scope(actor)).sees_branch(branch.id)

    async def require_manager(self, actor: Actor, branch: Branch | None) -> Branch:
        """The branch, when the actor may manage it; otherwise a clear refusal."""
        if branch is None:
            raise NotFound("本群还没有开通支部。请行业党委或群主发送：/支部 开通 <支部名称>")
        if not await self.can_manage(actor, branch):
            raise PermissionDenied("这条命令只有本支部书记或行业党委可以使用。")
        return branch

    async def managed_branches(self, user_key: str) -> list[Branch]:
        """The branches a person runs (for commands given in private chat)."""
        async with self.database.reading() as session:
            rows = await session.scalars(
                select(Branch).join(Secretary, Secretary.branch_id == Branch.id).where(Secretary.user_key == user_key)
            )
            return list(rows.all())

    @staticmethod
    def _may_name_secretaries(actor: Actor, branch: Branch) -> bool:
        """Superusers everywhere; a group owner in their own branch group."""
        in_group = actor.platform == branch.platform and actor.group_id == branch.group_id
        return actor.is_superuser or (actor.is_group_owner and in_group)

    async def set_secretary(self, actor: Actor, branch: Branch, target_key: str, display_name: str) -> bool:
        """Name a secretary (superuser, or the owner of the branch's group); False when they already were one."""
        if not self._may_name_secretaries(actor, branch):
            raise PermissionDenied("只有行业党委（超级管理员）或本群群主可以设置书记。")
        async with self.database.session() as session:
            exists = await session.scalar(
                select(Secretary.id).where(Secretary.branch_id == branch.id, Secretary.user_key == target_key)
            )
            if exists is not None:
                return False
            session.add(
                Secretary(
                    branch_id=branch.id,
                    user_key=target_key,
                    display_name=display_name[:64],
                    appointed_by=actor.key,
                    appointed_at=clock.now(),
                )
            )
        self.forget()
        return True

    async def remove_secretary(self, actor: Actor, branch: Branch, target_key: str) -> bool:
        """Remove a secretary (superuser, or the owner of the branch's group); False when they were none."""
        if not self._may_name_secretaries(actor, branch):
            raise PermissionDenied("只有行业党委（超级管理员）或本群群主可以移除书记。")
        async with self.database.session() as session:
            result = await session.execute(
                delete(Secretary).where(Secretary.branch_id == branch.id, Secretary.user_key == target_key)
            )
        self.forget()
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self.revoked(target_key, "role")
        return removed

    async def secretaries_of(self, branch_id: int) -> list[str]:
        """The user keys of a branch's secretaries."""
        async with self.database.reading() as session:
            return list(
                (await session.scalars(select(Secretary.user_key).where(Secretary.branch_id == branch_id))).all()
            )

    async def binding_order(self, actor: Actor) -> list[int]:
        """The committees whose joint meetings the actor binds handlers for, the nearest first: a superuser the root's
        (and any other by its name); a committee's member their committees' subtrees."""
        tree = await self.org.tree()
        if actor.is_superuser:
            return sorted(tree.committees, key=lambda c: (tree.committees[c].depth, c))
        scope = await self.scope(actor)
        if scope.everything:
            return sorted(tree.committees, key=lambda c: (tree.committees[c].depth, c))
        return [*scope.top, *sorted(scope.committees - set(scope.top))]

    async def _department_for(self, actor: Actor, text: str) -> Dept:
        """The department `text` names among those the actor binds for; a refusal that lists them otherwise."""
        order = await self.binding_order(actor)
        if not order:
            raise PermissionDenied("只有行业党委（本级或上级）可以绑定承办部门。")
        tree = await self.org.tree()
        found = tree.department_named(text, order)
        if found is None:
            names = "、".join(d.name for d in tree.departments_of(order[0]))
            raise NotFound(f"没有「{text[:30]}」这个部门。{tree.committees[order[0]].name}联席会议的部门：{names}")
        return found

    async def bind_department(self, actor: Actor, target_key: str, department: str, display_name: str) -> Dept:
        """Bind a person to a department of a joint meeting (the committee of that level or above; superusers any);
        returns the department. Conflict when already bound."""
        dept = await self._department_for(actor, department)
        async with self.database.session() as session:
            exists = await session.scalar(
                select(DepartmentHandler.id).where(
                    DepartmentHandler.user_key == target_key, DepartmentHandler.department_id == dept.id
                )
            )
            if exists is not None:
                raise Conflict(f"{display_name} 已经是「{dept.name}」的承办人。")
            session.add(
                DepartmentHandler(
                    user_key=target_key,
                    department=dept.name,
                    department_id=dept.id,
                    display_name=display_name[:64],
                    bound_by=actor.key,
                    bound_at=clock.now(),
                    group_id=actor.group_id,
                )
            )
        self.forget()
        return dept

    async def unbind_department(self, actor: Actor, target_key: str, department: str) -> bool:
        """Undo a department binding (the committee of that level or above; superusers any)."""
        dept = await self._department_for(actor, department)
        async with self.database.session() as session:
            result = await session.execute(
                delete(DepartmentHandler).where(
                    DepartmentHandler.user_key == target_key, DepartmentHandler.department_id == dept.id
                )
            )
        self.forget()
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self.revoked(target_key, "role")
        return removed

    async def departments_of(self, user_key: str) -> list[str]:
        """The names of the departments a person handles appeals for."""
        await self._fresh()
        return list(self._departments_of.get(user_key, ()))

    async def department_ids_of(self, user_key: str) -> frozenset[int]:
        """The departments a person handles appeals for."""
        await self._fresh()
        return self._department_ids_of.get(user_key, frozenset())

    async def handler_names(self, department_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        """These departments' handlers as (user key, shown name), for /部门."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(DepartmentHandler.department_id, DepartmentHandler.user_key, DepartmentHandler.display_name)
                .where(DepartmentHandler.department_id.in_(department_ids))
                .order_by(DepartmentHandler.id)
            )
            listed: dict[int, list[tuple[str, str]]] = {}
            for department, key, name in rows.all():
                listed.setdefault(department, []).append((key, name))
            return listed

    async def handlers_of(self, department_id: int | None) -> list[str]:
        """The people bound to a department."""
        if department_id is None:
            return []
        async with self.database.reading() as session:
            rows = await session.scalars(
                select(DepartmentHandler.user_key).where(DepartmentHandler.department_id == department_id)
            )
            return list(rows.all())

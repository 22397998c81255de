"""Building and editing the organization: the import of committees and branches, placing a branch, naming and removing
a committee's members, and the tree as a committee sees it. Knows nothing of NoneBot.

The import (`python -m bot.admin org import <file>`) is one transaction: every row is checked first, and a file with
any bad row imports nothing (the bad rows are listed with their line numbers). Rows are matched by name, so running a
file again changes nothing; departments are only ever added (a department that handled appeals is never dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import UNBOUND, Roles
from bot.core.db import Database
from bot.core.errors import Conflict, NotFound, PermissionDenied
from bot.core.models import Branch, Committee, CommitteeMember, Department
from bot.core.org import BRANCH_LEVEL, COUNTY, LEVELS, PROVINCE, Node, Tree
from bot.core.sheets import SheetError, read_table

from . import texts

if TYPE_CHECKING:
    from bot.services import Services

COLUMNS = ("级别", "名称", "上级", "区划代码", "部门")
_LEVEL_WORDS = {
    "省": PROVINCE,
    "省级": PROVINCE,
    "市": "市",
    "市级": "市",
    "州": "市",
    "市（州）": "市",
    "市(州)": "市",
    "县": COUNTY,
    "县级": COUNTY,
    "区": COUNTY,
    "县（区）": COUNTY,
    "县(区)": COUNTY,
    "支部": BRANCH_LEVEL,
}
_COMMITTEE_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9（）()·\-]{2,64}$")
_BRANCH_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9（）()·\-]{2,30}$")
_CODE = re.compile(r"^\d{6}$")
_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad line of an import."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, with problems, why it did nothing)."""

    added: int = 0
    updated: int = 0
    placed: int = 0
    created: int = 0
    departments: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Line:
    line: int
    level: str
    name: str
    parent: str
    code: str | None
    departments: tuple[str, ...]


def _parse(rows) -> tuple[list[_Line], list[Problem]]:
    """Check every row on its own (levels, names, duplicates)."""
    lines, problems, seen = [], [], {}
    for row in rows:
        level = _LEVEL_WORDS.get(row.get("级别").replace(" ", ""))
        name, parent, code = row.get("名称"), row.get("上级"), row.get("区划代码") or None
        departments = tuple(d for d in _SEPARATORS.split(row.get("部门")) if d)
        if level is None:
            problems.append(Problem(row.line, texts.BAD_LEVEL.format(level=row.get("级别")[:10])))
            continue
        pattern, limit = (_BRANCH_NAME, 30) if level == BRANCH_LEVEL else (_COMMITTEE_NAME, 64)
        if not pattern.match(name):
            problems.append(Problem(row.line, texts.BAD_NAME.format(limit=limit)))
            continue
        if name in seen:
            problems.append(Problem(row.line, texts.DUPLICATE.format(name=name, first=seen[name])))
            continue
        seen[name] = row.line
        if level == BRANCH_LEVEL and (code or departments):
            problems.append(Problem(row.line, texts.BRANCH_NO_PARTS))
        elif level == PROVINCE and parent:
            problems.append(Problem(row.line, texts.PROVINCE_NO_PARENT))
        elif level != PROVINCE and not parent:
            problems.append(Problem(row.line, texts.NEEDS_PARENT.format(level=level)))
        elif code is not None and not _CODE.match(code):
            problems.append(Problem(row.line, texts.BAD_CODE))
        elif bad := next((d for d in departments if not 2 <= len(d) <= 16), None):
            problems.append(Problem(row.line, texts.BAD_DEPARTMENT.format(name=bad[:20])))
        else:
            lines.append(_Line(row.line, level, name, parent, code, departments))
    return lines, problems


def _rank(level: str) -> int:
    """0 for 省 … 2 for 县, 3 for a branch."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


class OrgService:
    """The tree's changes, over the core's `Roles` (which keeps the tree and the members in memory)."""

    def __init__(self, database: Database, roles: Roles) -> None:
        self.database = database
        self.roles = roles

    async def tree(self) -> Tree:
        """The organization now."""
        return await self.roles.org.tree()

    # ---- the import -----------------------------------------------------------------------------------------
    async def import_file(self, path: Path | str, by: str) -> ImportReport:
        """Import committees and branches from a CSV or XLSX (columns `COLUMNS`), all or nothing."""
        try:
            rows = read_table(path, COLUMNS, ("级别", "名称", "上级"))
        except (SheetError, OSError) as error:
            return ImportReport(problems=[Problem(1, texts.READ_FAILED.format(error=error))])
        lines, problems = _parse(rows)
        report = ImportReport(problems=problems)
        async with self.database.session() as session:
            await self._apply(session, lines, report, by)
            if report.problems:
                await session.rollback()
                report.problems.sort(key=lambda p: p.line)
                return ImportReport(problems=report.problems)
        self.roles.forget()
        return report

    async def _apply(self, session: AsyncSession, lines: list[_Line], report: ImportReport, by: str) -> None:
        """Upsert the rows, parents before children; problems found here are added to the report."""
        committees = {c.name: c for c in (await session.scalars(select(Committee))).all()}
        branches = {b.name: b for b in (await session.scalars(select(Branch))).all()}
        root = min((c for c in committees.values() if c.parent_id is None), key=lambda c: c.id)
        provinces = [line for line in lines if line.level == PROVINCE]
        for extra in provinces[1:]:
            report.problems.append(Problem(extra.line, texts.ONE_PROVINCE.format(first=provinces[0].line)))
        now = clock.now()
        for line in sorted(lines, key=lambda item: (_rank(item.level), item.line)):
            if line.level == BRANCH_LEVEL and line.name in committees:
                report.problems.append(Problem(line.line, texts.IS_A_COMMITTEE.format(name=line.name)))
                continue
            if line.level != BRANCH_LEVEL and line.name in branches:
                report.problems.append(Problem(line.line, texts.IS_A_BRANCH.format(name=line.name)))
                continue
            if line.level == PROVINCE:
                if line is provinces[0]:
                    report.updated += await self._province(session, root, line, committees)
                    report.departments += await self._departments(session, root.id, line.departments)
                continue
            parent = committees.get(line.parent)
            if parent is None:
                report.problems.append(Problem(line.line, texts.NO_PARENT.format(parent=line.parent[:30])))
                continue
            parent_rank = _rank(parent.level)
            if parent_rank >= _rank(line.level):
                reason = texts.PARENT_NOT_ABOVE.format(parent=parent.name, parent_level=parent.level, level=line.level)
                report.problems.append(Problem(line.line, reason))
                continue
            if line.level == BRANCH_LEVEL:
                await self._branch(session, branches, line, parent, report, by, now)
                continue
            existing = committees.get(line.name)
            if existing is not None and f"/{existing.id}/" in parent.path:
                report.problems.append(Problem(line.line, texts.CYCLE.format(name=line.name, parent=parent.name)))
                continue
            if existing is None:
                row = Committee(
                    name=line.name, level=line.level, parent_id=parent.id, code=line.code, path="", created_at=now
                )
                session.add(row)
                await session.flush()
                row.path = f"{parent.path}{row.id}/"
                committees[row.name] = row
                report.added += 1
            else:
                changed = (existing.level, existing.parent_id, existing.code) != (line.level, parent.id, line.code)
                if existing.parent_id != parent.id:
                    await self._move(session, existing, parent)
                existing.level, existing.code = line.level, line.code
                report.updated += changed
                row = existing
            report.departments += await self._departments(session, row.id, line.departments)

    async def _province(self, session: AsyncSession, root: Committee, line: _Line, committees: dict) -> int:
        """The province row names the root (the deployment's top); 1 when it changed anything."""
        changed = (root.name, root.code) != (line.name, line.code)
        if root.name != line.name:
            committees.pop(root.name, None)
            root.name = line.name
            committees[root.name] = root
        root.code = line.code
        return int(changed)

    async def _move(self, session: AsyncSession, row: Committee, parent: Committee) -> None:
        """Put a committee under another parent: its path and its subtree's paths change in one statement."""
        old, new = row.path, f"{parent.path}{row.id}/"
        low, high = old, old[:-1] + "0"
        descendants = (
            await session.scalars(select(Committee).where(Committee.path >= low, Committee.path < high))
        ).all()
        for item in descendants:
            item.path = new + item.path[len(old) :]
        row.parent_id = parent.id

    async def _departments(self, session: AsyncSession, committee_id: int, names: tuple[str, ...]) -> int:
        """Add the departments a committee's joint meeting lacks; how many were added."""
        if not names:
            return 0
        have = set(
            (await session.scalars(select(Department.name).where(Department.committee_id == committee_id))).all()
        )
        added = [name for name in dict.fromkeys(names) if name not in have]
        for name in added:
            session.add(Department(committee_id=committee_id, name=name))
        return len(added)

    async def _branch(self, session, branches: dict, line: _Line, parent: Committee, report, by: str, now) -> None:
        """Place a branch under its committee; one not opened yet waits for `/支部 开通 <名称>` in its group."""
        branch = branches.get(line.name)
        if branch is None:
            branch = Branch(
                name=line.name,
                platform=UNBOUND,
                group_id=line.name,
                self_id=None,
                active=False,
                created_by=by,
                created_at=now,
                committee_id=parent.id,
            )
            session.add(branch)
            branches[line.name] = branch
            report.created += 1
            report.placed += 1
        elif branch.committee_id != parent.id:
            branch.committee_id = parent.id
            report.placed += 1

    async def ensure_departments(self, names: list[str]) -> int:
        """At start-up: the DEPARTMENTS setting's names join the root's joint meeting (the flat list of before)."""
        tree = await self.tree()
        have = {d.name for d in tree.departments_of(tree.root_id)}
        missing = [n for n in dict.fromkeys(names) if n not in have]
        if missing:
            async with self.database.session() as session:
                for name in missing:
                    session.add(Department(committee_id=tree.root_id, name=name[:32]))
            self.roles.forget()
        return len(missing)

    # ---- chat -------------------------------------------------------------------------------------------------
    async def visible_committee(self, actor: Actor, name: str | None) -> Node:
        """The committee `/组织 [名称]` shows: the named one inside the actor's scope, else the top of it."""
        tree = await self.tree()
        scope = await self.roles.scope(actor)
        if name:
            node = tree.by_name(name)
            if node is None or not scope.sees_committee(node.id):
                raise NotFound(texts.NOT_IN_TREE.format(name=name[:30]))
            return node
        if scope.everything:
            return tree.root
        if not scope.top:
            raise PermissionDenied(texts.NO_SCOPE)
        return tree.committees[scope.top[0]]

    async def member_counts(self) -> dict[int, int]:
        """How many members each committee has (explicit rows; superusers are the root's without one)."""
        async with self.database.reading() as session:
            rows = (await session.execute(select(CommitteeMember.committee_id))).scalars().all()
        counts: dict[int, int] = {}
        for committee_id in rows:
            counts[committee_id] = counts.get(committee_id, 0) + 1
        return counts

    async def attach(self, actor: Actor, branch_name: str, committee_name: str) -> tuple[Branch, Node, bool]:
        """Place a branch under a committee (superusers; a committee's member inside their subtree, for a branch of
        it); returns the branch, the committee and whether it moved."""
        tree = await self.tree()
        scope = await self.roles.scope(actor)
        node = tree.by_name(committee_name)
        if node is None or not scope.sees_committee(node.id):
            raise NotFound(texts.NOT_IN_TREE.format(name=committee_name[:30]))
        async with self.database.session() as session:
            branch = await session.scalar(select(Branch).where(Branch.name == branch_name))
            if branch is None:
                raise NotFound(texts.NO_SUCH_BRANCH.format(name=branch_name[:30]))
            if not scope.sees_branch(branch.id):
                raise PermissionDenied(texts.NOT_YOURS.format(name=branch.name))
            moved = branch.committee_id != node.id
            branch.committee_id = node.id
        self.roles.forget()
        return branch, node, moved

    async def _may_name(self, actor: Actor, committee_name: str) -> Node:
        """The committee whose members the actor may change: a superuser (or the root's member) any; a committee's
        member only those below their own."""
        tree = await self.tree()
        scope = await self.roles.scope(actor)
        node = tree.by_name(committee_name)
        if node is None or not scope.sees_committee(node.id):
            raise NotFound(texts.NOT_IN_TREE.format(name=committee_name[:30]))
        if not scope.everything and node.id in scope.top:
            raise PermissionDenied(texts.MEMBERS_ONLY_ABOVE.format(committee=node.name))
        return node

    async def add_member(self, actor: Actor, committee_name: str, target_key: str, display_name: str) -> Node:
        """Name a committee's member; Conflict when they already are one."""
        node = await self._may_name(actor, committee_name)
        async with self.database.session() as session:
            exists = await session.scalar(
                select(CommitteeMember.id).where(
                    CommitteeMember.committee_id == node.id, CommitteeMember.user_key == target_key
                )
            )
            if exists is not None:
                raise Conflict(texts.MEMBER_ALREADY.format(name=display_name, committee=node.name))
            session.add(
                CommitteeMember(
                    committee_id=node.id,
                    user_key=target_key,
                    display_name=display_name[:64],
                    appointed_by=actor.key,
                    appointed_at=clock.now(),
                    group_id=actor.group_id,
                )
            )
        self.roles.forget()
        return node

    async def remove_member(self, actor: Actor, committee_name: str, target_key: str) -> tuple[Node, bool]:
        """Remove a committee's member: their role proof and web sessions end at once."""
        node = await self._may_name(actor, committee_name)
        async with self.database.session() as session:
            result = await session.execute(
                delete(CommitteeMember).where(
                    CommitteeMember.committee_id == node.id, CommitteeMember.user_key == target_key
                )
            )
        self.roles.forget()
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self.roles.revoked(target_key, "role")
        return node, removed


def build(services: Services) -> OrgService:
    """The organization service of a process; at start-up the DEPARTMENTS setting's names join the root's meeting."""
    service = OrgService(services.database, services.roles)

    async def departments() -> None:
        await service.ensure_departments(services.settings.departments)

    services.startup.append(departments)
    return service

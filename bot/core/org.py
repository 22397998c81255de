"""The organization: committees (行业党委) at 省, 市 and 县 level as one tree, the branches under them, and the
departments of each committee's joint meeting (联席会议).

The tree is small (a province: ~105 committees, ~209 branches, ~1,000 departments), read whole into memory and kept
for a short while like the roles (`Org.tree()`); "the branches of this subtree" is then a set lookup, and in SQL one
range on `committee.path` (`subtree_range`). A deployment without a tree has only the root (made by the migration):
every branch with no committee sits under it, and the superusers are its members implicitly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from .db import Database
from .models import Branch, Committee, Department

PROVINCE, CITY, COUNTY = "省", "市", "县"
LEVELS = (PROVINCE, CITY, COUNTY)  # from the top down
BRANCH_LEVEL = "支部"
_CACHE_SECONDS = 30.0


def subtree_range(path: str) -> tuple[str, str]:
    """The [low, high) bounds of the paths in a subtree: `/1/5/` … `/1/50` ('0' follows '/'), an indexed range."""
    return path, path[:-1] + "0"


@dataclass(frozen=True, slots=True)
class Node:
    """A committee as the tree holds it."""

    id: int
    name: str
    level: str
    parent_id: int | None
    code: str | None
    path: str

    @property
    def depth(self) -> int:
        """0 for the root."""
        return self.path.count("/") - 2


@dataclass(frozen=True, slots=True)
class Dept:
    """A department of a committee's joint meeting."""

    id: int
    committee_id: int
    name: str


@dataclass
class Tree:
    """A snapshot of the organization."""

    committees: dict[int, Node]
    root_id: int
    branch_committee: dict[int, int]  # every branch → its committee (the root when it has none)
    branch_names: dict[int, str]
    active_branches: frozenset[int]
    departments: dict[int, Dept]
    _children: dict[int, list[int]] = field(default_factory=dict)
    _branches_of: dict[int, list[int]] = field(default_factory=dict)
    _departments_of: dict[int, list[int]] = field(default_factory=dict)
    _subtrees: dict[int, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.committees.values():
            if node.parent_id is not None:
                self._children.setdefault(node.parent_id, []).append(node.id)
        for branch_id, committee_id in self.branch_committee.items():
            self._branches_of.setdefault(committee_id, []).append(branch_id)
        for dept in self.departments.values():
            self._departments_of.setdefault(dept.committee_id, []).append(dept.id)

    @property
    def root(self) -> Node:
        """The top of the tree (the province, or the deployment's only committee)."""
        return self.committees[self.root_id]

    def by_name(self, name: str) -> Node | None:
        """A committee by its exact name."""
        return next((node for node in self.committees.values() if node.name == name), None)

    def children(self, committee_id: int) -> list[Node]:
        """The committees right under one, by name."""
        return sorted((self.committees[i] for i in self._children.get(committee_id, [])), key=lambda n: n.name)

    def direct_branches(self, committee_id: int) -> list[int]:
        """The branches right under a committee."""
        return sorted(self._branches_of.get(committee_id, []))

    def subtree(self, committee_id: int) -> frozenset[int]:
        """A committee and every committee below it (by path prefix, kept once computed)."""
        found = self._subtrees.get(committee_id)
        if found is None:
            low, high = subtree_range(self.committees[committee_id].path)
            found = frozenset(n.id for n in self.committees.values() if low <= n.path < high)
            self._subtrees[committee_id] = found
        return found

    def branches_under(self, committee_ids: frozenset[int]) -> frozenset[int]:
        """The branches whose committee is one of these."""
        return frozenset(b for c in committee_ids for b in self._branches_of.get(c, []))

    def committee_of(self, branch_id: int) -> Node:
        """A branch's committee (the root when it was never placed)."""
        return self.committees[self.branch_committee.get(branch_id, self.root_id)]

    def chain(self, committee_id: int) -> list[Node]:
        """A committee and those above it, up to the root."""
        nodes, current = [], self.committees.get(committee_id)
        while current is not None:
            nodes.append(current)
            current = self.committees.get(current.parent_id) if current.parent_id is not None else None
        return nodes

    def above(self, committee_id: int) -> Node | None:
        """The committee one level up, or None at the root."""
        parent = self.committees[committee_id].parent_id
        return self.committees[parent] if parent is not None else None

    def departments_of(self, committee_id: int) -> list[Dept]:
        """A committee's joint meeting, by name."""
        return sorted((self.departments[i] for i in self._departments_of.get(committee_id, [])), key=lambda d: d.name)

    def department_named(self, text: str, order: list[int]) -> Dept | None:
        """A department by name among the joint meetings of `order` (committee ids, the nearest first), or qualified
        by its committee's name as `<行业党委>·<部门>` (also / or ：) when that committee is in `order`."""
        text = text.strip()
        for separator in ("·", "/", "：", ":"):
            if separator in text:
                owner, _, name = text.rpartition(separator)
                node = self.by_name(owner.strip())
                if node is None or node.id not in order:
                    return None
                return next((d for d in self.departments_of(node.id) if d.name == name.strip()), None)
        for committee_id in order:
            found = next((d for d in self.departments_of(committee_id) if d.name == text), None)
            if found is not None:
                return found
        return None

    def shown(self, dept: Dept) -> str:
        """A department as people read it beyond its own committee: 乌当区道路货运行业党委·公安交管."""
        return f"{self.committees[dept.committee_id].name}·{dept.name}"

    def label(self, dept: Dept) -> str:
        """A department as the trail and notices name it: the root's by its name (the flat list of before), any other
        with its committee (`shown`)."""
        return dept.name if dept.committee_id == self.root_id else self.shown(dept)

    def child_of(self, ancestor_id: int, committee_id: int) -> int | None:
        """Which child of `ancestor_id` a committee lies under (itself when it is one); None when it is the ancestor
        itself or outside its subtree."""
        for node in self.chain(committee_id):
            if node.parent_id == ancestor_id:
                return node.id
        return None

    def unit_of(self, node_id: int, branch_id: int) -> str:
        """The unit right below a committee that a branch of its subtree counts in: the child committee it lies under,
        or the branch itself when it sits right under the committee."""
        own = self.committee_of(branch_id)
        if own.id == node_id:
            return self.branch_names.get(branch_id, "")
        child = self.child_of(node_id, own.id)
        return self.committees[child].name if child is not None else self.branch_names.get(branch_id, "")


class Org:
    """The tree, read from the database and kept for `_CACHE_SECONDS` (another process may change it)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._tree: Tree | None = None
        self._loaded_at = -_CACHE_SECONDS

    def forget(self) -> None:
        """Read the tree again at the next use (after a change here)."""
        self._loaded_at = -_CACHE_SECONDS

    async def tree(self) -> Tree:
        """The organization now (from memory when read within the last seconds)."""
        if self._tree is not None and time.monotonic() - self._loaded_at < _CACHE_SECONDS:
            return self._tree
        async with self.database.reading() as session:
            committees = {
                row.id: Node(row.id, row.name, row.level, row.parent_id, row.code, row.path)
                for row in (await session.scalars(select(Committee))).all()
            }
            branches = (await session.execute(select(Branch.id, Branch.name, Branch.committee_id, Branch.active))).all()
            departments = {
                row.id: Dept(row.id, row.committee_id, row.name)
                for row in (await session.scalars(select(Department))).all()
            }
        root_id = min(n.id for n in committees.values() if n.parent_id is None)
        self._tree = Tree(
            committees,
            root_id,
            {b.id: b.committee_id if b.committee_id in committees else root_id for b in branches},
            {b.id: b.name for b in branches},
            frozenset(b.id for b in branches if b.active),
            departments,
        )
        self._loaded_at = time.monotonic()
        return self._tree

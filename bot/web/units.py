"""Units: what the web view ranks, filters by and drills into: the committees of the organization (a city, a county)
and the branches, under the top of what a viewer sees (the province for the top, their committee for a committee's
member, their branches for a secretary).

A unit is named by a key (`branch:12`, `committee:5`), `children` gives what the overview lists under a unit (the
committees right below it, and the branches right under it: province → city → county → branch), and `branch_ids`
what a unit covers — every query filters appeals and participation by branch ids, so a county is just a larger set
of them. Which units a viewer may open is the one scope rule (bot/core/scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import or_, select

from bot.core import org
from bot.core.models import Branch
from bot.core.org import Node, Tree
from bot.core.scope import Scope
from bot.features.appeals.models import Appeal
from bot.services import Services

from . import texts

BRANCH = "branch"
COMMITTEE = "committee"
ROOT = "province"
BRANCH_LEVEL = org.BRANCH_LEVEL  # the level below the committees' (the lag ranking's choice of level)


@dataclass(frozen=True)
class Unit:
    """A unit a viewer may see: the root (their whole scope) or a branch."""

    kind: str
    id: int | None
    name: str
    branch_ids: frozenset[int]
    node: int | None = None  # the committee a committee's unit (or a committee member's root) stands for
    level: str = ""  # 省/市/县 for a committee, 支部 for a branch
    subtree: frozenset[int] = frozenset()  # a committee's unit: the committees of its subtree
    every_branch: frozenset[int] = frozenset()  # a committee's unit: its branches, the inactive ones too

    def appeal_condition(self) -> Any:
        """SQL: the appeals of the unit, as the appeals service's `subtree` and the scope rule count them — its
        branches' (an inactive branch's history too), and those held or entered at a committee of its subtree."""
        if self.kind == BRANCH:
            return Appeal.branch_id.in_(sorted(self.branch_ids))
        if not self.subtree:
            return Appeal.branch_id.in_(sorted(self.branch_ids))
        return or_(Appeal.branch_id.in_(sorted(self.every_branch)), Appeal.committee_id.in_(sorted(self.subtree)))

    @property
    def key(self) -> str:
        """The unit's name in query parameters: `branch:12`; the root is the empty key."""
        return "" if self.kind == ROOT else f"{self.kind}:{self.id}"


@lru_cache(maxsize=4096)
def pinyin_key(name: str) -> tuple[str, ...]:
    """Sort key: the name's pinyin (六盘水 after 安顺, not before every name by code point), then the name."""
    return (*lazy_pinyin(name, style=Style.TONE3), name)


def region_key(node: Node) -> tuple[int, str, tuple[str, ...]]:
    """Sort key of committees: in region order by their administrative code (贵阳 520100 before 六盘水 520200, as the
    province's own lists run), those without a code after them in pinyin order."""
    return (0 if node.code else 1, node.code or "", pinyin_key(node.name))


async def branches(services: Services, visible: frozenset[int] | None) -> list[Unit]:
    """The active branches a viewer sees (None: all), in pinyin order."""
    async with services.database.reading() as session:
        query = select(Branch.id, Branch.name).where(Branch.active)
        if visible is not None:
            query = query.where(Branch.id.in_(visible))
        rows = (await session.execute(query)).all()
    units = [Unit(BRANCH, row.id, row.name, frozenset({row.id}), None, BRANCH_LEVEL) for row in rows]
    return sorted(units, key=lambda unit: pinyin_key(unit.name))


async def committees(services: Services, scope: Scope) -> list[Unit]:
    """Every committee a viewer may open (the top: all; a committee's member: their subtrees), each covering the
    active branches of its subtree."""
    if not scope.committee_member:
        return []
    tree = await services.roles.org.tree()
    ids = tree.committees if scope.everything else scope.committees
    nodes = sorted((tree.committees[i] for i in ids if i in tree.committees), key=region_key)
    return [committee_unit(tree, node) for node in nodes]


def committee_unit(tree: Tree, node: Node) -> Unit:
    """A committee as a unit: its name and the active branches below it."""
    subtree = tree.subtree(node.id)
    every = tree.branches_under(subtree)
    return Unit(COMMITTEE, node.id, node.name, every & tree.active_branches, node.id, node.level, subtree, every)


def branch_unit(tree: Tree, branch_id: int) -> Unit:
    """A branch as a unit."""
    return Unit(BRANCH, branch_id, tree.branch_names[branch_id], frozenset({branch_id}), None, BRANCH_LEVEL)


async def children(services: Services, scope: Scope, at: Unit | None) -> tuple[Unit, list[Unit]] | None:
    """For a committee's view: the unit drilled into (default: the top of the viewer's scope) and what lies right
    below it — its child committees, then its own branches, each in pinyin order. None when the viewer sees no
    committee (a secretary: their branches, `branches`)."""
    if not scope.committee_member:
        return None
    tree = await services.roles.org.tree()
    if at is not None and at.kind == COMMITTEE and at.id is not None:
        node = tree.committees[at.id]
    else:
        node = tree.root if scope.everything else tree.committees[scope.top[0]]
    below = [committee_unit(tree, c) for c in sorted(tree.children(node.id), key=region_key)]
    own = [b for b in tree.direct_branches(node.id) if b in tree.active_branches]
    direct = sorted((branch_unit(tree, b) for b in own), key=lambda u: pinyin_key(u.name))
    here = committee_unit(tree, node)
    name = texts.PROVINCE if node.id == tree.root_id else node.name
    top = replace(here, kind=ROOT, id=None, name=name) if node.id in (tree.root_id, *scope.top) else here
    return top, [*below, *direct]


def root(children: list[Unit], committee: bool) -> Unit:
    """The top of what a viewer sees: the province for the committee, their branches for a secretary."""
    covered = frozenset().union(*(unit.branch_ids for unit in children)) if children else frozenset()
    return Unit(ROOT, None, texts.PROVINCE if committee else texts.MY_BRANCHES, covered)


def find(units: list[Unit], key: str) -> Unit | None:
    """The unit named by a key among those a viewer sees; None for anything else (no hint it exists)."""
    return next((unit for unit in units if unit.key == key), None) if key else None

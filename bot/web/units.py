"""Units: what the web view ranks, filters by and drills into: the committees of the organization (a city, a county)
and the branches, under the top of what a viewer sees (the province for the top, their committee for a committee's
member, their branches for a secretary).

A unit is named by a key (`branch:12`, `committee:5`), `children` gives what the overview lists under a unit (the
committees right below it, and the branches right under it: province → city → county → branch), and `branch_ids`
what a unit covers — every query filters appeals and participation by branch ids, so a county is just a larger set
of them. Which units a viewer may open is the one scope rule (bot/core/scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from bot.core.models import Branch
from bot.core.org import Node, Tree
from bot.core.scope import Scope
from bot.services import Services

from . import texts

BRANCH = "branch"
COMMITTEE = "committee"
ROOT = "province"


@dataclass(frozen=True)
class Unit:
    """A unit a viewer may see: the root (their whole scope) or a branch."""

    kind: str
    id: int | None
    name: str
    branch_ids: frozenset[int]

    @property
    def key(self) -> str:
        """The unit's name in query parameters: `branch:12`; the root is the empty key."""
        return "" if self.kind == ROOT else f"{self.kind}:{self.id}"


@lru_cache(maxsize=4096)
def pinyin_key(name: str) -> tuple[str, ...]:
    """Sort key: the name's pinyin (六盘水 after 安顺, not before every name by code point), then the name."""
    return (*lazy_pinyin(name, style=Style.TONE3), name)


async def branches(services: Services, visible: frozenset[int] | None) -> list[Unit]:
    """The active branches a viewer sees (None: all), in pinyin order."""
    async with services.database.reading() as session:
        query = select(Branch.id, Branch.name).where(Branch.active)
        if visible is not None:
            query = query.where(Branch.id.in_(visible))
        rows = (await session.execute(query)).all()
    units = [Unit(BRANCH, row.id, row.name, frozenset({row.id})) for row in rows]
    return sorted(units, key=lambda unit: pinyin_key(unit.name))


async def committees(services: Services, scope: Scope) -> list[Unit]:
    """Every committee a viewer may open (the top: all; a committee's member: their subtrees), each covering the
    active branches of its subtree."""
    if not scope.committee_member:
        return []
    tree = await services.roles.org.tree()
    ids = tree.committees if scope.everything else scope.committees
    return [_committee_unit(tree, tree.committees[i]) for i in ids if i in tree.committees]


def _committee_unit(tree: Tree, node: Node) -> Unit:
    """A committee as a unit: its name and the active branches below it."""
    return Unit(COMMITTEE, node.id, node.name, tree.branches_under(tree.subtree(node.id)) & tree.active_branches)


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
    below = sorted((_committee_unit(tree, c) for c in tree.children(node.id)), key=lambda u: pinyin_key(u.name))
    own = [b for b in tree.direct_branches(node.id) if b in tree.active_branches]
    direct = sorted(
        (Unit(BRANCH, b, tree.branch_names[b], frozenset({b})) for b in own), key=lambda u: pinyin_key(u.name)
    )
    here = _committee_unit(tree, node)
    name = texts.PROVINCE if node.id == tree.root_id else node.name
    top = Unit(ROOT, None, name, here.branch_ids) if node.id in (tree.root_id, *scope.top) else here
    return top, [*below, *direct]


def root(children: list[Unit], committee: bool) -> Unit:
    """The top of what a viewer sees: the province for the committee, their branches for a secretary."""
    covered = frozenset().union(*(unit.branch_ids for unit in children)) if children else frozenset()
    return Unit(ROOT, None, texts.PROVINCE if committee else texts.MY_BRANCHES, covered)


def find(units: list[Unit], key: str) -> Unit | None:
    """The unit named by a key among those a viewer sees; None for anything else (no hint it exists)."""
    return next((unit for unit in units if unit.key == key), None) if key else None

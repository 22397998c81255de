"""Units: what the web view ranks, filters by and drills into. Today a unit is a branch (under the province, which is
everything a viewer may see); the organization tree adds cities and counties between them.

The seam for the tree: a unit is named by a key (`branch:12`; later `county:5`, `city:2`), `children` gives what
the overview lists under a unit, and `branch_ids` what a unit covers — every query filters appeals and
participation by branch ids, so a county is just a larger set of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from bot.core.models import Branch
from bot.services import Services

from . import texts

BRANCH = "branch"
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


def root(children: list[Unit], committee: bool) -> Unit:
    """The top of what a viewer sees: the province for the committee, their branches for a secretary."""
    covered = frozenset().union(*(unit.branch_ids for unit in children)) if children else frozenset()
    return Unit(ROOT, None, texts.PROVINCE if committee else texts.MY_BRANCHES, covered)


def find(units: list[Unit], key: str) -> Unit | None:
    """The unit named by a key among those a viewer sees; None for anything else (no hint it exists)."""
    return next((unit for unit in units if unit.key == key), None) if key else None

"""Shared content a branch added (a study material, a station), approved by a committee for its subtree.

A secretary's material or station is their branch's until reviewed. The top of the tree (a superuser, the root's
member) approves it for everyone (the item's own status); a committee below approves it for its branches: a row of
`content_share`, which makes it visible to every branch whose committee lies under that one (`shared_with`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from . import clock
from .models import Branch, Committee, ContentShare
from .org import Tree
from .scope import Scope

STUDY, STATION = "study", "station"


def shared_with(kind: str, branch_id: int, item: Any) -> Any:
    """SQL: items of `kind` a committee above this branch approved for its subtree (share path a prefix of the
    branch's committee's path)."""
    sharer, own = aliased(Committee), aliased(Committee)
    return item.in_(
        select(ContentShare.item_id)
        .join(sharer, sharer.id == ContentShare.committee_id)
        .join(own, own.path.like(sharer.path + "%"))
        .join(Branch, Branch.committee_id == own.id)
        .where(ContentShare.kind == kind, Branch.id == branch_id)
    )


async def share(session: AsyncSession, kind: str, item_id: int, committee_id: int, by: str) -> bool:
    """Approve an item for a committee's subtree; False when it already was."""
    exists = await session.scalar(
        select(ContentShare.id).where(
            ContentShare.kind == kind, ContentShare.item_id == item_id, ContentShare.committee_id == committee_id
        )
    )
    if exists is not None:
        return False
    session.add(
        ContentShare(kind=kind, item_id=item_id, committee_id=committee_id, approved_by=by, approved_at=clock.now())
    )
    return True


async def shares(session: AsyncSession, kind: str) -> dict[int, set[int]]:
    """Every item of a kind approved below the top, with the committees that approved it."""
    found: dict[int, set[int]] = {}
    rows = await session.execute(
        select(ContentShare.item_id, ContentShare.committee_id).where(ContentShare.kind == kind)
    )
    for item_id, committee_id in rows:
        found.setdefault(item_id, set()).add(committee_id)
    return found


def reviewer(scope: Scope) -> int | None:
    """The committee a reviewer approves for (None: the top, for everyone)."""
    return None if scope.everything else (scope.top[0] if scope.top else None)


def branches_seeing(tree: Tree, committees: set[int]) -> frozenset[int]:
    """The branches under any of these committees."""
    return tree.branches_under(frozenset().union(*(tree.subtree(c) for c in committees if c in tree.committees)))

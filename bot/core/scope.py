"""What a person may see: THE one rule, used by every scoped answer in chat and on the web.

- a superuser (SUPERUSERS), or a member of the root committee: everything;
- a member of a committee (行业党委 at 县/市/省): the branches of that committee's subtree, and the appeals that belong
  there (a branch's, or one held by or entered at a committee of the subtree) — nothing else;
- a secretary: their branches;
- a department handler: the appeals sent to their departments.

Someone holding several roles sees the union. `Roles.scope(actor)` gathers a person's roles and calls `resolve`;
services turn a Scope into SQL with `condition` (indexed `IN` lists of ids, never a walk of the tree per query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_

from .org import Tree


@dataclass(frozen=True)
class Scope:
    """The branches, committees and departments one person may see."""

    everything: bool
    top: tuple[int, ...] = ()  # the committees the person sits on (the tops of their subtrees)
    committees: frozenset[int] = frozenset()  # every committee in those subtrees
    branches: frozenset[int] = frozenset()  # every branch seen: the subtrees' and their own
    own: frozenset[int] = frozenset()  # the branches they run as secretary
    departments: frozenset[int] = frozenset()  # the departments they handle

    @property
    def empty(self) -> bool:
        """Whether the person sees nothing beyond their own things."""
        return not (self.everything or self.branches or self.committees or self.departments)

    @property
    def committee_member(self) -> bool:
        """Whether the person sees as a committee does (a subtree, or everything)."""
        return self.everything or bool(self.top)

    def sees_branch(self, branch_id: int | None) -> bool:
        """Whether a branch's figures, lists and members are the person's to see."""
        return self.everything or (branch_id is not None and branch_id in self.branches)

    def sees_committee(self, committee_id: int) -> bool:
        """Whether a committee lies in the person's subtrees."""
        return self.everything or committee_id in self.committees

    def branch_condition(self, column: Any) -> Any:
        """SQL: rows of the branches in scope (None: no condition, everything)."""
        if self.everything:
            return None
        return column.in_(sorted(self.branches)) if self.branches else false()

    def condition(self, branch: Any, committee: Any = None, department: Any = None) -> Any:
        """SQL: rows (appeals) in scope by their branch, the committee holding or entering them, and the department
        they were sent to (None: no condition, everything)."""
        if self.everything:
            return None
        parts = []
        if self.branches:
            parts.append(branch.in_(sorted(self.branches)))
        if committee is not None and self.committees:
            parts.append(committee.in_(sorted(self.committees)))
        if department is not None and self.departments:
            parts.append(department.in_(sorted(self.departments)))
        if not parts:
            return false()
        return parts[0] if len(parts) == 1 else or_(*parts)


EVERYTHING = Scope(everything=True)


def resolve(
    tree: Tree, *, superuser: bool, committees: frozenset[int], own: frozenset[int], departments: frozenset[int]
) -> Scope:
    """The rule: superusers and the root's members see everything; a committee member its subtrees' branches and
    committees; a secretary their branches; a handler their departments' appeals."""
    if superuser or tree.root_id in committees:
        return EVERYTHING
    top = tuple(sorted(c for c in committees if c in tree.committees))
    below = frozenset().union(*(tree.subtree(c) for c in top)) if top else frozenset()
    return Scope(False, top, below, tree.branches_under(below) | own, own, departments)

"""What of a member's contact data the web view shows in full: the one place that decides it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Viewer


def full_numbers(viewer: Viewer, branch_id: int, asked: bool) -> bool:
    """Whether phone and plate numbers of a branch's members show (or export) in full: only when asked for, and only
    to someone who sees the branch; every such view or export is written to the access log by the caller."""
    return asked and viewer.sees_branch(branch_id)

"""What of a member's contact data the web view shows in full: the one place that decides it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Viewer


def may_see_full_numbers(viewer: Viewer, branch_id: int) -> bool:
    """Whether someone may ask for a branch's members' phone and plate numbers in full: the branch's own secretary
    (PRODUCT.md: the person and their secretary); the committee sees them masked."""
    return viewer.runs(branch_id)


def full_numbers(viewer: Viewer, branch_id: int, asked: bool) -> bool:
    """Whether phone and plate numbers show (or export) in full: asked for, by someone who may; every such view or
    export is written to the access log by the caller."""
    return asked and may_see_full_numbers(viewer, branch_id)

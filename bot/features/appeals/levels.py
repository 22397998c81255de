"""Where an appeal stands in the organization: who holds it (its branch, or a committee at 县/市/省), the level above
that supervises it (督办), the joint meetings it may be sent to, and who hears about it at each level.

`/上报` moves an appeal one level up: branch → the branch's committee (its county, or its city) → city → province.
The holder's level runs its own limits from when it got the appeal (`held_since`; `TimeLimits.at`). 小事不出县: an
appeal closed while a branch or a county committee (or a county's department) held it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.org import BRANCH_LEVEL, COUNTY, Dept, Node, Tree

from . import rules, texts
from .models import Appeal

if TYPE_CHECKING:
    from .reading import AppealReading

GROUP, PRIVATE = "群聊", "私聊"
ENTERED = ("12328专线", "12345热线", "司机之家意见箱")  # channels a secretary, handler or committee member enters
CHANNELS = (GROUP, PRIVATE, *ENTERED)
COUNTY_OR_BELOW = (BRANCH_LEVEL, COUNTY)


def held_by_branch(appeal: Appeal) -> bool:
    """Whether the appeal's branch holds it (no committee took it up)."""
    return appeal.committee_id is None and appeal.branch_id is not None


def home(tree: Tree, appeal: Appeal) -> Node:
    """The committee an appeal starts its climb from: the holder, else its branch's committee, else the root."""
    if appeal.committee_id is not None and appeal.committee_id in tree.committees:
        return tree.committees[appeal.committee_id]
    if appeal.branch_id is not None:
        return tree.committee_of(appeal.branch_id)
    return tree.root


def next_holder(tree: Tree, appeal: Appeal) -> Node:
    """Who `/上报` hands the appeal to: the branch's committee, then each committee's parent; at the root a refusal."""
    if held_by_branch(appeal):
        return home(tree, appeal)
    above = tree.above(home(tree, appeal).id)
    if above is None:
        raise rules.TransitionError(texts.AT_THE_TOP.format(name=home(tree, appeal).name))
    return above


def department_order(tree: Tree, appeal: Appeal) -> list[int]:
    """The committees whose joint meetings `/转办` offers, the nearest first: the holder's (for a branch: its county),
    then each level above up to the province."""
    return [node.id for node in tree.chain(home(tree, appeal).id)]


def department_label(tree: Tree, dept: Dept) -> str:
    """A department as the trail and the notices name it: 公安交管 at the root, 乌当区…行业党委·公安交管 below it."""
    return tree.label(dept)


def closed_level(tree: Tree, appeal: Appeal) -> str:
    """The level an appeal is closed at: the joint meeting's level of the department holding it, else the holder's."""
    dept = tree.departments.get(appeal.department_id or 0)
    if appeal.state == rules.TRANSFERRED and dept is not None:
        return tree.committees[dept.committee_id].level
    return appeal.tier


def holder_label(tree: Tree, appeal: Appeal, limit: str | None = None) -> str:
    """Who holds an appeal now, as people read it: the department it was sent to (for the limits a department meets),
    支部书记 while its branch holds it, else the committee by name."""
    department_limit = limit is None or limit in ("反馈", "办理意见", "办结")
    if department_limit and appeal.state == rules.TRANSFERRED and appeal.department:
        dept = tree.departments.get(appeal.department_id or 0)
        shown = department_label(tree, dept) if dept is not None else appeal.department
        return texts.HOLDER_DEPARTMENT.format(department=shown)
    if held_by_branch(appeal):
        return texts.HOLDER_BRANCH
    return home(tree, appeal).name


def level_label(tree: Tree, appeal: Appeal) -> str:
    """The holder's level for a detail line: 支部, or 县级（name）…"""
    if held_by_branch(appeal):
        return BRANCH_LEVEL
    node = home(tree, appeal)
    return texts.LEVEL_NAMED.format(level=node.level, name=node.name)


async def committee_people(service: AppealReading, tree: Tree, node: Node, platform: str) -> list[str]:
    """Who speaks for a committee: its members; none named → the level above's; at the root also the superusers."""
    current: Node | None = node
    while current is not None:
        keys = [k for k in await service.roles.committee_members(current.id) if k.startswith(f"{platform}:")]
        if current.id == tree.root_id:
            return list(dict.fromkeys(keys + service.superuser_keys(platform)))
        if keys:
            return keys
        current = tree.above(current.id)
    return service.superuser_keys(platform)


async def holder_people(service: AppealReading, appeal: Appeal) -> list[str]:
    """The people holding an appeal at its level: its branch's secretaries, else its committee's people."""
    tree = await service.roles.org.tree()
    if held_by_branch(appeal):
        assert appeal.branch_id is not None
        keys = await service.roles.secretaries_of(appeal.branch_id)
        if keys:
            return keys
    return await committee_people(service, tree, home(tree, appeal), appeal.platform)


async def above_people(service: AppealReading, appeal: Appeal) -> tuple[list[str], str]:
    """The level above the holder (督办): its people and its name."""
    tree = await service.roles.org.tree()
    node = home(tree, appeal)
    if not held_by_branch(appeal):
        node = tree.above(node.id) or tree.root
    return await committee_people(service, tree, node, appeal.platform), node.name

"""The organization commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

from bot.core.commands import COMMITTEES, Call, Usage, Where, area, command

from . import texts
from .service import OrgService

ORG = area(texts.AREA, texts.AREA_DESCRIPTION, order=15, aliases=("行业党委", "组织树", "委员"))
SHOWN_BRANCHES = 20


def _service(call: Call) -> OrgService:
    return call.services.org


@command(
    "组织",
    "行业党委",
    roles=COMMITTEES,
    usage="/组织 [行业党委名称]",
    area=ORG,
    summary="本级行业党委：下级行业党委、直属支部、委员和联席会议部门",
    order=10,
)
async def show(call: Call) -> str:
    """/组织 [名称]: one committee of the asker's subtree with the units right below it."""
    org = _service(call)
    node = await org.visible_committee(call.actor, call.arg.strip() or None)
    tree = await org.tree()
    members = await org.member_counts()
    below = tree.branches_under(tree.subtree(node.id))
    direct = tree.direct_branches(node.id)
    lines = [
        texts.TREE_HEAD.format(
            name=node.name,
            level=texts.LEVEL_NAMES.get(node.level, node.level),
            members=members.get(node.id, 0),
            branches=len(below),
            direct=len(direct),
        )
    ]
    departments = tree.departments_of(node.id)
    if departments:
        lines.append(texts.TREE_DEPARTMENTS.format(departments="、".join(d.name for d in departments)))
    else:
        lines.append(texts.TREE_NO_DEPARTMENTS)
    for child in tree.children(node.id):
        lines.append(
            texts.TREE_CHILD.format(
                name=child.name,
                level=texts.LEVEL_NAMES.get(child.level, child.level),
                branches=len(tree.branches_under(tree.subtree(child.id))),
                members=members.get(child.id, 0),
            )
        )
    for branch_id in direct[:SHOWN_BRANCHES]:
        state = "" if branch_id in tree.active_branches else texts.TREE_BRANCH_CLOSED
        lines.append(texts.TREE_BRANCH.format(name=tree.branch_names[branch_id], state=state))
    if len(direct) > SHOWN_BRANCHES:
        lines.append(texts.TREE_MORE_BRANCHES.format(count=len(direct) - SHOWN_BRANCHES))
    lines.append(texts.TREE_FOOT)
    return "\n".join(lines)


@command(
    "组织 隶属",
    "组织 挂靠",
    "组织 归属",
    roles=COMMITTEES,
    usage="/组织 隶属 <支部名称> <行业党委名称>",
    area=ORG,
    summary="把支部划归某个行业党委（超级管理员，或上级行业党委在其范围内）",
    order=11,
)
async def attach(call: Call) -> str:
    """/组织 隶属 <支部> <行业党委>."""
    words = call.words
    if len(words) != 2:
        raise Usage(texts.ATTACH_USAGE)
    branch, node, moved = await _service(call).attach(call.actor, words[0], words[1])
    return (texts.ATTACHED if moved else texts.ATTACH_ALREADY).format(branch=branch.name, committee=node.name)


async def _member_target(call: Call, verb: str) -> tuple[str, str, str]:
    """(person key, shown name, committee name) of /委员 添加|移除 @某人 <行业党委>."""
    words = call.words
    if len(call.mentions) != 1 or len(words) != 1:
        raise Usage(texts.MEMBER_USAGE.format(verb=verb))
    key = f"{call.actor.platform}:{call.mentions[0]}"
    name = await call.services.branch.display_name(call.branch, key)
    return key, name, words[0]


@command(
    "委员 添加",
    "委员 任命",
    roles=COMMITTEES,
    usage="/委员 添加 @某人 <行业党委名称>",
    area=ORG,
    summary="任命行业党委委员：可查看该级下辖全部支部（超级管理员或上级行业党委）",
    where=Where.GROUP,
    order=20,
)
async def add_member(call: Call) -> str:
    """/委员 添加 @某人 <行业党委>."""
    key, name, committee = await _member_target(call, "添加")
    node = await _service(call).add_member(call.actor, committee, key, name)
    return texts.MEMBER_ADDED.format(name=name, committee=node.name)


@command(
    "委员 移除",
    "委员 免去",
    roles=COMMITTEES,
    usage="/委员 移除 @某人 <行业党委名称>",
    area=ORG,
    summary="免去行业党委委员（其网页后台登录随即结束）",
    where=Where.GROUP,
    order=21,
)
async def remove_member(call: Call) -> str:
    """/委员 移除 @某人 <行业党委>."""
    key, name, committee = await _member_target(call, "移除")
    node, removed = await _service(call).remove_member(call.actor, committee, key)
    return (texts.MEMBER_REMOVED if removed else texts.MEMBER_NOT).format(name=name, committee=node.name)

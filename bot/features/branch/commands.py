"""The branch and member commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

from bot.core.branches import PARTY_STATUSES
from bot.core.commands import (
    COMMITTEES,
    EVERYONE,
    HANDLERS,
    MANAGERS,
    OPENERS,
    SUPERUSERS,
    Call,
    Usage,
    Where,
    area,
    command,
)
from bot.core.conversation import Invalid
from bot.core.errors import Conflict, NotFound
from bot.core.members import FIELD_WORDS, parse_free_text, parse_name, parse_phone, parse_plate, parse_status
from bot.core.models import Branch

from . import flows, texts
from .binding import code_or_pending

BRANCH = area(texts.AREA_NAME, texts.AREA_DESCRIPTION, order=10, aliases=("成员", "登记", "档案"))
STATUS_USAGE = f"/认定 @某人 <{'|'.join(PARTY_STATUSES)}>"
PARSERS = {
    "name": parse_name,
    "phone": parse_phone,
    "plate": parse_plate,
    "hometown": parse_free_text("户籍地"),
    "route": parse_free_text("常跑路线"),
    "declared_status": parse_status,
}


def _here(call: Call) -> Branch:
    """The branch of the group the command came from."""
    if call.branch is None:
        raise NotFound(texts.NO_BRANCH_HERE)
    return call.branch


def _one_mention(call: Call, usage: str) -> str:
    """The key of exactly one @-mentioned person, or the usage line."""
    if len(call.mentions) != 1:
        raise Usage(texts.ONE_MENTION.format(usage=usage))
    return f"{call.actor.platform}:{call.mentions[0]}"


def _short(call: Call) -> None:
    if len(call.arg) > texts.MAX_ARG:
        raise Usage(texts.TOO_LONG.format(limit=texts.MAX_ARG))


# ---- 支部 ---------------------------------------------------------------------------------------------------
@command("支部", usage="/支部", area=BRANCH, summary="本支部名片：名称、书记、人数、推送时间、本月主题", order=10)
async def card(call: Call) -> str:
    """/支部: the card of this group's branch (in private chat: of the branches one belongs to or runs)."""
    if call.words:
        raise Usage()
    if call.actor.is_private:
        mine = {b.id: b for b in await call.services.members.branches_of(call.actor.key)}
        mine.update({b.id: b for b in await call.services.roles.managed_branches(call.actor.key)})
        if not mine:
            raise NotFound(texts.NO_BRANCH_KNOWN)
        branch_service = call.services.branch
        return "\n\n".join([await branch_service.card_text(b) for b in mine.values()])
    return await call.services.branch.card_text(_here(call))


@command(
    "支部 开通",
    roles=OPENERS,
    usage="/支部 开通 <支部名称>",
    area=BRANCH,
    summary="把本群开通为支部（群主开通时行业党委会收到通知）",
    where=Where.GROUP,
    order=11,
)
async def open_branch(call: Call) -> str:
    """/支部 开通 <名称>."""
    _short(call)
    if not call.arg.strip():
        raise Usage()
    created = await call.services.branch.open(call.actor, call.arg.strip())
    return texts.OPENED.format(name=created.name, push_time=created.push_time)


@command(
    "支部 关闭",
    roles=SUPERUSERS,
    usage="/支部 关闭（在该群）或私聊 /支部 关闭 <支部名称>",
    area=BRANCH,
    summary="关闭一个支部（停止推送，档案保留）",
    order=12,
)
async def close_branch(call: Call) -> str:
    """/支部 关闭 in the group, or /支部 关闭 <名称> anywhere."""
    _short(call)
    branch_service = call.services.branch
    name = call.arg.strip()
    if name:
        branch = await branch_service.by_name(name)
    elif call.branch is not None:
        branch = call.branch
    else:
        raise Usage(texts.CLOSE_WHICH)
    return await branch_service.close(branch)


# ---- 书记 ---------------------------------------------------------------------------------------------------
@command(
    "书记 设置",
    roles=OPENERS,
    usage="/书记 设置 @某人",
    area=BRANCH,
    summary="设置本支部书记",
    where=Where.GROUP,
    order=20,
)
async def set_secretary(call: Call) -> str:
    """/书记 设置 @某人."""
    branch = _here(call)
    key = _one_mention(call, "/书记 设置 @某人")
    name = await call.services.branch.display_name(branch, key)
    added = await call.services.roles.set_secretary(call.actor, branch, key, name)
    return (texts.SECRETARY_SET if added else texts.SECRETARY_ALREADY).format(name=name, branch=branch.name)


@command(
    "书记 移除",
    roles=OPENERS,
    usage="/书记 移除 @某人",
    area=BRANCH,
    summary="移除本支部书记",
    where=Where.GROUP,
    order=21,
)
async def remove_secretary(call: Call) -> str:
    """/书记 移除 @某人."""
    branch = _here(call)
    key = _one_mention(call, "/书记 移除 @某人")
    name = await call.services.branch.display_name(branch, key)
    removed = await call.services.roles.remove_secretary(call.actor, branch, key)
    return (texts.SECRETARY_REMOVED if removed else texts.SECRETARY_NOT).format(name=name)


# ---- 部门 ---------------------------------------------------------------------------------------------------
@command(
    "部门",
    "承办部门",
    roles=HANDLERS,
    usage="/部门 [行业党委名称]",
    area=BRANCH,
    summary="联席会议的承办部门及各部门承办人（本级，或书记所在支部的县、市、省）",
    order=30,
)
async def departments(call: Call) -> str:
    """/部门 [行业党委]: each department of the joint meetings one deals with, with its handlers."""
    if len(call.words) > 1:
        raise Usage()
    return await call.services.branch.departments_text(call.actor, call.arg.strip() or None)


async def _department_usage(call: Call, verb: str) -> Usage:
    """The usage line with the departments the asker binds for (their own committee's)."""
    order = await call.services.roles.binding_order(call.actor)
    tree = await call.services.roles.org.tree()
    names = "、".join(d.name for d in tree.departments_of(order[0])) if order else ""
    return Usage(texts.DEPARTMENT_USAGE.format(verb=verb, departments=names))


async def _department_target(call: Call, verb: str) -> tuple[str, str, str]:
    """(person key, shown name, department) of /部门 绑定|解绑 @某人 <部门>."""
    words = call.words
    if len(call.mentions) != 1 or not words:
        raise await _department_usage(call, verb)
    key = f"{call.actor.platform}:{call.mentions[0]}"
    name = await call.services.branch.display_name(call.branch, key)
    return key, name, words[-1]


@command(
    "部门 绑定",
    roles=COMMITTEES,
    usage="/部门 绑定 @某人 <部门>",
    area=BRANCH,
    summary="把某人绑定为本级联席会议某部门的承办人（本级或上级行业党委）",
    order=31,
)
async def bind(call: Call) -> str:
    """/部门 绑定 @某人 <部门>."""
    key, name, department = await _department_target(call, "绑定")
    dept = await call.services.roles.bind_department(call.actor, key, department, name)
    tree = await call.services.roles.org.tree()
    return texts.DEPARTMENT_BOUND.format(name=name, department=tree.label(dept))


@command(
    "部门 解绑", roles=COMMITTEES, usage="/部门 解绑 @某人 <部门>", area=BRANCH, summary="解除承办部门绑定", order=32
)
async def unbind(call: Call) -> str:
    """/部门 解绑 @某人 <部门>."""
    key, name, department = await _department_target(call, "解绑")
    removed = await call.services.roles.unbind_department(call.actor, key, department)
    return (texts.DEPARTMENT_UNBOUND if removed else texts.DEPARTMENT_NOT_BOUND).format(
        name=name, department=department
    )


# ---- 登记 ---------------------------------------------------------------------------------------------------
@command(
    "登记",
    roles=EVERYONE,
    usage="/登记（群里只问姓名，其余私聊填写）· 私聊 /登记 [序号]",
    area=BRANCH,
    summary="登记个人信息（对话；手机号、车牌只在私聊里填写）",
    mention=True,
    order=40,
)
async def register(call: Call) -> str:
    """/登记: in a branch group the name, then private chat; in private chat for the branch one belongs to."""
    branch_service = call.services.branch
    actor = call.actor
    if not actor.is_private:
        branch = call.branch
        if branch is None or not branch.active:
            raise Conflict(texts.GROUP_NOT_OPEN)
        if not call.takes("private"):  # the official QQ bot cannot write first in private chat: all of it there
            return await _register_in_private(call)
        existing = await call.services.members.get(branch.id, actor.key)
        flow = flows.GROUP_UPDATE if existing is not None else flows.GROUP
        return await call.services.conversations.start(actor, flow, flows.initial(branch, existing))
    if not call.takes("private") and actor.person is None:
        return await code_or_pending(call)  # the official QQ bot: this private chat is nobody's yet
    branches = await branch_service.branches_to_register(actor)
    if not branches:
        raise NotFound(texts.NO_BRANCH_KNOWN)
    choices = "\n".join(f"{i}. {b.name}" for i, b in enumerate(branches, 1))
    chosen = call.arg.strip()
    if len(branches) > 1 and not chosen:
        return texts.ASK_BRANCH.format(choices=choices)
    if chosen:
        picked = [b for i, b in enumerate(branches, 1) if chosen in (str(i), b.name)]
        if not picked:
            return texts.BAD_BRANCH_CHOICE.format(choices=texts.ASK_BRANCH.format(choices=choices))
        branch = picked[0]
    else:
        branch = branches[0]
    existing = await call.services.members.get(branch.id, actor.key)
    flow = flows.PRIVATE_UPDATE if existing is not None else flows.PRIVATE
    return await call.services.conversations.start(actor, flow, flows.initial(branch, existing))


async def _register_in_private(call: Call) -> str:
    """/登记 in a group of the official QQ bot: where to go, binding first if this person's private chat is not
    joined to them here yet (and acting for this group from now on when it was bound to another group too)."""
    identities, actor = call.services.identities, call.actor
    private_id = await identities.private_chat_for(actor.platform, actor.user_id)
    if private_id is None:
        return texts.REGISTER_BIND_FIRST
    current = await identities.current_link(actor.platform, private_id)
    if current is not None and current.member_id != actor.user_id:
        await identities.make_current(actor.platform, actor.user_id)
        return texts.REGISTER_SWITCHED
    return texts.REGISTER_IN_PRIVATE


@command(
    "登记 修改",
    roles=EVERYONE,
    usage="/登记 修改 <姓名|手机|车牌|户籍地|路线|政治面貌> <新内容>",
    area=BRANCH,
    summary="改一项登记信息（其余和认定不变；手机、车牌请私聊）",
    order=41,
)
async def edit(call: Call) -> str:
    """/登记 修改 <字段> <值>."""
    _short(call)
    words = call.words
    field = FIELD_WORDS.get(words[0]) if words else None
    if field is None or len(words) < 2:
        raise Usage()
    if field in ("phone", "plate") and not call.actor.is_private:
        return texts.EDIT_PRIVATE_ONLY.format(field=words[0])
    try:
        value = PARSERS[field](" ".join(words[1:]))
    except Invalid as error:
        return str(error)
    branch = None if call.actor.is_private else _here(call)
    changed = await call.services.branch.edit(call.actor, branch, field, value)
    names = "、".join(f"「{b.name}」" for b in changed)
    if field == "declared_status":
        return texts.EDITED_STATUS.format(branches=names, value=value)
    return texts.EDITED.format(branches=names, field=texts.FIELD_NAMES[field], value=value)


# ---- 认定 / 档案 ---------------------------------------------------------------------------------------------
@command(
    "认定",
    roles=MANAGERS,
    usage=STATUS_USAGE,
    area=BRANCH,
    summary="认定成员政治面貌",
    where=Where.GROUP,
    order=50,
)
async def confirm(call: Call) -> str:
    """/认定 @某人 <党员|预备党员|积极分子|群众>."""
    branch = _here(call)
    key = _one_mention(call, STATUS_USAGE)
    words = call.words
    if not words or words[-1] not in PARTY_STATUSES:
        raise Usage()
    member = await call.services.members.confirm_status(call.actor, branch, key, words[-1])
    return texts.CONFIRMED.format(name=member.name, status=member.status)


@command(
    "档案",
    roles=EVERYONE,
    usage="/档案",
    staff_usage="/档案 @某人（在本支部群）· 私聊 /档案 <姓名>：查看成员档案（记录查看日志）",
    staff=MANAGERS,
    area=BRANCH,
    summary="查看自己的档案（私聊显示完整信息）",
    order=51,
)
async def profile(call: Call) -> str:
    """/档案 (own), /档案 @某人 in the branch's group, /档案 <姓名> in private chat (a secretary's branches)."""
    _short(call)
    branch_service = call.services.branch
    if call.actor.is_private:
        name = call.arg.strip()
        if name:
            views = await branch_service.records_named(call.actor, name)
        else:
            views = await branch_service.own_records(call.actor)
            if not views:
                raise NotFound(texts.PROFILE_NONE)
        return "\n\n".join([await branch_service.profile_with_summary(view) for view in views])
    if len(call.mentions) > 1:
        raise Usage(texts.PROFILE_ONE_AT_A_TIME)
    branch = _here(call)
    target = f"{call.actor.platform}:{call.mentions[0]}" if call.mentions else call.actor.key
    view = await branch_service.record_in(call.actor, branch, target)
    return await branch_service.profile_with_summary(view)


# ---- 欢迎 ---------------------------------------------------------------------------------------------------
@command(
    "欢迎 开启",
    roles=MANAGERS,
    usage="/欢迎 开启",
    area=BRANCH,
    summary="新成员入群时欢迎并介绍登记（默认开启）",
    where=Where.GROUP,
    order=60,
)
async def welcome_on(call: Call) -> str:
    """/欢迎 开启."""
    await call.services.branch.set_welcome(call.actor, _here(call), True)
    return texts.WELCOME_ON


@command(
    "欢迎 关闭", roles=MANAGERS, usage="/欢迎 关闭", area=BRANCH, summary="关闭新成员欢迎", where=Where.GROUP, order=61
)
async def welcome_off(call: Call) -> str:
    """/欢迎 关闭."""
    await call.services.branch.set_welcome(call.actor, _here(call), False)
    return texts.WELCOME_OFF

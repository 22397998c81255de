"""Thin handlers: parse the arguments, call a service, format the reply."""

from __future__ import annotations

from bot.chat import split_args
from bot.core.actor import Actor
from bot.core.branches import PARTY_STATUSES, Conflict
from bot.core.settings import get_settings
from bot.runtime import branches, conversations, members, profile_extras, roles

from .registration import REGISTRATION

MAX_ARG = 200


async def _display_name(branch_id: int, key: str, raw_id: str) -> str:
    """A registered name if there is one, else the account id."""
    return (await members.names(branch_id, [key])).get(key, f"用户{raw_id}")


def _one_mention(at: list[str], usage: str) -> str:
    """Exactly one @-mentioned person, or the usage line."""
    if len(at) != 1:
        raise Conflict(f"请 @ 一个人。用法：{usage}")
    return at[0]


async def branch(actor: Actor, arg: str, at: list[str]) -> str:
    """/支部 and /支部 开通 <名称>."""
    words = split_args(arg)
    if len(arg) > MAX_ARG:
        return f"参数太长了（最多 {MAX_ARG} 字）。"
    if words and words[0] == "开通":
        if len(words) < 2:
            return "用法：/支部 开通 <支部名称>"
        created = await branches.open(actor, " ".join(words[1:]))
        return f"已开通「{created.name}」。每天 {created.push_time} 推送学习内容。请行业党委发送 /书记 设置 @某人 指定书记。"
    if words:
        return "用法：/支部（查看名片）或 /支部 开通 <支部名称>"
    card = await branches.card(await branches.here(actor))
    lines = [
        f"【{card.name}】",
        f"书记：{'、'.join(card.secretaries) or '未设置'}",
        f"登记成员：{card.members} 人，其中党员司机 {card.member_drivers} 人",
        f"每日推送：{card.push_time}（{'开启' if card.push_enabled else '已关闭'}）",
        f"本月主题：{card.theme or '未设置'}",
    ]
    if not card.active:
        lines.append("（本支部已停用）")
    return "\n".join(lines)


async def secretary(actor: Actor, arg: str, at: list[str]) -> str:
    """/书记 设置|移除 @某人."""
    words = split_args(arg)
    usage = "/书记 设置 @某人 或 /书记 移除 @某人"
    if not words or words[0] not in ("设置", "移除"):
        return f"用法：{usage}"
    branch_ = await branches.here(actor)
    target = _one_mention(at, usage)
    key = f"{actor.platform}:{target}"
    name = await _display_name(branch_.id, key, target)
    if words[0] == "设置":
        added = await roles.set_secretary(actor, branch_, key, name)
        return f"已设置 {name} 为「{branch_.name}」书记。" if added else f"{name} 已经是本支部书记。"
    removed = await roles.remove_secretary(actor, branch_, key)
    return f"已移除 {name} 的书记身份。" if removed else f"{name} 不是本支部书记。"


async def department(actor: Actor, arg: str, at: list[str]) -> str:
    """/部门 绑定|解绑 @某人 <部门>, or /部门 to list."""
    words = split_args(arg)
    departments = get_settings().departments
    if not words:
        mine = await roles.departments_of(actor.key)
        lines = [f"承办部门：{'、'.join(departments)}"]
        if mine:
            lines.append(f"您绑定的部门：{'、'.join(mine)}")
        return "\n".join(lines)
    usage = "/部门 绑定 @某人 <部门> 或 /部门 解绑 @某人 <部门>"
    if words[0] not in ("绑定", "解绑") or len(words) < 2:
        return f"用法：{usage}\n可选部门：{'、'.join(departments)}"
    target = _one_mention(at, usage)
    department_name = words[-1]
    key = f"{actor.platform}:{target}"
    if words[0] == "绑定":
        branch_ = await branches.of_group(actor.platform, actor.group_id)
        name = await _display_name(branch_.id, key, target) if branch_ else f"用户{target}"
        added = await roles.bind_department(actor, key, department_name, name)
        return (
            f"已将 {name} 绑定为「{department_name}」承办人。" if added else f"{name} 已是「{department_name}」承办人。"
        )
    removed = await roles.unbind_department(actor, key, department_name)
    return "已解除绑定。" if removed else "对方没有绑定这个部门。"


async def register(actor: Actor, arg: str, at: list[str]) -> str:
    """/登记 starts the registration conversation."""
    return await conversations.start(actor, REGISTRATION)


async def confirm(actor: Actor, arg: str, at: list[str]) -> str:
    """/认定 @某人 <党员|预备党员|积极分子|群众>."""
    usage = f"/认定 @某人 <{'|'.join(PARTY_STATUSES)}>"
    words = split_args(arg)
    branch_ = await branches.here(actor)
    target = _one_mention(at, usage)
    if not words or words[-1] not in PARTY_STATUSES:
        return f"用法：{usage}"
    member = await members.confirm_status(actor, branch_, f"{actor.platform}:{target}", words[-1])
    return f"已认定 {member.name} 为{member.status}。"


async def profile(actor: Actor, arg: str, at: list[str]) -> str:
    """/档案 (own) or /档案 @某人 (secretary)."""
    if len(at) > 1:
        return "一次只能查看一个人的档案：/档案 @某人"
    branch_ = await branches.here(actor)
    target_key = f"{actor.platform}:{at[0]}" if at else actor.key
    record = await members.profile(actor, branch_, target_key)
    status = record.status or f"{record.declared_status}（待认定）"
    lines = [
        f"【档案】{record.name}（{record.branch}）",
        f"手机：{record.phone or '未填'}　车牌：{record.plate or '未填'}",
        f"户籍地：{record.hometown or '未填'}　常跑路线：{record.route or '未填'}",
        f"政治面貌：{status}　登记于 {record.registered}",
    ]
    if record.left:
        lines.append("（已离开本支部）")
    for extra in profile_extras:
        text = await extra(branch_.id, target_key)
        if text:
            lines.append(text)
    return "\n".join(lines)

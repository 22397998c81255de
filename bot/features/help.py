"""/帮助: what this person may do here, generated from the command declarations."""

from __future__ import annotations

from bot.core.commands import Call, Command, Role, area, command, may_use, registry

HELP = area("帮助", "查看可用的命令", order=90, aliases=("help",))
SHOWN_PER_AREA = 6


def _who(spec: Command) -> str:
    """`（书记/行业党委）` for commands not everyone may use."""
    if Role.DRIVER in spec.roles:
        return ""
    named = [role.value for role in Role if role in spec.roles and role is not Role.COMMITTEE]  # 行业党委 at any level
    return f"（{'/'.join(named)}）"


def render_help(held: frozenset[Role], wanted: str | None, capabilities: frozenset[str] = frozenset()) -> str:
    """The help text for a set of roles: every area in brief, or one area in full; either way only the commands
    (and the forms of a command) these roles may use."""
    visible = [
        s for s in registry.commands() if s.listed_for(capabilities) and (not s.loose or s.usage) and may_use(s, held)
    ]
    if wanted:
        chosen = [a for a in registry.areas.values() if wanted in (a.name, *a.aliases)]
        if not chosen:
            names = "、".join(a.name for a in sorted(registry.areas.values(), key=lambda a: a.order))
            return f"没有「{wanted}」这个功能。可选：{names}"
        info = chosen[0]
        lines = [f"【{info.name}】{info.description}"]
        lines += [f"{s.usage_for(held)} — {s.summary}{_who(s)}" for s in visible if s.area == info.name]
        return "\n".join(lines)
    lines = ["【红色方向盘】可用命令（/ 或 # 开头）："]
    for info in sorted(registry.areas.values(), key=lambda a: a.order):
        usable = [s for s in visible if s.area == info.name]
        if usable:
            more = "　…" if len(usable) > SHOWN_PER_AREA else ""
            lines.append(f"· {info.name}：" + "　".join(s.usage_for(held) for s in usable[:SHOWN_PER_AREA]) + more)
    lines.append("发送 /帮助 <功能> 查看某项功能的全部命令，例如 /帮助 诉求")
    return "\n".join(lines)


@command(
    "帮助", "help", "菜单", "功能", usage="/帮助 [功能]", area=HELP, summary="查看可用命令；加功能名看该功能的全部命令"
)
async def show_help(call: Call) -> str:
    """/帮助 [功能]."""
    words = call.words
    return render_help(call.roles, words[0] if words else None, call.capabilities)

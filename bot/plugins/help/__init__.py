"""/帮助: what this person may do here, built from every plugin's metadata."""

import nonebot
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata

from bot.chat import respond
from bot.commands import route
from bot.core.actor import Actor
from bot.runtime import branches, roles

__plugin_meta__ = PluginMetadata(
    name="帮助",
    description="查看可用的命令",
    usage="/帮助 · /帮助 <功能>",
    extra={"order": 90, "commands": [{"usage": "/帮助 [功能]", "desc": "查看可用命令；加功能名看该功能的全部命令", "roles": ["司机"]}]},
)



def _areas() -> list[PluginMetadata]:
    """Metadata of every loaded plugin that lists commands."""
    metas = [p.metadata for p in nonebot.get_loaded_plugins() if p.metadata and p.metadata.extra.get("commands")]
    return sorted(metas, key=lambda m: m.extra.get("order", 50))


def render_help(held: set[str], area: str | None) -> str:
    """The help text for a set of roles, for all areas or one."""
    areas = _areas()
    if area:
        chosen = [m for m in areas if m.name == area or area in m.extra.get("aliases", ())]
        if not chosen:
            return f"没有「{area}」这个功能。可选：{'、'.join(m.name for m in areas)}"
        meta = chosen[0]
        lines = [f"【{meta.name}】{meta.description}"]
        for command in meta.extra["commands"]:
            who = "" if "司机" in command["roles"] else f"（{'/'.join(command['roles'])}）"
            lines.append(f"{command['usage']} — {command['desc']}{who}")
        return "\n".join(lines)
    lines = ["【红色方向盘】可用命令（/ 或 # 开头）："]
    for meta in areas:
        usable = [c for c in meta.extra["commands"] if held & set(c["roles"])]
        if usable:
            more = "　…" if len(usable) > 6 else ""
            lines.append(f"· {meta.name}：" + "　".join(c["usage"] for c in usable[:6]) + more)
    lines.append("发送 /帮助 <功能> 查看某项功能的全部命令，例如 /帮助 诉求")
    return "\n".join(lines)


@route("帮助", "help", "菜单", "功能")
async def _help(bot: Bot, event: Event, actor: Actor, name: str, arg: str, at: list[str]) -> None:
    branch = await branches.of_group(actor.platform, actor.group_id)
    held = await roles.role_names(actor, branch)
    if actor.is_group_owner:
        held.add("群主")
    await respond(bot, event, render_help(held, arg.split()[0] if arg else None))

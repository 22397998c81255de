"""/后台: a one-time sign-in link to the web view, in private chat, for the committee, secretaries and departments."""

from __future__ import annotations

from bot.core.commands import Call, Role, Where, area, command

from .auth import Signer, load_secret
from .config import get_config

WEB = area("后台", "网页后台：概览、诉求看板、支部台账、驿站地图", order=85, aliases=("网页",))
ROLES = frozenset({Role.SUPERUSER, Role.SECRETARY, Role.DEPARTMENT})


def link_for(call: Call) -> str:
    """A fresh sign-in link for the caller."""
    config = get_config()
    signer = Signer(load_secret(config, call.services.settings.data_dir), config)
    token = signer.make_link_token(call.actor.key)
    return f"{config.base_url()}{config.prefix}/login?t={token}"


@command(
    "后台",
    "网页后台",
    roles=ROLES,
    usage="/后台",
    area=WEB,
    summary="私聊获取网页后台的一次性登录链接",
    where=Where.ANY,
)
async def web_link(call: Call) -> str:
    """Reply with a one-time link in private chat; in a group, ask to do it privately."""
    config = get_config()
    if not config.web_enabled:
        return "网页后台未开启。"
    if not call.actor.is_private:
        return "请私聊机器人发送 /后台 获取登录链接。"
    services = call.services
    key = call.actor.key
    if not (
        call.actor.is_superuser
        or await services.roles.managed_branches(key)
        or await services.roles.departments_of(key)
    ):
        return "网页后台只对行业党委、支部书记和承办部门开放。"
    minutes = config.web_link_minutes
    return f"网页后台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{link_for(call)}"

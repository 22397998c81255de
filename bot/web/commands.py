"""/后台: a one-time sign-in link to the web view, in private chat, for the committee, secretaries and departments;
/后台 退出全部 ends every session of the person."""

from __future__ import annotations

from bot.core.commands import Call, Role, Where, area, command

from . import texts
from .auth import Signer, load_secret
from .config import WebConfig, get_config

WEB = area(texts.AREA, texts.AREA_DESCRIPTION, order=85, aliases=("网页",))
ROLES = frozenset({Role.SUPERUSER, Role.COMMITTEE, Role.SECRETARY, Role.DEPARTMENT})


def link_for(call: Call, config: WebConfig, base: str) -> str:
    """A fresh sign-in link for the caller, naming the private chat that asked for it."""
    signer = Signer(load_secret(config, call.services.settings.data_dir), config)
    actor = call.actor
    token = signer.make_link_token(actor.key, private_chat=f"{actor.platform}:{actor.user_id}")
    return f"{base}{config.prefix}/login?t={token}"


@command("后台", "网页后台", roles=ROLES, usage="/后台", area=WEB, summary=texts.SUMMARY, where=Where.ANY)
async def web_link(call: Call) -> str:
    """Reply with a one-time link in private chat; in a group, ask to do it privately."""
    config = get_config()
    if not config.web_enabled:
        return texts.OFF
    if not call.actor.is_private:
        return texts.ASK_PRIVATELY
    services = call.services
    key = call.actor.key
    if (await services.roles.scope_of(key, call.actor.is_superuser)).empty:
        return texts.ROLES_ONLY
    base = config.base_url()
    if base is None:  # listening on 0.0.0.0 without WEB_BASE_URL: no address people could open
        return texts.NOT_CONFIGURED
    if not call.takes("link") and not config.registered(base):  # the platform would refuse or blank the message
        return texts.NO_LINKS_HERE
    return texts.LINK.format(minutes=config.web_link_minutes, url=link_for(call, config, base))


@command(
    "后台 退出全部",
    roles=ROLES,
    usage="/后台 退出全部",
    area=WEB,
    summary=texts.SIGN_OUT_ALL_SUMMARY,
    where=Where.ANY,
    order=51,
)
async def sign_out_everywhere(call: Call) -> str:
    """End every web session of the caller, on every device."""
    count = await call.services.web_sessions.end_person(call.actor.key, "signout")
    return texts.SIGNED_OUT_ALL.format(count=count) if count else texts.NONE_TO_SIGN_OUT

"""The committee's web view on the bot's own FastAPI app, and `/后台` for a sign-in link."""

import nonebot
from nonebot.plugin import PluginMetadata

from bot import platform, runtime
from bot.web import (
    commands,  # noqa: F401  (declares /后台)
    mount,
)

__plugin_meta__ = PluginMetadata(
    name="后台",
    description="行业党委、书记和承办部门的只读数据网页（一张数据网、一幅可视图）",
    usage="私聊发送 /后台",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    supported_adapters=platform.supported_adapters(),
)

mount(nonebot.get_app(), runtime.services)

"""The organization: /组织, /委员 — committees at three levels and the branches under them.

The commands are declared in `bot.features.org.commands`; this module makes them known to NoneBot.
"""

from nonebot.plugin import PluginMetadata

from bot import platform
from bot.features.org import commands  # noqa: F401

__plugin_meta__ = PluginMetadata(
    name="组织",
    description="行业党委（省、市、县三级）组织树：支部隶属、委员任免、联席会议部门",
    usage="/组织 · /组织 隶属 <支部> <行业党委> · /委员 添加|移除 @某人 <行业党委>",
    type="application",
    homepage="https://github.com/redwheel/redwheel",
    supported_adapters=platform.supported_adapters(),
)

"""Build the NoneBot application: adapters, the scheduler, and every plugin under bot/plugins."""

from __future__ import annotations

from pathlib import Path

import nonebot

from bot import platform, runtime
from bot.core.settings import environment

PLUGIN_DIR = Path(__file__).parent / "plugins"
DEFAULTS = {
    "driver": "~fastapi+~httpx+~websockets",  # httpx: the official QQ bot's API client
    "host": "127.0.0.1",
    "port": 8080,
    "command_start": ["/", "#"],
    "command_sep": [" "],
    "apscheduler_autostart": True,
    "apscheduler_config": {"apscheduler.timezone": "Asia/Shanghai"},
}


def load_plugins() -> None:
    """The scheduler first, then our plugins (the chatter gate registers with the first of them)."""
    nonebot.load_plugin("nonebot_plugin_apscheduler")
    # By module name, so the bot starts from any working directory.
    for module in sorted(PLUGIN_DIR.glob("*.py")):
        if not module.name.startswith("_"):
            nonebot.load_plugin(f"bot.plugins.{module.stem}")


def create_app(**overrides):
    """Initialise NoneBot with our defaults (the environment and .env still win) and load everything."""
    configured = environment()
    kwargs = {k: v for k, v in DEFAULTS.items() if k not in configured}
    kwargs.update(overrides)
    nonebot.init(**kwargs)
    driver = nonebot.get_driver()
    for adapter in platform.adapters_for({**configured, **overrides}):  # the official QQ bot only when configured
        driver.register_adapter(adapter)
    runtime.install()
    load_plugins()
    return nonebot.get_asgi()


def main() -> None:
    """Start the bot on its configured host and port."""
    create_app()
    nonebot.run()

"""Build the NoneBot application: adapters, the scheduler, and every plugin under bot/plugins."""

from __future__ import annotations

import logging
from pathlib import Path

import nonebot
from nonebot.adapters.onebot.v11 import Adapter as OneBotV11Adapter
from nonebot.adapters.onebot.v12 import Adapter as OneBotV12Adapter

from bot import logs, runtime
from bot.core.settings import environment

PLUGIN_DIR = Path(__file__).parent / "plugins"
DEFAULTS = {
    "driver": "~fastapi+~websockets",
    "host": "127.0.0.1",
    "port": 8080,
    "command_start": ["/", "#"],
    "command_sep": [" "],
    "apscheduler_autostart": True,
    "apscheduler_config": {"apscheduler.timezone": "Asia/Shanghai"},
}


class _ToNoneBotLog(logging.Handler):
    """Route our standard-library log records into NoneBot's log, so one stream shows everything."""

    def emit(self, record: logging.LogRecord) -> None:
        """Forward one record."""
        from nonebot.log import logger

        logger.opt(exception=record.exc_info).log(record.levelname, f"[{record.name}] {record.getMessage()}")


def _route_logging() -> None:
    """Send the `bot.*` and `redwheel` loggers to NoneBot's log."""
    handler = _ToNoneBotLog()
    for name in ("bot", "redwheel"):
        target = logging.getLogger(name)
        target.handlers = [handler]
        target.setLevel(logging.INFO)
        target.propagate = False


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
    driver.register_adapter(OneBotV11Adapter)
    driver.register_adapter(OneBotV12Adapter)
    _route_logging()
    logs.install()
    runtime.install()
    load_plugins()
    return nonebot.get_asgi()


def main() -> None:
    """Start the bot on its configured host and port."""
    create_app()
    nonebot.run()

"""Logs without personal data: no message text, phone, plate, id number or coordinate in any line the bot writes.

NoneBot logs every incoming event with its text; that line is replaced by a summary (kind, chat, user, length),
and every line, whoever writes it, passes a scrubber that masks what looks like a phone, plate, id number, a
coordinate or a sign-in link's token (uvicorn's access log writes request paths with their query) — defence in depth
for a line we did not foresee.
"""

from __future__ import annotations

import logging
import re

from bot.core import privacy

# A web sign-in link's token in a request line (uvicorn's access log writes the path with its query string).
LINK_TOKEN = re.compile(r"([?&]t=)[^&\s\"']+")


def _per_event(record) -> bool:
    """NoneBot's line for every event (`handle_event`), or its "Event … is ignored" (`_handle` at INFO; errors stay)."""
    function = record["function"]
    return (function == "handle_event" or (function == "_handle" and record["level"].no < 30)) and str(
        record["name"]
    ).startswith("nonebot")


def scrub(text: str) -> str:
    """Mask personal data in a log line (the patterns of the group guard, `bot.core.privacy`) and a sign-in link's
    token."""
    return privacy.scrub(LINK_TOKEN.sub(r"\1[令牌]", text))


def _filter(record) -> bool:
    """Loguru filter: drop NoneBot's per-event lines — the event (it holds the message text) and "Event … is ignored"
    (one line per chatter message the gate drops, saying nothing `/metrics` does not count) — and scrub every other
    line."""
    if _per_event(record):
        return False
    record["message"] = scrub(record["message"])
    if record["exception"] is not None:  # a traceback's text can carry what was being written: keep its kind only
        kind, value, traceback = record["exception"]
        if kind is not None and value is not None:
            bare = kind.__new__(kind)
            bare.args = ()
            record["exception"] = type(record["exception"])(kind, bare, traceback)
    return True


def install() -> None:
    """Put the privacy filter in front of NoneBot's default log handler (same format, same level)."""
    import sys

    from nonebot import log as nonebot_log
    from nonebot.log import default_filter, default_format, logger

    def combined(record) -> bool:
        return default_filter(record) and _filter(record)

    if getattr(nonebot_log, "redwheel_private", False):
        return
    logger.remove()
    nonebot_log.logger_id = logger.add(sys.stdout, level=0, diagnose=False, filter=combined, format=default_format)
    nonebot_log.redwheel_private = True  # type: ignore[attr-defined]


class _ToNoneBotLog(logging.Handler):
    """Route our standard-library log records into NoneBot's log, so one stream shows everything."""

    def emit(self, record: logging.LogRecord) -> None:
        """Forward one record."""
        from nonebot.log import logger

        logger.opt(exception=record.exc_info).log(record.levelname, f"[{record.name}] {record.getMessage()}")


def route_standard_logging() -> None:
    """Send the `bot.*` and `redwheel` loggers to NoneBot's log (under `python -m bot` and `nb run` alike)."""
    handler = _ToNoneBotLog()
    for name in ("bot", "redwheel"):
        target = logging.getLogger(name)
        target.handlers = [handler]
        target.setLevel(logging.INFO)
        target.propagate = False

"""Logs without personal data: no message text, phone, plate, id number or coordinate in any line the bot writes.

NoneBot logs every incoming event with its text; that line is replaced by a summary (kind, chat, user, length),
and every line, whoever writes it, passes a scrubber that masks what looks like a phone, plate, id number, a
coordinate or a sign-in link's token (uvicorn's access log writes request paths with their query) — defence in depth
for a line we did not foresee.
"""

from __future__ import annotations

import logging
import re

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Z][·\s]?[A-HJ-NP-Z0-9]{4,6}[挂学警港澳]?"
)
COORDINATE = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}(?![\d.])")
# A web sign-in link's token in a request line (uvicorn's access log writes the path with its query string).
LINK_TOKEN = re.compile(r"([?&]t=)[^&\s\"']+")


def scrub(text: str) -> str:
    """Mask personal data in a log line."""
    text = PHONE.sub("[电话]", text)
    text = ID_NUMBER.sub("[证件号]", text)
    text = PLATE.sub("[车牌]", text)
    text = LINK_TOKEN.sub(r"\1[令牌]", text)
    return COORDINATE.sub("[坐标]", text)


def _filter(record) -> bool:
    """Loguru filter: drop NoneBot's per-event line (it holds the message text) and scrub every other line."""
    if record["function"] == "handle_event" and str(record["name"]).startswith("nonebot"):
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

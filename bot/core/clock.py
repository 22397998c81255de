"""The one clock of the bot: Asia/Shanghai, timezone-aware, and settable by tests."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from .settings import get_settings

_fixed: datetime | None = None
_offset = timedelta(0)


@lru_cache(maxsize=1)
def tz() -> ZoneInfo:
    """The configured zone (Asia/Shanghai unless set otherwise)."""
    return ZoneInfo(get_settings().timezone)


def _file_clock() -> datetime | None:
    """Read a test clock from REDWHEEL_TEST_CLOCK_FILE, so end-to-end tests can move a subprocess's time."""
    path = os.environ.get("REDWHEEL_TEST_CLOCK_FILE")
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=tz())


def now() -> datetime:
    """The current time in the configured zone."""
    if _fixed is not None:
        return _fixed + _offset
    from_file = _file_clock()
    if from_file is not None:
        return from_file
    return datetime.now(tz()) + _offset


def today() -> date:
    """Today's date in the configured zone."""
    return now().date()


def local(value: datetime) -> datetime:
    """A stored (UTC) time shown in the configured zone."""
    return value.astimezone(tz())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of a local day as aware datetimes."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz())
    return start, start + timedelta(days=1)


def set_now(value: datetime | None) -> None:
    """Freeze the clock at `value` (None releases it); for tests."""
    global _fixed, _offset
    _fixed = value if value is None or value.tzinfo else value.replace(tzinfo=tz())
    _offset = timedelta(0)


def advance(delta: timedelta) -> None:
    """Move the clock forward; for tests."""
    global _offset
    _offset += delta

"""Operations settings (read once with bot.core.settings.load_config; every key has a working default)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import BaseModel

from bot.admin.sqlite_backup import DEFAULT_KEEP_DAYS


class Config(BaseModel):
    """OPS_* keys in the environment or .env."""

    # Daily SQLite backup (Asia/Shanghai) into ops_backup_dir (default: <data dir>/backups), kept this many days.
    ops_backup_time: time = time(3, 30)
    ops_backup_keep_days: int = DEFAULT_KEEP_DAYS
    ops_backup_dir: Path | None = None
    # Members who left a branch this many days ago have their contact data erased and name pseudonymised.
    ops_retention_days: int = 180
    # Message texts of the outbox are erased this many days after delivery; export files left behind after this.
    ops_outbox_keep_days: int = 7
    ops_export_keep_hours: int = 24
    ops_retention_time: time = time(4, 10)
    # /通知: longest text, the double-tap window, how long a /通知 确认 stays valid, when unsent items expire.
    ops_broadcast_max_chars: int = 1500
    ops_broadcast_repeat_minutes: int = 5
    ops_broadcast_confirm_minutes: int = 10
    ops_broadcast_expire_hours: int = 24
    # How often finished broadcasts are looked for, to tell their sender the outcome.
    ops_report_check_seconds: float = 20.0

"""Operations settings (read once with bot.core.settings.load_config; every key has a working default)."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

from pydantic import BaseModel, field_validator

from bot.core.sqlite_backup import DEFAULT_KEEP_DAYS


class Config(BaseModel):
    """OPS_* keys in the environment or .env."""

    # Daily backup (Asia/Shanghai) into ops_backup_dir (default: <data dir>/backups), kept this many days: SQLite's
    # online backup, or on PostgreSQL pg_dump, verified by a restore into a scratch database (the role needs
    # CREATEDB; ops_backup_verify=false skips the restore). Off: the operator backs the database up another way.
    ops_backup_enabled: bool = True
    ops_backup_time: time = time(3, 30)
    ops_backup_keep_days: int = DEFAULT_KEEP_DAYS
    ops_backup_dir: Path | None = None
    ops_backup_verify: bool = True
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
    # /healthz and /metrics on the bot's own web server (no personal data in either); a token, when set, is asked of
    # /metrics as `Authorization: Bearer <token>`.
    ops_healthz_enabled: bool = True
    ops_metrics_enabled: bool = True
    ops_metrics_token: str = ""
    # Bot accounts /healthz expects connected to this process (besides those that connected since it started and
    # the official bot's QQ_BOTS), e.g. ["10001"]; and how long the sender may go without a round before it counts
    # as stuck.
    ops_health_accounts: list[str] = []
    ops_health_sender_stale_seconds: float = 300.0

    @field_validator("ops_health_accounts", mode="before")
    @classmethod
    def _parse_accounts(cls, value: object) -> object:
        """A JSON list or comma-separated ids in the environment."""
        if isinstance(value, str):
            value = value.strip()
            return (
                [str(v) for v in json.loads(value)]
                if value.startswith("[")
                else [v.strip() for v in value.split(",") if v.strip()]
            )
        return value

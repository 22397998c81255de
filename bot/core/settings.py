"""Process-wide settings read from the environment and `.env`, usable without NoneBot."""

from __future__ import annotations

import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values
from pydantic import BaseModel, Field, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the checkout (for tools); never where data is kept
ConfigT = TypeVar("ConfigT", bound=BaseModel)
DEFAULT_DEPARTMENTS = ("交通运输", "公安交管", "市场监管", "工会", "人社", "应急管理")


class Settings(BaseModel):
    """Settings every part of the bot shares; plugin-specific ones live in the plugins."""

    # Empty: SQLite in <data_dir>/redwheel.db. data_dir: `data/` of the directory the bot starts in.
    database_url: str = ""
    timezone: str = "Asia/Shanghai"
    superusers: set[str] = Field(default_factory=set)
    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "data")

    # Delivery: off only for in-process matcher tests, where no chat platform is there to send to.
    delivery_enabled: bool = True
    # Random gaps between sends per bot account, a daily cap per group, retries.
    delivery_gap_min: float = 1.5
    delivery_gap_max: float = 4.0
    delivery_daily_cap_per_group: int = 30
    delivery_max_attempts: int = 5
    delivery_retry_base_seconds: float = 30.0
    delivery_poll_seconds: float = 2.0
    delivery_lease_seconds: float = 120.0

    conversation_timeout_seconds: int = 300
    # On PostgreSQL one elected process runs the jobs that must run once; followers try to take over this often.
    leader_poll_seconds: float = 15.0
    # Rate limits, checked before any other work: commands per person (a burst, then one every N seconds) and per
    # group; a refused person is told once per window, then ignored until the bucket refills.
    rate_user_burst: int = 10
    rate_user_per_minute: float = 20
    rate_group_burst: int = 200
    rate_group_per_minute: float = 600
    departments: list[str] = Field(default_factory=lambda: list(DEFAULT_DEPARTMENTS))
    # HOST beyond this machine without ONEBOT_ACCESS_TOKEN refuses to start, unless a trusted reverse proxy in front
    # authenticates every OneBot connection and says so here.
    onebot_auth_by_proxy: bool = False

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        """SQLite in the data folder unless a database is named."""
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'redwheel.db'}"
        return self

    @field_validator("superusers", mode="before")
    @classmethod
    def _parse_superusers(cls, value: object) -> object:
        """Accept a JSON list (as NoneBot's SUPERUSERS) or a comma-separated string."""
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return {str(v) for v in json.loads(value)}
            return {v.strip() for v in value.split(",") if v.strip()}
        if isinstance(value, list | tuple | set):
            return {str(v) for v in value}
        return value

    @field_validator("departments", mode="before")
    @classmethod
    def _parse_departments(cls, value: object) -> object:
        """Accept a JSON list or 、/, separated names."""
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.replace("、", ",").split(",") if v.strip()]
        return value


def environment() -> dict[str, str]:
    """Merge `.env` (and `.env.<ENVIRONMENT>`) under the real environment, keys lower-cased."""
    merged: dict[str, str] = {}
    for name in (".env", f".env.{os.environ.get('ENVIRONMENT', 'prod')}"):
        path = Path.cwd() / name
        if path.is_file():
            merged.update({k.lower(): v for k, v in dotenv_values(path).items() if v is not None})
    merged.update({k.lower(): v for k, v in os.environ.items()})
    return merged


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    env = environment()
    values = {name: env[name] for name in Settings.model_fields if name in env}
    return Settings.model_validate(values)


def load_config(model: type[ConfigT]) -> ConfigT:
    """A feature's settings (prefixed keys such as `appeals_*`) from the environment and `.env`, without NoneBot."""
    env = environment()
    return model.model_validate({name: env[name] for name in model.model_fields if name in env})


def is_loopback(host: str) -> bool:
    """Whether an address listens for this machine only (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False


def exposure_refusal(host: str, access_token: str, auth_by_proxy: bool) -> str | None:
    """Why the bot must not start, or None: listening beyond this machine with no OneBot access token lets anyone who
    reaches the port connect as a OneBot implementation and post events as any account (a superuser's too)."""
    if is_loopback(host) or access_token.strip() or auth_by_proxy:
        return None
    return (
        f"Refusing to start: HOST={host} accepts connections from other machines and ONEBOT_ACCESS_TOKEN is empty, "
        "so anyone who reaches the port could connect as a OneBot implementation and speak as any account; set "
        "ONEBOT_ACCESS_TOKEN (the same token in the OneBot implementation), or HOST=127.0.0.1, or "
        "ONEBOT_AUTH_BY_PROXY=true when a trusted reverse proxy in front authenticates every connection."
    )

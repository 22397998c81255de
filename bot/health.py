"""What /healthz checks: the database answers, its schema is current, each expected bot account is connected to this
process, and the sender is not stuck. No NoneBot here; no personal data in the answer (account ids masked)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.core.migrate import alembic_config
from bot.core.settings import environment

if TYPE_CHECKING:
    from bot.services import Services

DATABASE_TIMEOUT = 5.0


@dataclass
class HealthReport:
    """The checks' outcome: ok when every check is."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check["ok"] for check in self.checks.values())

    def as_json(self, leader: bool) -> dict[str, Any]:
        """The body of /healthz."""
        return {"status": "ok" if self.ok else "fail", "leader": leader, "checks": self.checks}


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The schema revisions this code brings the database to (read once: the files do not change under us)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def masked(self_id: str) -> str:
    """A bot account shown by its last four characters only."""
    return "****" + self_id[-4:]


def configured_accounts(listed: list[str]) -> set[str]:
    """Accounts this process must serve: OPS_HEALTH_ACCOUNTS and the official bot's QQ_BOTS ids."""
    accounts = {str(a) for a in listed}
    raw = environment().get("qq_bots", "")
    try:
        bots = json.loads(raw) if raw else []
    except ValueError:
        bots = []
    accounts |= {str(bot["id"]) for bot in bots if isinstance(bot, dict) and bot.get("id")}
    return accounts


async def _database(services: Services) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reachability and the schema's revisions, over one connection."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), services.database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await connection.run_sync(lambda c: set(MigrationContext.configure(c).get_current_heads()))
    except Exception as error:  # the kind only: a driver's message may carry the URL
        failed = {"ok": False, "error": type(error).__name__}
        return failed, {"ok": False, "error": "database unreachable"}
    expected = code_heads()
    migrations: dict[str, Any] = {"ok": current == set(expected)}
    if not migrations["ok"]:
        migrations["pending"] = sorted(expected - current)
        migrations["unknown"] = sorted(current - expected)  # a newer program migrated this database
    return {"ok": True, "kind": services.database.dialect}, migrations


def _accounts(connected: list[tuple[str, str]], expected: set[str]) -> dict[str, Any]:
    """Every expected account connected here."""
    online = {self_id for _, self_id in connected}
    missing = sorted(expected - online)
    return {"ok": not missing, "connected": len(online), "missing": [masked(m) for m in missing]}


def _sender(services: Services, stale_seconds: float) -> dict[str, Any]:
    """The sender's loop is alive and made progress lately."""
    sender = services.sender
    if not services.settings.delivery_enabled:
        return {"ok": True, "enabled": False}
    if not sender.running:
        return {"ok": False, "error": "sender not running"}
    since = None if sender.beat is None else asyncio.get_running_loop().time() - sender.beat
    return {"ok": since is None or since < stale_seconds, "seconds_since_progress": round(since or 0.0, 1)}


async def check(
    services: Services, connected: list[tuple[str, str]], expected: set[str], stale_seconds: float
) -> HealthReport:
    """Run every check."""
    database, migrations = await _database(services)
    return HealthReport(
        {
            "database": database,
            "migrations": migrations,
            "accounts": _accounts(connected, expected),
            "sender": _sender(services, stale_seconds),
        }
    )

"""Generate a province's data straight into a database with bulk inserts: branches, members, a ledger, appeals.

Used by the benchmarks; the figures follow the source documents (≈200 branches, ≈6,000 member drivers).
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.core import clock, ledger  # noqa: E402
from bot.core.db import Database  # noqa: E402
from bot.core.migrate import import_all_models, upgrade  # noqa: E402
from bot.core.models import Branch, LedgerEntry, Member, Secretary  # noqa: E402

CHUNK = 20_000
import_all_models()  # a bare NoneBot, so plugin modules (services, models) can be imported by the benchmarks


async def fresh(url: str) -> Database:
    """A migrated database at `url` (plugin tables included)."""
    import_all_models()
    database = Database(url)
    await upgrade(database)
    return database


async def _bulk(database: Database, table, rows: list[dict]) -> None:
    """Insert rows in chunks (executemany)."""
    for start in range(0, len(rows), CHUNK):
        async with database.session() as session:
            await session.execute(insert(table), rows[start : start + CHUNK])


async def province(
    database: Database,
    branches: int = 200,
    drivers: int = 25_000,
    member_drivers: int = 6_000,
    self_ids: tuple[str, ...] = ("10001",),
) -> list[int]:
    """Branches (group ids 800000+n), members spread over them, one secretary each; returns branch ids."""
    now = clock.now()
    await _bulk(
        database,
        Branch.__table__,
        [
            {
                "id": n + 1,
                "name": f"压测支部{n + 1:03d}",
                "platform": "qq",
                "group_id": str(800000 + n),
                "self_id": self_ids[n % len(self_ids)],
                "push_time": "07:30",
                "push_enabled": True,
                "active": True,
                "created_by": "qq:10000",
                "created_at": now,
            }
            for n in range(branches)
        ],
    )
    rng = random.Random(7)
    await _bulk(
        database,
        Member.__table__,
        [
            {
                "branch_id": n % branches + 1,
                "user_key": f"qq:{3_000_000 + n}",
                "name": f"司机{n}",
                "phone": f"138{n:08d}",
                "plate": None,
                "declared_status": "党员" if n < member_drivers else "群众",
                "status": "党员" if n < member_drivers else "群众",
                "registered_at": now - timedelta(days=rng.randint(1, 365)),
                "updated_at": now,
            }
            for n in range(drivers)
        ],
    )
    await _bulk(
        database,
        Secretary.__table__,
        [
            {
                "branch_id": n + 1,
                "user_key": f"qq:{2_000_000 + n}",
                "display_name": f"书记{n}",
                "appointed_by": "qq:10000",
                "appointed_at": now,
            }
            for n in range(branches)
        ],
    )
    return list(range(1, branches + 1))


async def ledger_rows(database: Database, count: int, branches: int, drivers: int, days: int = 365) -> None:
    """`count` ledger rows over the last `days` days, mostly study check-ins."""
    rng = random.Random(11)
    today = clock.today()
    kinds = [ledger.STUDY] * 6 + [ledger.QUIZ] * 2 + [ledger.CONTACT, ledger.ACTIVITY_CHECKIN]
    batch: list[dict] = []
    for n in range(count):
        user = rng.randrange(drivers)
        day = today - timedelta(days=rng.randrange(days))
        kind = rng.choice(kinds)
        at = datetime(day.year, day.month, day.day, 8, tzinfo=clock.tz())
        batch.append(
            {
                "user_key": f"qq:{3_000_000 + user}",
                "branch_id": user % branches + 1,
                "kind": kind,
                "ref": "",
                "points": 1,
                "day": day,
                "at": at,
                "note": "正确" if kind == ledger.QUIZ and n % 3 else "",
            }
        )
        if len(batch) >= CHUNK:
            await _bulk(database, LedgerEntry.__table__, batch)
            batch = []
    if batch:
        await _bulk(database, LedgerEntry.__table__, batch)


async def appeals(
    database: Database, count: int, events_per_appeal: int, branches: int, closed_share: float = 0.98
) -> None:
    """`count` appeals over the last year with their trails (about `events_per_appeal` each); `closed_share` of them
    closed, the rest still open (and long overdue: a benchmark of one day passes 1.0, since in a real province those
    would have been chased on the days they fell due, not all at once this morning)."""
    from bot.features.appeals import rules
    from bot.features.appeals.models import Appeal, AppealEvent

    rng = random.Random(13)
    now = clock.now()
    appeal_rows, event_rows = [], []
    for n in range(count):
        received = now - timedelta(days=rng.uniform(0, 365))
        closed = received + timedelta(days=rng.uniform(0.2, 9)) if rng.random() < closed_share else None
        state = rules.FOLLOWED_UP if closed else rules.ACCEPTED
        appeal_rows.append(
            {
                "id": n + 1,
                "number": f"SQ{received:%Y%m%d}-{n:06d}",
                "branch_id": n % branches + 1,
                "appellant_key": f"qq:{3_000_000 + n % 25_000}",
                "platform": "qq",
                "self_id": "10001",
                "group_id": None,
                "category": rng.choice(rules.CATEGORIES),
                "description": "压测诉求",
                "place": "贵阳",
                "phone": None,
                "state": state,
                "level": "一般",
                "tier": "支部",
                "department": None,
                "received_at": received,
                "accepted_at": received,
                "transfer_due": received + timedelta(hours=2),
                "feedback_due": received + timedelta(days=2),
                "close_due": received + timedelta(days=7),
                "closed_at": closed,
                "result": "已办结" if closed else None,
                "follow_up_due": None,
                "satisfaction": rng.choice(["满意", "满意", "基本满意", "不满意", "未回复"]) if closed else None,
                "version": 3,
            }
        )
        for step in range(events_per_appeal):
            event_rows.append(
                {
                    "appeal_id": n + 1,
                    "at": received + timedelta(hours=step),
                    "actor_key": "qq:2000000",
                    "action": "受理",
                    "from_state": rules.PENDING,
                    "to_state": rules.ACCEPTED,
                    "note": "",
                }
            )
        if len(event_rows) >= CHUNK:
            await _bulk(database, Appeal.__table__, appeal_rows)
            await _bulk(database, AppealEvent.__table__, event_rows)
            appeal_rows, event_rows = [], []
    await _bulk(database, Appeal.__table__, appeal_rows)
    await _bulk(database, AppealEvent.__table__, event_rows)


async def reset_sequences(database: Database) -> None:
    """PostgreSQL: move every id sequence past the ids inserted explicitly above, so the bot's own inserts (a new
    appeal, a new branch) do not collide with generated rows. Nothing to do on SQLite."""
    if database.dialect != "postgresql":
        return
    from sqlalchemy import text

    from bot.core.db import Base

    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table.name}), 1))"
                    )
                )


def today() -> date:
    """Today in the bot's zone."""
    return clock.today()

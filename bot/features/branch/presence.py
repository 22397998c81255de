"""Which branch groups the bot has seen a person in: a row the first time someone writes to the bot in a branch
group (a command or an answer), read with the other traces the bot keeps (registration, the ledger, a welcome) by
`MemberRecords.branches_of` — the one rule for "the branches a person is in", used by private /登记, /支部 and
the appeals of people who never registered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core import clock
from bot.core.db import Database

from .models import BranchSeen, BranchWelcome

_REMEMBERED = 200_000  # pairs this process knows are stored; beyond that it forgets and may write a pair again


class Presence:
    """Records a person's first message to the bot in a branch group, once per process and pair."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._stored: set[tuple[int, str]] = set()

    async def saw(self, branch_id: int, user_key: str) -> None:
        """Someone wrote to the bot in a branch group (one write the first time; a set lookup after that)."""
        pair = (branch_id, user_key)
        if pair in self._stored:
            return
        async with self.database.session() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            await session.execute(
                insert(BranchSeen)
                .values(branch_id=branch_id, user_key=user_key, seen_at=clock.now())
                .on_conflict_do_update(
                    index_elements=["branch_id", "user_key"], set_={"seen_at": clock.now(), "left_at": None}
                )
            )
        if len(self._stored) > _REMEMBERED:
            self._stored.clear()
        self._stored.add(pair)

    async def left(self, branch_id: int, user_key: str) -> None:
        """Someone left a branch group: the bot no longer counts them in it (until they write there again)."""
        self._stored.discard((branch_id, user_key))
        now = clock.now()
        async with self.database.session() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            await session.execute(
                insert(BranchSeen)
                .values(branch_id=branch_id, user_key=user_key, seen_at=now, left_at=now)
                .on_conflict_do_update(index_elements=["branch_id", "user_key"], set_={"left_at": now})
            )


def seen_in(user_key: str) -> tuple[Any, ...]:
    """The branch groups a person wrote to the bot in, or was welcomed to, and has not left since (a sighting for
    `MemberRecords.branches_of`)."""
    gone = select(BranchSeen.branch_id).where(BranchSeen.user_key == user_key, BranchSeen.left_at.is_not(None))
    return (
        select(BranchSeen.branch_id).where(BranchSeen.user_key == user_key, BranchSeen.left_at.is_(None)),
        select(BranchWelcome.branch_id).where(BranchWelcome.user_key == user_key, BranchWelcome.branch_id.not_in(gone)),
    )

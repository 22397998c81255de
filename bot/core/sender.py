"""The sender: takes due items from the outbox one at a time, paces them, retries, and reports failures."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from . import clock
from .db import Database
from .outbox import claim_next, expire_and_abandon, mark_failed, mark_sent, sent_today
from .parts import Part, from_json
from .settings import Settings

log = logging.getLogger(__name__)

SendFunc = Callable[[str, str, str, list[Part]], Awaitable[None]]  # (self_id, target kind, target id, parts)
AccountsFunc = Callable[[], list[tuple[str, str]]]  # connected (platform, self_id)


class PermanentSendError(Exception):
    """The platform refused for a reason a retry cannot fix (e.g. the bot left the group)."""


class Sender:
    """One per process. Pacing is per bot account: random gaps keep a burst to many groups from looking like spam."""

    def __init__(self, database: Database, settings: Settings, send: SendFunc, accounts: AccountsFunc) -> None:
        self.database = database
        self.settings = settings
        self.send = send
        self.accounts = accounts
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.wakeup = asyncio.Event()
        self._last_send: dict[str, float] = {}
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Run the loop in the background."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="redwheel-sender")

    async def stop(self) -> None:
        """Stop the loop after the current item."""
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def nudge(self) -> None:
        """Tell the loop new items are queued (saves waiting for the next poll)."""
        self.wakeup.set()

    async def _loop(self) -> None:
        """Drain, then sleep until nudged or the poll interval passes."""
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sender failed; retrying after the poll interval")
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.settings.delivery_poll_seconds)
            except TimeoutError:
                pass

    async def drain(self, limit: int | None = None) -> int:
        """Send due items until none is left (or `limit` were handled); returns how many were handled."""
        lease = timedelta(seconds=self.settings.delivery_lease_seconds)
        async with self.database.session() as session:
            await expire_and_abandon(session, lease)
        handled = 0
        while limit is None or handled < limit:
            accounts = self.accounts()
            async with self.database.session() as session:
                item = await claim_next(session, self.owner, accounts)
            if item is None:
                return handled
            await self._deliver(item)
            handled += 1
        return handled

    async def _pace(self, self_id: str) -> None:
        """Wait a random gap since this account's last send."""
        loop = asyncio.get_running_loop()
        gap = random.uniform(self.settings.delivery_gap_min, self.settings.delivery_gap_max)
        last = self._last_send.get(self_id)
        if last is not None:
            wait = last + gap - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_send[self_id] = loop.time()

    async def _deliver(self, item) -> None:
        """Send one claimed item and record the outcome."""
        async with self.database.session() as session:
            count = await sent_today(session, item.target_id, item.platform)
        if count >= self.settings.delivery_daily_cap_per_group:
            async with self.database.session() as session:
                reason = f"已达每个群每日 {self.settings.delivery_daily_cap_per_group} 条的上限"
                await mark_failed(session, item.id, self.owner, reason, None)
            return
        self_id = item.self_id or self._account_for(item.platform)
        if self_id is None:
            async with self.database.session() as session:
                await mark_failed(session, item.id, self.owner, "没有可用的机器人账号", clock.now() + self._backoff(1))
            return
        await self._pace(self_id)
        try:
            await self.send(self_id, item.target_kind, item.target_id, from_json(item.parts))
        except Exception as error:  # the platform's refusal or a dropped connection
            permanent = isinstance(error, PermanentSendError) or item.attempts >= self.settings.delivery_max_attempts
            retry_at = None if permanent else clock.now() + self._backoff(item.attempts)
            log.warning("outbox item %s to %s failed (attempt %s): %r", item.id, item.target_id, item.attempts, error)
            async with self.database.session() as session:
                await mark_failed(session, item.id, self.owner, _describe(error), retry_at)
            return
        async with self.database.session() as session:
            await mark_sent(session, item.id, self.owner)

    def _account_for(self, platform: str) -> str | None:
        """Any connected account of the platform, for items not bound to one."""
        return next((self_id for p, self_id in self.accounts() if p == platform), None)

    def _backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter."""
        base = self.settings.delivery_retry_base_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _describe(error: Exception) -> str:
    """A short reason for the failure list."""
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]

"""The sender: takes due items from the outbox one at a time, paces them, retries, and reports failures."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pydantic import BaseModel

from . import clock
from .db import Database
from .models import OutboxItem
from .outbox import HIGH, claim_next, expire_and_abandon, mark_failed, mark_sent, peek_next, refuse, sent_today
from .parts import Part, from_json
from .settings import Settings, load_config

log = logging.getLogger(__name__)

SendFunc = Callable[[str, str, str, list[Part]], Awaitable[None]]  # (self_id, target kind, target id, parts)
AccountsFunc = Callable[[], list[tuple[str, str]]]  # connected (platform, self_id)


GROUP_CAP = "已达每个群每日 {cap} 条的上限"
GROUP_SHARE = "已达每个群每日 {cap} 条中普通消息可用的 {share} 条（其余留给学习推送和通知）"
PRIVATE_CAP = "已达每人私聊每日 {cap} 条的上限"
NO_ACCOUNT = "没有可用的机器人账号"


class DeliveryLimits(BaseModel):
    """DELIVERY_* keys beside the core settings: the private chats' own cap, and the share of a group's daily cap
    kept for high-priority items (study push, committee, secretary and appeal notices)."""

    delivery_daily_cap_per_private: int = 20
    delivery_reserved_per_group: int = 8


class PermanentSendError(Exception):
    """The platform refused for a reason a retry cannot fix (e.g. the bot left the group)."""


class Sender:
    """One per process. Pacing is per bot account: random gaps keep a burst to many groups from looking like spam."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        send: SendFunc,
        accounts: AccountsFunc,
        limits: DeliveryLimits | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.limits = limits or load_config(DeliveryLimits)
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
            except Exception as error:  # the kind only: a database error's text can carry a message's parameters
                log.error("outbox sender failed (%s); retrying after the poll interval", type(error).__name__)
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.settings.delivery_poll_seconds)
            except TimeoutError:
                pass

    async def drain(self, limit: int | None = None) -> int:
        """Send due items until none is left (or `limit` were handled); returns how many were handled.

        Each round looks at the most urgent due item, refuses it without sending when a daily cap is reached, waits
        for its account's pacing gap, and only then claims the most urgent item of that account and sends it: a
        crash during the wait leaves everything queued, and a claimed item is never sent twice.
        """
        lease = timedelta(seconds=self.settings.delivery_lease_seconds)
        async with self.database.session() as session:
            await expire_and_abandon(session, lease)
        handled = 0
        while limit is None or handled < limit:
            async with self.database.session() as session:
                item = await peek_next(session, self.accounts())
            if item is None:
                return handled
            handled += 1
            reason = await self._over_cap(item)
            if reason is not None:
                async with self.database.session() as session:
                    await refuse(session, item.id, reason)
                continue
            self_id = item.self_id or self._account_for(item.platform)
            if self_id is None:
                async with self.database.session() as session:
                    await refuse(session, item.id, NO_ACCOUNT, clock.now() + self._backoff(1))
                continue
            await self._pace(self_id)
            mine = [(platform, account) for platform, account in self.accounts() if account == self_id]
            async with self.database.session() as session:
                claimed = await claim_next(session, self.owner, mine)
            if claimed is None:
                continue
            if claimed.id != item.id:
                reason = await self._over_cap(claimed)
                if reason is not None:
                    async with self.database.session() as session:
                        await mark_failed(session, claimed.id, self.owner, reason, None)
                    continue
            await self._deliver(claimed, self_id)
        return handled

    async def _over_cap(self, item: OutboxItem) -> str | None:
        """Why the item may not go out today, or None: a group's daily cap (part of it kept for high priority),
        or a private chat's own cap; a private chat never counts against a group."""
        async with self.database.session() as session:
            count = await sent_today(session, item.target_id, item.platform, item.target_kind)
        if item.target_kind != "group":
            cap = self.limits.delivery_daily_cap_per_private
            return PRIVATE_CAP.format(cap=cap) if count >= cap else None
        cap = self.settings.delivery_daily_cap_per_group
        if count >= cap:
            return GROUP_CAP.format(cap=cap)
        share = cap - min(self.limits.delivery_reserved_per_group, cap // 2)
        if item.priority < HIGH and count >= share:
            return GROUP_SHARE.format(cap=cap, share=share)
        return None

    async def _pace(self, self_id: str) -> None:
        """Wait a random gap since this account's last send (nothing is claimed meanwhile)."""
        loop = asyncio.get_running_loop()
        gap = random.uniform(self.settings.delivery_gap_min, self.settings.delivery_gap_max)
        last = self._last_send.get(self_id)
        if last is not None:
            wait = last + gap - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)

    async def _deliver(self, item: OutboxItem, self_id: str) -> None:
        """Send one claimed item and record the outcome."""
        self._last_send[self_id] = asyncio.get_running_loop().time()
        try:
            await self.send(self_id, item.target_kind, item.target_id, from_json(item.parts))
        except Exception as error:  # the platform's refusal or a dropped connection
            permanent = isinstance(error, PermanentSendError) or item.attempts >= self.settings.delivery_max_attempts
            retry_at = None if permanent else clock.now() + self._backoff(item.attempts)
            log.warning("outbox item %s failed (attempt %s): %s", item.id, item.attempts, type(error).__name__)
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

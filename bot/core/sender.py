"""The sender: takes due items from the outbox one at a time, paces them, retries, and reports failures."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from pydantic import BaseModel, field_validator

from . import clock
from .db import Database
from .models import OutboxItem
from .outbox import (
    HIGH,
    claim_next,
    expire_and_abandon,
    mark_failed,
    mark_sent,
    peek_next,
    refuse,
    sent_between,
    sent_today,
)
from .parts import Part, from_json
from .settings import Settings, load_config

log = logging.getLogger(__name__)

SendFunc = Callable[[str, str, str, list[Part]], Awaitable[None]]  # (self_id, target kind, target id, parts)
AccountsFunc = Callable[[], list[tuple[str, str]]]  # connected (platform, self_id)
# Sent whatever the caps and quiet hours say (the platform may still refuse): a member must learn at once that a
# private chat was bound to them — the only warning when they were lured into sending someone else's code.
UNHELD_PURPOSES = frozenset({"binding"})
SameChatFunc = Callable[[str, str], Awaitable[list[str]]]  # (platform, private target id) → every id of that chat


GROUP_CAP = "已达每个群每日 {cap} 条的上限"
GROUP_SHARE = "已达每个群每日 {cap} 条中普通消息可用的 {share} 条（其余留给学习推送和通知）"
PRIVATE_CAP = "已达每人私聊每日 {cap} 条的上限"
NO_ACCOUNT = "没有可用的机器人账号"
PLATFORM_CAP = "已达 {platform} 平台{chat}每{period} {cap} 条的主动消息上限"
QUIET = "{platform} 平台 {hours} 不主动发消息，到点再发"
CHAT_NAMES = {"group": "每个群", "private": "每人私聊"}
PERIOD_NAMES = {"day": "日", "month": "月"}


class PlatformRules(BaseModel):
    """What one platform lets a bot send on its own, beyond the general caps: per chat and day or month, and hours
    when it sends nothing (an item due then waits for their end). Empty: only the general caps apply."""

    group_per_day: int | None = None
    private_per_day: int | None = None
    group_per_month: int | None = None
    private_per_month: int | None = None
    quiet_hours: str | None = None  # "22:00-07:00"

    @field_validator("quiet_hours")
    @classmethod
    def _check_hours(cls, value: str | None) -> str | None:
        """HH:MM-HH:MM, or nothing."""
        if value:
            quiet_window(value)
        return value or None

    def caps(self, kind: str) -> list[tuple[str, int]]:
        """(period, cap) pairs that apply to a group or a private chat."""
        found = [(period, getattr(self, f"{kind}_per_{period}")) for period in PERIOD_NAMES]
        return [(period, cap) for period, cap in found if cap is not None]


def quiet_window(text: str) -> tuple[time, time]:
    """("22:00", "07:00") of "22:00-07:00"."""
    start, _, end = text.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet_until(rules: PlatformRules, now: datetime) -> datetime | None:
    """The end of the platform's quiet hours if `now` (local time) falls in them, else None."""
    if not rules.quiet_hours:
        return None
    start, end = quiet_window(rules.quiet_hours)
    moment = now.timetz().replace(tzinfo=None)
    inside = start <= moment < end if start <= end else (moment >= start or moment < end)
    if not inside:
        return None
    ends = now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > now else ends + timedelta(days=1)


class DeliveryLimits(BaseModel):
    """DELIVERY_* keys beside the core settings: the private chats' own cap, the share of a group's daily cap
    kept for high-priority items (study push, committee, secretary and appeal notices), and per-platform rules
    (`DELIVERY_PLATFORM_RULES='{"qqbot": {"private_per_month": 4, "quiet_hours": "22:00-07:00"}}'`)."""

    delivery_daily_cap_per_private: int = 20
    delivery_reserved_per_group: int = 8
    delivery_platform_rules: dict[str, PlatformRules] = {}

    @field_validator("delivery_platform_rules", mode="before")
    @classmethod
    def _parse_rules(cls, value: object) -> object:
        """A JSON object in the environment."""
        return json.loads(value) if isinstance(value, str) and value.strip() else (value or {})


class PermanentSendError(Exception):
    """The platform refused for a reason a retry cannot fix (e.g. the bot left the group)."""


# How often the background loop expires late items and abandons ones a dead sender left mid-send (a write).
TIDY_SECONDS = 30.0


class Sender:
    """One per process. Pacing is per bot account: random gaps keep a burst to many groups from looking like spam."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        send: SendFunc,
        accounts: AccountsFunc,
        limits: DeliveryLimits | None = None,
        same_chat: SameChatFunc | None = None,
    ) -> None:
        self.database = database
        self.same_chat = same_chat
        self.settings = settings
        self.limits = limits or load_config(DeliveryLimits)
        self.send = send
        self.accounts = accounts
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.wakeup = asyncio.Event()
        self._last_send: dict[str, float] = {}
        self._task: asyncio.Task | None = None
        # When the loop last made progress (event-loop time): a round began or an item was handled (/healthz).
        self.beat: float | None = None

    @property
    def running(self) -> bool:
        """Whether the loop is alive."""
        return self._task is not None and not self._task.done()

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
        """Drain, then sleep until nudged or the poll interval passes. Expiring and abandoning (a write) happens at
        most every `TIDY_SECONDS`: an idle poll is one read, so an idle bot costs almost nothing between messages."""
        tidied = -TIDY_SECONDS
        while True:
            self.beat = now = asyncio.get_running_loop().time()
            try:
                tidy = now - tidied >= TIDY_SECONDS
                await self.drain(tidy=tidy)
                tidied = now if tidy else tidied
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the kind only: a database error's text can carry a message's parameters
                log.error("outbox sender failed (%s); retrying after the poll interval", type(error).__name__)
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.settings.delivery_poll_seconds)
            except TimeoutError:
                pass

    async def drain(self, limit: int | None = None, *, tidy: bool = True) -> int:
        """Send due items until none is left (or `limit` were handled); returns how many were handled.

        Each round looks at the most urgent due item, refuses it without sending when a daily cap is reached, waits
        for its account's pacing gap, and only then claims the most urgent item of that account and sends it: a
        crash during the wait leaves everything queued, and a claimed item is never sent twice.
        """
        if tidy:  # late items are never sent either way (`peek_next` skips them): this only records why
            lease = timedelta(seconds=self.settings.delivery_lease_seconds)
            async with self.database.session() as session:
                await expire_and_abandon(session, lease)
        handled = 0
        while limit is None or handled < limit:
            async with self.database.reading() as session:
                item = await peek_next(session, self.accounts())
            if item is None:
                return handled
            handled += 1
            self.beat = asyncio.get_running_loop().time()
            # Quiet hours first: an item they hold back is postponed, and must not be failed by a cap meanwhile.
            wait_until = self._quiet_until(item)
            if wait_until is not None:  # postponed, not failed: it goes out when the quiet hours end
                async with self.database.session() as session:
                    await refuse(session, item.id, self._quiet_reason(item), wait_until)
                continue
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
            if claimed.id != item.id:  # another one became due meanwhile: it passes the same checks, unsent
                wait_until = self._quiet_until(claimed)
                reason = None if wait_until is not None else await self._over_cap(claimed)
                if reason is not None or wait_until is not None:
                    async with self.database.session() as session:
                        await mark_failed(
                            session,
                            claimed.id,
                            self.owner,
                            reason or self._quiet_reason(claimed),
                            wait_until,
                            attempted=False,
                        )
                    continue
            await self._deliver(claimed, self_id)
        return handled

    async def _over_cap(self, item: OutboxItem) -> str | None:
        """Why the item may not go out today, or None: a group's daily cap (part of it kept for high priority),
        or a private chat's own cap; a private chat never counts against a group."""
        if item.purpose in UNHELD_PURPOSES:
            return None
        chat_ids = await self._chat_ids(item)
        async with self.database.session() as session:
            count = await sent_today(session, chat_ids, item.platform, item.target_kind)
        if item.target_kind != "group":
            cap = self.limits.delivery_daily_cap_per_private
            return PRIVATE_CAP.format(cap=cap) if count >= cap else await self._over_platform_cap(item, chat_ids)
        cap = self.settings.delivery_daily_cap_per_group
        if count >= cap:
            return GROUP_CAP.format(cap=cap)
        share = cap - min(self.limits.delivery_reserved_per_group, cap // 2)
        if item.priority < HIGH and count >= share:
            return GROUP_SHARE.format(cap=cap, share=share)
        return await self._over_platform_cap(item, chat_ids)

    async def _over_platform_cap(self, item: OutboxItem, chat_ids: list[str]) -> str | None:
        """The platform's own allowance for messages the bot sends on its own, per chat and day or month."""
        rules = self.limits.delivery_platform_rules.get(item.platform)
        if rules is None:
            return None
        today = clock.today()
        for period, cap in rules.caps(item.target_kind):
            start, end = clock.day_bounds(today)
            if period == "month":
                start = clock.day_bounds(today.replace(day=1))[0]
            async with self.database.session() as session:
                count = await sent_between(session, chat_ids, item.platform, item.target_kind, start, end)
            if count >= cap:
                chat, shown = CHAT_NAMES[item.target_kind], PERIOD_NAMES[period]
                return PLATFORM_CAP.format(platform=item.platform, chat=chat, period=shown, cap=cap)
        return None

    async def _chat_ids(self, item: OutboxItem) -> list[str]:
        """Every id the item's chat is queued under: the platform counts its allowance per real chat, and on the
        official QQ bot one private chat is reached by the person's id in each group they bound."""
        if item.target_kind == "group" or self.same_chat is None:
            return [item.target_id]
        return await self.same_chat(item.platform, item.target_id)

    def _quiet_until(self, item: OutboxItem) -> datetime | None:
        """When the platform's quiet hours end, if they hold now."""
        rules = self.limits.delivery_platform_rules.get(item.platform)
        if rules is None or item.purpose in UNHELD_PURPOSES:
            return None
        return quiet_until(rules, clock.local(clock.now()))

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

    def _quiet_reason(self, item: OutboxItem) -> str:
        """Why an item waits for the end of its platform's quiet hours."""
        rules = self.limits.delivery_platform_rules[item.platform]
        return QUIET.format(platform=item.platform, hours=rules.quiet_hours)

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

"""What /metrics shows, in Prometheus text format: counts this process keeps, and figures read from the database.

No personal data: every label value comes from a fixed set the code defines (an event's kind, a declared command's
name, an outcome, an outbox purpose, a platform, a platform's numeric error code, a job's id) — never a user id, a
group id, a message or a typed word. Counting costs a dict lookup and an addition; the database figures are read
when /metrics is asked, at most every few seconds. Nothing here imports NoneBot.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select

from bot.core import clock
from bot.core.models import OutboxItem
from bot.core.outbox import EXPIRED, FAILED, PENDING, SENDING

if TYPE_CHECKING:
    from bot.services import Services

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Command outcomes: answered; a usage line; a service's refusal; not allowed there or for that role; slowed by the
# rate limit; an unexpected error (answered with an apology); no such command.
OUTCOMES = ("ok", "usage", "refused", "denied", "rate_limited", "error", "unknown")
UNKNOWN_COMMAND = "unknown"  # a word typed after / that names no command: never a label of its own
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REFRESH_SECONDS = 5.0

_events: Counter[str] = Counter()
_commands: Counter[tuple[str, str]] = Counter()
_jobs: Counter[tuple[str, str]] = Counter()
_job_last_ok: dict[str, float] = {}


def count_event(kind: str) -> None:
    """One incoming event of a kind (group_message, private_message, notice, request, meta)."""
    _events[kind] += 1


def command_done(name: str, outcome: str, seconds: float) -> None:
    """One command handled: its declared name (or `unknown`), how it ended, how long it took."""
    _commands[(name, outcome)] += 1
    _latency.observe(seconds)


def job_ran(name: str, outcome: str, seconds: float) -> None:
    """One run of a scheduled job in this process."""
    _jobs[(name, outcome)] += 1
    if outcome == "ok":
        _job_last_ok[name] = time.time()


@dataclass
class Snapshot:
    """The figures read from the database at one moment (shared by every process on one database)."""

    taken: float = 0.0
    outbox: list[tuple[str, str, int]] = field(default_factory=list)  # purpose, status, items
    oldest_due: list[tuple[str, float]] = field(default_factory=list)  # purpose, age in seconds
    refused: list[tuple[str, str, int]] = field(default_factory=list)  # platform, code, items in 24 h
    appeals_open: int = 0
    appeals_overdue: int = 0
    sessions_open: int = 0
    last_backup: float | None = None
    leader: bool = False
    accounts: list[tuple[str, int]] = field(default_factory=list)  # platform, connected accounts


class _Collector:
    """Hands the registry the counters and the latest snapshot as metric families."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterable[Metric]:
        """Every family, fresh on each scrape."""
        yield _counter("redwheel_events", "Events received, by kind.", ["kind"], _events.items(), key=lambda k: [k])
        yield _counter(
            "redwheel_commands", "Commands handled, by declared name and outcome.", ["command", "outcome"], _commands
        )
        yield _counter("redwheel_job_runs", "Scheduled job runs here, by job and outcome.", ["job", "outcome"], _jobs)
        last = GaugeMetricFamily(
            "redwheel_job_last_success_timestamp_seconds", "When each job last succeeded here.", labels=["job"]
        )
        for name, at in sorted(_job_last_ok.items()):
            last.add_metric([name], at)
        yield last
        yield from self._database_families()

    def _database_families(self) -> Iterable[Metric]:
        """The snapshot's figures."""
        shot = self.snapshot
        yield _gauge("redwheel_leader", "1 when this process runs the jobs that run once.", [], [([], shot.leader)])
        yield _gauge(
            "redwheel_accounts_connected",
            "Bot accounts connected to this process, by platform.",
            ["platform"],
            [([platform], n) for platform, n in shot.accounts],
        )
        yield _gauge(
            "redwheel_outbox_items",
            "Outbox items waiting or being sent, by purpose and status.",
            ["purpose", "status"],
            [([purpose, status], n) for purpose, status, n in shot.outbox],
        )
        yield _gauge(
            "redwheel_outbox_oldest_due_seconds",
            "Age of the oldest item due for sending, by purpose.",
            ["purpose"],
            [([purpose], age) for purpose, age in shot.oldest_due],
        )
        yield _gauge(
            "redwheel_sends_refused_24h",
            "Items failed or expired in the last 24 hours, by platform and the platform's error code.",
            ["platform", "code"],
            [([platform, code], n) for platform, code, n in shot.refused],
        )
        yield _gauge("redwheel_appeals_open", "Appeals not yet closed.", [], [([], shot.appeals_open)])
        overdue = shot.appeals_overdue
        yield _gauge("redwheel_appeals_overdue", "Appeals past one of their limits (/诉求 超期).", [], [([], overdue)])
        yield _gauge("redwheel_web_sessions_open", "Web view sessions open.", [], [([], shot.sessions_open)])
        if shot.last_backup is not None:
            yield _gauge(
                "redwheel_backup_last_success_timestamp_seconds",
                "When the last good backup was taken.",
                [],
                [([], shot.last_backup)],
            )


def _counter(name: str, doc: str, labels: list[str], items, key=lambda k: list(k)) -> CounterMetricFamily:
    """A counter family from (label values, count) pairs."""
    family = CounterMetricFamily(name, doc, labels=labels)
    for label, value in sorted(dict(items).items()):
        family.add_metric(key(label), value)
    return family


def _gauge(name: str, doc: str, labels: list[str], rows: Iterable[tuple[list[str], float]]) -> GaugeMetricFamily:
    """A gauge family from (label values, value) pairs."""
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family


registry = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=registry)  # CPU seconds, resident memory, open files of this process
_latency = Histogram(
    "redwheel_command_duration_seconds",
    "Time from a command's arrival to its answer being sent.",
    buckets=LATENCY_BUCKETS,
    registry=registry,
)
_collector = _Collector()
registry.register(_collector)


async def read_database(services: Services, connected: list[tuple[str, str]]) -> Snapshot:
    """The database's figures now: outbox by purpose, refusals by code, appeals, sessions, the last backup."""
    from bot.features.appeals import deadlines
    from bot.features.ops.backups import last_good
    from bot.features.ops.status import refusal_code

    now = clock.now()
    shot = Snapshot(taken=time.monotonic(), leader=services.leader.is_leader)
    shot.accounts = sorted(Counter(platform for platform, _ in connected).items())
    async with services.database.reading() as session:
        rows = await session.execute(
            select(OutboxItem.purpose, OutboxItem.status, func.count())
            .where(OutboxItem.status.in_((PENDING, SENDING)))
            .group_by(OutboxItem.purpose, OutboxItem.status)
        )
        shot.outbox = sorted((purpose or "", status, n) for purpose, status, n in rows.all())
        rows = await session.execute(
            select(OutboxItem.purpose, func.min(OutboxItem.next_attempt_at))
            .where(OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now)
            .group_by(OutboxItem.purpose)
        )
        shot.oldest_due = sorted((purpose or "", max((now - due).total_seconds(), 0.0)) for purpose, due in rows.all())
        rows = await session.execute(
            select(OutboxItem.platform, OutboxItem.last_error).where(
                OutboxItem.created_at >= now - timedelta(hours=24), OutboxItem.status.in_((FAILED, EXPIRED))
            )
        )
        refused = Counter((platform, refusal_code(error or "") or "none") for platform, error in rows.all())
        shot.refused = sorted((platform, code, n) for (platform, code), n in refused.items())
        from bot.features.appeals import rules
        from bot.features.appeals.models import Appeal

        shot.appeals_open = int(
            await session.scalar(
                select(func.count()).select_from(Appeal).where(Appeal.state.in_((rules.PENDING, *rules.OPEN)))
            )
            or 0
        )
    shot.appeals_overdue = len(await deadlines.overdue(services.appeals, []))
    good = await last_good(services.database)
    shot.last_backup = good.taken_at.timestamp() if good is not None else None
    shot.sessions_open = await services.web_sessions.open_count()
    return shot


async def render(services: Services, connected: list[tuple[str, str]]) -> bytes:
    """The whole exposition; the database is read again when the last reading is older than a few seconds."""
    if time.monotonic() - _collector.snapshot.taken > REFRESH_SECONDS or not _collector.snapshot.taken:
        _collector.snapshot = await read_database(services, connected)
    else:  # process-level figures are always current
        _collector.snapshot.leader = services.leader.is_leader
        _collector.snapshot.accounts = sorted(Counter(platform for platform, _ in connected).items())
    return generate_latest(registry)

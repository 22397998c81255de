"""Scheduled jobs, all registered through `schedule()`: the one place that asks "am I the leader?".

A job with `once=True` (retention, 催办/督办 scans, backups, broadcast reports) runs only in the elected process
(`bot.core.leader`); every process's scheduler fires it, the followers return at once. A job with `once=False`
(the study push check — its pushes are deduplicated by key —, sweeping this machine's own export files) runs in
every process. Each job's failure is logged by its kind only (an error's text can carry personal data) and every
run is counted for /metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from bot import metrics, runtime

log = logging.getLogger("redwheel.jobs")

Job = Callable[[], Awaitable[Any]]


def guarded(job: Job, name: str, once: bool) -> Job:
    """The job as the scheduler runs it: skipped in a follower when it must run once, failures logged by kind."""

    @wraps(job)
    async def run() -> None:
        if once and not runtime.services().leader.is_leader:
            return
        started = time.perf_counter()
        try:
            await job()
        except Exception as error:
            log.error("%s failed: %s", name, type(error).__name__)
            metrics.job_ran(name, "failed", time.perf_counter() - started)
            return
        metrics.job_ran(name, "ok", time.perf_counter() - started)

    return run


def schedule(
    job: Job,
    trigger: str,
    *,
    id: str,
    once: bool,
    misfire_grace_time: int,
    catch_up: bool = False,
    **trigger_args: Any,
) -> Job:
    """Register a job with APScheduler (coalesced, replacing an older registration); returns what runs.

    `catch_up`: a new leader runs the job at once when elected (for daily jobs a dead leader may have missed; such a
    job checks by itself whether its day's work is done)."""
    from nonebot_plugin_apscheduler import scheduler

    run = guarded(job, id, once)
    scheduler.add_job(
        run,
        trigger,
        id=id,
        misfire_grace_time=misfire_grace_time,
        coalesce=True,
        replace_existing=True,
        **trigger_args,
    )
    if catch_up:
        runtime.services().leader.on_elected.append(run)
    return run

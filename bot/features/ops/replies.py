"""Operations answers put into words (texts.py holds the words): broadcasts, their reports, /状态."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from bot.core import clock, platforms
from bot.core.sender import CHAT_NAMES, PERIOD_NAMES

from . import texts
from .service import NeedsConfirmation, Queued, Report
from .status import PUSH_LOOKBACK_DAYS, Status

PUSH_PAGE = 40
LISTED = 5
_CHINESE = re.compile(r"[\u4e00-\u9fa5]")
_NETWORK = ("NetworkError", "Timeout", "ConnectionError", "ApiNotAvailable")


def when(value: datetime) -> str:
    """A stored time as local month-day hour:minute."""
    return clock.local(value).strftime("%m-%d %H:%M")


def names(listed: list[str]) -> str:
    """A few branch names, the rest counted."""
    shown = "、".join(f"「{n}」" for n in listed[:LISTED])
    return shown + (texts.NAMES_MORE.format(count=len(listed)) if len(listed) > LISTED else "")


def eta(groups: int, gap_min: float, gap_max: float) -> str:
    """How long the paced sending of `groups` messages takes, roughly."""
    seconds = groups * (gap_min + gap_max) / 2
    return texts.ETA_SHORT if seconds < 60 else texts.ETA_MINUTES.format(minutes=math.ceil(seconds / 60))


def reason_text(raw: str) -> str:
    """A delivery failure in words a secretary understands."""
    if "ActionFailed" in raw:
        code = re.search(r"retcode\W+(\d+)", raw)
        return texts.REFUSED.format(code=texts.REFUSED_CODE.format(code=code.group(1)) if code else "")
    if _CHINESE.search(raw):
        return raw
    if any(word in raw for word in _NETWORK):
        return texts.CONNECTION_LOST
    return texts.SEND_ERROR.format(raw=raw[:80])


def queued(outcome: Queued, gap_min: float, gap_max: float) -> str:
    """The answer to a broadcast handed to the outbox."""
    count = len(outcome.branches)
    return texts.QUEUED.format(count=count, names=names(outcome.branches), eta=eta(count, gap_min, gap_max))


def confirmation(held: NeedsConfirmation) -> str:
    """The answer when the same notice just went out."""
    ago = texts.JUST_NOW if held.minutes_ago < 1 else texts.MINUTES_AGO.format(minutes=held.minutes_ago)
    return texts.HELD_BACK.format(ago=ago, names=names(held.branches), minutes=held.confirm_minutes)


def report(outcome: Report, finished: bool = True) -> str:
    """How a broadcast went (the proactive report and /通知 状态)."""
    title = texts.REPORT_TITLE.format(when=when(outcome.created_at))
    if finished and not outcome.pending:
        title += texts.REPORT_DONE
    head = texts.REPORT_HEAD.format(title=title, total=outcome.total, sent=outcome.sent)
    if outcome.pending:
        head += texts.REPORT_PENDING.format(pending=outcome.pending)
    lines = [head]
    if outcome.failures:
        lines[0] += texts.REPORT_FAILED.format(count=len(outcome.failures))
        lines += [
            texts.REPORT_FAILURE.format(branch=f.branch, reason=reason_text(f.reason)) for f in outcome.failures[:20]
        ]
        if len(outcome.failures) > 20:
            lines.append(texts.REPORT_MORE.format(count=len(outcome.failures) - 20))
    else:
        lines[0] += texts.REPORT_END
    return "\n".join(lines)


def size(value: int | None) -> str:
    """Bytes for people."""
    if value is None:
        return texts.SIZE_UNKNOWN
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return texts.SIZE_BYTES.format(value=value)


def _last_push(last: datetime | None) -> str:
    return texts.PUSH_LAST.format(when=when(last)) if last else texts.PUSH_NONE.format(days=PUSH_LOOKBACK_DAYS)


def _platform_rules(state: Status) -> list[str]:
    """The configured allowance of each platform, one line each (nothing when none is set)."""
    lines = []
    for platform, rules in sorted(state.platform_rules.items()):
        parts = [
            texts.RULE_CAP.format(chat=CHAT_NAMES[kind], period=PERIOD_NAMES[period], cap=cap)
            for kind in CHAT_NAMES
            for period, cap in rules.caps(kind)
        ]
        if rules.quiet_hours:
            parts.append(texts.RULE_QUIET.format(hours=rules.quiet_hours))
        if parts:
            name = platforms.label(platform)
            lines.append(texts.PLATFORM_RULE_LINE.format(platform=name, rules="，".join(parts)))
    return [texts.PLATFORM_RULES_HEAD, *lines] if lines else []


def status(state: Status) -> str:
    """The /状态 summary."""
    lines = [texts.STATUS_HEAD.format(version=state.version, when=when(state.now)), texts.ACCOUNTS]
    for a in state.accounts:
        if a.online:
            seen = texts.ONLINE
        elif a.disconnected_at:
            seen = texts.OFFLINE_SINCE.format(when=when(a.disconnected_at))
        else:
            seen = texts.OFFLINE
        platform = platforms.label(a.platform)
        protocol = f"OneBot {a.protocol}" if a.protocol.startswith("v1") else (a.protocol or "-")
        lines.append(
            texts.ACCOUNT_LINE.format(
                self_id=a.self_id, platform=platform, protocol=protocol, seen=seen, branches=a.branches
            )
        )
    if not state.accounts:
        lines.append(texts.NO_ACCOUNTS)
    branches = texts.BRANCHES.format(active=state.active_branches, inactive=state.inactive_branches)
    if state.waiting_branches:
        branches += texts.BRANCHES_WAITING.format(waiting=state.waiting_branches)
    lines.append(branches)
    queue = texts.QUEUE.format(backlog=state.backlog)
    if state.backlog:
        queue += texts.QUEUE_DUE.format(due=state.backlog_due)
        if state.oldest_due:
            queue += texts.QUEUE_OLDEST.format(when=when(state.oldest_due))
    lines.append(queue)
    lines.append(texts.LAST_DAY.format(sent=state.sent_24h, failed=state.failed_24h))
    lines += [texts.REASON_LINE.format(reason=reason_text(r), count=c) for r, c in state.failure_reasons]
    if state.refusals:
        lines.append(texts.REFUSALS_HEAD)
        lines += [
            texts.REFUSAL_LINE.format(self_id=self_id or "-", code=code or texts.REFUSAL_NO_CODE, count=count)
            for self_id, code, count in state.refusals[:10]
        ]
    lines += _platform_rules(state)
    start, _ = clock.day_bounds(clock.local(state.now).date())
    missing = [p for p in state.pushes if not (p.last_push and p.last_push >= start)]
    lines.append(texts.PUSHES_TODAY.format(done=len(state.pushes) - len(missing), total=len(state.pushes)))
    if missing:
        shown = "、".join(
            texts.PUSH_MISSING_ITEM.format(name=p.name, last=_last_push(p.last_push)) for p in missing[:LISTED]
        )
        more = texts.PUSH_MISSING_MORE.format(count=len(missing)) if len(missing) > LISTED else ""
        lines.append(texts.PUSH_MISSING.format(shown=shown, more=more))
    if state.calendar_warning:
        lines.append(texts.CALENDAR.format(warning=state.calendar_warning))
    lines.append(_backup(state))
    if state.web_sessions is not None:
        lines.append(texts.WEB_SESSIONS.format(count=state.web_sessions))
    lines.append(texts.DATABASE.format(kind=state.database_kind, size=size(state.database_bytes)))
    return "\n".join(lines)


BACKUP_STALE_HOURS = 36
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _backup(state: Status) -> str:
    """The last good backup of either database, and whether something is wrong with the daily one."""
    good = state.last_backup
    if not state.backups_enabled:
        line = texts.BACKUP_OFF
    elif good is None:
        line = texts.BACKUP_NONE
    else:
        verified = texts.BACKUP_VERIFIED.get(good.kind, "") if good.verified else texts.BACKUP_UNVERIFIED
        line = texts.BACKUP_LAST.format(
            when=when(good.taken_at), kind=KIND_NAMES.get(good.kind, good.kind), size=size(good.size), verified=verified
        )
        if state.now - good.taken_at > timedelta(hours=BACKUP_STALE_HOURS):
            line += texts.BACKUP_STALE.format(hours=BACKUP_STALE_HOURS)
    if state.backup_failures:
        line += texts.BACKUP_FAILED.format(count=state.backup_failures)
    return line


def pushes(state: Status, page: int) -> str:
    """/状态 推送 [页]: the last study push of every active branch, a page at a time."""
    pages = max(1, math.ceil(len(state.pushes) / PUSH_PAGE))
    page = min(max(page, 1), pages)
    chunk = state.pushes[(page - 1) * PUSH_PAGE : page * PUSH_PAGE]
    lines = [texts.PUSH_PAGE_HEAD.format(page=page, pages=pages)]
    lines += [texts.PUSH_PAGE_LINE.format(name=p.name, last=_last_push(p.last_push)) for p in chunk]
    if not chunk:
        lines.append(texts.PUSH_PAGE_EMPTY)
    if page < pages:
        lines.append(texts.PUSH_PAGE_NEXT.format(page=page + 1))
    return "\n".join(lines)

"""Thin handlers for /通知 and /状态 and the group notices, and every word of this plugin a user reads."""

from __future__ import annotations

import logging
import math
import re

import nonebot
from nonebot import get_plugin_config

from bot import platform
from bot.chat import split_args
from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import PermissionDenied
from bot.runtime import branches, database, members, roles, sender, settings

from . import status as health
from .config import Config
from .notices import Departure
from .service import BroadcastRules, Broadcasts, NeedsConfirmation, Queued, Report, erase_departed, group_lost

log = logging.getLogger("redwheel.ops")
config = get_plugin_config(Config)
broadcasts = Broadcasts(
    database,
    roles,
    BroadcastRules(
        max_chars=config.ops_broadcast_max_chars,
        repeat_minutes=config.ops_broadcast_repeat_minutes,
        confirm_minutes=config.ops_broadcast_confirm_minutes,
        expire_hours=config.ops_broadcast_expire_hours,
    ),
)
PLATFORM_NAMES = {"qq": "QQ", "wechat": "微信"}
PUSH_PAGE = 40
_LISTED = 5


def _when(value) -> str:
    """A stored time as local month-day hour:minute."""
    return clock.local(value).strftime("%m-%d %H:%M")


def _names(names: list[str]) -> str:
    """A few branch names, the rest counted."""
    shown = "、".join(f"「{n}」" for n in names[:_LISTED])
    return shown + (f" 等 {len(names)} 个支部" if len(names) > _LISTED else "")


def _eta(groups: int) -> str:
    """How long the paced sending of `groups` messages takes, roughly."""
    seconds = groups * (settings.delivery_gap_min + settings.delivery_gap_max) / 2
    return "不到 1 分钟" if seconds < 60 else f"约 {math.ceil(seconds / 60)} 分钟"


def reason_text(raw: str) -> str:
    """A delivery failure in words a secretary understands."""
    if "ActionFailed" in raw:
        code = re.search(r"retcode\W+(\d+)", raw)
        suffix = f"，错误码 {code.group(1)}" if code else ""
        return f"平台拒绝发送（机器人可能已被移出、被禁言，或群已解散{suffix}）"
    if re.search(r"[\u4e00-\u9fa5]", raw):
        return raw
    if any(word in raw for word in ("NetworkError", "Timeout", "ConnectionError", "ApiNotAvailable")):
        return "与机器人账号的连接中断"
    return f"发送出错（{raw[:80]}）"


def render_queued(queued: Queued) -> str:
    """The answer to a broadcast handed to the outbox."""
    count = len(queued.branches)
    return (
        f"通知已排队，将发往 {count} 个群：{_names(queued.branches)}。"
        f"为避免平台限流会间隔发送，预计{_eta(count)}发完；发完后会告诉您结果，也可发送 /通知 状态 查看。"
    )


def render_confirmation(held: NeedsConfirmation) -> str:
    """The answer when the same notice just went out."""
    ago = "刚刚" if held.minutes_ago < 1 else f"{held.minutes_ago} 分钟前"
    return (
        f"您{ago}已向 {_names(held.branches)} 发过相同的通知，这次没有发送，以免重复。"
        f"确实要再发一次，请在 {held.confirm_minutes} 分钟内发送 /通知 确认。"
    )


def render_report(report: Report, finished: bool = True) -> str:
    """How a broadcast went (the proactive report and /通知 状态)."""
    title = f"您 {_when(report.created_at)} 发出的通知" + ("已发送完毕" if finished and not report.pending else "")
    lines = [f"{title}：共 {report.total} 个群，已送达 {report.sent} 个"]
    if report.pending:
        lines[0] += f"，还有 {report.pending} 个在排队发送"
    if report.failures:
        lines[0] += f"，未送达 {len(report.failures)} 个："
        lines += [f"· {f.branch}：{reason_text(f.reason)}" for f in report.failures[:20]]
        if len(report.failures) > 20:
            lines.append(f"……另有 {len(report.failures) - 20} 个")
    else:
        lines[0] += "。"
    return "\n".join(lines)


async def notice(actor: Actor, arg: str) -> str:
    """/通知 <内容> | /通知 全部 <内容> | /通知 支部A,支部B <内容> | /通知 状态 | /通知 确认."""
    words = split_args(arg)
    if words == ["状态"]:
        return render_report(await broadcasts.last_report(actor), finished=False)
    if words == ["确认"]:
        queued = await broadcasts.confirm(actor)
        sender.nudge()
        return render_queued(queued)
    here = await branches.of_group(actor.platform, actor.group_id)
    plan = await broadcasts.plan(actor, here, arg)
    outcome = await broadcasts.send(actor, plan)
    if isinstance(outcome, NeedsConfirmation):
        return render_confirmation(outcome)
    sender.nudge()
    return render_queued(outcome)


def _size(value: int | None) -> str:
    """Bytes for people."""
    if value is None:
        return "未知"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value} 字节"


def render_status(state: health.Status) -> str:
    """The /状态 summary."""
    lines = [f"【运行状态】红色方向盘 v{state.version} · {_when(state.now)}", "机器人账号："]
    for a in state.accounts:
        where = PLATFORM_NAMES.get(a.platform, a.platform)
        if a.online:
            seen = "在线"
        elif a.disconnected_at:
            seen = f"离线（{_when(a.disconnected_at)} 断开）"
        else:
            seen = "离线"
        lines.append(f"· {a.self_id} {where}（OneBot {a.protocol}）{seen}，负责支部群 {a.branches} 个")
    if not state.accounts:
        lines.append("· 还没有机器人账号连接过")
    lines.append(f"支部：启用 {state.active_branches} 个，停用 {state.inactive_branches} 个")
    queue = f"发送队列：待发 {state.backlog} 条"
    if state.backlog:
        queue += f"，其中已到期 {state.backlog_due} 条"
        if state.oldest_due:
            queue += f"（最早的从 {_when(state.oldest_due)} 等到现在）"
    lines.append(queue)
    lines.append(f"近 24 小时：送达 {state.sent_24h} 条，失败 {state.failed_24h} 条")
    lines += [f"  · {reason_text(reason)}：{count} 条" for reason, count in state.failure_reasons]
    start, _ = clock.day_bounds(clock.local(state.now).date())
    done = [p for p in state.pushes if p.last_push and p.last_push >= start]
    lines.append(f"学习推送：今天已推送 {len(done)}/{len(state.pushes)} 个支部")
    missing = [p for p in state.pushes if not (p.last_push and p.last_push >= start)]
    if missing:
        shown = "、".join(
            f"{p.name}（{'上次 ' + _when(p.last_push) if p.last_push else f'{health.PUSH_LOOKBACK_DAYS} 天内没有'}）"
            for p in missing[:_LISTED]
        )
        more = f" 等 {len(missing)} 个" if len(missing) > _LISTED else ""
        lines.append(f"  今天未推送：{shown}{more}；/状态 推送 查看每个支部")
    lines.append(f"数据库：{state.database_kind}，{_size(state.database_bytes)}")
    return "\n".join(lines)


def render_pushes(state: health.Status, page: int) -> str:
    """/状态 推送 [页]: the last study push of every active branch, a page at a time."""
    pages = max(1, math.ceil(len(state.pushes) / PUSH_PAGE))
    page = min(max(page, 1), pages)
    chunk = state.pushes[(page - 1) * PUSH_PAGE : page * PUSH_PAGE]
    lines = [f"各支部最近一次学习推送（第 {page}/{pages} 页）："]
    for p in chunk:
        lines.append(f"· {p.name}：{_when(p.last_push) if p.last_push else f'{health.PUSH_LOOKBACK_DAYS} 天内没有'}")
    if not chunk:
        lines.append("· 还没有启用的支部")
    if page < pages:
        lines.append(f"下一页：/状态 推送 {page + 1}")
    return "\n".join(lines)


def _online() -> dict[str, tuple[str, str]]:
    """Connected bot accounts: self_id → (platform, protocol)."""
    return {
        str(bot.self_id): (platform.platform_of(bot), "v12" if bot.adapter.get_name().endswith("12") else "v11")
        for bot in nonebot.get_bots().values()
    }


async def status(actor: Actor, arg: str) -> str:
    """/状态 (superuser) and /状态 推送 [页]."""
    if not actor.is_superuser:
        raise PermissionDenied("只有行业党委（超级管理员）可以查看运行状态。")
    words = split_args(arg)
    if words and words[0] != "推送":
        return "用法：/状态 ｜ /状态 推送 [页码]"
    state = await health.collect(database, _online())
    if words:
        page = int(words[1]) if len(words) > 1 and words[1].isdigit() else 1
        return render_pushes(state, page)
    return render_status(state)


async def departed(departure: Departure) -> None:
    """A group lost the bot (its branch stops) or a member (their record is marked as left)."""
    if departure.bot_gone:
        name = await group_lost(database, departure.platform, departure.group_id)
        if name is not None:
            branches.forget()
            log.warning("a branch was deactivated: the bot is no longer in its group")
        return
    if await members.mark_left(departure.platform, departure.group_id, departure.user_id):
        log.info("a registered member left a branch group")


async def retention() -> int:
    """Erase contact data of members who left longer ago than the retention period."""
    return await erase_departed(database, config.ops_retention_days)

"""Thin handlers of the records commands, and the /活动 发布 conversation."""

from __future__ import annotations

from pathlib import Path

from bot.chat import split_args
from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import Conflict, NotFound, PermissionDenied
from bot.core.conversation import Flow, Invalid, Step
from bot.core.outbox import Target
from bot.core.parts import File, Image, Mention, Part
from bot.core.settings import PROJECT_ROOT
from bot.runtime import branches, conversations, members, notify, roles

from .chart import render_chart
from .service import MonthlyReport, RecordsService, parse_month, parse_when

USAGE_ACTIVITY = "用法：/活动（列表）· /活动 发布 · /活动 取消 <编号>"


def _number(text: str, usage: str) -> int:
    """An activity number, or the usage line."""
    if not text.isdigit():
        raise Conflict(f"用法：{usage}")
    return int(text)


def report_text(report: MonthlyReport) -> str:
    """The monthly report in one message."""
    lines = [
        f"【{report.month:%Y年%m月} 月报】{report.branch}",
        f"成员 {report.members} 人（党员司机 {report.member_drivers}），本月参与 {report.active} 人，占 {report.active_share:.0%}",
        f"学习打卡 {report.checkins} 人次，打卡率 {report.checkin_rate:.0%}；答题 {report.quiz_answers} 人次，正确率 {report.accuracy:.0%}",
        f"活动 {report.activities} 场，报名 {report.signups} 人次，签到 {report.attendance} 人次",
        f"党员联系司机 {report.contacts} 次",
    ]
    if report.appeals:
        lines.append("诉求：" + "，".join(f"{k} {v}" for k, v in report.appeals.items()))
    if report.top:
        lines.append("积极分子：" + "、".join(f"{name}（{points}分）" for name, points in report.top))
    return "\n".join(lines)


class RecordsHandlers:
    """The records commands over one service."""

    def __init__(self, service: RecordsService, export_dir: Path | None, chart: bool) -> None:
        self.service = service
        self.export_dir = export_dir or PROJECT_ROOT / "data" / "exports"
        self.chart = chart
        self.publish_flow = conversations.register(self._publish_flow())

    async def _branch(self, actor: Actor):
        """The actor's branch, or a hint."""
        return await branches.here(actor)

    async def activity(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/活动, /活动 发布, /活动 取消 <编号>."""
        words = split_args(arg)
        branch = await self._branch(actor)
        if not words:
            items = await self.service.upcoming(branch.id)
            if not items:
                return "近期没有活动。书记可发送 /活动 发布。"
            lines = ["近期活动："]
            for activity, registered, waiting in items:
                capacity = f"/{activity.capacity}" if activity.capacity else ""
                wait = f"，候补 {waiting}" if waiting else ""
                lines.append(
                    f"{activity.id}. {activity.title} {clock.local(activity.starts_at):%m-%d %H:%M} {activity.place}"
                    f"（已报名 {registered}{capacity}{wait}，{activity.points} 分）"
                )
            lines.append("报名：/报名 <编号>；到场后：/签到 <编号>")
            return "\n".join(lines)
        if words[0] == "发布":
            await roles.require_manager(actor, branch)
            return await conversations.start(actor, self.publish_flow)
        if words[0] == "取消" and len(words) == 2:
            await roles.require_manager(actor, branch)
            activity = await self.service.cancel_activity(branch.id, _number(words[1], "/活动 取消 <编号>"))
            return f"已取消活动 {activity.id}「{activity.title}」。"
        return USAGE_ACTIVITY

    async def sign_up(self, actor: Actor, arg: str, at: list[str]) -> str | list[Part]:
        """/报名 <编号>, /报名 取消 <编号>."""
        words = split_args(arg)
        branch = await self._branch(actor)
        if len(words) == 2 and words[0] == "取消":
            moved = await self.service.withdraw(branch.id, _number(words[1], "/报名 取消 <编号>"), actor.key)
            if moved:
                platform, _, user_id = moved.partition(":")
                await notify(
                    Target(platform, "group", branch.group_id, branch.self_id),
                    [f"候补转正：活动 {words[1]} 有名额了，", *self._mention(user_id), " 已为您报名。"],
                    purpose="activity",
                )
            return "已取消报名。"
        if len(words) != 1:
            return "用法：/报名 <编号> 或 /报名 取消 <编号>"
        result = await self.service.sign_up(branch.id, _number(words[0], "/报名 <编号>"), actor.key)
        title = result.activity.title
        if result.status == "already":
            return f"您已经报名了「{title}」。"
        if result.status == "waiting":
            return f"「{title}」名额已满，您在候补第 {result.position} 位，有人取消时会通知您。"
        return f"报名成功：「{title}」，{clock.local(result.activity.starts_at):%m-%d %H:%M} 开始，到场后发送 /签到 {result.activity.id}。"

    @staticmethod
    def _mention(user_id: str) -> list[Part]:
        """An @-mention part."""
        return [Mention(user_id)]

    async def check_in(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/签到 <编号>."""
        branch = await self._branch(actor)
        words = split_args(arg)
        if len(words) != 1:
            return "用法：/签到 <活动编号>（学习打卡请直接发送“打卡”）"
        activity = await self.service.check_in(branch.id, _number(words[0], "/签到 <编号>"), actor.key)
        return f"签到成功：「{activity.title}」，获得 {activity.points} 分。"

    async def late_check_in(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/补签 <编号> @某人 <原因>."""
        branch = await roles.require_manager(actor, await self._branch(actor))
        words = split_args(arg)
        if len(words) < 2 or len(at) != 1:
            return "用法：/补签 <编号> @某人 <原因>"
        reason = " ".join(words[1:])[:100]
        key = f"{actor.platform}:{at[0]}"
        activity = await self.service.check_in(
            branch.id, _number(words[0], "/补签 <编号> @某人 <原因>"), key, by=actor.key, reason=reason
        )
        name = (await members.names(branch.id, [key])).get(key, f"用户{at[0]}")
        return f"已为 {name} 补签「{activity.title}」（原因：{reason}）。"

    async def contact(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/联系 @某人."""
        branch = await self._branch(actor)
        if len(at) != 1:  # an @ of the bot itself is no driver and is not counted here
            return "用法：/联系 @某人（党员司机登记自己联系的司机，不能是机器人）"
        key = f"{actor.platform}:{at[0]}"
        contact, previous = await self.service.contact(branch.id, actor.key, key)
        name = (await members.names(branch.id, [key])).get(key, f"用户{at[0]}")
        note = ""
        if previous:
            before = (await members.names(branch.id, [previous])).get(previous, "另一位党员")
            note = f"（此前由 {before} 联系，已改由您联系）"
        return f"已记录您联系 {name}，这是第 {contact.times} 次联系{note}。"

    async def my_contacts(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/我的联系人."""
        branch = await self._branch(actor)
        rows = await self.service.my_contacts(branch.id, actor.key)
        if not rows:
            return "您还没有联系人。发送 /联系 @某人 登记。"
        return "您联系的司机：\n" + "\n".join(
            f"· {name}：最近联系 {clock.local(last):%m-%d}，共 {times} 次" for _, name, last, times in rows
        )

    async def points(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/积分."""
        points = await self.service.points(actor.key)
        kinds = "、".join(f"{k} {v}" for k, v in sorted(points.by_kind.items(), key=lambda kv: -kv[1])) or "暂无"
        return f"您的积分：本月 {points.month}，今年 {points.year}，累计 {points.total}\n分类（累计）：{kinds}"

    async def ranking(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/积分榜: this branch, this month, the top few."""
        branch = await self._branch(actor)
        top = await self.service.ranking(branch.id, clock.today().replace(day=1))
        if not top:
            return "本月还没有积分记录，学习打卡、答题、参加活动都能得分。"
        medals = ["🥇", "🥈", "🥉"]
        lines = [f"【{branch.name} · 本月积分榜】"]
        lines += [f"{medals[i] if i < 3 else f'{i + 1}.'} {name} {points} 分" for i, (name, points) in enumerate(top)]
        return "\n".join(lines)

    async def monthly(self, actor: Actor, arg: str, at: list[str], images: bool) -> str | list[Part]:
        """/月报 [YYYY-MM] (secretary), /月报 [YYYY-MM] <支部名称|全部> (superuser)."""
        words = split_args(arg)
        month_text = words[0] if words and words[0][:1].isdigit() else None
        target = words[1] if month_text and len(words) > 1 else (words[0] if words and not month_text else None)
        try:
            first = parse_month(month_text, clock.today())
        except ValueError as error:
            return str(error)
        if target:
            if not actor.is_superuser:
                raise PermissionDenied("查看其他支部的月报需要行业党委权限。")
            if target == "全部":
                lines = [f"【{first:%Y年%m月} 全部支部】"]
                for branch in await branches.all_active():
                    report = await self.service.monthly(branch, first)
                    lines.append(
                        f"{branch.name}：成员 {report.members}，参与 {report.active_share:.0%}，"
                        f"打卡 {report.checkins}，活动 {report.activities}"
                    )
                return "\n".join(lines)
            branch = await branches.by_name(target)
            if branch is None:
                raise NotFound(f"没有名为「{target}」的支部。")
        else:
            branch = await roles.require_manager(actor, await self._branch(actor))
        report = await self.service.monthly(branch, first)
        text = report_text(report)
        if self.chart and images:
            return [text, Image(data=render_chart(report))]
        return text

    async def export(self, actor: Actor, arg: str, at: list[str]) -> str | list[Part]:
        """/台账 导出: a CSV file; full numbers only in private chat."""
        if split_args(arg) != ["导出"]:
            return "用法：/台账 导出"
        if actor.is_private:
            managed = await roles.managed_branches(actor.key)
            if len(managed) != 1:
                return "请在支部群里发送 /台账 导出（私聊导出需您只负责一个支部）。"
            branch = managed[0]
        else:
            branch = await roles.require_manager(actor, await self._branch(actor))
        path = await self.service.export(branch, self.export_dir, full=actor.is_private)
        await members.log_access(actor, "导出台账", f"branch:{branch.id}", branch.id)
        note = "" if actor.is_private else "（群内导出的手机号、车牌已打码；完整信息请私聊机器人导出）"
        return [f"「{branch.name}」台账已导出{note}", File(str(path), path.name)]

    def _publish_flow(self) -> Flow:
        """/活动 发布: 标题 → 时间 → 地点 → 名额 → 积分 → 确认."""

        def title(text: str) -> str:
            text = text.strip()
            if not 2 <= len(text) <= 40:
                raise Invalid("标题请写 2–40 个字。")
            return text

        def when(text: str):
            try:
                value = parse_when(text, clock.now())
            except ValueError as error:
                raise Invalid(str(error)) from None
            if value <= clock.now():
                raise Invalid("活动时间要在现在之后。")
            return value

        def place(text: str) -> str:
            text = text.strip()
            if not 1 <= len(text) <= 60:
                raise Invalid("地点请写 1–60 个字，线上活动写“线上”。")
            return text

        def number(low: int, high: int, label: str):
            def parse(text: str) -> int:
                text = text.strip()
                if not text.isdigit() or not low <= int(text) <= high:
                    raise Invalid(f"{label}请填 {low}–{high} 的整数。")
                return int(text)

            return parse

        async def finish(actor: Actor, data: dict) -> str:
            branch = await self._branch(actor)
            data["points"] = 3 if data.get("points") is None else data["points"]
            activity = await self.service.publish(branch.id, actor.key, data)
            capacity = f"限 {activity.capacity} 人" if activity.capacity else "不限人数"
            await notify(
                Target(branch.platform, "group", branch.group_id, branch.self_id),
                f"【活动通知】{activity.title}\n时间：{clock.local(activity.starts_at):%m月%d日 %H:%M}\n地点：{activity.place}\n"
                f"{capacity}，参加得 {activity.points} 分。报名发送 /报名 {activity.id}",
                purpose="activity",
            )
            return f"已发布活动 {activity.id}「{activity.title}」，通知稍后发到群里。"

        return Flow(
            name="活动发布",
            command="/活动 发布",
            steps=[
                Step("title", "1/5 活动标题：", title),
                Step("starts_at", "2/5 活动时间（如 11-25 19:30 或 明天 19:30）：", when),
                Step("place", "3/5 地点（线上活动写“线上”）：", place),
                Step("capacity", "4/5 名额（0 表示不限）：", number(0, 10000, "名额")),
                Step("points", "5/5 参加可得积分（0–20，默认 3）：", number(0, 20, "积分"), optional=True),
            ],
            confirm=lambda d: (
                f"请核对：{d['title']}，{clock.local(d['starts_at']):%m-%d %H:%M}，{d['place']}，"
                f"名额 {d['capacity'] or '不限'}，积分 {3 if d.get('points') is None else d['points']}"
            ),
            finish=finish,
        )

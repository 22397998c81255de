"""Thin handlers of the appeal commands, and the /诉求 intake conversation."""

from __future__ import annotations

from bot.chat import split_args
from bot.core import clock
from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Refused, Step
from bot.core.members import parse_phone
from bot.core.validation import mask_phone
from bot.runtime import branches, conversations, roles

from . import rules
from .rules import Action
from .service import MAX_DESCRIPTION, AppealService

PERIODS = {"本月": "month", "本年": "year", "全部": "all"}
_CATEGORY_MENU = "  ".join(f"{n} {c}" for n, c in enumerate(rules.CATEGORIES, start=1))


def _category(text: str) -> str:
    category = rules.parse_category(text)
    if category is None:
        raise Invalid(f"请回复类别序号：{_CATEGORY_MENU}")
    return category


def _description(text: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid("描述不能为空，请说说遇到了什么问题。")
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(f"描述最多 {MAX_DESCRIPTION} 字（现在 {len(text)} 字），请精简后再发。")
    return text


def _place(text: str) -> str:
    text = text.strip()
    if not text or len(text) > 100:
        raise Invalid("地点请写 1–100 字，例如：G75 兰海高速 贵阳东收费站附近。")
    return text


def _phone(text: str) -> str:
    try:
        return parse_phone(text)
    except Invalid as error:
        raise Invalid(f"{error}不想留电话请回复“跳过”。") from None


def describe(appeal) -> str:
    """One line of an appeal in a list."""
    received = clock.local(appeal.received_at).strftime("%m-%d")
    return f"{appeal.number} {appeal.category} {appeal.state}（{received}）"


def detail(appeal, events, full: bool) -> str:
    """An appeal with its trail; the phone in full only in private chat."""
    lines = [
        f"【诉求 {appeal.number}】{appeal.state}",
        f"类别：{appeal.category}　层级：{appeal.tier}" + (f"　级别：{appeal.level}" if appeal.level else ""),
        f"描述：{appeal.description}",
        f"地点：{appeal.place}",
    ]
    if appeal.phone:
        lines.append(f"电话：{appeal.phone if full else mask_phone(appeal.phone)}")
    if appeal.department:
        lines.append(f"承办部门：{appeal.department}")
    if appeal.close_due and appeal.state in rules.OPEN:
        lines.append(f"办结时限：{clock.local(appeal.close_due).strftime('%m月%d日 %H:%M')}")
    if appeal.result:
        lines.append(f"办理结果：{appeal.result}")
    if appeal.satisfaction:
        lines.append(f"回访：{appeal.satisfaction}")
    lines.append("办理记录：")
    for event in events[-8:]:
        note = f"（{event.note}）" if event.note else ""
        lines.append(f"· {clock.local(event.at).strftime('%m-%d %H:%M')} {event.action}{note}")
    return "\n".join(lines)


class AppealHandlers:
    """The appeal commands over one service."""

    def __init__(self, service: AppealService) -> None:
        self.service = service
        self.intake = conversations.register(self._intake_flow())

    def _intake_flow(self) -> Flow:
        """/诉求: 类别 → 描述 → 地点 → 联系电话 (private chat only) → 确认."""

        async def before(actor: Actor) -> dict:
            if actor.group_id is not None and await branches.of_group(actor.platform, actor.group_id) is None:
                raise Refused("本群还没有开通支部。诉求可以私聊机器人发送 /诉求 提交。")
            return {}

        async def finish(actor: Actor, data: dict) -> str:
            branch = await self._branch_of(actor)
            appeal = await self.service.submit(actor, branch, data)
            return (
                f"诉求已提交，编号 {appeal.number}。我们会尽快受理并告知进展；"
                f"查询进度发送 /诉求 查询 {appeal.number} 或 /我的诉求。"
            )

        def summary(data: dict) -> str:
            phone = mask_phone(data.get("phone")) or "未留"
            return (
                f"请核对诉求：\n类别：{data['category']}\n描述：{data['description']}\n"
                f"地点：{data['place']}\n联系电话：{phone}"
            )

        return Flow(
            name="诉求",
            command="/诉求",
            intro="开始提交诉求（共 4 步）。",
            steps=[
                Step("category", f"1/4 请选择类别，回复序号：\n{_CATEGORY_MENU}", _category),
                Step("description", f"2/4 请描述遇到的问题（{MAX_DESCRIPTION} 字以内）：", _description),
                Step("place", "3/4 事发地点（如 G75 贵阳东收费站附近）：", _place),
                Step(
                    "phone",
                    "4/4 联系电话（便于承办人联系您）：",
                    _phone,
                    optional=True,
                    skip=lambda actor, data: not actor.is_private,
                ),
            ],
            confirm=lambda data: summary(data),
            before=before,
            finish=finish,
        )

    async def _branch_of(self, actor: Actor):
        """The branch an appeal belongs to: the group's, or in private chat the one the person registered in."""
        if actor.group_id is not None:
            return await branches.of_group(actor.platform, actor.group_id)
        from sqlalchemy import select

        from bot.core.models import Branch, Member

        async with self.service.database.reading() as session:
            return await session.scalar(
                select(Branch)
                .join(Member, Member.branch_id == Branch.id)
                .where(Member.user_key == actor.key, Member.left_at.is_(None))
                .order_by(Member.id)
                .limit(1)
            )

    async def appeal(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/诉求 [查询|列表|统计|撤回 …]."""
        words = split_args(arg)
        if not words:
            reply = await conversations.start(actor, self.intake)
            if actor.group_id is not None:
                reply += "\n（在群里提交不收集电话；如需留电话或不便公开，可私聊机器人发送 /诉求。）"
            return reply
        sub, rest = words[0], words[1:]
        if sub == "查询":
            if not rest:
                return "用法：/诉求 查询 <编号>"
            appeal, events = await self.service.view(actor, rest[0])
            return detail(appeal, events, full=actor.is_private)
        if sub == "列表":
            branch = await branches.of_group(actor.platform, actor.group_id)
            items = await self.service.listing(actor, branch, rest[0] if rest else None)
            if not items:
                return "没有符合条件的诉求。"
            return "诉求列表（最新 20 条）：\n" + "\n".join(describe(a) for a in items)
        if sub == "统计":
            return await self.statistics(actor, rest[0] if rest else "本月")
        if sub == "撤回":
            if not rest:
                return "用法：/诉求 撤回 <编号>"
            appeal = await self.service.act(actor, rest[0], Action.WITHDRAW)
            return f"诉求 {appeal.number} 已撤回。"
        return "用法：/诉求（提交）· /诉求 查询 <编号> · /诉求 列表 [状态] · /诉求 统计 [本月|本年|全部] · /诉求 撤回 <编号>"

    async def mine(self, actor: Actor, arg: str, at: list[str]) -> str:
        """/我的诉求."""
        items = await self.service.mine(actor.key)
        if not items:
            return "您还没有提交过诉求。发送 /诉求 开始提交。"
        return "您的诉求：\n" + "\n".join(describe(a) for a in items) + "\n详情：/诉求 查询 <编号>"

    async def statistics(self, actor: Actor, period: str) -> str:
        """/诉求 统计 [本月|本年|全部]: a branch for its secretary, all branches for a superuser."""
        if period not in PERIODS:
            return "用法：/诉求 统计 [本月|本年|全部]"
        branch = await branches.of_group(actor.platform, actor.group_id)
        if actor.is_superuser and (branch is None or actor.is_private):
            scope, branch_id = "全部支部", None
        else:
            branch = await roles.require_manager(actor, branch)
            scope, branch_id = branch.name, branch.id
        today = clock.today()
        since = {"month": today.replace(day=1), "year": today.replace(month=1, day=1), "all": None}[PERIODS[period]]
        stats = await self.service.statistics(branch_id, since)
        average = f"{stats.avg_days:.1f} 天" if stats.avg_days is not None else "—"
        lines = [
            f"【诉求统计】{scope} · {period}",
            f"收集 {stats.collected}　办结 {stats.closed}　办结率 {stats.close_rate:.2%}",
            f"按期办结率 {stats.on_time_rate:.2%}　平均办理时长 {average}　超期 {stats.overdue}",
            f"满意率 {stats.satisfaction_rate:.2%}（满意+基本满意 ÷ 已回访 {stats.followed_up}，未回复不计满意）",
        ]
        if stats.by_category:
            lines.append("分类：" + "；".join(f"{c} {n}/{d}" for c, n, d in stats.by_category) + "（收集/办结）")
        return "\n".join(lines)

    async def transition(self, actor: Actor, command: str, arg: str) -> str:
        """/受理 /转办 /上报 /办结 /退回 /回访 <编号> …"""
        words = split_args(arg)
        usage = {
            "受理": "/受理 <编号> [紧急|一般]",
            "转办": "/转办 <编号> <部门>",
            "上报": "/上报 <编号>",
            "办结": "/办结 <编号> <结果>",
            "退回": "/退回 <编号> <原因>",
            "回访": "/回访 <编号> <满意|基本满意|不满意>",
        }[command]
        if not words:
            return f"用法：{usage}"
        number, rest = words[0], " ".join(words[1:])
        if command in ("转办", "办结", "退回", "回访") and not rest:
            return f"用法：{usage}"
        if command == "受理":
            appeal = await self.service.act(actor, number, Action.ACCEPT, rest or "一般")
            due = clock.local(appeal.close_due).strftime("%m月%d日 %H:%M")
            return f"已受理 {appeal.number}（{appeal.level}），办结时限 {due}。转办：/转办 {appeal.number} <部门>"
        if command == "转办":
            appeal = await self.service.act(actor, number, Action.TRANSFER, rest)
            return f"已将 {appeal.number} 转办至「{appeal.department}」，已通知承办人。"
        if command == "上报":
            appeal = await self.service.act(actor, number, Action.ESCALATE)
            return f"已将 {appeal.number} 上报至{appeal.tier}。"
        if command == "办结":
            appeal = await self.service.act(actor, number, Action.CLOSE, rest)
            return f"{appeal.number} 已办结，已请诉求人回访评价。"
        if command == "回访":
            appeal = await self.service.act(actor, number, Action.FOLLOW_UP, rest)
            if appeal.state == rules.REOPENED:
                return f"很抱歉没有让您满意，诉求 {appeal.number} 已重新办理，我们会尽快处理。"
            return f"感谢您的评价（{appeal.satisfaction}），诉求 {appeal.number} 已完成回访。"
        # 退回: a department hands the appeal back (退单); a secretary returns one that waits (不予受理).
        appeal = await self.service.find(number)
        action = Action.SEND_BACK if appeal.state == rules.TRANSFERRED else Action.REJECT
        appeal = await self.service.act(actor, number, action, rest)
        if action is Action.SEND_BACK:
            return f"已退单 {appeal.number}，已通知支部书记重新转办。"
        return f"已退回 {appeal.number}，已告知诉求人。"

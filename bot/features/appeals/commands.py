"""The appeal commands, each declared once next to its function: parse → service → format.

Roles are enforced by the dispatcher before any of these run (so nobody learns whether an appeal exists from a
command they may not use); which appeals a person may see or act on is the service's job.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.core import clock, privacy
from bot.core.commands import EVERYONE, HANDLERS, MANAGERS, Call, Usage, Where, area, command
from bot.core.participation import percent
from bot.core.parts import Image, Part, Voice
from bot.core.validation import mask_phone

from . import deadlines, evidence, flows, levels, rules, texts
from .figures import Figures
from .followup import FOLLOW_UP_REASON, read_reply
from .models import Appeal
from .notices import when
from .reading import Viewed
from .rules import Action
from .service import AppealService
from .timelimits import accept_due

APPEALS = area("诉求", "司机诉求的收集、分级分办、限时办理、跟踪回访", order=30, aliases=("诉求办理",))


def _service(call: Call) -> AppealService:
    return call.services.appeals


def _number_and_rest(call: Call, *, rest_required: bool) -> tuple[str, str]:
    words = call.words
    if not words or (rest_required and len(words) < 2):
        raise Usage()
    return words[0], " ".join(words[1:])


def line(appeal: Appeal) -> str:
    """One appeal in a list; an open appeal no department holds shows as 待分派."""
    state = appeal.state
    if state in (rules.ACCEPTED, rules.RETURNED, rules.REOPENED) and not appeal.department:
        state = f"{state}·{texts.UNASSIGNED}"
    received = clock.local(appeal.received_at).strftime("%m-%d")
    return texts.LINE.format(number=appeal.number, category=appeal.category, state=state, received=received)


def detail(viewed: Viewed, *, private: bool = False) -> str:
    """An appeal with its limits (those not met yet, 超期 marked by the one rule) and trail (催办 and 督办 included);
    the phone in full only when allowed; only number, state and limits when `status_only`."""
    appeal = viewed.appeal
    lines = [texts.DETAIL_HEAD.format(number=appeal.number, state=appeal.state)]
    kind = texts.DETAIL_KIND.format(category=appeal.category, tier=viewed.level or appeal.tier)
    kind += texts.DETAIL_LEVEL.format(level=appeal.level) if appeal.level else ""
    lines.append(kind + texts.DETAIL_CHANNEL.format(channel=appeal.channel))
    if not viewed.status_only:
        if appeal.appellant_name and viewed.full_phone:  # entered for a driver: their name, where the phone shows
            lines.append(texts.DETAIL_APPELLANT.format(name=appeal.appellant_name))
        shown = (lambda text: text) if viewed.full_phone else privacy.mask  # numbers typed into the text too
        lines.append(texts.DETAIL_DESCRIPTION.format(description=shown(appeal.description)))
        lines.append(texts.DETAIL_PLACE.format(place=shown(appeal.place)))
        if appeal.phone:
            phone = appeal.phone if viewed.full_phone else mask_phone(appeal.phone)
            lines.append(texts.DETAIL_PHONE.format(phone=phone))
    if appeal.department:
        lines.append(texts.DETAIL_DEPARTMENT.format(department=appeal.department))
    if viewed.limits:
        now = clock.now()
        shown = [
            texts.DETAIL_LIMIT.format(
                name=limit.name,
                due=when(limit.due),
                mark=texts.OVERDUE_MARK if deadlines.late([limit], now) else "",  # the one rule of 超期
            )
            for limit in viewed.limits
        ]
        lines.append(texts.DETAIL_LIMITS.format(limits="；".join(shown)))
    if viewed.status_only:
        lines.append(texts.STATUS_ONLY.format(number=appeal.number))
        return "\n".join(lines)
    if appeal.result:
        lines.append(texts.DETAIL_RESULT.format(result=appeal.result))
    if appeal.satisfaction:
        lines.append(texts.DETAIL_FOLLOW_UP.format(answer=appeal.satisfaction))
    pictures, voices, failed = evidence.counted(viewed.evidence)
    if pictures or voices:
        shown = texts.DETAIL_EVIDENCE_HERE if private else texts.DETAIL_EVIDENCE
        lines.append(shown.format(kept=evidence.kept_words(pictures, voices)))
    if failed:
        lines.append(texts.DETAIL_EVIDENCE_FAILED.format(count=failed))
    lines.append(texts.DETAIL_TRAIL)
    for event in viewed.events[-10:]:
        note = f"（{event.note}）" if event.note else ""
        at = clock.local(event.at).strftime("%m-%d %H:%M")
        lines.append(texts.DETAIL_EVENT.format(at=at, action=event.action, note=note))
    return "\n".join(lines)


# ---- the appellant ---------------------------------------------------------------------------------------
@command(
    "诉求",
    roles=EVERYONE,
    usage="/诉求",
    area=APPEALS,
    summary="提交诉求（对话：类别→描述（可发语音，可附图片）→地点→电话→确认；可私聊）",
    mention=True,
    order=1,
)
async def intake(call: Call) -> str:
    """/诉求 starts the intake conversation (the phone is asked only in private chat)."""
    if call.arg:
        raise Usage(texts.SUB_USAGE)
    reply = await call.services.conversations.start(call.actor, flows.INTAKE)
    if call.actor.group_id is not None and call.services.conversations.is_waiting(call.actor.session_key):
        reply += texts.GROUP_NO_PHONE
    return reply


@command(
    "诉求 代录",
    "代录诉求",
    roles=HANDLERS,
    usage="/诉求 代录",
    area=APPEALS,
    summary="录入 12328 专线、12345 热线、司机之家意见箱收到的诉求（对话，私聊），按同一流程办理",
    where=Where.PRIVATE,
    order=7,
)
async def enter(call: Call) -> str:
    """/诉求 代录 starts the entry conversation for an appeal received elsewhere."""
    if call.arg:
        raise Usage()
    return await call.services.conversations.start(call.actor, flows.ENTRY)


@command(
    "我的诉求", roles=EVERYONE, usage="/我的诉求", area=APPEALS, summary="我提交的诉求和进度", mention=True, order=2
)
async def mine(call: Call) -> str:
    """The appellant's latest appeals (numbers and states only)."""
    items = await _service(call).mine(call.actor.key)
    if not items:
        return texts.NO_APPEALS_YET
    return texts.MINE_HEAD + "\n".join(line(a) for a in items) + texts.MINE_TAIL


@command(
    "诉求 查询", roles=EVERYONE, usage="/诉求 查询 <编号>", area=APPEALS, summary="诉求详情、时限和办理记录", order=3
)
async def query(call: Call) -> str | list[Part]:
    """Details for those entitled; in a group only the appeal's own branch group. In private chat the kept pictures
    and voice messages follow as real ones where the platform takes them (the view is logged); never in a group."""
    number, _ = _number_and_rest(call, rest_required=False)
    service = _service(call)
    viewed = await service.view(call.actor, number, call.branch)
    text = detail(viewed, private=call.actor.is_private)
    if not call.actor.is_private:
        return text
    if viewed.pictures:
        refs = [texts.DETAIL_OLD_PHOTO.format(n=n, ref=ref) for n, ref in enumerate(viewed.pictures, start=1)]
        text += "\n" + "\n".join(refs)
    chat, too_large = evidence.for_chat(viewed.evidence)
    kept = evidence.parts_of(service.evidence, chat)
    pictures, voices, _ = evidence.counted(viewed.evidence)
    if len(kept) < pictures + voices - too_large:
        text += "\n" + texts.DETAIL_EVIDENCE_GONE.format(count=pictures + voices - too_large - len(kept))
    if too_large:
        text += "\n" + texts.DETAIL_EVIDENCE_TOO_LARGE.format(count=too_large)
    sent = [p for p in kept if (isinstance(p, Image) and "image" in call.capabilities)]
    sent += [p for p in kept if isinstance(p, Voice) and "voice" in call.capabilities]
    missing = {texts.EVIDENCE_KINDS["image" if isinstance(p, Image) else "voice"] for p in kept if p not in sent}
    if missing:
        text += "\n" + texts.DETAIL_EVIDENCE_ELSEWHERE.format(what="和".join(sorted(missing)))
    if not sent:
        return text
    await service.log_evidence(call.actor, viewed.appeal)
    return [text, *sent]


@command("诉求 撤回", roles=EVERYONE, usage="/诉求 撤回 <编号>", area=APPEALS, summary="撤回尚未受理的诉求", order=4)
async def withdraw(call: Call) -> str:
    number, _ = _number_and_rest(call, rest_required=False)
    appeal = await _service(call).act(call.actor, number, Action.WITHDRAW)
    return texts.WITHDRAWN.format(number=appeal.number)


@command(
    "回访",
    roles=EVERYONE,
    usage="/回访 <编号> <满意|基本满意|不满意>",
    area=APPEALS,
    summary="评价已办结的诉求（办结后也可直接回复 满意/基本满意/不满意；不满意将重办）",
    mention=True,
    order=5,
)
async def follow_up(call: Call) -> str:
    """/回访 <编号> <答复>, or a plain reply read as one: the answer by its meaning; a reason given with 不满意 is kept
    at once (nobody asks for it again)."""
    number, rest = _number_and_rest(call, rest_required=True)
    read = read_reply(rest)
    answer, reason = read if read else (rest, "")
    service = _service(call)
    appeal = await service.act(call.actor, number, Action.FOLLOW_UP, answer)
    if appeal.state == rules.REOPENED:
        if reason:
            await service.add_reason(call.actor, appeal.number, reason)
            return texts.SORRY_REOPENED_WITH_REASON.format(number=appeal.number)
        return texts.SORRY_REOPENED.format(number=appeal.number)
    return texts.THANKS.format(answer=appeal.satisfaction, number=appeal.number)


@command(
    FOLLOW_UP_REASON,
    roles=EVERYONE,
    usage="/回访 原因 <编号> <原因>",
    area=APPEALS,
    summary="不满意的原因（回访不满意后直接回复即可）",
    mention=True,
    hidden=True,
)
async def follow_up_reason(call: Call) -> str:
    number, reason = _number_and_rest(call, rest_required=True)
    appeal = await _service(call).add_reason(call.actor, number, reason)
    return texts.REASON_NOTED.format(number=appeal.number)


@command(
    "诉求 补充",
    roles=EVERYONE,
    usage="/诉求 补充 <编号> <说明>（可附图片或语音）",
    area=APPEALS,
    summary="诉求人补充情况、图片或语音；承办人记录办理进展（反馈、办理意见）",
    order=6,
)
async def add_note(call: Call) -> str:
    """A note, with the pictures and voice messages of the same message (fetched as it arrived)."""
    service = _service(call)
    staged = await service.evidence.take(call.actor.session_key)
    try:
        number, note = _number_and_rest(call, rest_required=not staged)
    except Usage:
        service.evidence.drop(staged)
        raise
    action, (pictures, voices, left_out) = await service.add_note(call.actor, number, note, staged)
    shown = rules.parse_number(number)
    kept = evidence.kept_words(pictures, voices)
    reply = texts.EVIDENCE_ADDED.format(number=shown, action=action, kept=kept) if kept else ""
    if left_out:
        full = texts.EVIDENCE_FULL.format(number=shown, limit=service.evidence.limits.max_items, count=left_out)
        reply = f"{reply}\n{full}" if reply else full
    return reply or texts.NOTE_SAVED.format(number=shown, action=action)


# ---- handlers --------------------------------------------------------------------------------------------
@command(
    "诉求 列表",
    roles=HANDLERS,
    usage="/诉求 列表 [状态|本级]",
    area=APPEALS,
    summary="本支部、本部门或下辖的诉求；行业党委加“本级”：上报到本级的",
    order=10,
)
async def listing(call: Call) -> str:
    words = call.words
    items = await _service(call).listing(call.actor, call.branch, words[0] if words else None)
    if not items:
        return texts.NOTHING_LISTED
    return texts.LIST_HEAD + "\n".join(line(a) for a in items)


@command("诉求 超期", roles=MANAGERS, usage="/诉求 超期", area=APPEALS, summary="超过任一时限的诉求", order=11)
async def overdue(call: Call) -> str:
    found = await _service(call).overdue(call.actor, call.branch)
    if not found:
        return texts.NOTHING_OVERDUE
    tree = await call.services.roles.org.tree()
    lines = []
    for item in found[:30]:
        appeal = item.appeal
        holder = levels.holder_label(tree, appeal, item.limit.name)
        lines.append(
            texts.OVERDUE_LINE.format(
                number=appeal.number,
                category=appeal.category,
                state=appeal.state,
                holder=holder,
                limit=item.limit.name,
                due=when(item.limit.due),
            )
        )
    return texts.OVERDUE_HEAD.format(count=len(found)) + "\n".join(lines)


@command(
    "受理", roles=MANAGERS, usage="/受理 <编号> [紧急|一般]", area=APPEALS, summary="受理并定级（设定时限）", order=12
)
async def accept(call: Call) -> str:
    number, level = _number_and_rest(call, rest_required=False)
    appeal = await _service(call).act(call.actor, number, Action.ACCEPT, level or None)
    due = when(appeal.close_due) if appeal.close_due else ""
    return texts.ACCEPTED.format(number=appeal.number, level=appeal.level, due=due)


@command("转办", roles=MANAGERS, usage="/转办 <编号> <部门>", area=APPEALS, summary="转交承办部门", order=13)
async def transfer(call: Call) -> str:
    number, department = _number_and_rest(call, rest_required=True)
    appeal = await _service(call).act(call.actor, number, Action.TRANSFER, department)
    handlers = await call.services.roles.handlers_of(appeal.department_id)
    return texts.TRANSFERRED.format(number=appeal.number, department=appeal.department, count=len(handlers))


@command(
    "上报",
    roles=MANAGERS,
    usage="/上报 <编号>",
    area=APPEALS,
    summary="上报上一级：支部→县→市→省行业党委（各级按本级时限受理、转办本级联席会议部门）",
    order=14,
)
async def escalate(call: Call) -> str:
    number, _ = _number_and_rest(call, rest_required=False)
    service = _service(call)
    appeal = await service.act(call.actor, number, Action.ESCALATE)
    tree = await call.services.roles.org.tree()
    due = accept_due(appeal.held_since or appeal.received_at, service.limits.at(appeal.tier))
    return texts.ESCALATED.format(number=appeal.number, holder=levels.home(tree, appeal).name, due=when(due))


@command("办结", roles=HANDLERS, usage="/办结 <编号> <结果>", area=APPEALS, summary="办结并请诉求人回访", order=15)
async def close(call: Call) -> str:
    number, result = _number_and_rest(call, rest_required=True)
    appeal = await _service(call).act(call.actor, number, Action.CLOSE, result)
    return texts.CLOSED.format(number=appeal.number)


@command(
    "退回",
    roles=HANDLERS,
    usage="/退回 <编号> <原因>",
    area=APPEALS,
    summary="部门退单，或书记退回不属于诉求的事项",
    order=16,
)
async def send_back(call: Call) -> str:
    number, reason = _number_and_rest(call, rest_required=True)
    service = _service(call)
    appeal, _ = await service.find_for(call.actor, number)
    action = Action.SEND_BACK if appeal.state == rules.TRANSFERRED else Action.REJECT
    appeal = await service.act(call.actor, number, action, reason)
    template = texts.SENT_BACK if action is Action.SEND_BACK else texts.REJECTED
    return template.format(number=appeal.number)


# ---- figures ---------------------------------------------------------------------------------------------
def period_bounds(period: str, today: date) -> tuple[date | None, date | None, date | None, date | None]:
    """(since, until, previous since, previous until) of 本月 / 本年 / 全部."""
    if period == "本月":
        first = today.replace(day=1)
        following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        previous = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        return first, following, previous, first
    if period == "本年":
        first = today.replace(month=1, day=1)
        return first, first.replace(year=first.year + 1), first.replace(year=first.year - 1), first
    return None, None, None, None


def _span(since: date | None, until: date | None) -> str:
    if since is None or until is None:
        return texts.PERIODS[2]
    last = until - timedelta(days=1)  # `until` is the first day after the period: people read the last day in it
    return f"{since:%Y-%m-%d}–{last:%Y-%m-%d}"


def _pct(value: float, base: int) -> str:
    """A rate to two places, or 「—」 when nothing is behind it (a new branch shows no 0.00% it did not earn)."""
    return percent(value, base, digits=2)


def _delta(now: float, before: float, percent: bool = True) -> str:
    change = now - before
    return f"{change:+.2%}" if percent else f"{change:+.0f}"


def _rate_delta(now: float, now_base: int, before: float, before_base: int) -> str:
    """「（+5.00%）」 after a rate compared with the period before; nothing when either side has no base."""
    return texts.STATS_DELTA.format(delta=_delta(now, before)) if now_base and before_base else ""


def render(scope: str, period: str, since: date | None, until: date | None, figures: Figures) -> list[str]:
    """The figures as /诉求 统计 shows them."""
    average = texts.DAYS.format(days=figures.avg_days) if figures.avg_days is not None else texts.NONE
    lines = [
        texts.STATS_HEAD.format(scope=scope, period=period, span=texts.STATS_SPAN.format(span=_span(since, until)))
        if since is not None
        else texts.STATS_HEAD.format(scope=scope, period=period, span=""),  # 全部: no dates to name
        texts.STATS_TOTALS.format(
            collected=figures.collected,
            closed=figures.closed,
            close_rate=_pct(figures.close_rate, figures.collected),
        ),
        texts.STATS_TIMES.format(
            on_time_rate=_pct(figures.on_time_rate, figures.closed), average=average, overdue=figures.overdue
        ),
        texts.STATS_FOLLOW_UP.format(
            follow_up_rate=_pct(figures.follow_up_rate, figures.ever_closed),
            satisfaction_rate=_pct(figures.satisfaction_rate, figures.answered),
            answered=figures.answered,
        ),
        texts.STATS_RETURNS.format(
            return_rate=_pct(figures.return_rate, figures.transferred),
            reopen_rate=_pct(figures.reopen_rate, figures.ever_closed),
        ),
        texts.STATS_COUNTY.format(
            county_rate=_pct(figures.county_rate, figures.closed), in_county=figures.in_county, closed=figures.closed
        ),
    ]
    return lines


@command(
    "诉求 统计",
    roles=MANAGERS,
    usage="/诉求 统计 [本月|本年|全部] [对比]",
    area=APPEALS,
    summary="收集、办结、办结率、按期办结率、回访率、满意率、小事不出县率、超期，按渠道；行业党委每个下级单位一行",
    order=17,
)
async def statistics(call: Call) -> str:
    words = call.words
    period = words[0] if words and words[0] in texts.PERIODS else texts.PERIODS[0]
    compare = "对比" in words
    if any(w not in (*texts.PERIODS, "对比") for w in words):
        raise Usage(texts.STATS_USAGE)
    actor, service = call.actor, _service(call)
    since, until, before, after = period_bounds(period, clock.today())
    scope = await call.services.roles.scope(actor)
    node = None
    if call.branch is not None and not actor.is_private:
        branch = await call.services.roles.require_manager(actor, call.branch)
        name, branch_id, conditions, fold = branch.name, branch.id, [], None
    elif scope.committee_member:  # a committee: its subtree, one line per unit right below it
        tree = await call.services.roles.org.tree()
        node = tree.root if scope.everything else tree.committees[scope.top[0]]
        conditions, unit = await service.subtree(node)
        name, branch_id, fold = node.name, None, {"place": unit}
    else:
        managed = await call.services.roles.managed_branches(actor.key)
        branch = await call.services.roles.require_manager(actor, managed[0] if managed else None)
        name, branch_id, conditions, fold = branch.name, branch.id, [], None
    dimensions = ("category", "channel", "department") + (("place",) if node is not None else ())
    figures, by_dimension = await service.statistics_by(
        branch_id, since, until, dimensions, scope=conditions, fold=fold
    )
    lines = render(name, period, since, until, figures)
    for dimension in ("category", "channel", "department"):
        items = sorted(by_dimension[dimension].items(), key=lambda item: -item[1].collected)[:8]
        if items:
            listed = "；".join(
                texts.STATS_ITEM.format(name=n, collected=f.collected, closed=f.closed) for n, f in items
            )
            lines.append(texts.STATS_BY.format(dimension=texts.DIMENSIONS[dimension], items=listed))
    if node is not None:
        lines.append(texts.STATS_UNITS)
        units = sorted(by_dimension["place"].items(), key=lambda item: (item[0] == texts.STATS_UNIT_OWN, item[0]))
        for unit_name, unit in units:
            lines.append(
                texts.STATS_UNIT.format(
                    name=unit_name,
                    collected=unit.collected,
                    closed=unit.closed,
                    close_rate=_pct(unit.close_rate, unit.collected),
                    overdue=unit.overdue,
                )
            )
    if compare and period in texts.PREVIOUS:
        old = await service.statistics(branch_id, before, after, scope=conditions)
        lines.append(
            texts.STATS_COMPARE.format(
                previous=texts.PREVIOUS[period],
                span=_span(before, after),
                collected=old.collected,
                d_collected=_delta(figures.collected, old.collected, percent=False),
                close_rate=_pct(old.close_rate, old.collected),
                d_close=_rate_delta(figures.close_rate, figures.collected, old.close_rate, old.collected),
                satisfaction_rate=_pct(old.satisfaction_rate, old.answered),
                d_satisfaction=_rate_delta(
                    figures.satisfaction_rate, figures.answered, old.satisfaction_rate, old.answered
                ),
            )
        )
    return "\n".join(lines)

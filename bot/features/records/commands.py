"""The records commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

import asyncio

from bot.core import clock
from bot.core.commands import MANAGERS, Call, Role, Usage, Where, area, command
from bot.core.errors import NotFound, PermissionDenied
from bot.core.models import Branch
from bot.core.outbox import Target
from bot.core.participation import percent
from bot.core.parts import File, Image, Mention, Part
from bot.core.validation import mask_phone

from . import flows, texts
from .activities import parse_id
from .export import FORMATS
from .reports import parse_month, report_text
from .roster import rows_of_text

RECORDS = area(
    "活动与积分",
    "活动报名签到、党员联系司机、积分与积分榜、月报、台账导出",
    order=40,
    aliases=("活动", "积分", "台账", "月报"),
)
MEMBER_DRIVERS = frozenset({Role.MEMBER})
MEDALS = ("🥇", "🥈", "🥉")


async def _branch(call: Call) -> Branch:
    """The branch of the group the command came from (the dispatcher already refused private chat)."""
    if call.branch is None:
        raise NotFound(texts.NO_OPEN_BRANCH)
    return call.branch


def _one_id(call: Call) -> int:
    """The one activity number of the argument, or the usage line (², ①, ４ and huge numbers included)."""
    words = call.words
    number = parse_id(words[0]) if len(words) == 1 else None
    if number is None:
        raise Usage()
    return number


def _recorded(points: int | None, wanted: int) -> str:
    """What the ledger recorded, in words."""
    if points is None:
        return ""
    if wanted <= 0:
        return texts.POINTS_NONE
    if points <= 0:
        return texts.POINTS_CAPPED
    if points < wanted:
        return texts.POINTS_PARTLY.format(points=points, wanted=wanted)
    return texts.POINTS_GOT.format(points=points)


def _someone(user_id: str) -> str:
    return texts.SOMEONE.format(id=user_id)


# ---- activities ------------------------------------------------------------------------------------------
@command("活动", usage="/活动", area=RECORDS, summary="近期活动", where=Where.GROUP, order=10)
async def activities(call: Call) -> str:
    """/活动: open activities of this branch."""
    if call.words:
        raise Usage("用法：/活动（列表） · /活动 发布 · /活动 取消 <编号>")
    branch = await _branch(call)
    items = await call.services.records.upcoming(branch.id)
    if not items:
        return texts.NO_ACTIVITIES
    lines = [texts.ACTIVITIES_HEAD]
    for activity, registered, waiting in items:
        lines.append(
            texts.ACTIVITY_LINE.format(
                id=activity.id,
                title=activity.title,
                when=f"{clock.local(activity.starts_at):%m-%d %H:%M}",
                place=activity.place,
                registered=registered,
                capacity=f"/{activity.capacity}" if activity.capacity else "",
                waiting=f"，候补 {waiting}" if waiting else "",
                points=activity.points,
            )
        )
    lines.append(texts.ACTIVITIES_FOOT)
    return "\n".join(lines)


@command(
    "活动 发布",
    roles=MANAGERS,
    usage="/活动 发布",
    area=RECORDS,
    summary="发布活动（对话）",
    where=Where.GROUP,
    order=60,
)
async def publish(call: Call) -> str:
    """/活动 发布: the conversation."""
    await _branch(call)
    return await call.services.conversations.start(call.actor, flows.PUBLISH)


@command(
    "活动 取消",
    roles=MANAGERS,
    usage="/活动 取消 <编号>",
    area=RECORDS,
    summary="取消活动（为它记的积分会撤回）",
    where=Where.GROUP,
    order=61,
)
async def cancel_activity(call: Call) -> str:
    """/活动 取消 <编号>."""
    branch = await _branch(call)
    done = await call.services.records.cancel_activity(branch.id, _one_id(call))
    if done.reversed_entries:
        return texts.ACTIVITY_CANCELLED_POINTS.format(
            id=done.activity.id, title=done.activity.title, count=done.reversed_entries, points=done.reversed_points
        )
    return texts.ACTIVITY_CANCELLED.format(id=done.activity.id, title=done.activity.title)


@command(
    "报名",
    usage="/报名 <编号>",
    area=RECORDS,
    summary="报名活动（满员进候补）",
    where=Where.GROUP,
    mention=True,
    order=11,
)
async def sign_up(call: Call) -> str:
    """/报名 <编号>."""
    branch = await _branch(call)
    result = await call.services.records.sign_up(branch.id, _one_id(call), call.actor.key)
    activity = result.activity
    if result.status == "already":
        return texts.ALREADY_SIGNED_UP.format(title=activity.title)
    if result.status == "waiting":
        return texts.WAITING.format(title=activity.title, position=result.position)
    return texts.SIGNED_UP.format(
        title=activity.title,
        when=f"{clock.local(activity.starts_at):%m-%d %H:%M}",
        id=activity.id,
        points=_recorded(result.points, result.wanted),
    )


@command(
    "报名 取消",
    usage="/报名 取消 <编号>",
    area=RECORDS,
    summary="取消报名（报名积分撤回，候补依次转正）",
    where=Where.GROUP,
    mention=True,
    order=12,
)
async def withdraw(call: Call) -> str:
    """/报名 取消 <编号>."""
    branch = await _branch(call)
    activity_id = _one_id(call)
    done = await call.services.records.withdraw(branch.id, activity_id, call.actor.key)
    if done.promoted:
        _, _, user_id = done.promoted.partition(":")
        first, last = texts.PROMOTED
        parts: list[Part] = [
            first.format(id=activity_id, title=done.title),
            Mention(user_id),
            last,
        ]
        await call.services.notify(
            Target(branch.platform, "group", branch.group_id, branch.self_id), parts, purpose="activity"
        )
    if done.reversed_points:
        return texts.WITHDRAWN_POINTS.format(points=done.reversed_points)
    return texts.WITHDRAWN


@command(
    "签到",
    usage="/签到 <活动编号>",
    area=RECORDS,
    summary="活动开始前 30 分钟到开始后 2 小时内签到",
    where=Where.GROUP,
    mention=True,
    order=13,
)
async def check_in(call: Call) -> str:
    """/签到 <编号>."""
    branch = await _branch(call)
    if len(call.words) != 1:
        raise Usage("用法：/签到 <活动编号>（学习打卡请直接发送“打卡”）")
    done = await call.services.records.check_in(branch.id, _one_id(call), call.actor.key)
    return texts.CHECKED_IN.format(title=done.activity.title, points=_recorded(done.points, done.wanted))


@command(
    "补签",
    roles=MANAGERS,
    usage="/补签 <编号> @某人 <原因>",
    area=RECORDS,
    summary="为成员补签（原因会保留）",
    where=Where.GROUP,
    order=62,
)
async def late_check_in(call: Call) -> str:
    """/补签 <编号> @某人 <原因>."""
    branch = await _branch(call)
    words = call.words
    activity_id = parse_id(words[0]) if words else None
    if activity_id is None or len(words) < 2 or len(call.mentions) != 1:
        raise Usage()
    reason = " ".join(words[1:])[:100]
    key = f"{call.actor.platform}:{call.mentions[0]}"
    done = await call.services.records.check_in(branch.id, activity_id, key, by=call.actor.key, reason=reason)
    name = (await call.services.members.names(branch.id, [key])).get(key, _someone(call.mentions[0]))
    return texts.LATE_CHECKED_IN.format(
        name=name, title=done.activity.title, reason=reason, points=_recorded(done.points, done.wanted)
    )


# ---- contacts --------------------------------------------------------------------------------------------
@command(
    "联系",
    roles=MEMBER_DRIVERS,
    usage="/联系 @某人",
    area=RECORDS,
    summary="党员司机登记联系一位司机",
    where=Where.GROUP,
    mention=True,
    order=20,
)
async def contact(call: Call) -> str:
    """/联系 @某人 (an @ of the bot itself is no driver and is not among the mentions)."""
    branch = await _branch(call)
    if len(call.mentions) != 1:
        raise Usage(texts.CONTACT_USAGE)
    key = f"{call.actor.platform}:{call.mentions[0]}"
    record, previous = await call.services.records.contact(branch.id, call.actor.key, key)
    names = await call.services.members.names(branch.id, [key, *([previous] if previous else [])])
    note = ""
    if previous:
        note = texts.CONTACT_MOVED.format(before=names.get(previous, texts.ANOTHER_MEMBER))
    return texts.CONTACTED.format(name=names.get(key, _someone(call.mentions[0])), times=record.times, note=note)


@command(
    "我的联系人", usage="/我的联系人", area=RECORDS, summary="我联系的司机和最近联系时间", where=Where.GROUP, order=21
)
async def my_contacts(call: Call) -> str:
    """/我的联系人."""
    branch = await _branch(call)
    rows = await call.services.records.my_contacts(branch.id, call.actor.key)
    if not rows:
        return texts.NO_CONTACTS
    lines = [texts.CONTACTS_HEAD]
    lines += [
        texts.CONTACT_LINE.format(name=name, last=f"{clock.local(last):%m-%d}", times=times)
        for _, name, last, times in rows
    ]
    return "\n".join(lines)


# ---- points ----------------------------------------------------------------------------------------------
@command("积分", usage="/积分", area=RECORDS, summary="我的积分：本月、今年、累计", mention=True, order=14)
async def points(call: Call) -> str:
    """/积分."""
    mine = await call.services.records.points(call.actor.key)
    kinds = "、".join(f"{k} {v}" for k, v in sorted(mine.by_kind.items(), key=lambda kv: -kv[1])) or texts.NONE_YET
    text = texts.MY_POINTS.format(month=mine.month, year=mine.year, total=mine.total, kinds=kinds)
    if mine.work:
        work = "、".join(f"{kind} {times} 次" for kind, times in mine.work.items())
        text += "\n" + texts.MY_WORK.format(work=work)
    return text


@command(
    "积分榜",
    "积分 榜",
    "积分 排行",
    "积分排行",
    "排行榜",
    usage="/积分榜",
    area=RECORDS,
    summary="本支部本月参与积分前十（办理诉求计工作量，另列）",
    where=Where.GROUP,
    order=15,
)
async def ranking(call: Call) -> str:
    """/积分榜: this branch, this month, the top few by participation; who handled appeals on a line apart."""
    branch = await _branch(call)
    first = clock.today().replace(day=1)
    records = call.services.records
    top = await records.ranking(branch.id, first)
    work = await records.work_done(branch.id, first)
    lines = [texts.RANKING_HEAD.format(branch=branch.name)] if top else [texts.NO_RANKING]
    lines += [f"{MEDALS[i] if i < 3 else f'{i + 1}.'} {name} {score} 分" for i, (name, score) in enumerate(top)]
    if work:
        lines.append(texts.RANKING_WORK.format(people="、".join(f"{name} {times} 次" for name, times in work)))
    return "\n".join(lines)


# ---- the monthly report and the export: secretaries (their own branches) and the committee ---------------
async def _chosen(call: Call, name: str | None, usage: str) -> list[Branch]:
    """The branches a command is about: this group's; in private chat the ones the person runs (or the one named).
    A secretary never reaches a branch they do not run."""
    services = call.services
    scope = await services.roles.scope(call.actor)
    if name:
        branch = await services.branches.by_name(name)
        if branch is None:
            raise NotFound(texts.NO_SUCH_BRANCH.format(name=name))
        if not scope.sees_branch(branch.id):
            raise PermissionDenied(texts.NOT_YOUR_BRANCH.format(name=name))
        if not call.actor.is_private and (call.branch is None or call.branch.id != branch.id):
            raise PermissionDenied(texts.ONLY_ITS_GROUP_OR_PRIVATE.format(name=name))
        return [branch]
    if not call.actor.is_private:
        return [await _branch(call)]
    managed = await services.roles.managed_branches(call.actor.key)
    if not managed:
        raise Usage(texts.NO_BRANCH_IN_PRIVATE.format(usage=usage))
    return managed


@command(
    "月报",
    roles=MANAGERS,
    usage="/月报 [YYYY-MM] [支部名称]",
    area=RECORDS,
    summary="支部月报（含图表）；行业党委可写 全部",
    order=63,
)
async def monthly(call: Call) -> str | list[Part]:
    """/月报 [YYYY-MM] [支部名称|全部]."""
    words = call.words
    month_text = words[0] if words and words[0][:1].isascii() and words[0][:1].isdigit() else None
    rest = words[1:] if month_text else words
    name = " ".join(rest) or None
    try:
        first = parse_month(month_text, clock.today())
    except ValueError as error:
        raise Usage(str(error)) from None
    records = call.services.records
    if name is None and call.actor.is_private and not await call.services.roles.managed_branches(call.actor.key):
        name = "全部"  # a committee's member in private chat: the branches below it
    if name == "全部":
        scope = await call.services.roles.scope(call.actor)
        if not scope.committee_member:
            raise PermissionDenied(texts.OTHER_BRANCH_REPORT)
        lines = [texts.ALL_HEAD.format(month=first)]
        for line in await records.monthly_lines(await call.services.roles.visible_branches(call.actor), first):
            lines.append(
                texts.ALL_LINE.format(
                    branch=line.branch,
                    members=line.members,
                    share=percent(line.active_share, line.members),
                    checkins=line.checkins,
                    activities=line.activities,
                )
            )
        return "\n".join(lines)
    branches = await _chosen(call, name, "/月报 [YYYY-MM] <支部名称>")
    if len(branches) > 1:
        names = "、".join(b.name for b in branches)
        raise Usage(texts.NAME_A_BRANCH.format(usage="/月报 [YYYY-MM] <支部名称>", names=names))
    report = await records.monthly(branches[0], first)
    text = report_text(report)
    if records.chart and call.takes("image"):
        from .chart import render_chart

        return [text, Image(data=await asyncio.to_thread(render_chart, report))]
    return text


async def _full_numbers(call: Call, branch: Branch) -> bool:
    """Whether phone numbers show in full: to the branch's own secretary and the superusers, masked to a committee's
    member above the branch."""
    return call.actor.is_superuser or await call.services.roles.is_secretary(call.actor.key, branch.id)


@command(
    "台账",
    roles=MANAGERS,
    usage="/台账 [支部名称]",
    area=RECORDS,
    summary="台账里还没有在群里登记的人（只在私聊显示名单）和已转出的成员",
    order=62,
)
async def roster(call: Call) -> str:
    """/台账 [支部名称]: who on the roster has not registered yet, in private chat only (never a list of names in a
    group), and the branch's lines of members who moved out."""
    if not call.actor.is_private:
        return texts.ROSTER_PRIVATE
    branches = await _chosen(call, call.arg.strip() or None, "/台账 <支部名称>")
    blocks = []
    for branch in branches[:5]:
        rosters = call.services.records.rosters
        total, linked = await rosters.counts(branch.id)
        missing = await rosters.not_joined(branch.id)
        if not total:
            lines = [texts.ROSTER_EMPTY.format(branch=branch.name)]
        elif not missing:
            lines = [texts.ROSTER_ALL_JOINED.format(branch=branch.name, total=total)]
        else:
            lines = [texts.ROSTER_HEAD.format(branch=branch.name, total=total, linked=linked, count=len(missing))]
            full = await _full_numbers(call, branch)
            lines += [
                texts.ROSTER_LINE_PERSON.format(
                    name=e.name, phone=e.phone if full else mask_phone(e.phone), status=f"（{e.status}）"
                )
                for e in missing[:50]
            ]
            if len(missing) > 50:
                lines.append(texts.ROSTER_MORE.format(count=len(missing)))
        moved = await call.services.members.moved_out(branch.id)
        if moved:
            items = "、".join(texts.MOVED_OUT_ITEM.format(name=m.name, branch=name) for m, name in moved[:20])
            lines.append(texts.MOVED_OUT_HEAD.format(names=items))
        await call.services.members.log_access(call.actor, texts.ACCESS_ROSTER, f"branch:{branch.id}", branch.id)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


@command(
    "台账 导入",
    roles=MANAGERS,
    usage="/台账 导入（换行后粘贴：姓名,手机,车牌,政治面貌,支部）",
    area=RECORDS,
    summary="导入原有台账；之后同名同手机号登记的人自动关联并沿用认定（私聊）",
    where=Where.PRIVATE,
    order=65,
)
async def roster_import(call: Call) -> str:
    """/台账 导入 followed by pasted lines: the roster for branches in the importer's scope, all or nothing."""
    if not call.arg.strip():
        raise Usage(texts.ROSTER_IMPORT_USAGE)
    managed = await call.services.roles.managed_branches(call.actor.key)
    default = managed[0].name if len(managed) == 1 else None
    scope = await call.services.roles.scope(call.actor)
    report = await call.services.records.rosters.import_rows(rows_of_text(call.arg, default), call.actor.key, scope)
    if report.problems:
        lines = [texts.ROSTER_REFUSED.format(count=len(report.problems))]
        lines += [texts.ROSTER_LINE.format(line=p.line, reason=p.reason) for p in report.problems[:20]]
        return "\n".join(lines)
    return texts.ROSTER_DONE.format(added=report.added, updated=report.updated, linked=report.linked)


@command(
    "转出",
    "转支部",
    "流出",
    roles=MANAGERS,
    usage="/转出 @某人 <转入支部名称>（原支部群里）· 私聊 /转出 <姓名> <转入支部名称>",
    area=RECORDS,
    summary="成员转到另一个支部（流出/流入）：档案和认定随人，原支部留转出记录",
    order=66,
)
async def transfer(call: Call) -> str:
    """/转出: by a secretary of either branch, or a committee above both."""
    words = call.words
    services = call.services
    if call.mentions and call.branch is not None and len(words) == 1:
        source, key = call.branch, f"{call.actor.platform}:{call.mentions[0]}"
    elif call.actor.is_private and len(words) == 2:
        visible = [b.id for b in await services.roles.visible_branches(call.actor)]
        found = await services.members.find(visible, words[0])
        found = [(b, m) for b, m in found if m.left_at is None]
        if not found:
            raise NotFound(texts.TRANSFER_NOBODY.format(name=words[0][:16]))
        if len(found) > 1:
            raise Usage(texts.TRANSFER_WHO.format(count=len(found), name=words[0]))
        source, key = found[0][0], found[0][1].user_key
    else:
        raise Usage(texts.TRANSFER_USAGE)
    target = await services.branches.by_name(words[-1])
    if target is None:
        raise NotFound(texts.NO_SUCH_BRANCH.format(name=words[-1][:30]))
    member = await services.members.transfer(call.actor, source, key, target)
    for branch, text in (
        (target, texts.TOLD_TRANSFER_IN.format(target=target.name, name=member.name, source=source.name)),
        (source, texts.TOLD_TRANSFER_OUT.format(source=source.name, name=member.name, target=target.name)),
    ):
        for secretary in await services.roles.secretaries_of(branch.id):
            platform, _, raw = secretary.partition(":")
            await services.notify(Target(platform, "private", raw, branch.self_id), text, purpose="registration")
    return texts.TRANSFERRED.format(name=member.name, source=source.name, target=target.name)


@command(
    "台账 导出",
    roles=MANAGERS,
    usage="/台账 导出 [xlsx|csv] [支部名称]",
    area=RECORDS,
    summary="导出成员台账（默认 Excel；只在私聊发送，群里告诉您去哪里取）",
    order=64,
)
async def export(call: Call) -> str | list[Part]:
    """/台账 导出 [xlsx|csv] [支部名称]: one file per branch, in private chat only (a group's files are open to every
    member); each export logged."""
    words = call.words
    fmt = words[0].lower() if words and words[0].lower() in FORMATS else "xlsx"
    rest = words[1:] if words and words[0].lower() in FORMATS else words
    branches = await _chosen(call, " ".join(rest) or None, "/台账 导出 [xlsx|csv] <支部名称>")
    if not call.actor.is_private:
        return texts.EXPORT_IN_PRIVATE
    records = call.services.records
    lines: list[str] = []
    files: list[Part] = []
    for branch in branches:
        # Full numbers to the branch's own secretary (and the superusers, as before); a committee's member above the
        # branch gets them masked, as on the web view (PRODUCT.md: the person and their secretary).
        full = await _full_numbers(call, branch)
        path = await records.export(branch, records.export_dir, full=full, fmt=fmt)
        await call.services.members.log_access(call.actor, texts.ACCESS_FULL, f"branch:{branch.id}", branch.id)
        lines.append(texts.EXPORTED.format(branch=branch.name, fmt=fmt.upper()))
        files.append(File(str(path), f"{branch.name}-台账-{clock.now():%Y%m%d-%H%M%S}.{fmt}"))
    return ["\n".join(lines), *files]

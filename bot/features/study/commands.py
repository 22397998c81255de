"""The study commands, each declared once next to its function: parse → service → format."""

from __future__ import annotations

from bot.core import clock
from bot.core.commands import COMMITTEES, MANAGERS, SUPERUSERS, Call, Usage, area, command
from bot.core.errors import PermissionDenied, Refusal
from bot.core.expect import reader
from bot.core.models import Branch
from bot.core.participation import Rate, percent
from bot.core.parts import Mention, Part
from bot.core.scope import Scope

from . import flows, texts
from .flows import MAX_THEME
from .materials import Question, format_material, normalize_letter
from .service import AnswerResult, parse_push_time, to_material

STUDY = area(texts.AREA, texts.AREA_DESCRIPTION, order=20)
QUIZ = "答题"
reader(QUIZ, normalize_letter)  # a bare letter after /答题 answers it
CHECK_IN_WORDS = ("打卡", "学习打卡", "已学习")
STUDY_USAGE = "/学习"
# What a secretary may add after /学习 (each is its own command too): shown to them only.
STUDY_STAFF_USAGE = "/学习 [统计|提醒|添加|主题|撤回 <编号>]"


async def _branch(call: Call) -> Branch:
    """The branch of this group, or the sentence that says how to get one (a closed branch takes no study)."""
    branch = call.branch or await call.services.branches.here(call.actor, texts.BRANCH_WHAT)
    if not branch.active:
        raise Refusal(texts.BRANCH_CLOSED.format(name=branch.name))
    return branch


async def _managed(call: Call) -> Branch:
    """The branch of this group, when the caller runs it (or is a superuser)."""
    return await call.services.roles.require_manager(call.actor, await _branch(call))


def _number(call: Call, usage: str) -> int:
    """The one material number of a command."""
    words = call.words
    if len(words) != 1 or not (words[0].isascii() and words[0].isdigit() and len(words[0]) <= 9):
        raise Usage(usage)
    return int(words[0])


def question_text(question: Question, answered: str | None = None) -> str:
    """The daily question with its options, and how to answer (or the letter already given)."""
    options = "\n".join(f"{letter}. {text}" for letter, text in question.options.items())
    if answered:
        return texts.QUESTION_ANSWERED.format(stem=question.stem, options=options, letter=answered)
    return texts.QUESTION.format(stem=question.stem, options=options)


def answer_text(result: AnswerResult) -> str:
    """The reply to an answer: right or wrong, and the explanation."""
    question = result.question
    if result.already:
        return texts.ALREADY_ANSWERED.format(letter=result.letter)
    verdict = texts.RIGHT if result.correct else texts.WRONG.format(answer=question.answer)
    explanation = texts.EXPLANATION.format(explanation=question.explanation) if question.explanation else ""
    return verdict + explanation


@command(
    "学习",
    usage=STUDY_USAGE,
    staff_usage=STUDY_STAFF_USAGE,
    staff=MANAGERS,
    area=STUDY,
    summary="今天的学习内容",
    order=10,
)
async def today(call: Call) -> str:
    """/学习: the branch's material of the day."""
    if call.words:
        raise Usage()
    branch = await _branch(call)
    material = await call.services.study.todays_material(branch.id)
    if material is None:
        return texts.EMPTY_LIBRARY
    tail = texts.TAIL_WITH_QUESTION if material.question else texts.TAIL
    return format_material(to_material(material)) + tail


@command(
    "打卡",
    usage="打卡",
    area=STUDY,
    summary="学完打卡（每天一次，可不带 /，也可说“学习打卡”“已学习”）",
    mention=True,
    loose=CHECK_IN_WORDS,
    order=11,
)
async def check_in(call: Call) -> str:
    """打卡: once a day, with the streak."""
    branch = await _branch(call)
    result = await call.services.study.check_in(branch.id, call.actor.key)
    if result.already:
        return texts.ALREADY_CHECKED_IN.format(streak=result.streak, month=result.month_count)
    studied = texts.STUDIED.format(title=result.material_title) if result.material_title else ""
    return texts.CHECKED_IN.format(studied=studied, streak=result.streak, month=result.month_count)


@command(
    QUIZ,
    usage="/答题 [A|B|C|D]",
    area=STUDY,
    summary="今日一题；看到题目后几分钟内直接回复字母即可作答（每天一次）",
    mention=True,
    order=12,
)
async def quiz(call: Call) -> str:
    """/答题 shows the question (and waits a few minutes for a bare letter); /答题 A answers it."""
    branch = await _branch(call)
    study = call.services.study
    actor = call.actor
    if not call.arg:
        _, question = await study.todays_question(branch.id)
        if question is None:
            return texts.NO_QUESTION
        answered = await study.answered(branch.id, actor.key)
        if answered is None:
            until = clock.now() + study.answer_wait
            await call.services.expectations.expect(actor.key, QUIZ, until, session_key=actor.session_key)
        return question_text(question, answered)
    letter = normalize_letter(call.arg)
    if letter is None:
        raise Usage(texts.ONE_LETTER)
    await call.services.expectations.forget(actor.key, QUIZ)
    result = await study.answer(branch.id, actor.key, letter)
    return texts.NO_QUESTION if result is None else answer_text(result)


@command(
    "学习 统计",
    roles=MANAGERS,
    usage="/学习 统计",
    area=STUDY,
    summary="今日成员打卡率；未打卡名单只在私聊里列出",
    order=20,
)
async def statistics(call: Call) -> str:
    """Today's check-ins of members (others beside); the names of those who have not studied only in private chat."""
    if call.actor.is_private:
        scope = await call.services.roles.scope(call.actor)
        if scope.committee_member:
            return await _committee_day_text(call, scope)
        branches = await call.services.roles.managed_branches(call.actor.key)
        if not branches:
            raise PermissionDenied(texts.STATS_NOT_SECRETARY)
        return "\n\n".join([await _day_text(call, branch, names=True) for branch in branches])
    return await _day_text(call, await _managed(call), names=False)


def _percent(rate: Rate) -> str:
    """A members' rate as chat shows it: 「—」 when there is no one to count (a new branch is not failing)."""
    return percent(rate.value, rate.possible)


async def _committee_day_text(call: Call, scope: Scope) -> str:
    """A committee's day: its subtree's members' rate, and one line per unit right below it (no names: those are
    each branch's secretary's to see)."""
    tree = await call.services.roles.org.tree()
    node = tree.root if scope.everything else tree.committees[scope.top[0]]
    branch_ids = sorted(tree.branches_under(tree.subtree(node.id)) & tree.active_branches)
    rates = await call.services.study.day_rates(branch_ids)
    units: dict[str, Rate] = {}
    for branch_id, rate in rates.items():
        name = tree.unit_of(node.id, branch_id)
        units[name] = units.get(name, Rate()) + rate
    total = sum(rates.values(), Rate())
    lines = [texts.STATS_COMMITTEE_HEAD.format(name=node.name, branches=len(branch_ids), rate=_percent(total))]
    lines += [
        texts.STATS_UNIT.format(name=name, rate=_percent(rate), done=rate.done, members=rate.possible)
        for name, rate in sorted(units.items())
    ]
    return "\n".join(lines)


async def _day_text(call: Call, branch: Branch, *, names: bool) -> str:
    """One branch's day: the members' rate, others beside, and the names (private chat) or where to find them."""
    stats = await call.services.study.day_stats(branch.id)
    others = texts.STATS_OTHERS.format(count=stats.study.others) if stats.study.others else ""
    lines = [
        texts.STATS_HEAD.format(branch=branch.name),
        texts.STATS_LINE.format(
            members=stats.members, registered=stats.registered_checked_in, rate=_percent(stats.study), others=others
        ),
    ]
    if not stats.missing:
        return "\n".join(lines)
    if not names:
        lines.append(texts.STATS_NAMES_PRIVATE.format(count=len(stats.missing)))
        return "\n".join(lines)
    shown = "、".join(name for _, name in stats.missing[:50])
    more = texts.STATS_MORE.format(count=len(stats.missing)) if len(stats.missing) > 50 else ""
    lines += [texts.STATS_MISSING.format(names=shown, more=more), texts.STATS_REMIND_HINT]
    return "\n".join(lines)


@command("学习 提醒", roles=MANAGERS, usage="/学习 提醒", area=STUDY, summary="@ 提醒今天还没学习的成员", order=21)
async def remind(call: Call) -> str | list[Part]:
    """One message that @-mentions the registered members who have not checked in (at most a setting)."""
    branch = await _managed(call)
    study = call.services.study
    missing = (await study.day_stats(branch.id)).missing
    if not missing:
        return texts.NOBODY_MISSING
    chosen = missing[: study.remind_max]
    parts: list[Part] = [texts.REMIND]
    for key, _ in chosen:
        parts += [" ", Mention(key.partition(":")[2])]
    if len(missing) > len(chosen):
        parts.append(texts.REMIND_REST.format(rest=len(missing) - len(chosen), limit=study.remind_max))
    return parts


@command(
    "学习 添加",
    roles=MANAGERS,
    usage="/学习 添加",
    area=STUDY,
    summary="添加学习资料（对话）；书记添加的先只在本支部使用，行业党委审核后全部支部可见",
    order=22,
)
async def add(call: Call) -> str:
    """Start the add conversation for the right branch (a superuser's material is for every branch)."""
    actor = call.actor
    initial: dict[str, object] = {"branch_id": None}
    if not actor.is_superuser:
        if call.branch is not None:
            branch = await _managed(call)
        else:
            runs = await call.services.roles.managed_branches(actor.key)
            if len(runs) != 1:
                return texts.ADD_WHICH_BRANCH if runs else texts.ADD_NO_BRANCH
            branch = runs[0]
        initial = {"branch_id": branch.id, "branch_name": branch.name}
    return await call.services.conversations.start(actor, flows.ADD, initial)


@command("学习 主题", roles=MANAGERS, usage="/学习 主题", area=STUDY, summary="资料库的主题和资料数", order=23)
async def themes(call: Call) -> str:
    """The themes this branch's library has."""
    found = await call.services.study.themes(call.branch.id if call.branch else None)
    if not found:
        return texts.THEMES_EMPTY
    return texts.THEMES.format(themes="、".join(f"{t}（{n}）" for t, n in found))


@command(
    "学习 撤回",
    roles=MANAGERS,
    usage="/学习 撤回 <编号>",
    area=STUDY,
    summary="撤回自己添加的学习资料",
    order=24,
)
async def withdraw(call: Call) -> str:
    """/学习 撤回 12."""
    row = await call.services.study.withdraw(call.actor, _number(call, texts.WITHDRAW_USAGE))
    return texts.WITHDRAWN.format(id=row.id, title=row.title)


@command(
    "学习 审核",
    roles=COMMITTEES,
    usage="/学习 审核 [通过 <编号> | 驳回 <编号> <原因>]",
    area=STUDY,
    summary="书记添加的学习资料：列出待审核的，通过（县、市审核：下辖支部可用；省级：全部支部）或驳回",
    order=25,
)
async def review(call: Call) -> str:
    """/学习 审核 · /学习 审核 通过 12 · /学习 审核 驳回 12 内容不实."""
    words = call.words
    study = call.services.study
    scope = await call.services.roles.scope(call.actor)
    if not words:
        pending = await study.pending(scope)
        if not pending:
            return texts.REVIEW_EMPTY
        items = [
            texts.REVIEW_ITEM.format(
                id=row.id,
                title=row.title,
                theme=row.theme,
                branch=name or texts.UNKNOWN_BRANCH,
                question=f"，{texts.REVIEW_HAS_QUESTION}" if row.question else "",
                body=row.body[:120],
            )
            for row, name in pending
        ]
        return "\n".join([texts.REVIEW_HEAD.format(count=len(pending)), *items, texts.REVIEW_FOOT])
    number = int(words[1]) if len(words) >= 2 and words[1].isascii() and words[1].isdigit() else None
    if number is not None and len(words[1]) > 9:
        number = None
    if words[0] == "通过" and number is not None and len(words) == 2:
        tree = await call.services.roles.org.tree()
        committee = "" if scope.everything else tree.committees[scope.top[0]].name
        row = await study.approve(call.actor, number, scope, committee)
        if committee:
            return texts.APPROVED_FOR.format(id=row.id, title=row.title, committee=committee)
        return texts.APPROVED.format(id=row.id, title=row.title)
    if words[0] == "驳回" and number is not None:
        if len(words) < 3:
            raise Usage(texts.REJECT_NEEDS_REASON)
        row = await study.reject(call.actor, number, " ".join(words[2:]), scope)
        return texts.REJECTED.format(id=row.id, title=row.title)
    raise Usage(texts.REVIEW_USAGE)


@command(
    "学习 删除",
    roles=SUPERUSERS,
    usage="/学习 删除 <编号>",
    area=STUDY,
    summary="删除任何学习资料（含内置资料），各支部不再学习和推送",
    order=26,
)
async def remove(call: Call) -> str:
    """/学习 删除 12."""
    row = await call.services.study.remove(call.actor, _number(call, texts.REMOVE_USAGE))
    return texts.REMOVED.format(id=row.id, title=row.title)


@command(
    "推送时间",
    roles=MANAGERS,
    usage="/推送时间 HH:MM",
    area=STUDY,
    summary="设置每日推送时间（默认 07:30）",
    order=30,
)
async def push_time(call: Call) -> str:
    """/推送时间 07:30."""
    branch = await _managed(call)
    if not call.arg:
        return texts.PUSH_TIME_NOW.format(time=branch.push_time)
    try:
        value = parse_push_time(call.arg)
    except ValueError as error:
        raise Usage(str(error)) from None
    await call.services.study.set_push_time(branch.id, value)
    call.services.branches.forget()
    return texts.PUSH_TIME_SET.format(time=value)


@command("推送", roles=MANAGERS, usage="/推送 开启|关闭", area=STUDY, summary="开启或关闭每日推送", order=31)
async def push_switch(call: Call) -> str:
    """/推送 开启 · /推送 关闭."""
    branch = await _managed(call)
    if call.arg not in (texts.ON, texts.OFF):
        raise Usage(texts.PUSH_SWITCH_USAGE.format(state=texts.ON if branch.push_enabled else texts.OFF))
    await call.services.study.set_push_enabled(branch.id, call.arg == texts.ON)
    call.services.branches.forget()
    return texts.PUSH_ON if call.arg == texts.ON else texts.PUSH_OFF


@command(
    "本月主题",
    roles=MANAGERS,
    usage="/本月主题 <主题>",
    area=STUDY,
    summary="一月一主题，推送优先该主题；行业党委：/本月主题 全部 <主题>（自设主题的支部仍用自己的）",
    order=32,
)
async def theme(call: Call) -> str:
    """/本月主题 安全驾驶 (own branch) · /本月主题 全部 安全驾驶 (superuser; says which branches keep their own)."""
    words = call.words
    if not words:
        raise Usage(texts.THEME_USAGE)
    study = call.services.study
    if words[0] == "全部":
        if not call.actor.is_superuser:
            raise PermissionDenied(texts.THEME_ALL_SUPERUSER)
        if len(words) != 2:
            raise Usage(texts.THEME_ALL_USAGE)
        chosen = words[1]
        if len(chosen) > MAX_THEME:
            raise Usage(texts.THEME_TOO_LONG.format(limit=MAX_THEME))
        has_materials = await study.set_theme(None, chosen, call.actor.key)
        call.services.branches.forget()  # the branch card shows the theme
        note = "" if has_materials else texts.THEME_NO_MATERIALS
        own = [(name, t) for name, t in await study.own_themes() if t != chosen]
        if own:
            names = "、".join(f"{name}「{t}」" for name, t in own[:10])
            more = texts.STATS_MORE.format(count=len(own)) if len(own) > 10 else ""
            kept = texts.THEME_ALL_KEPT.format(count=len(own), names=names, more=more, theme=chosen)
        else:
            kept = texts.THEME_ALL_EVERY.format(theme=chosen)
        return texts.THEME_SET_ALL.format(theme=chosen, note=note) + "\n" + kept
    branch = await _managed(call)
    chosen = words[0]
    if len(chosen) > MAX_THEME:
        raise Usage(texts.THEME_TOO_LONG.format(limit=MAX_THEME))
    has_materials = await study.set_theme(branch.id, chosen, call.actor.key)
    call.services.branches.forget()  # the branch card shows the theme
    note = "" if has_materials else texts.THEME_NO_MATERIALS
    return texts.THEME_SET.format(scope=branch.name, theme=chosen, note=note)

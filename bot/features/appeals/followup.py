"""The 回访 by plain reply (an expected reply, re-registered at start-up), the reason after 不满意, and progress
notes (/诉求 补充) that meet the 反馈 and 办理意见 limits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.errors import Refusal
from bot.core.expect import reader

from . import deadlines, evidence, notices, rules, texts
from .evidence import Staged
from .models import Appeal
from .rules import Action, Role, TransitionError

if TYPE_CHECKING:
    from .service import AppealService

FOLLOW_UP = "回访"  # the declared command a plain answer stands for
FOLLOW_UP_REASON = "回访 原因"
REASON_HOURS = 24  # how long a 不满意 answer waits for its reason
REASON_ACTION = "不满意原因"  # trail actions
ADDITION = "补充"
MAX_NOTE = 200

# A whole reply that is an answer by itself (after trimming punctuation and particles).
_ANSWER_WORDS = {
    "1": "满意",
    "2": "基本满意",
    "3": "不满意",
    "很好": "满意",
    "挺好": "满意",
    "好评": "满意",
    "解决了": "满意",
    "还行": "基本满意",
    "还可以": "基本满意",
    "一般": "基本满意",
    "一般般": "基本满意",
    "凑合": "基本满意",
    "马马虎虎": "基本满意",
    "不行": "不满意",
    "不好": "不满意",
    "差评": "不满意",
    "没解决": "不满意",
    "没有解决": "不满意",
    "还没解决": "不满意",
}
# Words that carry the answer inside a longer reply, longest first: 「不满意，只退了60」, 「挺满意的」, 「基本满意吧」.
_ANSWER_PHRASES = (
    ("非常不满意", "不满意"),
    ("很不满意", "不满意"),
    ("不太满意", "不满意"),
    ("不是很满意", "不满意"),
    ("不怎么满意", "不满意"),
    ("没有解决", "不满意"),
    ("还没解决", "不满意"),
    ("不满意", "不满意"),
    ("没解决", "不满意"),
    ("不满", "不满意"),
    ("基本满意", "基本满意"),
    ("比较满意", "基本满意"),
    ("还算满意", "基本满意"),
    ("还比较满意", "基本满意"),
    ("满意", "满意"),
)
# Leading words a short answer may begin a longer reply with, before its reason: 「没解决，钱还没退」.
_LEADING_WORDS = ("没解决", "没有解决", "还没解决", "不行", "还行", "还可以", "一般", "凑合", "挺好", "很好", "解决了")
_TRIM = " \u3000。.,，!！~～、…：:；;"
_PARTICLES = "的了啊呀吧哈嗯呢啦喽咯哦"


def _bare(text: str) -> str:
    """A reply without spaces, surrounding punctuation and trailing particles."""
    return text.replace(" ", "").replace("\u3000", "").strip(_TRIM).rstrip(_PARTICLES + _TRIM)


def _reason(rest: str) -> str:
    """What is left of a reply once its answer is taken: the reason, or "" when only filler is left."""
    rest = rest.strip(_TRIM).lstrip(_PARTICLES + _TRIM).strip(_TRIM)
    return rest if len(rest.rstrip(_PARTICLES + _TRIM)) >= 2 else ""


def read_reply(text: str) -> tuple[str, str] | None:
    """(answer, reason) of a 回访 reply read by its meaning: 满意 / 基本满意 / 不满意 with words around them (挺满意的,
    不满意，只退了60) or a short word that says it (还行, 没解决, 1/2/3); the reason is whatever else the reply says.
    None when the reply gives no answer (a question such as 「满意吗？」 is none)."""
    if "?" in text or "？" in text or text.strip(_TRIM).endswith(("吗", "么", "嘛")):
        return None
    bare = _bare(text)
    if bare in _ANSWER_WORDS:
        return _ANSWER_WORDS[bare], ""
    for phrase, answer in _ANSWER_PHRASES:
        at = text.find(phrase)
        if at >= 0:
            return answer, _reason(text[:at] + " " + text[at + len(phrase) :])
    stripped = text.strip(_TRIM)
    for word in _LEADING_WORDS:
        if stripped.startswith(word) and stripped[len(word) : len(word) + 1] in tuple(_TRIM):
            return _ANSWER_WORDS[word], _reason(stripped[len(word) :])
    return None


def read_answer(text: str) -> str | None:
    """满意 / 基本满意 / 不满意 from a plain reply, or None."""
    read = read_reply(text)
    return read[0] if read else None


def _answer(text: str) -> str | None:
    """满意/基本满意/不满意 and the reason said with it, as the argument after the appeal's number."""
    read = read_reply(text)
    return f"{read[0]} {read[1]}".strip() if read else None


reader(FOLLOW_UP, _answer)
reader(FOLLOW_UP_REASON, lambda text: text.strip() or None)


async def after(service: AppealService, appeal: Appeal, action: Action) -> None:
    """Replies the bot now waits for: the 回访 answer after 办结, the reason after 不满意."""
    if action is Action.CLOSE and appeal.follow_up_due is not None:
        await expect_answer(service, appeal)
    elif action is Action.FOLLOW_UP:
        await service.expectations.forget(appeal.appellant_key, FOLLOW_UP)
        if appeal.state == rules.REOPENED:
            until = clock.now() + timedelta(hours=REASON_HOURS)
            await service.expectations.expect(appeal.appellant_key, FOLLOW_UP_REASON, until, prefix=appeal.number)


async def expect_answer(service: AppealService, appeal: Appeal) -> None:
    """Read the appellant's next plain 满意/基本满意/不满意 (any chat, until the window ends) as /回访 (not for an
    appeal entered for a driver: nobody here answers for them but by /回访)."""
    assert appeal.follow_up_due is not None
    if appeal.entered_by is not None:
        return
    await service.expectations.expect(appeal.appellant_key, FOLLOW_UP, appeal.follow_up_due, prefix=appeal.number)


async def expect_pending(service: AppealService) -> int:
    """At start-up: wait again for the answers of every appeal still in its follow-up window."""
    async with service.database.reading() as session:
        waiting = (
            await session.scalars(
                select(Appeal)
                .where(Appeal.state == rules.CLOSED, Appeal.follow_up_due > clock.now())
                .order_by(Appeal.closed_at)
            )
        ).all()
    for appeal in waiting:
        await expect_answer(service, appeal)
    return len(waiting)


async def add_reason(service: AppealService, actor: Actor, number: str, reason: str) -> Appeal:
    """The reason after a 不满意 answer: into the trail and to the managers."""
    appeal, held = await service.find_for(actor, number)
    if not held & {Role.APPELLANT, Role.ON_BEHALF} or appeal.state != rules.REOPENED or appeal.satisfaction != "不满意":
        raise Refusal(texts.NO_REASON_WANTED.format(number=appeal.number))
    async with service.database.session() as session:
        await service.record(session, appeal, actor.key, REASON_ACTION, appeal.state, appeal.state, reason, clock.now())
        text = texts.TELL_REASON.format(number=appeal.number, reason=reason[:MAX_NOTE])
        await notices.managers(service, session, appeal, text)
    await service.expectations.forget(actor.key, FOLLOW_UP_REASON)
    return appeal


async def add_note(
    service: AppealService, actor: Actor, number: str, note: str, staged: list[Staged] | None = None
) -> tuple[str, tuple[int, int, int]]:
    """/诉求 补充: a handler's progress note (反馈; a department's counts as its 办理意见) goes to the appellant;
    the appellant's addition goes to whoever holds the appeal; the pictures and voice messages fetched for it are kept
    with the appeal. Returns the trail action and (pictures kept, voice messages kept, left out for lack of room)."""
    try:
        appeal, held = await service.find_for(actor, number)
        if appeal.state in rules.FINAL:
            raise TransitionError(texts.NOT_OPEN.format(number=appeal.number, state=appeal.state))
    except Exception:
        service.evidence.drop(staged or [])
        raise
    if held & {Role.SECRETARY, Role.SUPERUSER, Role.DEPARTMENT}:
        action = deadlines.OPINION if Role.DEPARTMENT in held else deadlines.FEEDBACK
    else:
        action = ADDITION
    counts = await service.evidence.attach(appeal.id, actor.key, staged) if staged else (0, 0, 0)
    kept = evidence.kept_words(counts[0], counts[1])
    if kept:
        note = (note + " " + texts.EVIDENCE_NOTE.format(kept=kept)).strip()
    failed = sum(1 for item in staged or [] if item.failed is not None)
    if failed:
        note = (note + " " + texts.EVIDENCE_FAILED_NOTE.format(count=failed)).strip()
    if not note.strip():  # nothing said and nothing kept (the appeal's files were full): no blank line, no notice
        return action, counts
    async with service.database.session() as session:
        await service.record(session, appeal, actor.key, action, appeal.state, appeal.state, note, clock.now())
        if action == ADDITION:
            text = texts.TELL_ADDED.format(number=appeal.number, note=note[:MAX_NOTE])
            if appeal.state == rules.TRANSFERRED and appeal.department:
                await notices.people(
                    service, session, appeal, await service.roles.handlers_of(appeal.department_id), text
                )
            else:
                await notices.managers(service, session, appeal, text)
        else:
            await notices.appellant(session, appeal, texts.TELL_PROGRESS.format(number=appeal.number))
    return action, counts

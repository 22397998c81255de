"""The /学习 添加 conversation: 标题 → 主题 → 正文 → 题目 → 选项 → 答案 → 解析 → 确认.

The command decides the branch (`initial={"branch_id": …}`): a secretary's material waits for review and only
their branch uses it; a superuser's (no branch) is for every branch at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.core.actor import Actor
from bot.core.conversation import Flow, Invalid, Step

from . import texts
from .materials import Material, Question, normalize_letter

ADD = "study.add"  # the flow's id: what the waiting store keeps and commands start

if TYPE_CHECKING:
    from bot.services import Services

MAX_THEME = 16


def text_step(limit: int, label: str) -> Callable[[str], str]:
    """A free-text answer: trimmed, not empty, at most `limit` characters."""

    def parse(value: str) -> str:
        value = value.strip()
        if not value:
            raise Invalid(texts.EMPTY_FIELD.format(label=label))
        if len(value) > limit:
            raise Invalid(texts.TOO_LONG.format(label=label, limit=limit, length=len(value)))
        return value

    return parse


def parse_options(value: str) -> dict[str, str]:
    """2–4 options, one a line (or separated by ；), lettered A–D whether or not the letters were typed."""
    lines = [line.strip() for line in value.replace("；", "\n").splitlines() if line.strip()]
    if not 2 <= len(lines) <= 4:
        raise Invalid(texts.BAD_OPTIONS)
    result = {}
    for index, line in enumerate(lines):
        letter = "ABCD"[index]
        result[letter] = line[1:].lstrip(" .、:：") if normalize_letter(line[:1]) == letter else line
    return result


def parse_answer(value: str) -> str:
    """The right option's letter."""
    letter = normalize_letter(value)
    if letter is None:
        raise Invalid(texts.BAD_ANSWER_LETTER)
    return letter


def _no_question(actor: Actor, data: dict[str, Any]) -> bool:
    return not data.get("stem")


def _confirm(data: dict[str, Any]) -> str:
    question = texts.CONFIRM_QUESTION if data.get("stem") else ""
    return texts.CONFIRM.format(title=data["title"], theme=data["theme"], question=question)


def add_flow(services: Services) -> Flow:
    """The conversation that adds one material (with an optional question)."""

    async def finish(actor: Actor, data: dict[str, Any]) -> str:
        question = None
        if data.get("stem"):
            if data["answer"] not in data["options"]:
                return texts.ANSWER_NOT_AN_OPTION
            question = Question(data["stem"], data["options"], data["answer"], data.get("explanation") or "")
        material = Material("", data["title"], data["theme"], (), data["body"], False, question)
        branch_id = data.get("branch_id")
        row = await services.study.add_material(actor.key, material, branch_id)
        if branch_id is None:
            return texts.ADDED_GLOBAL.format(title=row.title, id=row.id, theme=row.theme)
        return texts.ADDED_PENDING.format(
            title=row.title, id=row.id, theme=row.theme, branch=data.get("branch_name") or ""
        )

    return Flow(
        id=ADD,
        name=texts.ADD_FLOW,
        command=texts.ADD_COMMAND,
        steps=[
            Step("title", texts.ASK_TITLE, text_step(30, texts.LABEL_TITLE)),
            Step("theme", texts.ASK_THEME, text_step(MAX_THEME, texts.LABEL_THEME)),
            Step("body", texts.ASK_BODY, text_step(600, texts.LABEL_BODY)),
            # optional: the conversation adds the one （可回复“跳过”） hint itself
            Step("stem", texts.ASK_STEM, text_step(100, texts.LABEL_STEM), optional=True),
            Step("options", texts.ASK_OPTIONS, parse_options, skip=_no_question),
            Step("answer", texts.ASK_ANSWER, parse_answer, skip=_no_question),
            Step(
                "explanation",
                texts.ASK_EXPLANATION,
                text_step(200, texts.LABEL_EXPLANATION),
                skip=_no_question,
                optional=True,
            ),
        ],
        confirm=_confirm,
        finish=finish,
    )

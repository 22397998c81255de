"""The appeal workflow as pure rules: states, who may do what from which state, numbers, satisfaction.

待受理 → 已受理 (level, deadlines) → 已转办 (department) ⇄ 已退单 (reason) → 已办结 (result) → 已回访.
回访 不满意 reopens an appeal as 重办 (with new deadlines). 上报 hands it one level up the organization (支部 → 县 →
市 → 省: `levels.py`), where it waits for that level's 受理 (待受理 again, with that level's limits). A secretary
may 退回 an appeal that is no appeal (已退回); the appellant may 撤回 while it waits (已撤回). 已回访, 已退回 and
已撤回 are final.

Satisfaction: 满意 and 基本满意 count as satisfied; 不满意 does not; no answer within the follow-up window is
recorded as 未回复 and does not count as satisfied (it stays in the denominator of 满意率).
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

from bot.core.errors import Refusal

PENDING, ACCEPTED, TRANSFERRED, RETURNED, CLOSED, FOLLOWED_UP, REOPENED = (
    "待受理",
    "已受理",
    "已转办",
    "已退单",
    "已办结",
    "已回访",
    "重办",
)
REJECTED, WITHDRAWN = "已退回", "已撤回"
STATES = (PENDING, ACCEPTED, TRANSFERRED, RETURNED, CLOSED, FOLLOWED_UP, REOPENED, REJECTED, WITHDRAWN)
FINAL = frozenset({FOLLOWED_UP, REJECTED, WITHDRAWN})
OPEN = (ACCEPTED, TRANSFERRED, RETURNED, REOPENED)
DONE = (CLOSED, FOLLOWED_UP)

CATEGORIES = ("运费拖欠", "停车", "维修救援", "执法检查", "权益保障", "其他")
LEVELS = ("紧急", "一般")
SATISFIED = ("满意", "基本满意")
ANSWERS = ("满意", "基本满意", "不满意")
NO_ANSWER = "未回复"


class Role(Enum):
    """Who acts on an appeal."""

    APPELLANT = "诉求人"
    SECRETARY = "书记"
    SUPERUSER = "行业党委"
    COMMITTEE = "上级行业党委"  # a committee whose subtree holds the appeal
    DEPARTMENT = "承办部门"
    ON_BEHALF = "代录人"  # an appeal entered for a driver (/诉求 代录): who entered it, or whoever manages it


class Action(Enum):
    """What can be done to an appeal."""

    ACCEPT = "受理"
    TRANSFER = "转办"
    SEND_BACK = "退单"
    CLOSE = "办结"
    FOLLOW_UP = "回访"
    ESCALATE = "上报"
    REJECT = "退回"
    WITHDRAW = "撤回"


class TransitionError(Refusal):
    """A change the workflow does not allow; the message says why, in Chinese."""


MANAGERS = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.SUPERUSER})
_ALLOWED: dict[Action, tuple[frozenset, frozenset[Role]]] = {
    Action.ACCEPT: (frozenset({PENDING}), MANAGERS),
    Action.TRANSFER: (frozenset({ACCEPTED, RETURNED, REOPENED}), MANAGERS),
    Action.SEND_BACK: (frozenset({TRANSFERRED}), MANAGERS | {Role.DEPARTMENT}),
    Action.CLOSE: (frozenset({ACCEPTED, TRANSFERRED, RETURNED, REOPENED}), MANAGERS | {Role.DEPARTMENT}),
    Action.FOLLOW_UP: (frozenset({CLOSED}), frozenset({Role.APPELLANT, Role.ON_BEHALF})),
    Action.ESCALATE: (frozenset({PENDING, *OPEN}), MANAGERS),
    Action.REJECT: (frozenset({PENDING}), MANAGERS),
    Action.WITHDRAW: (frozenset({PENDING}), frozenset({Role.APPELLANT, Role.ON_BEHALF})),
}


# What the holder of an appeal does: once a committee took it up, its branch's secretary no longer does these.
HOLDER_ACTIONS = frozenset(
    {Action.ACCEPT, Action.TRANSFER, Action.SEND_BACK, Action.CLOSE, Action.ESCALATE, Action.REJECT}
)


def check(state: str, action: Action, roles: set[Role], department_matches: bool = True) -> None:
    """Raise TransitionError unless one of `roles` may do `action` on an appeal in `state`."""
    from . import texts

    states, allowed = _ALLOWED[action]
    if state in FINAL:
        raise TransitionError(texts.FINAL_STATE.format(state=state, action=action.value))
    if state not in states:
        hint = texts.WRONG_STATE_HINTS.get(action.value, "")
        raise TransitionError(texts.WRONG_STATE.format(state=state, action=action.value, hint=hint))
    usable = roles & allowed
    if usable == {Role.DEPARTMENT} and not department_matches:
        raise TransitionError(texts.NOT_YOUR_DEPARTMENT)
    if not usable:
        raise TransitionError(texts.NEEDS_ROLE.format(action=action.value, who="、".join(r.value for r in allowed)))


def next_state(state: str, action: Action, answer: str | None = None) -> str:
    """The state after an allowed action."""
    return {
        Action.ACCEPT: ACCEPTED,
        Action.TRANSFER: TRANSFERRED,
        Action.SEND_BACK: RETURNED,
        Action.CLOSE: CLOSED,
        Action.FOLLOW_UP: REOPENED if answer == "不满意" else FOLLOWED_UP,
        Action.ESCALATE: PENDING,
        Action.REJECT: REJECTED,
        Action.WITHDRAW: WITHDRAWN,
    }[action]


def flags_of(action: str, to_state: str) -> dict[str, bool]:
    """The appeal's flags a trail line sets: 退单 → was_returned; 回访 into 重办 (不满意) → was_reopened."""
    if action == Action.SEND_BACK.value:
        return {"was_returned": True}
    if action == Action.FOLLOW_UP.value and to_state == REOPENED:
        return {"was_reopened": True}
    return {}


_NUMBER = re.compile(r"^SQ(\d{8})-(\d{4,})$")


def format_number(day: date, seq: int) -> str:
    """SQ20261122-0007."""
    return f"SQ{day.strftime('%Y%m%d')}-{seq:04d}"


def parse_number(text: str) -> str | None:
    """A normalised appeal number, or None when the text is none."""
    text = text.strip().upper().replace("－", "-")
    return text if _NUMBER.match(text) else None


CATEGORY_WORDS = {
    "其它": "其他",
    "拖欠": "运费拖欠",
    "欠运费": "运费拖欠",
    "修车": "维修救援",
    "检查": "执法检查",
    "维权": "权益保障",
}


def parse_category(text: str) -> str | None:
    """A category by its number (1–6), its name, or a part of it that names one alone (运费, 救援, 维权 …)."""
    text = text.strip().strip("。.!！ ")
    if text.isdigit() and 1 <= int(text) <= len(CATEGORIES):
        return CATEGORIES[int(text) - 1]
    if text in CATEGORIES:
        return text
    if text in CATEGORY_WORDS:
        return CATEGORY_WORDS[text]
    named = [c for c in CATEGORIES if len(text) >= 2 and (text in c or c in text)]
    return named[0] if len(named) == 1 else None

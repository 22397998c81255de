"""Multi-step conversations kept in our own store, so waiting for an answer costs no NoneBot matcher.

NoneBot keeps every conversation waiting in `got` as a temporary matcher that every group message is
checked against; here one matcher asks `is_waiting(session)` (a dict lookup) instead. Conversations
time out, `取消` ends them at any step, and a row in `pending_conversation` lets a restarted bot tell
the person their conversation was cut off (nothing of it was stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from . import clock
from .actor import Actor
from .db import Database
from .errors import Refusal
from .models import PendingConversation
from .parts import Part

CANCEL_WORDS = frozenset({"取消", "退出", "算了", "/取消", "#取消"})
CONFIRM_WORDS = frozenset(
    {"确认", "确定", "是", "提交", "确认提交", "对", "没错", "正确", "没问题", "好", "可以", "行", "ok", "y", "yes"}
)
SKIP_WORDS = frozenset({"跳过", "无", "没有", "不填", "-"})
# Said around a yes: 对的, 好的, 是的呀, 确认了！, OK。
_AROUND_YES = "的了啊呀吧哈嗯呢啦喽咯"
_PUNCTUATION = " \u3000。.,，!！~～、…"


def is_confirmation(text: str) -> bool:
    """A yes to a summary, however it is said: 确认, 对的, 好的, 是的, 没问题, OK …"""
    word = text.strip(_PUNCTUATION).lower().replace(" ", "")
    return word in CONFIRM_WORDS or word.rstrip(_AROUND_YES + _PUNCTUATION) in CONFIRM_WORDS


class Invalid(Exception):
    """An answer that does not fit the step; the message is the hint shown when asking again."""


class Refused(Refusal):
    """A conversation that may not start (or finish) for this person; the message says why."""


@dataclass
class Step:
    """One question: what to ask, how to read the answer, and when to skip it."""

    key: str
    ask: str | Callable[[dict[str, Any]], str]
    parse: Callable[..., Any]  # (answer) → value; with `reads_data`, (answer, the answers so far) → value
    skip: Callable[[Actor, dict[str, Any]], bool] | None = None
    optional: bool = False
    reads_data: bool = False

    def prompt(self, data: dict[str, Any]) -> str:
        """The question text for the current data (an optional step says how to skip it, unless it already does)."""
        text = self.ask(data) if callable(self.ask) else self.ask
        return f"{text}（可回复“跳过”）" if self.optional and "跳过" not in text else text

    def read(self, text: str, data: dict[str, Any]) -> Any:
        """The value of an answer."""
        return self.parse(text, data) if self.reads_data else self.parse(text)


@dataclass
class Flow:
    """A conversation: its steps, an optional summary to confirm, and what to do with the answers."""

    name: str
    command: str
    steps: list[Step]
    finish: Callable[[Actor, dict[str, Any]], Awaitable[str | list[Part]]]
    confirm: Callable[[dict[str, Any]], str] | None = None
    # Runs before the first question; raise Refused to refuse to start.
    before: Callable[[Actor], Awaitable[dict[str, Any] | None]] | None = None
    intro: str = ""


@dataclass
class _State:
    """Where one person is in one flow."""

    flow: Flow
    actor: Actor
    index: int
    data: dict[str, Any]
    expires_at: datetime
    confirming: bool = False


@dataclass
class Outcome:
    """What to say back, and whether the conversation is over."""

    reply: str | list[Part]
    done: bool


@dataclass
class Expired:
    """A conversation that timed out, for the timeout notice."""

    actor: Actor
    flow_name: str
    command: str


class Conversations:
    """All conversations in flight in this process."""

    def __init__(self, database: Database, timeout_seconds: int) -> None:
        self.database = database
        self.timeout = timedelta(seconds=timeout_seconds)
        self.owner = f"conv-{uuid.uuid4().hex[:12]}"
        self._states: dict[str, _State] = {}
        self.flows: dict[str, Flow] = {}

    def register(self, flow: Flow) -> Flow:
        """Make a flow known (by name)."""
        self.flows[flow.name] = flow
        return flow

    def is_waiting(self, session_key: str) -> bool:
        """Whether this person has a conversation waiting for an answer here (called for every message)."""
        return session_key in self._states

    def waiting_for(self, session_key: str) -> str | None:
        """What a waiting conversation asked last (to remind the person after another command), or None."""
        state = self._states.get(session_key)
        if state is None:
            return None
        if state.confirming:
            return f"「{state.flow.name}」等待您回复“确认”或“取消”"
        return f"「{state.flow.name}」还在等待您回答：{state.flow.steps[state.index].prompt(state.data)}"

    def __len__(self) -> int:
        return len(self._states)

    async def start(self, actor: Actor, flow: Flow, initial: dict[str, Any] | None = None) -> str:
        """Begin a flow (replacing any other of this person in this chat); returns the first question."""
        data = dict(initial or {})
        if flow.before is not None:
            try:
                data.update(await flow.before(actor) or {})
            except Refused as refusal:
                return str(refusal)
        replaced = self._states.pop(actor.session_key, None)
        state = _State(flow, actor, -1, data, clock.now() + self.timeout)
        question = self._advance(state)
        self._states[actor.session_key] = state
        await self._persist(actor, flow)
        notes = []
        if replaced is not None and replaced.flow.name != flow.name:
            notes.append(f"（已放弃未完成的「{replaced.flow.name}」）")
        if flow.intro:
            notes.append(flow.intro)
        notes.append(question)
        notes.append("随时回复“取消”可退出。")
        return "\n".join(notes)

    def _advance(self, state: _State) -> str:
        """Move to the next step that applies and return its question (or the confirmation text)."""
        state.index += 1
        while state.index < len(state.flow.steps):
            step = state.flow.steps[state.index]
            if step.skip is None or not step.skip(state.actor, state.data):
                return step.prompt(state.data)
            state.index += 1
        state.confirming = True
        if state.flow.confirm is None:
            return ""
        return f"{state.flow.confirm(state.data)}\n回复“确认”提交，回复“取消”放弃。"

    async def answer(self, actor: Actor, text: str) -> Outcome | None:
        """Feed one answer; None when this person has no conversation here."""
        state = self._states.get(actor.session_key)
        if state is None:
            return None
        text = text.strip()
        if clock.now() > state.expires_at:
            await self._end(actor)
            return Outcome(f"「{state.flow.name}」已超时，请重新发送 {state.flow.command} 开始。", True)
        if text in CANCEL_WORDS:
            await self._end(actor)
            return Outcome(f"已取消「{state.flow.name}」，没有保存任何内容。", True)
        state.expires_at = clock.now() + self.timeout
        if state.confirming:
            return await self._confirm(actor, state, text)
        step = state.flow.steps[state.index]
        try:
            value = None if step.optional and text in SKIP_WORDS else step.read(text, state.data)
        except Invalid as error:
            return Outcome(f"{error}\n{step.prompt(state.data)}", False)
        state.data[step.key] = value
        question = self._advance(state)
        if state.confirming and state.flow.confirm is None:
            return await self._confirm(actor, state, "确认")
        return Outcome(question, False)

    async def _confirm(self, actor: Actor, state: _State, text: str) -> Outcome:
        """Finish on 确认; anything else asks again."""
        if not is_confirmation(text):
            return Outcome("请回复“确认”提交，或回复“取消”放弃。", False)
        # Leave the state in place until finish succeeds: a failure must not lose the answers.
        try:
            reply = await state.flow.finish(actor, state.data)
        except Refused as error:
            await self._end(actor)
            return Outcome(str(error), True)
        await self._end(actor)
        return Outcome(reply, True)

    async def cancel(self, actor: Actor) -> bool:
        """End this person's conversation here, if any."""
        if actor.session_key not in self._states:
            return False
        await self._end(actor)
        return True

    async def _end(self, actor: Actor) -> None:
        """Forget a conversation, in memory and in the store."""
        self._states.pop(actor.session_key, None)
        async with self.database.session() as session:
            await session.execute(
                delete(PendingConversation).where(PendingConversation.session_key == actor.session_key)
            )

    async def _persist(self, actor: Actor, flow: Flow) -> None:
        """Remember that a conversation is in flight (not its answers: nothing half-written is kept)."""
        async with self.database.session() as session:
            await session.merge(
                PendingConversation(
                    session_key=actor.session_key,
                    flow=flow.name,
                    command=flow.command,
                    platform=actor.platform,
                    self_id=actor.self_id,
                    group_id=actor.group_id,
                    user_id=actor.user_id,
                    owner=self.owner,
                    started_at=clock.now(),
                )
            )

    async def expire(self) -> list[Expired]:
        """Drop conversations idle past the timeout; returns them for a notice."""
        now = clock.now()
        expired = [s for s in self._states.values() if now > s.expires_at]
        for state in expired:
            await self._end(state.actor)
        return [Expired(s.actor, s.flow.name, s.flow.command) for s in expired]

    async def interrupted(self, self_id: str) -> list[Expired]:
        """Conversations of an earlier run of this bot account, cut off by a restart; forgets them."""
        async with self.database.session() as session:
            rows = (
                await session.scalars(
                    select(PendingConversation).where(
                        PendingConversation.self_id == self_id, PendingConversation.owner != self.owner
                    )
                )
            ).all()
            for row in rows:
                await session.delete(row)
        return [Expired(Actor(r.platform, r.user_id, r.group_id, r.self_id), r.flow, r.command) for r in rows]

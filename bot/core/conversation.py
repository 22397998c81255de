"""Multi-step conversations kept in the waiting store, so waiting for an answer costs no NoneBot matcher.

NoneBot keeps every conversation waiting in `got` as a temporary matcher that every group message is checked
against; here a flow is registered once by its id (`register`, from the area's `service.build`), and a person's
place in it is a `flow` row of the waiting store (bot/core/waiting.py): every process can continue it, and the
chatter gate asks a set in memory whether a chat is waited for. Conversations time out, `取消` ends them at any
step; the answers so far live in that row only until the conversation ends (finished, cancelled, timed out, or cut
off by a restart of the account's process, which tells the person to start again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from . import clock
from .actor import Actor
from .errors import Refusal
from .parts import Part
from .waiting import FLOW, Wait, Waiting

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
    """A conversation: its id (what is stored), its display name, its steps, an optional summary to confirm, and what
    to do with the answers. Whatever a step or `finish` needs beyond the answers comes in the start's `initial` data
    (ids, never objects: another process may continue it)."""

    id: str
    name: str
    command: str
    steps: list[Step]
    finish: Callable[[Actor, dict[str, Any]], Awaitable[str | list[Part]]]
    confirm: Callable[[dict[str, Any]], str] | None = None
    # Runs before the first question; raise Refused to refuse to start.
    before: Callable[[Actor], Awaitable[dict[str, Any] | None]] | None = None
    intro: str | Callable[[dict[str, Any]], str] = ""

    def opening(self, data: dict[str, Any]) -> str:
        """The intro for the data it starts with."""
        return self.intro(data) if callable(self.intro) else self.intro


@dataclass
class _State:
    """Where one person is in one flow (stored as a `flow` wait)."""

    flow: Flow
    actor: Actor
    index: int
    data: dict[str, Any]
    confirming: bool = False
    wait: Wait | None = None


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
    """The registered flows, and every conversation in flight in the waiting store."""

    def __init__(self, waiting: Waiting, timeout_seconds: int) -> None:
        self.waiting = waiting
        self.timeout = timedelta(seconds=timeout_seconds)
        self.flows: dict[str, Flow] = {}

    def register(self, flow: Flow) -> Flow:
        """Make a flow known by its id (once; an area registers its flows in its `service.build`)."""
        if flow.id in self.flows:
            raise ValueError(f"flow {flow.id} registered twice")
        self.flows[flow.id] = flow
        return flow

    def is_waiting(self, session_key: str) -> bool:
        """Whether a conversation waits for an answer in this chat (a set lookup; the gate keeps it fresh)."""
        return self.waiting.in_chat(session_key)

    async def _load(self, session_key: str) -> _State | None:
        found = await self.waiting.find(FLOW, session_key=session_key)
        if not found:
            return None
        wait = found[-1]
        flow = self.flows.get(wait.ref)
        if flow is None:  # a flow this version no longer has
            await self.waiting.remove(found)
            return None
        stored = wait.data
        actor = Actor(**stored["actor"])
        return _State(flow, actor, stored["index"], stored["answers"], stored["confirming"], wait)

    async def _store(self, state: _State) -> None:
        data = {
            "actor": asdict(state.actor),
            "index": state.index,
            "answers": state.data,
            "confirming": state.confirming,
        }
        until = clock.now() + self.timeout
        if state.wait is None:
            actor = state.actor
            wait = Wait(FLOW, actor.session_key, actor.key, state.flow.id, data, until, actor.self_id)
            state.wait = await self.waiting.put(wait, one_per_chat=True)
        else:
            state.wait.data, state.wait.until = data, until
            await self.waiting.keep(state.wait)

    async def current(self, session_key: str) -> str | None:
        """The id of the flow waiting in this chat, or None."""
        if not self.is_waiting(session_key):
            return None
        state = await self._load(session_key)
        return None if state is None else state.flow.id

    async def waiting_for(self, session_key: str) -> str | None:
        """What a waiting conversation asked last (to remind the person after another command), or None."""
        if not self.is_waiting(session_key):
            return None
        state = await self._load(session_key)
        if state is None:
            return None
        if state.confirming:
            return f"「{state.flow.name}」等待您回复“确认”或“取消”"
        return f"「{state.flow.name}」还在等待您回答：{state.flow.steps[state.index].prompt(state.data)}"

    async def start(self, actor: Actor, flow: Flow | str, initial: dict[str, Any] | None = None) -> str:
        """Begin a registered flow (replacing any other of this person in this chat); returns the first question."""
        flow = self.flows[flow] if isinstance(flow, str) else flow
        if self.flows.get(flow.id) is not flow:
            raise KeyError(f"flow {flow.id} is not registered")
        data = dict(initial or {})
        if flow.before is not None:
            try:
                data.update(await flow.before(actor) or {})
            except Refused as refusal:
                return str(refusal)
        replaced = await self._load(actor.session_key) if self.is_waiting(actor.session_key) else None
        state = _State(flow, actor, -1, data)
        question = self._advance(state)
        await self._store(state)
        notes = []
        if replaced is not None and replaced.flow.id != flow.id:
            notes.append(f"（已放弃未完成的「{replaced.flow.name}」）")
        if flow.opening(data):
            notes.append(flow.opening(data))
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
        state = await self._load(actor.session_key)
        if state is None:
            return None
        state.actor = actor if state.actor.session_key == actor.session_key else state.actor
        text = text.strip()
        assert state.wait is not None
        if clock.now() > state.wait.until:
            await self._end(state)
            return Outcome(f"「{state.flow.name}」已超时，请重新发送 {state.flow.command} 开始。", True)
        if text in CANCEL_WORDS:
            await self._end(state)
            return Outcome(f"已取消「{state.flow.name}」，没有保存任何内容。", True)
        if state.confirming:
            return await self._confirm(actor, state, text)
        step = state.flow.steps[state.index]
        try:
            value = None if step.optional and text in SKIP_WORDS else step.read(text, state.data)
        except Invalid as error:
            await self._store(state)  # the time starts again
            return Outcome(f"{error}\n{step.prompt(state.data)}", False)
        state.data[step.key] = value
        question = self._advance(state)
        if state.confirming and state.flow.confirm is None:
            return await self._confirm(actor, state, "确认")
        await self._store(state)
        return Outcome(question, False)

    async def _confirm(self, actor: Actor, state: _State, text: str) -> Outcome:
        """Finish on 确认; anything else asks again."""
        if not is_confirmation(text):
            await self._store(state)
            return Outcome("请回复“确认”提交，或回复“取消”放弃。", False)
        # Leave the state in place until finish succeeds: a failure must not lose the answers.
        try:
            reply = await state.flow.finish(actor, state.data)
        except Refused as error:
            await self._end(state)
            return Outcome(str(error), True)
        await self._end(state)
        return Outcome(reply, True)

    async def cancel(self, actor: Actor) -> bool:
        """End this person's conversation here, if any."""
        state = await self._load(actor.session_key)
        if state is None:
            return False
        await self._end(state)
        return True

    async def _end(self, state: _State) -> None:
        """Forget a conversation and its answers."""
        if state.wait is not None:
            await self.waiting.remove([state.wait])

    async def expire(self) -> list[Expired]:
        """Drop the conversations this process moved last that are idle past the timeout; returns them for a notice."""
        return [self._expired(w) for w in await self.waiting.take_over(FLOW, mine=True)]

    async def interrupted(self, self_id: str) -> list[Expired]:
        """Conversations of this bot account that another run of the bot moved last (cut off by a restart or a
        takeover): forgotten, for a notice."""
        return [self._expired(w) for w in await self.waiting.take_over(FLOW, mine=False, self_id=self_id)]

    def _expired(self, wait: Wait) -> Expired:
        flow = self.flows.get(wait.ref)
        actor = Actor(**wait.data["actor"])
        return Expired(actor, flow.name if flow else wait.ref, flow.command if flow else "")

"""Play one branch group's story the same way on every platform, with the bot as a real process.

A `Chat` is the platform-neutral driver: people write in the branch group and in private chat, and the test reads
what the bot said — the same calls over OneBot v11 (`OneBotChat`, the bot's reverse WebSocket) and over the official
QQ bot (`QQBotChat`, the fake gateway and HTTP API of `tests.support.qqfake`). What differs stays here:

- who a person is: one QQ number on OneBot; on the official QQ bot a `member_openid` in the group and a different
  `user_openid` in private chat (`member_id`, `private_id`);
- an @-mention: an `at` segment on OneBot; `<@member_openid>` in the content and the event's `mentions` list on the
  official bot. What the bot says is read back with every mention as `@<member id>` (`Said.text`, `Chat.mention`);
- a reply: on OneBot the next message in that chat; on the official bot the message that carries the asked
  message's id (`msg_id`) — a passive reply — so a reply sent proactively instead is never taken for one.

`onebot_v11()` and `qqbot()` start the bot (one process each) and yield a connected `Chat`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.onebot_client import ApiCall, OneBotClient
from tests.support.botprocess import BotProcess
from tests.support.qqfake import FakeQQ, QQBotProcess, Sent, c2c_payload, group_payload

COMMAND_STARTS = ("/", "#")
_QQ_MENTION = re.compile(r"<@!?([^<>\s]+)>|<qqbot-at-user\s+id=\"([^\"]+)\"\s*/>")


@dataclass(frozen=True)
class Person:
    """Someone in the story; `number` is the base of their ids on each platform, `role` their role in the group."""

    label: str
    number: int
    role: str = "member"  # "owner": the group's owner (may open the branch and name its secretary)


@dataclass(frozen=True)
class Said:
    """One message the bot sent: where to, its text (mentions as @<member id>) and the message it answered."""

    kind: str  # "group" | "private"
    target: str  # the group's id, or the private chat's id
    text: str
    reply_to: str | None = None  # the answered message's id where the platform says it (official bot: msg_id)

    @property
    def passive(self) -> bool:
        """Whether it was sent as a reply to a message (the official QQ bot's passive message)."""
        return self.reply_to is not None


Predicate = Callable[[Said], bool]


class Chat(Protocol):
    """One branch group (and its people's private chats) on one platform, with the bot connected."""

    platform: str  # "onebot-v11" | "qqbot"
    group_id: str

    @property
    def said(self) -> list[Said]:
        """Everything the bot sent so far, in order."""
        ...

    def member_id(self, person: Person) -> str:
        """The person's id in the group."""
        ...

    def private_id(self, person: Person) -> str:
        """The person's id in their private chat with the bot."""
        ...

    def mention(self, person: Person) -> str:
        """How an @ of the person reads in `Said.text`."""
        ...

    def set_clock(self, iso: str | None) -> None:
        """Move the bot's clock (None: back to the real one)."""
        ...

    async def send_group(self, person: Person, text: str, *, mentions: Sequence[Person] = ()) -> str:
        """The person writes in the group (with real @-mentions after the text); returns the message's id."""
        ...

    async def send_private(self, person: Person, text: str) -> str:
        """The person writes to the bot in private chat; returns the message's id."""
        ...

    async def wait(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        """The first message from index `since` on that satisfies `predicate`; waits for it."""
        ...

    async def in_group(
        self, person: Person, text: str, *, mentions: Sequence[Person] = (), expect: Predicate | None = None
    ) -> Said:
        """Write in the group and return the bot's reply there (the first one satisfying `expect`, if given)."""
        ...

    async def in_private(self, person: Person, text: str, *, expect: Predicate | None = None) -> Said:
        """Write in private chat and return the bot's reply there."""
        ...

    async def wait_group(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        """The first group message (from `since`) satisfying `predicate`."""
        ...

    async def wait_private(self, person: Person, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        """The first message to the person's private chat (from `since`) satisfying `predicate`."""
        ...

    def group_texts(self) -> list[str]:
        """The text of every message the bot sent to the group."""
        ...


@dataclass
class _Chat:
    """What both platforms share: replies and waits built on `send_*`, `wait` and how a reply is recognised."""

    platform = ""
    group_id: str = ""

    @property
    def said(self) -> list[Said]:
        raise NotImplementedError

    def member_id(self, person: Person) -> str:
        raise NotImplementedError

    def private_id(self, person: Person) -> str:
        raise NotImplementedError

    def mention(self, person: Person) -> str:
        """`@<member id>`, as `Said.text` renders a mention on every platform."""
        return f"@{self.member_id(person)}"

    async def send_group(self, person: Person, text: str, *, mentions: Sequence[Person] = ()) -> str:
        raise NotImplementedError

    async def send_private(self, person: Person, text: str) -> str:
        raise NotImplementedError

    async def wait(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        raise NotImplementedError

    def _answers(self, message_id: str) -> Predicate:
        """Whether a message is the reply to `message_id` (OneBot does not say: any message in that chat)."""
        return lambda said: True

    async def in_group(
        self, person: Person, text: str, *, mentions: Sequence[Person] = (), expect: Predicate | None = None
    ) -> Said:
        since = len(self.said)
        message_id = await self.send_group(person, text, mentions=mentions)
        answers = self._answers(message_id)
        return await self.wait(
            lambda s: s.kind == "group" and s.target == self.group_id and answers(s) and (expect is None or expect(s)),
            since=since,
        )

    async def in_private(self, person: Person, text: str, *, expect: Predicate | None = None) -> Said:
        since = len(self.said)
        chat = self.private_id(person)
        message_id = await self.send_private(person, text)
        answers = self._answers(message_id)
        return await self.wait(
            lambda s: s.kind == "private" and s.target == chat and answers(s) and (expect is None or expect(s)),
            since=since,
        )

    async def wait_group(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        return await self.wait(
            lambda s: s.kind == "group" and s.target == self.group_id and predicate(s), since=since, timeout=timeout
        )

    async def wait_private(self, person: Person, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        chat = self.private_id(person)
        return await self.wait(
            lambda s: s.kind == "private" and s.target == chat and predicate(s), since=since, timeout=timeout
        )

    def group_texts(self) -> list[str]:
        return [s.text for s in self.said if s.kind == "group" and s.target == self.group_id]


def _onebot_said(call: ApiCall) -> Said | None:
    """A send of the bot as `Said` (other API calls: None)."""
    target = call.target
    if not call.is_send or target is None:
        return None
    return Said(target[0], target[1], call.text)


@dataclass
class OneBotChat(_Chat):
    """The group on OneBot v11: a QQ number is the same person in the group and in private chat."""

    platform = "onebot-v11"
    client: OneBotClient | None = field(default=None, repr=False)
    process: BotProcess | None = field(default=None, repr=False)
    _said: list[Said] = field(default_factory=list, repr=False)

    @property
    def said(self) -> list[Said]:
        return self._said

    def _client(self) -> OneBotClient:
        assert self.client is not None
        return self.client

    def member_id(self, person: Person) -> str:
        return str(person.number)

    def private_id(self, person: Person) -> str:
        return str(person.number)

    def set_clock(self, iso: str | None) -> None:
        assert self.process is not None
        self.process.set_clock(iso)

    async def send_group(self, person: Person, text: str, *, mentions: Sequence[Person] = ()) -> str:
        segments = [{"type": "text", "data": {"text": text}}]
        for other in mentions:
            segments.append({"type": "at", "data": {"qq": self.member_id(other)}})
        return str(
            await self._client().group_message(self.group_id, self.member_id(person), segments, role=person.role)
        )

    async def send_private(self, person: Person, text: str) -> str:
        return str(await self._client().private_message(self.private_id(person), text))

    async def wait(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        client = self._client()
        deadline = time.monotonic() + timeout
        index = since
        while True:
            while index < len(self._said):
                if predicate(self._said[index]):
                    return self._said[index]
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(_not_found(self._said[since:], self.process))
            with contextlib.suppress(TimeoutError):
                said = _onebot_said(await asyncio.wait_for(client.calls.get(), remaining))
                if said is not None:
                    self._said.append(said)


@dataclass
class QQBotChat(_Chat):
    """The group on the official QQ bot: a member_openid in the group, another user_openid in private chat."""

    platform = "qqbot"
    fake: FakeQQ | None = field(default=None, repr=False)
    process: QQBotProcess | None = field(default=None, repr=False)

    def _fake(self) -> FakeQQ:
        assert self.fake is not None
        return self.fake

    @property
    def said(self) -> list[Said]:
        return [_qq_said(sent) for sent in self._fake().sent]

    def member_id(self, person: Person) -> str:
        return f"MEMBER{person.number}"

    def private_id(self, person: Person) -> str:
        return f"USER{person.number}"

    def set_clock(self, iso: str | None) -> None:
        assert self.process is not None
        self.process.set_clock(iso)

    async def send_group(self, person: Person, text: str, *, mentions: Sequence[Person] = ()) -> str:
        members = [self.member_id(other) for other in mentions]
        content = " ".join([text, *(f"<@{m}>" for m in members)]) if members else text
        # A command @-s the bot (GROUP_AT_MESSAGE_CREATE); plain words arrive as the group allows the bot to read
        # every message (GROUP_MESSAGE_CREATE).
        at_bot = text.lstrip().startswith(COMMAND_STARTS)
        payload = group_payload(
            content, self.member_id(person), self.group_id, role=person.role, mentions=members, at_bot=at_bot
        )
        return self._fake().push(payload)

    async def send_private(self, person: Person, text: str) -> str:
        return self._fake().push(c2c_payload(text, self.private_id(person)))

    def _answers(self, message_id: str) -> Predicate:
        return lambda said: said.reply_to == message_id

    async def wait(self, predicate: Predicate, *, since: int = 0, timeout: float = 15) -> Said:
        try:
            _, sent = await self._fake().wait_for(lambda s: predicate(_qq_said(s)), start=since, timeout=timeout)
        except TimeoutError:
            raise AssertionError(_not_found(self.said[since:], self.process, self._fake().refused)) from None
        return _qq_said(sent)


def _qq_said(sent: Sent) -> Said:
    """What the fake platform received, with mentions read as @<member id>."""
    text = _QQ_MENTION.sub(lambda m: "@" + (m.group(1) or m.group(2)), sent.content)
    msg_id = sent.body.get("msg_id")
    return Said(sent.kind, sent.target, text, str(msg_id) if msg_id else None)


def _not_found(seen: list[Said], process: BotProcess | None, refused: object = None) -> str:
    """Why a wait failed: what the bot did say meanwhile, refusals, and the end of its log."""
    lines = ["the bot sent no such message; it sent meanwhile:"]
    lines += [f"  {s.kind}:{s.target}{' (reply)' if s.passive else ''}: {s.text[:160]!r}" for s in seen]
    if refused:
        lines.append(f"refused by the platform: {refused}")
    if process is not None:
        lines.append("bot log (end):\n" + process.read_log()[-2500:])
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def onebot_v11(
    workdir: Path, group_id: str, *, env: dict[str, str] | None = None, clock: str | None = None
) -> AsyncIterator[OneBotChat]:
    """The bot as a process with one OneBot v11 account connected over the reverse WebSocket."""
    process = BotProcess(workdir, env=dict(env or {}))
    process.workdir.mkdir(parents=True, exist_ok=True)
    process.set_clock(clock)
    process.start()
    client: OneBotClient | None = None
    try:
        client = await process.client("v11")
        yield OneBotChat(group_id=group_id, client=client, process=process)
    finally:
        if client is not None:
            await client.close()
        process.stop()


@contextlib.asynccontextmanager
async def qqbot(
    workdir: Path, group_id: str, *, env: dict[str, str] | None = None, clock: str | None = None
) -> AsyncIterator[QQBotChat]:
    """The bot as a process connected to a fake official QQ bot platform (gateway and HTTP API on 127.0.0.1)."""
    async with FakeQQ() as fake:
        settings = fake.bot_env() | dict(env or {})
        process = QQBotProcess(workdir, env=settings)
        process.workdir.mkdir(parents=True, exist_ok=True)
        process.set_clock(clock)
        process.start()
        try:
            await process.started(fake)
            yield QQBotChat(group_id=group_id, fake=fake, process=process)
        finally:
            await process.stop_in_thread()

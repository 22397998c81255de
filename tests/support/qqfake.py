"""A small fake of the official QQ bot platform on 127.0.0.1, and the bot process configured to use it.

The fake speaks just enough of the platform for nonebot-adapter-qq (websocket mode):
- `POST /app/getAppAccessToken` gives a token (the adapter's `QQ_AUTH_BASE`);
- `GET /gateway/bot` names the gateway; the WebSocket at `/websocket` says Hello, takes Identify, answers Ready,
  acknowledges heartbeats and dispatches the events a test pushes (`group_message`, `c2c_message`);
- `POST /v2/groups/{group_openid}/messages`, `/v2/users/{openid}/messages` (and the `/files` uploads) record what
  the bot sends and refuse as the platform does: a passive reply outside its window, a proactive message to a
  group that has not allowed it (`refuse_proactive`), a private message to someone who never wrote to the bot.
  The refusal codes below are this fake's own (the shape — HTTP 400 with `code` and `message` — is the platform's).
- a private message to an id the fake has only seen as a group member (`member_openid`: a group-only id) is a bug of
  the bot, not a refusal: it is kept in `to_group_ids` and fails the test when the fake closes.

Event payload builders (`group_payload`, `c2c_payload`) are shared with the nonebug tests, which turn them into the
adapter's own event classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.support.botprocess import BotProcess, free_port

APP_ID = "102000001"
SECRET = "fake-secret-0123456789abcdef"
BOT_USER_ID = "bot-user-1"
# This fake's refusal codes (not the platform's numbers): what matters is that they come back with a reason.
PROACTIVE_REFUSED = (40054010, "群未开启主动消息，不能主动发送")
NEVER_WROTE = (40054011, "用户未与机器人私聊过，不能主动发送")
GROUP_ID_IN_PRIVATE = (40054013, "member_openid 只在群内有效，不能私聊发送")
WINDOW_CLOSED = (40054012, "被动回复已超过时限")
PASSIVE_WINDOW = {"group": timedelta(minutes=5), "private": timedelta(minutes=60)}

_ids = itertools.count(1)


def _stamp(at: datetime | None = None) -> str:
    """The platform's ISO timestamp (Beijing time)."""
    moment = at or datetime.now(UTC)
    return moment.astimezone(datetime.now().astimezone().tzinfo).isoformat(timespec="seconds")


def group_payload(
    content: str,
    member: str = "member-openid-1",
    group: str = "group-openid-1",
    *,
    role: str = "member",
    mentions: list[str] | None = None,
    at_bot: bool = True,
    at: datetime | None = None,
    name: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(event type, data) of a group message; `at_bot` makes it GROUP_AT_MESSAGE_CREATE (the bot was @-ed);
    `name` is the sender's nickname, when the platform gives one."""
    listed: list[dict[str, Any]] = [
        {"scope": "single", "bot": False, "id": m, "is_you": False, "member_openid": m, "username": f"司机{m[-2:]}"}
        for m in mentions or []
    ]
    data = {
        "id": f"ROBOT1.0_msg{next(_ids)}",
        "content": content,
        "timestamp": _stamp(at),
        "author": {"id": member, "member_openid": member, "bot": False, "member_role": role}
        | ({"username": name} if name else {}),
        "group_id": group,
        "group_openid": group,
    }
    if listed:
        data["mentions"] = listed
    return ("GROUP_AT_MESSAGE_CREATE" if at_bot else "GROUP_MESSAGE_CREATE"), data


def c2c_payload(content: str, user: str = "user-openid-1", *, at: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """(event type, data) of a private (C2C) message."""
    data = {
        "id": f"ROBOT1.0_c2c{next(_ids)}",
        "content": content,
        "timestamp": _stamp(at),
        "author": {"id": user, "user_openid": user},
    }
    return "C2C_MESSAGE_CREATE", data


@dataclass
class Sent:
    """One message the bot sent: where, what, and whether it answered a message (msg_id)."""

    kind: str  # "group" | "private"
    target: str
    body: dict[str, Any]

    @property
    def content(self) -> str:
        """The text content."""
        return str(self.body.get("content") or "")

    @property
    def passive(self) -> bool:
        """Whether it was a reply (carried a msg_id)."""
        return bool(self.body.get("msg_id"))


@dataclass
class FakeQQ:
    """The fake platform: run it with `async with FakeQQ() as fake:`; push events, read `sent`."""

    port: int = field(default_factory=free_port)
    sent: list[Sent] = field(default_factory=list)
    refused: list[tuple[str, str, int]] = field(default_factory=list)
    proactive_refused: set[str] = field(default_factory=set)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    _queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _received: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # msg id → (target, received)
    _wrote: set[str] = field(default_factory=set)
    _group_members: set[str] = field(default_factory=set)  # ids seen only as someone in a group (member_openid)
    to_group_ids: list[str] = field(default_factory=list)  # private sends to such an id: none may happen
    _seq: itertools.count = field(default_factory=lambda: itertools.count(2))
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base(self) -> str:
        """The API base the adapter is pointed at."""
        return f"http://127.0.0.1:{self.port}/"

    def bot_env(self, *, websocket: bool = True) -> dict[str, str]:
        """Settings that make the bot use this fake (websocket mode; or webhook mode, events posted to the bot)."""
        bots = [{"id": APP_ID, "secret": SECRET, "intent": {"c2c_group_at_messages": True}, "use_websocket": websocket}]
        return {
            "DRIVER": "~fastapi+~httpx+~websockets",
            "QQ_BOTS": json.dumps(bots),
            "QQ_API_BASE": self.base,
            "QQ_AUTH_BASE": f"{self.base}app/getAppAccessToken",
        }

    async def __aenter__(self) -> FakeQQ:
        app = Starlette(
            routes=[
                Route("/app/getAppAccessToken", self._token, methods=["POST"]),
                Route("/gateway/bot", self._gateway, methods=["GET"]),
                Route("/gateway", self._gateway, methods=["GET"]),
                Route("/users/@me", self._me, methods=["GET"]),
                Route("/v2/groups/{target}/messages", self._group_message, methods=["POST"]),
                Route("/v2/users/{target}/messages", self._c2c_message, methods=["POST"]),
                Route("/v2/groups/{target}/files", self._file, methods=["POST"]),
                Route("/v2/users/{target}/files", self._file, methods=["POST"]),
                WebSocketRoute("/websocket", self._websocket),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:  # noqa: ASYNC110  (uvicorn sets a flag)
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            # The bot is gone by now; its gateway socket may still look open to uvicorn, which would wait for it.
            self._server.should_exit = self._server.force_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
        assert not self.to_group_ids, f"private messages sent to group-only ids: {self.to_group_ids}"

    # ---- what a test does -------------------------------------------------------------------------------------

    def push(self, event: tuple[str, dict[str, Any]]) -> str:
        """Dispatch an event to the connected bot; returns the message id."""
        self._queue.put_nowait(self.dispatch(event))
        return event[1]["id"]

    def dispatch(self, event: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        """The platform's Dispatch payload of an event, remembered as received (for passive replies to it)."""
        kind, data = event
        if kind == "C2C_MESSAGE_CREATE":
            self._wrote.add(data["author"]["user_openid"])
            target = ("private", data["author"]["user_openid"])
        else:
            target = ("group", data["group_openid"])
            self._group_members.add(data["author"]["member_openid"])
            self._group_members.update(m["member_openid"] for m in data.get("mentions", []))
        self._received[data["id"]] = (f"{target[0]}:{target[1]}", datetime.fromisoformat(data["timestamp"]))
        return {"op": 0, "s": next(self._seq), "t": kind, "id": f"evt-{data['id']}", "d": data}

    def refuse_proactive(self, group_openid: str) -> None:
        """This group has not allowed the bot to speak on its own."""
        self.proactive_refused.add(group_openid)

    async def wait_sent(self, count: int, timeout: float = 15) -> list[Sent]:
        """Wait until at least `count` messages were sent in total; returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"sent {len(self.sent)} of {count}: {[s.content for s in self.sent]}")
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)
        return self.sent

    async def wait_for(
        self, predicate: Callable[[Sent], bool], start: int = 0, timeout: float = 15
    ) -> tuple[int, Sent]:
        """The first message sent at or after index `start` that satisfies `predicate` (a reply or a proactive
        message), with its index; waits for it."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            while index < len(self.sent):
                if predicate(self.sent[index]):
                    return index, self.sent[index]
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(s.kind, s.target, s.content[:80]) for s in self.sent[start:]]
                raise TimeoutError(f"no such message; sent since: {seen}; refused: {self.refused}")
            self._new.clear()  # nothing ran since the last look (no await in between): no message is missed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)

    async def ask(self, event: tuple[str, dict[str, Any]], timeout: float = 15) -> Sent:
        """Push one event and return the first message the bot sends after it."""
        before = len(self.sent)
        self.push(event)
        return (await self.wait_sent(before + 1, timeout))[before]

    async def reply_to(self, event: tuple[str, dict[str, Any]], timeout: float = 15) -> Sent:
        """Push one event and return the bot's passive reply to it (a proactive message sent meanwhile is skipped)."""
        before = len(self.sent)
        self.push(event)
        return (await self.wait_for(lambda sent: sent.body.get("msg_id") == event[1]["id"], before, timeout))[1]

    # ---- the platform's side -------------------------------------------------------------------------------------

    async def _token(self, request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("appId") != APP_ID or body.get("clientSecret") != SECRET:
            return JSONResponse({"code": 100016, "message": "invalid appid or secret"}, status_code=400)
        return JSONResponse({"access_token": "fake-token", "expires_in": "7200"})

    async def _gateway(self, request: Request) -> JSONResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return JSONResponse({"url": f"ws://127.0.0.1:{self.port}/websocket", "shards": 1, "session_start_limit": limit})

    async def _me(self, request: Request) -> JSONResponse:
        return JSONResponse({"id": BOT_USER_ID, "username": "红色方向盘", "bot": True})

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == "QQBot fake-token"

    def _refuse(self, kind: str, target: str, refusal: tuple[int, str]) -> JSONResponse:
        self.refused.append((kind, target, refusal[0]))
        self._new.set()
        return JSONResponse({"code": refusal[0], "message": refusal[1]}, status_code=400)

    async def _deliver(self, request: Request, kind: str) -> JSONResponse:
        if not self._authorised(request):
            return JSONResponse({"code": 11244, "message": "token not exist or expire"}, status_code=401)
        target = request.path_params["target"]
        body = await request.json()
        msg_id = body.get("msg_id")
        if msg_id:
            received = self._received.get(msg_id)
            if received is None or received[0] != f"{kind}:{target}":
                return self._refuse(kind, target, WINDOW_CLOSED)
            if datetime.now(UTC) - received[1] > PASSIVE_WINDOW[kind]:
                return self._refuse(kind, target, WINDOW_CLOSED)
        elif kind == "group" and target in self.proactive_refused:
            return self._refuse(kind, target, PROACTIVE_REFUSED)
        elif kind == "private" and target in self._group_members - self._wrote:
            self.to_group_ids.append(target)
            return self._refuse(kind, target, GROUP_ID_IN_PRIVATE)
        elif kind == "private" and target not in self._wrote:
            return self._refuse(kind, target, NEVER_WROTE)
        self.sent.append(Sent(kind, target, body))
        self._new.set()
        return JSONResponse({"id": f"sent-{next(_ids)}", "timestamp": _stamp()})

    async def _group_message(self, request: Request) -> JSONResponse:
        return await self._deliver(request, "group")

    async def _c2c_message(self, request: Request) -> JSONResponse:
        return await self._deliver(request, "private")

    async def _file(self, request: Request) -> JSONResponse:
        return JSONResponse({"file_uuid": f"f{next(_ids)}", "file_info": "fake-file-info", "ttl": 3600})

    async def _websocket(self, socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 30000}})
        identify = await socket.receive_json()
        if identify.get("op") != 2 or identify.get("d", {}).get("token") != "QQBot fake-token":
            await socket.close(4004)
            return
        ready = {
            "version": 1,
            "session_id": "fake-session",
            "user": {"id": BOT_USER_ID, "username": "红色方向盘", "bot": True},
            "shard": [0, 1],
        }
        await socket.send_json({"op": 0, "s": 1, "t": "READY", "d": ready})
        self.identified.set()
        receiver = asyncio.create_task(self._heartbeats(socket))
        try:
            while not receiver.done():
                getter = asyncio.create_task(self._queue.get())
                done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await socket.send_json(getter.result())
                else:
                    getter.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            receiver.cancel()

    async def _heartbeats(self, socket: WebSocket) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                payload = await socket.receive_json()
                if payload.get("op") == 1:
                    await socket.send_json({"op": 11})


def signing_key(secret: str = SECRET) -> Ed25519PrivateKey:
    """The platform's Ed25519 key for a bot: its secret repeated to a 32-byte seed."""
    seed = secret.encode()
    while len(seed) < 32:
        seed += secret.encode()
    return Ed25519PrivateKey.from_private_bytes(seed[:32])


def signed_headers(body: bytes, timestamp: str = "1764567890", secret: str = SECRET) -> dict[str, str]:
    """The headers the platform sends with a webhook event: app id, timestamp, and the signature of both."""
    signature = signing_key(secret).sign(timestamp.encode() + body).hex()
    return {
        "X-Bot-Appid": APP_ID,
        "X-Signature-Timestamp": timestamp,
        "X-Signature-Ed25519": signature,
        "Content-Type": "application/json",
    }


@dataclass
class QQBotProcess(BotProcess):
    """The bot as a real process, with the official QQ adapter pointed at a `FakeQQ`."""

    def start(self) -> None:
        """Start the bot as the README does (`python -m bot`; QQ_BOTS in the env registers the QQ adapter)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "ENVIRONMENT": "e2e",
            "DATABASE_URL": self.database_url or f"sqlite+aiosqlite:///{self.workdir / 'bot.db'}",
            "SUPERUSERS": '["10000"]',
            "DELIVERY_ENABLED": "true",
            "DELIVERY_GAP_MIN": "0.01",
            "DELIVERY_GAP_MAX": "0.02",
            "DELIVERY_POLL_SECONDS": "0.3",
            "REDWHEEL_TEST_CLOCK_FILE": str(self.clock_file),
            "LOG_LEVEL": "INFO",
            **self.env,
        }
        self.log = open(self.workdir / "bot.log", "ab")  # noqa: SIM115  (kept open while the process runs)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=self.workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    async def started(self, fake: FakeQQ, timeout: float = 60) -> None:
        """Wait until the bot has identified with the fake gateway (without blocking the fake's event loop)."""
        deadline = time.monotonic() + timeout
        while not fake.identified.is_set():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"bot exited: {self.read_log()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot did not connect: {self.read_log()[-3000:]}")
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # the adapter connects the bot after Ready; NoneBot's connect hooks run then

    async def stop_in_thread(self) -> None:
        """Stop the bot without blocking the event loop the fake runs on: a blocking stop freezes the fake, and the
        bot's gateway socket then waits its whole close timeout (10 s) for the fake's answer."""
        await asyncio.to_thread(self.stop)

    async def listening(self, timeout: float = 60) -> None:
        """Wait until the bot's web server answers (webhook mode: no gateway to identify with)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"bot exited: {self.read_log()[-3000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot did not listen: {self.read_log()[-3000:]}")
            await asyncio.sleep(0.1)


def qq_event(payload: tuple[str, dict[str, Any]]) -> Any:
    """The adapter's own event class for a payload (GroupAtMessageCreateEvent, GroupMessageCreateEvent, C2C…)."""
    from nonebot.adapters.qq import Adapter
    from nonebot.adapters.qq.models import Dispatch

    kind, data = payload
    return Adapter.payload_to_event(
        Dispatch.model_validate({"op": 0, "t": kind, "d": data, "id": f"evt-{data.get('id', kind)}"})
    )

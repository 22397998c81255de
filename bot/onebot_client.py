"""A small OneBot implementation's side of the protocol: connects to the bot's reverse WebSocket, sends events,
answers the bot's API calls. The playground, the end-to-end tests and the benchmarks all talk through it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets


@dataclass
class ApiCall:
    """One API call the bot made (send a message, upload a file, …)."""

    action: str
    params: dict[str, Any]

    @property
    def target(self) -> tuple[str, str] | None:
        """("group"|"private", id) of a send, or None."""
        p = self.params
        to_group = self.action == "send_group_msg" or (
            self.action in ("send_msg", "send_message") and p.get("group_id")
        )
        group_kind = p.get("detail_type", "group") == "group" or self.action != "send_message"
        if to_group and group_kind and p.get("group_id") is not None:
            return "group", str(p["group_id"])
        if p.get("user_id") is not None:
            return "private", str(p["user_id"])
        return None

    @property
    def text(self) -> str:
        """The message rendered as text: @mentions as @id, pictures and files as placeholders."""
        if self.action in ("upload_group_file", "upload_private_file"):
            return f"[文件 {self.params.get('name', '')}]"
        message = self.params.get("message", "")
        if isinstance(message, str):
            return message
        out = []
        for seg in message:
            kind, data = seg.get("type"), seg.get("data", {})
            if kind == "text":
                out.append(data.get("text", ""))
            elif kind == "at":
                out.append(f"@{data.get('qq')}")
            elif kind == "mention":
                out.append(f"@{data.get('user_id')}")
            elif kind == "mention_all":
                out.append("@全体成员")
            elif kind == "image":
                out.append("[图片]")
            elif kind == "file":
                out.append("[文件]")
            else:
                out.append(f"[{kind}]")
        return "".join(out)

    @property
    def is_send(self) -> bool:
        """Whether the call puts something in a chat."""
        return self.action in (
            "send_msg",
            "send_group_msg",
            "send_private_msg",
            "send_message",
            "upload_group_file",
            "upload_private_file",
        )


@dataclass
class OneBotClient:
    """One bot account of an OneBot implementation, over the reverse WebSocket (v11 or v12)."""

    url: str
    self_id: str = "10001"
    protocol: str = "v11"
    platform: str = "qq"
    access_token: str | None = None
    calls: asyncio.Queue = field(default_factory=asyncio.Queue)
    history: list[ApiCall] = field(default_factory=list)
    fail_actions: set[str] = field(default_factory=set)
    fail_groups: set[str] = field(default_factory=set)  # sends to these groups fail, as if the bot had been removed
    _ws: Any = None
    _reader: asyncio.Task | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _sent: dict[int, dict] = field(default_factory=dict)

    async def connect(self, retries: int = 50) -> None:
        """Open the connection (retrying while the bot starts)."""
        headers = {"X-Self-ID": self.self_id, "X-Client-Role": "Universal"}
        if self.protocol == "v12":
            headers = {"X-Impl": "redwheel-playground"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        last_error: Exception | None = None
        for _ in range(retries):
            try:
                self._ws = await websockets.connect(self.url, additional_headers=headers, max_size=2**24)
                break
            except (OSError, websockets.WebSocketException) as error:
                last_error = error
                await asyncio.sleep(0.2)
        else:
            raise ConnectionError(f"cannot connect to {self.url}: {last_error!r}")
        if self.protocol == "v12":
            await self._send_json(
                self._v12_meta(
                    "connect", version={"impl": "redwheel-playground", "version": "1", "onebot_version": "12"}
                )
            )
            await self._send_json(
                self._v12_meta(
                    "status_update",
                    status={
                        "good": True,
                        "bots": [{"self": {"platform": self.platform, "user_id": self.self_id}, "online": True}],
                    },
                )
            )
        self._reader = asyncio.create_task(self._read())
        await asyncio.sleep(0.2)

    async def close(self) -> None:
        """Close the connection."""
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    async def _send_json(self, payload: dict) -> None:
        """Send one frame."""
        await self._ws.send(json.dumps(payload, ensure_ascii=False))

    async def _read(self) -> None:
        """Answer every API call the bot makes, and keep it for the caller."""
        async for raw in self._ws:
            data = json.loads(raw)
            if "action" not in data:
                continue
            call = ApiCall(data["action"], data.get("params") or {})
            await self._send_json(self._response(call, data.get("echo")))
            self.history.append(call)
            await self.calls.put(call)

    def _response(self, call: ApiCall, echo: Any) -> dict:
        """A successful (or, for `fail_actions`, failed) API response."""
        if call.action in self.fail_actions or (
            call.is_send and call.target and call.target[0] == "group" and call.target[1] in self.fail_groups
        ):
            return {
                "status": "failed",
                "retcode": 1400 if self.protocol == "v11" else 10003,
                "data": None,
                "echo": echo,
                "message": "故障注入",
            }
        data: Any = None
        if call.is_send:
            message_id = next(self._ids)
            self._sent[message_id] = {"message": call.params.get("message"), "self": True}
            data = {"message_id": message_id if self.protocol == "v11" else str(message_id)}
            if self.protocol == "v12":
                data["time"] = time.time()
        elif call.action == "get_msg":
            data = self._get_msg(int(call.params.get("message_id", 0)))
        elif call.action == "upload_file":
            data = {"file_id": uuid.uuid4().hex}
        elif call.action in ("get_group_list",):
            data = []
        else:
            data = {}
        return {"status": "ok", "retcode": 0, "data": data, "echo": echo, "message": ""}

    def _get_msg(self, message_id: int) -> dict:
        """What OneBot v11 get_msg returns for a message (the bot asks when someone replies to one)."""
        sent = self._sent.get(message_id, {})
        return {
            "time": int(time.time()),
            "message_type": "group",
            "message_id": message_id,
            "real_id": message_id,
            "sender": {"user_id": int(self.self_id) if sent.get("self") else 0, "nickname": "bot"},
            "message": sent.get("message") or [],
        }

    # ---- events -------------------------------------------------------------------------------------------
    def _v12_meta(self, detail_type: str, **extra) -> dict:
        """A v12 meta event."""
        return {
            "id": uuid.uuid4().hex,
            "time": time.time(),
            "type": "meta",
            "detail_type": detail_type,
            "sub_type": "",
            **extra,
        }

    @staticmethod
    def segments(content: str | list[dict]) -> list[dict]:
        """Plain text becomes one text segment (never parsed as CQ codes)."""
        if isinstance(content, str):
            return [{"type": "text", "data": {"text": content}}]
        return content

    async def group_message(
        self, group_id: str, user_id: str, content: str | list[dict], *, role: str = "member", nickname: str = ""
    ) -> int:
        """A member writes in a group; returns the message id."""
        message_id = next(self._ids)
        message = self.segments(content)
        if self.protocol == "v12":
            payload = {
                "id": uuid.uuid4().hex,
                "time": time.time(),
                "type": "message",
                "detail_type": "group",
                "sub_type": "",
                "message_id": str(message_id),
                "self": {"platform": self.platform, "user_id": self.self_id},
                "message": message,
                "alt_message": "",
                "user_id": str(user_id),
                "group_id": str(group_id),
            }
        else:
            payload = {
                "time": int(time.time()),
                "self_id": int(self.self_id),
                "post_type": "message",
                "message_type": "group",
                "sub_type": "normal",
                "message_id": message_id,
                "group_id": int(group_id),
                "user_id": int(user_id),
                "message": message,
                "raw_message": "",
                "font": 0,
                "sender": {"user_id": int(user_id), "nickname": nickname or f"司机{user_id}", "card": "", "role": role},
                "anonymous": None,
            }
        self._sent[message_id] = {"message": message, "self": False}
        await self._send_json(payload)
        return message_id

    async def private_message(self, user_id: str, content: str | list[dict], nickname: str = "") -> int:
        """A person writes to the bot privately."""
        message_id = next(self._ids)
        message = self.segments(content)
        if self.protocol == "v12":
            payload = {
                "id": uuid.uuid4().hex,
                "time": time.time(),
                "type": "message",
                "detail_type": "private",
                "sub_type": "",
                "message_id": str(message_id),
                "self": {"platform": self.platform, "user_id": self.self_id},
                "message": message,
                "alt_message": "",
                "user_id": str(user_id),
            }
        else:
            payload = {
                "time": int(time.time()),
                "self_id": int(self.self_id),
                "post_type": "message",
                "message_type": "private",
                "sub_type": "friend",
                "message_id": message_id,
                "user_id": int(user_id),
                "message": message,
                "raw_message": "",
                "font": 0,
                "sender": {"user_id": int(user_id), "nickname": nickname or f"司机{user_id}"},
            }
        await self._send_json(payload)
        return message_id

    async def notice(self, payload: dict) -> None:
        """Send a raw notice (or any) event as it is."""
        payload.setdefault("time", int(time.time()))
        payload.setdefault("self_id", int(self.self_id))
        await self._send_json(payload)

    async def raw(self, text: str) -> None:
        """Send a raw frame (malformed events in tests)."""
        await self._ws.send(text)

    # ---- reading what the bot did ------------------------------------------------------------------------
    async def next_send(self, timeout: float = 5.0) -> ApiCall:
        """The next message the bot sends (other API calls are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the bot sent nothing")
            call = await asyncio.wait_for(self.calls.get(), remaining)
            if call.is_send:
                return call

    async def sends(self, quiet: float = 0.5, timeout: float = 10.0) -> list[ApiCall]:
        """Every message the bot sends until it has been quiet for `quiet` seconds."""
        out: list[ApiCall] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                call = await asyncio.wait_for(self.calls.get(), quiet)
            except TimeoutError:
                break
            if call.is_send:
                out.append(call)
        return out

    async def ask(self, group_id: str | None, user_id: str, content: str | list[dict], **kw) -> str:
        """Send a message and return the text of the bot's next reply."""
        if group_id is None:
            await self.private_message(user_id, content)
        else:
            await self.group_message(group_id, user_id, content, **kw)
        return (await self.next_send()).text

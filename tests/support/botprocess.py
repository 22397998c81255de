"""Run the whole bot as a real process on a free port, as the README starts it, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.onebot_client import OneBotClient

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class BotProcess:
    """`python -m bot` with its own database file, port and (optionally) a clock file the test moves."""

    workdir: Path
    database_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "bot"])  # how the README starts it

    @property
    def clock_file(self) -> Path:
        """Write an ISO time here to move the bot's clock."""
        return self.workdir / "clock.txt"

    def v11_url(self) -> str:
        """The reverse WebSocket for OneBot v11."""
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def v12_url(self) -> str:
        """The reverse WebSocket for OneBot v12."""
        return f"ws://127.0.0.1:{self.port}/onebot/v12/ws"

    def start(self) -> None:
        """Start the process and wait until it listens."""
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
            self.command, cwd=self.workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot exited: {self.read_log()[-3000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"bot did not listen: {self.read_log()[-3000:]}")

    def stop(self, kill: bool = False) -> None:
        """Stop the process (SIGKILL when `kill`, to simulate a crash)."""
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def read_log(self) -> str:
        """What the bot printed."""
        path = self.workdir / "bot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def set_clock(self, iso: str | None) -> None:
        """Move the bot's clock (None: back to the real clock)."""
        self.clock_file.write_text(iso or "", encoding="utf-8")

    async def client(self, protocol: str = "v11", self_id: str = "10001") -> OneBotClient:
        """A connected OneBot client (one bot account)."""
        url = self.v11_url() if protocol == "v11" else self.v12_url()
        client = OneBotClient(url, self_id=self_id, protocol=protocol, platform="qq" if protocol == "v11" else "wechat")
        await client.connect()
        await asyncio.sleep(0.3)
        return client

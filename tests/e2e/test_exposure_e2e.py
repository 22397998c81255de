"""An exposed bot refuses to start: bound beyond this machine, a OneBot endpoint without an access token would let
anyone who reaches the port connect as an implementation and post events as any account (a superuser's too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import exposure_refusal, is_loopback
from tests.support.botprocess import BotProcess


def test_what_counts_as_exposed():
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "192.168.1.5", "bot.example.cn", ""))
    assert exposure_refusal("127.0.0.1", "", False) is None
    assert exposure_refusal("0.0.0.0", "a-long-random-token", False) is None
    assert exposure_refusal("0.0.0.0", "", True) is None  # ONEBOT_AUTH_BY_PROXY: a trusted proxy checks instead
    refusal = exposure_refusal("0.0.0.0", "  ", False)
    assert refusal is not None and refusal.startswith("Refusing to start: HOST=0.0.0.0")
    assert "ONEBOT_ACCESS_TOKEN" in refusal and "ONEBOT_AUTH_BY_PROXY=true" in refusal


def test_an_exposed_start_is_refused_with_what_to_set(tmp_path: Path):
    exposed = {"HOST": "0.0.0.0", "ONEBOT_ACCESS_TOKEN": "", "ONEBOT_AUTH_BY_PROXY": "false"}
    process = BotProcess(tmp_path / "bot", env=exposed)
    with pytest.raises(RuntimeError) as exited:
        process.start()  # the process ends before it ever listens
    process.stop()
    log = str(exited.value)
    assert "Refusing to start: HOST=0.0.0.0 accepts connections from other machines" in log
    assert "set ONEBOT_ACCESS_TOKEN" in log and "Uvicorn running" not in log

"""End-to-end fixtures: the bot as a real process, talked to over the OneBot WebSocket."""

import pytest

from tests.support.botprocess import BotProcess


@pytest.fixture
def bot_process(tmp_path):
    """A running bot with its own SQLite file; stopped after the test."""
    process = BotProcess(tmp_path / "bot")
    process.start()
    yield process
    process.stop()

"""Where one dropped chatter message goes, in process: NoneBot's `handle_event` with the whole bot loaded vs the same
NoneBot with only the floor's preprocessor (drop what is no command), and a cProfile of the whole bot's path.

    python -P bench/chatter_profile.py [--messages 20000] [--top 25]   (-P: bench/org.py must not shadow `org`)

No WebSocket and no event parsing (both bots pay those alike; bench/chatter.py measures them end to end): only what
happens from the parsed event to the `IgnoredException`. Printed: CPU µs per event of each, their difference, and
the functions the whole bot's path spends it in.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="redwheel-profile-"))
os.environ.update(
    {
        "DATABASE_URL": f"sqlite+aiosqlite:///{_TMP / 'bot.db'}",
        "ENVIRONMENT": "bench",
        "LOG_LEVEL": "INFO",
        "DELIVERY_ENABLED": "false",
        "RECORDS_EXPORT_DIR": str(_TMP / "exports"),
    }
)

import nonebot  # noqa: E402
from nonebot.adapters.onebot import v11  # noqa: E402
from nonebot.exception import IgnoredException  # noqa: E402
from nonebot.message import _event_preprocessors, event_preprocessor, handle_event  # noqa: E402

from tests.support.events import v11_group  # noqa: E402

CHATTER = [
    "今天跑贵阳到重庆，路上堵不堵？",
    "刚卸完货，准备吃饭了",
    "哈哈哈👍",
    "G75 有没有团雾",
    "收到",
    "晚上注意安全",
]


async def floor_drop(event: v11.MessageEvent) -> None:
    """The floor's preprocessor: drop what is no command."""
    if not event.get_plaintext().startswith(("/", "#")):
        raise IgnoredException("chatter")


def cpu() -> float:
    return time.process_time()


async def run(bot: v11.Bot, events: list, rounds: int) -> float:
    """CPU µs per event over `rounds` passes of the events."""
    started = cpu()
    for _ in range(rounds):
        for event in events:
            await handle_event(bot, event)
    return (cpu() - started) * 1e6 / (rounds * len(events))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from bot import runtime
    from bot.app import create_app
    from bot.core import migrate

    create_app()
    current = runtime.services()
    await migrate.upgrade(current.database)
    for work in current.startup:
        await work()
    adapter = nonebot.get_adapter(v11.Adapter)
    bot = v11.Bot(adapter, "10001")
    events = [v11_group(CHATTER[n % len(CHATTER)], str(30000 + n % 500), str(6000 + n % 20)) for n in range(600)]
    rounds = max(args.messages // len(events), 1)

    ours = set(_event_preprocessors)
    floor_only = set()
    _event_preprocessors.clear()
    event_preprocessor(floor_drop)
    floor_only.update(_event_preprocessors)
    timings: dict[str, list[float]] = {"whole": [], "floor": []}
    for _ in range(3):  # interleaved, the best of three each: the machine's load moves meanwhile
        for name, preprocessors in (("whole", ours), ("floor", floor_only)):
            _event_preprocessors.clear()
            _event_preprocessors.update(preprocessors)
            await run(bot, events, 1)  # warm-up
            timings[name].append(await run(bot, events, rounds))
    _event_preprocessors.clear()
    _event_preprocessors.update(ours)
    whole, floor = min(timings["whole"]), min(timings["floor"])

    profile = cProfile.Profile()
    profile.enable()
    await run(bot, events, max(rounds // 4, 1))
    profile.disable()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    print(f"in process, parsed event → dropped, {rounds * len(events)} chatter messages")
    print(f"runs (µs): {timings}")
    print(f"floor (NoneBot + drop-what-is-no-command): {floor:8.1f} µs CPU/event")
    print(f"whole bot:                                 {whole:8.1f} µs CPU/event  ({whole / floor:.2f} ×)")
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    await current.database.dispose()


if __name__ == "__main__":
    asyncio.run(main())

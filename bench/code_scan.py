"""What the bind-code scan costs per group message on the official QQ bot (`codes_in` + `spend_shown`).

    python bench/code_scan.py

Over a fresh migrated SQLite database: an ordinary chatter message, one with an order number, and messages of
20,000 and 200,000 characters (code-shaped runs, and plain padding). Prints the time per message for the scan alone
and with its database look, the candidates looked at, the most memory the scan allocated (tracemalloc) and how the
process's resident memory grew. Stops by itself.
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.core.actor import Actor
from bot.core.bindcodes import codes_in
from bot.core.db import Database
from bot.core.identity import IdentityLinks
from bot.core.migrate import upgrade
from bot.platform.qqbot import QQBOT

MESSAGES = {
    "chatter (14 chars)": "今天贵阳绕城堵不堵，有人知道吗",
    "order number (24 chars)": "运单号 SF23456789 今天下午到贵阳",
    "20,000 chars of code-shaped runs": "A2B3 " * 4_000,
    "200,000 chars of code-shaped runs": "A2B3 " * 40_000,
    "200,000 chars of padding": "哈" * 200_000,
}


def rss_mib() -> float:
    """The most resident memory this process has had, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    """Measure each message kind."""
    folder = Path(tempfile.mkdtemp(prefix="redwheel-bench-"))
    database = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await upgrade(database)
    links = IdentityLinks(database)
    for n in range(10):  # a few live codes, as on a busy morning
        await links.issue(QQBOT, f"user-{n}")
    print(
        f"{'message':36} {'scan µs':>9} {'+ database µs':>14} {'candidates':>10} {'scan peak KiB':>13} {'RSS +MiB':>9}"
    )
    for label, text in MESSAGES.items():
        rounds = 200 if len(text) < 1_000 else 5
        found = codes_in(text)
        started = time.perf_counter()
        for _ in range(rounds):
            codes_in(text)
        scan = (time.perf_counter() - started) / rounds * 1e6
        tracemalloc.start()
        codes_in(text)
        peak = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
        before = rss_mib()
        started = time.perf_counter()
        for n in range(rounds):  # every sender a different member, so no lockout cuts the work short
            await links.spend_shown(Actor(QQBOT, f"member-{label}-{n}", "group-1", "app-1"), codes_in(text))
        whole = (time.perf_counter() - started) / rounds * 1e6
        print(f"{label:36} {scan:9.0f} {whole:14.0f} {len(found):10} {peak:13.1f} {rss_mib() - before:9.1f}")
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())

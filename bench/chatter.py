"""Whole bot vs bare NoneBot over the real OneBot v11 WebSocket: ordinary chatter and commands.

    python bench/chatter.py [--messages 20000] [--commands 2000] [--conversations 200]

Starts each bot as its own process, sends the same stream to both, and prints events per second, the CPU the bot
process spent per event, the ratio whole ÷ bare, and command round-trip latency (p50/p99) at concurrency 1 and 50.
Stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.onebot_client import OneBotClient  # noqa: E402
from tests.support.botprocess import BotProcess, free_port  # noqa: E402

CHATTER = [
    "今天跑贵阳到重庆，路上堵不堵？",
    "刚卸完货，准备吃饭了",
    "哈哈哈👍",
    "G75 有没有团雾",
    "收到",
    "晚上注意安全",
]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class BareBot:
    """bench/bare_bot.py as a process."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir

    def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "ENVIRONMENT": "bench"}
        self.log = open(self.workdir / "bare.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_bot.py")],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def v11_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


async def sentinel(client: OneBotClient, command: str, group: str) -> None:
    """Send a command and wait for its reply: everything sent before it has been read by then."""
    await client.group_message(group, "29999", command)
    while True:
        call = await asyncio.wait_for(client.calls.get(), 120)
        if call.is_send:
            return


async def chatter_run(client: OneBotClient, pid: int, messages: int, command: str) -> dict:
    """Send `messages` ordinary group messages as fast as the socket takes them; measure wall time and CPU."""
    groups = [str(6000 + n) for n in range(20)]
    cpu_before, start = cpu_seconds(pid), time.perf_counter()
    for n in range(messages):
        await client.group_message(groups[n % len(groups)], str(30000 + n % 500), CHATTER[n % len(CHATTER)])
    await sentinel(client, command, groups[0])
    wall = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu_before
    return {"events_per_s": round(messages / wall, 1), "cpu_ms_per_event": round(cpu * 1000 / messages, 3)}


async def command_run(client: OneBotClient, count: int, concurrency: int, command: str, group_of) -> dict:
    """`count` commands by `concurrency` workers, each in its own group; round-trip latency of each."""
    queues: dict[str, asyncio.Queue] = {group_of(w): asyncio.Queue() for w in range(concurrency)}

    async def route() -> None:
        while True:
            call = await client.calls.get()
            if call.is_send and call.target and call.target[1] in queues:
                await queues[call.target[1]].put(time.perf_counter())

    router = asyncio.create_task(route())
    latencies: list[float] = []

    async def worker(w: int) -> None:
        group = group_of(w)
        for _ in range(count // concurrency):
            sent = time.perf_counter()
            await client.group_message(group, str(40000 + w), command)
            latencies.append((await asyncio.wait_for(queues[group].get(), 60)) - sent)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    wall = time.perf_counter() - start
    router.cancel()
    latencies.sort()
    return {
        "commands_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


async def open_branches(client: OneBotClient, groups: list[str]) -> None:
    """Make the command groups branches (so /支部 does real work)."""
    for group in groups:
        await client.group_message(group, "10000", f"/支部 开通 压测支部{group}")
        await client.next_send(30)


async def conversations_in_flight(client: OneBotClient, count: int) -> None:
    """Leave `count` registrations waiting half-way (they stay in our store, not as NoneBot matchers)."""
    for n in range(count):
        await client.group_message("7000", str(50000 + n), "/登记")
        await client.next_send(30)
        await client.group_message("7000", str(50000 + n), "张师傅")
        await client.next_send(30)


async def measure(name: str, url: str, pid: int, args, whole: bool) -> dict:
    """All runs against one bot."""
    client = OneBotClient(url)
    await client.connect()
    command = "/支部" if whole else "/echo hi"
    command_groups = lambda w: str(7100 + w)  # noqa: E731
    if whole:
        await open_branches(client, ["7000", *[command_groups(w) for w in range(50)]])
    await sentinel(client, command, "7000")  # warm-up
    result = {
        "bot": name,
        "chatter": await chatter_run(
            client,
            pid,
            args.messages,
            command,
        ),
    }
    result["commands_c1"] = await command_run(client, args.commands // 4, 1, command, command_groups)
    result["commands_c50"] = await command_run(client, args.commands, 50, command, command_groups)
    if whole and args.conversations:
        await conversations_in_flight(client, args.conversations)
        result["chatter_with_conversations"] = await chatter_run(client, pid, args.messages // 2, command)
    await client.close()
    return result


async def main() -> None:
    """Run the bare bot, then the whole bot, and print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="redwheel-bench-"))

    bare = BareBot(workdir)
    bare.start()
    await asyncio.sleep(2)
    try:
        bare_result = await measure("bare", bare.v11_url(), bare.process.pid, args, whole=False)
    finally:
        bare.stop()

    whole = BotProcess(
        workdir / "whole", env={"LOG_LEVEL": "WARNING", "DELIVERY_GAP_MIN": "0", "DELIVERY_GAP_MAX": "0"}
    )
    whole.start()
    try:
        whole_result = await measure("whole", whole.v11_url(), whole.process.pid, args, whole=True)
    finally:
        whole.stop()

    ratio = round(whole_result["chatter"]["events_per_s"] / bare_result["chatter"]["events_per_s"], 3)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'':28}{'bare NoneBot':>16}{'whole bot':>16}")
    print(
        f"{'chatter events/s':28}{bare_result['chatter']['events_per_s']:>16}{whole_result['chatter']['events_per_s']:>16}"
    )
    print(
        f"{'chatter CPU ms/event':28}{bare_result['chatter']['cpu_ms_per_event']:>16}{whole_result['chatter']['cpu_ms_per_event']:>16}"
    )
    for key in ("commands_c1", "commands_c50"):
        for metric in ("commands_per_s", "p50_ms", "p99_ms"):
            print(f"{key + ' ' + metric:28}{bare_result[key][metric]:>16}{whole_result[key][metric]:>16}")
    if "chatter_with_conversations" in whole_result:
        c = whole_result["chatter_with_conversations"]
        print(
            f"whole bot with {args.conversations} conversations in flight: {c['events_per_s']} events/s, "
            f"{c['cpu_ms_per_event']} CPU ms/event"
        )
    print(f"ratio whole/bare (chatter events/s): {ratio}")
    print(
        json.dumps({"bench": "chatter", "bare": bare_result, "whole": whole_result, "ratio": ratio}, ensure_ascii=False)
    )


if __name__ == "__main__":
    asyncio.run(main())

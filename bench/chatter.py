"""Whole bot vs a bare NoneBot and vs the floor, side by side in one run, at the SAME log level, over the real
OneBot v11 WebSocket.

    python bench/chatter.py [--messages 20000] [--commands 400] [--log-level INFO]

The bare bot is NoneBot with one `/ping` command and nothing else (written to a temporary file and started like
the whole bot: its own process, the same driver, the same log level). The floor is the same bare bot plus an event
preprocessor that drops every message that is no command, and NoneBot's per-event log lines filtered out as the
whole bot filters them (the event, and "Event … is ignored"): the least any NoneBot bot can pay to receive and drop
a message. All three get the same stream of ordinary group chatter; then commands one at a time (concurrency 1):
`/ping` on the bare bot, `/帮助`, `/支部` and `/驿站 乌当 停车` on the whole bot (read-only commands); then `/ping` and
`/支部` at concurrency 50. Printed: chatter events per second and CPU µs per event of each, whole/bare and
whole/floor, and each command's p50/p99 round trip with its ratio to bare `/ping`.

Rate limits are lifted for the whole bot (RATE_* settings), so the bench measures the work, not the refusals.
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

from sqlalchemy.exc import DBAPIError  # noqa: E402

from bot.core.actor import Actor  # noqa: E402
from bot.core.branches import BranchDirectory  # noqa: E402
from bot.core.db import Database  # noqa: E402
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
WHOLE_COMMANDS = ("/帮助", "/支部", "/驿站 乌当 停车")
BARE_BOT = """
import nonebot
from nonebot import on_command
from nonebot.adapters.onebot.v11 import Adapter, MessageSegment

nonebot.init(driver="~fastapi+~websockets", command_start=["/", "#"])
nonebot.get_driver().register_adapter(Adapter)
ping = on_command("ping")


@ping.handle()
async def _ping() -> None:
    await ping.finish(MessageSegment.text("pong"))


nonebot.run()
"""
FLOOR_BOT = """
import nonebot
from nonebot import on_command
from nonebot.adapters.onebot.v11 import Adapter, MessageEvent, MessageSegment
from nonebot.exception import IgnoredException
from nonebot.log import default_filter, default_format, logger
from nonebot.message import event_preprocessor

nonebot.init(driver="~fastapi+~websockets", command_start=["/", "#"])
nonebot.get_driver().register_adapter(Adapter)
logger.remove()  # NoneBot's per-event lines dropped, as the whole bot drops them (bot/logs.py)
logger.add(
    __import__("sys").stdout,
    level=0,
    diagnose=False,
    format=default_format,
    filter=lambda r: default_filter(r)
    and not (
        (r["function"] == "handle_event" or (r["function"] == "_handle" and r["level"].no < 30))
        and r["name"].startswith("nonebot")
    ),
)
ping = on_command("ping")


@event_preprocessor
async def drop(event: MessageEvent) -> None:
    if not event.get_plaintext().startswith(("/", "#")):
        raise IgnoredException("chatter")


@ping.handle()
async def _ping() -> None:
    await ping.finish(MessageSegment.text("pong"))


nonebot.run()
"""
UNLIMITED = {
    "RATE_USER_BURST": "1000000",
    "RATE_USER_PER_MINUTE": "100000000",
    "RATE_GROUP_BURST": "1000000",
    "RATE_GROUP_PER_MINUTE": "100000000",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class BareBot:
    """A bare NoneBot with `/ping` (or the floor: with the chatter preprocessor), as a process, at a given log level."""

    def __init__(self, workdir: Path, log_level: str, source: str = BARE_BOT, name: str = "bare") -> None:
        self.port = free_port()
        self.workdir = workdir
        self.log_level = log_level
        self.source, self.name = source, name

    def start(self) -> None:
        script = self.workdir / f"{self.name}_ping_bot.py"
        script.write_text(self.source, encoding="utf-8")
        env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "ENVIRONMENT": "bench",
            "LOG_LEVEL": self.log_level,
        }
        self.log = open(self.workdir / f"{self.name}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, str(script)], cwd=self.workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT
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
        call = await asyncio.wait_for(client.calls.get(), 300)
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


async def command_run(client: OneBotClient, count: int, concurrency: int, command: str) -> dict:
    """`count` commands by `concurrency` workers, each in its own group; the round trip of each."""
    groups = [str(7100 + w) for w in range(concurrency)]
    queues: dict[str, asyncio.Queue] = {group: asyncio.Queue() for group in groups}

    async def route() -> None:
        while True:
            call = await client.calls.get()
            if call.is_send and call.target and call.target[1] in queues:
                await queues[call.target[1]].put(time.perf_counter())

    router = asyncio.create_task(route())
    latencies: list[float] = []

    async def worker(w: int) -> None:
        group = groups[w]
        for n in range(max(count // concurrency, 1)):
            while not queues[group].empty():  # a late second part of the previous answer
                queues[group].get_nowait()
            sent = time.perf_counter()
            await client.group_message(group, str(40000 + w * 1000 + n % 1000), command)
            latencies.append((await asyncio.wait_for(queues[group].get(), 120)) - sent)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    wall = time.perf_counter() - start
    router.cancel()
    latencies.sort()
    return {
        "commands_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000, 2),
    }


async def seed_branches(process: BotProcess, groups: list[str]) -> None:
    """Make the command groups branches (so /支部 does real work), straight into the whole bot's database once its
    migrations ran (retried until the table is there: at WARNING the start-up line is not logged)."""
    database = Database(process.database_url or f"sqlite+aiosqlite:///{process.workdir / 'bot.db'}")
    deadline = time.monotonic() + 120
    try:
        branches = BranchDirectory(database)
        for group in groups:
            while True:
                try:
                    await branches.open(Actor("qq", "10000", group, "10001", group_role="owner"), f"压测支部{group}")
                    break
                except DBAPIError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.5)
    finally:
        await database.dispose()


async def measure(url: str, pid: int, args: argparse.Namespace, commands: tuple[str, ...]) -> dict:
    """Chatter, then each command at concurrency 1, then the first and a cheap one at concurrency 50."""
    client = OneBotClient(url)
    await client.connect()
    try:
        probe = commands[0] if len(commands) == 1 else "/支部"
        for command in commands:
            await sentinel(client, command, "7100")  # warm-up: caches, jieba, the first query plans
        result: dict = {"chatter": await chatter_run(client, pid, args.messages, probe)}
        for command in commands:
            result[f"c1 {command}"] = await command_run(client, args.commands, 1, command)
        result[f"c50 {probe}"] = await command_run(client, args.commands, 50, probe)
    finally:
        await client.close()
    return result


def table(bare: dict, floor: dict, whole: dict, level: str) -> list[str]:
    """The side-by-side lines."""
    ratio = round(whole["chatter"]["events_per_s"] / bare["chatter"]["events_per_s"], 2)
    ping = bare["c1 /ping"]["p50_ms"]
    runs = {"bare": bare, "floor": floor, "whole": whole}
    us = {name: round(run["chatter"]["cpu_ms_per_event"] * 1000) for name, run in runs.items()}
    lines = [
        f"log level {level} (all bots)",
        f"{'':26}{'bare NoneBot':>14}{'floor':>10}{'whole bot':>12}{'whole/bare':>12}{'whole/floor':>13}",
        f"{'chatter events/s':26}{bare['chatter']['events_per_s']:>14}{floor['chatter']['events_per_s']:>10}"
        f"{whole['chatter']['events_per_s']:>12}{ratio:>12}"
        f"{round(whole['chatter']['events_per_s'] / floor['chatter']['events_per_s'], 2):>13}",
        f"{'chatter CPU µs/event':26}{us['bare']:>14}{us['floor']:>10}{us['whole']:>12}"
        f"{round(us['whole'] / us['bare'], 2):>12}{round(us['whole'] / us['floor'], 2):>13}",
        "",
        f"{'concurrency 1, round trip':34}{'p50 ms':>14}{'p99 ms':>14}{'p50/ping':>12}",
        f"{'bare /ping':34}{ping:>14}{bare['c1 /ping']['p99_ms']:>14}{1.0:>12}",
    ]
    for command in WHOLE_COMMANDS:
        run = whole[f"c1 {command}"]
        lines.append(
            f"{'whole ' + command:34}{run['p50_ms']:>14}{run['p99_ms']:>14}{round(run['p50_ms'] / ping, 2):>12}"
        )
    lines.append(
        f"{'c50 commands/s: bare /ping, /支部':34}{bare['c50 /ping']['commands_per_s']:>14}"
        f"{whole['c50 /支部']['commands_per_s']:>14}"
    )
    return lines


async def main() -> None:
    """Both bots in one run, at the same log level, and the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--log-level", default="INFO", help="for both bots (INFO: what the bot ships with)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="redwheel-bench-"))
    load_before = os.getloadavg()

    bare = BareBot(workdir, args.log_level)
    bare.start()
    try:
        bare_result = await measure(bare.v11_url(), bare.process.pid, args, ("/ping",))
    finally:
        bare.stop()
    floor = BareBot(workdir, args.log_level, FLOOR_BOT, "floor")
    floor.start()
    try:
        floor_result = await measure(floor.v11_url(), floor.process.pid, args, ("/ping",))
    finally:
        floor.stop()

    env = {"LOG_LEVEL": args.log_level, "DELIVERY_GAP_MIN": "0", "DELIVERY_GAP_MAX": "0", **UNLIMITED}
    whole = BotProcess(workdir / "whole", env=env)
    whole.start()
    try:
        assert whole.process is not None
        await seed_branches(whole, [str(7100 + w) for w in range(50)])
        whole_result = await measure(whole.v11_url(), whole.process.pid, args, WHOLE_COMMANDS)
    finally:
        whole.stop()

    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.messages} chatter messages, {args.commands} commands per run")
    print(f"load average before: {load_before}, after: {os.getloadavg()}")
    print("\n".join(table(bare_result, floor_result, whole_result, args.log_level)))
    summary = {
        "bench": "chatter",
        "log_level": args.log_level,
        "bare": bare_result,
        "floor": floor_result,
        "whole": whole_result,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

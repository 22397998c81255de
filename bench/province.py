"""A province on one PostgreSQL database with two bot processes: the daily push to 200 groups, and commands meanwhile.

    python bench/province.py [--postgres URL] [--branches 200]

Generates 200 branches, 25,000 drivers (6,000 member drivers), a year of ledger rows and 20,000 appeals. Two bot
processes run against the same database, each with its own bot account that sits in half the groups. The push
time is set so every branch is due, pacing is switched to a test value, and the script waits until every group got
its push. It prints time to complete, sends per second, duplicates (must be 0), missed groups (must be 0), and the
p99 of /积分榜, /诉求 统计 and /驿站 sent while the push runs. Without --postgres it runs one process on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from generate import appeals, fresh, ledger_rows, province

from tests.support.botprocess import BotProcess

ACCOUNTS = ("10001", "10002")


pushes_seen: list = []  # pushes that arrive while a command waits for its answer


async def command_latency(client, group: str, command: str, runs: int) -> float | None:
    """p99 round trip of a command (ms) while the push is going on; None when it got no answer."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await client.group_message(group, "2000000", command)  # the branch's secretary
        while True:
            try:
                call = await asyncio.wait_for(client.calls.get(), 15)
            except TimeoutError:
                return None  # the command got no answer

            if call.is_send and call.target == ("group", group) and "【今日学习】" not in call.text:
                break
            pushes_seen.append(call)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return round(samples[max(int(len(samples) * 0.99) - 1, 0)], 1)


async def main() -> None:
    """Generate, start the processes, push, measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://… of an empty database")
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--ledger", type=int, default=300_000)
    parser.add_argument("--appeals", type=int, default=20_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="redwheel-province-"))
    url = args.postgres or f"sqlite+aiosqlite:///{workdir / 'province.db'}"
    accounts = ACCOUNTS if args.postgres else ACCOUNTS[:1]
    started = time.perf_counter()
    database = await fresh(url)
    await province(database, branches=args.branches, self_ids=accounts)
    await ledger_rows(database, args.ledger, args.branches, 25_000)
    await appeals(database, args.appeals, 5, args.branches)
    await database.dispose()
    generated = time.perf_counter() - started

    env = {
        "LOG_LEVEL": "WARNING",
        "DELIVERY_GAP_MIN": "0.005",
        "DELIVERY_GAP_MAX": "0.01",
        "STUDY_PUSH_CHECK_SECONDS": "1",
        "DELIVERY_POLL_SECONDS": "0.2",
        # The latency probes come from one secretary in one group: lift the rate limits so they are answered.
        "RATE_USER_BURST": "1000",
        "RATE_USER_PER_MINUTE": "100000",
        "RATE_GROUP_BURST": "1000",
        "RATE_GROUP_PER_MINUTE": "100000",
    }
    processes = [BotProcess(workdir / f"p{n}", database_url=url, env=env) for n in range(len(accounts))]
    for process in processes:
        process.workdir.mkdir(parents=True, exist_ok=True)
        process.set_clock("2026-11-23T07:00:00+08:00")
        process.start()
    clients = [await p.client(self_id=a) for p, a in zip(processes, accounts, strict=True)]
    try:
        for process in processes:
            process.set_clock("2026-11-23T07:31:00+08:00")
        push_started = time.perf_counter()
        latency = {
            "/积分榜": await command_latency(clients[0], "800000", "/积分榜", 20),
            "/诉求 统计": await command_latency(clients[0], "800000", "/诉求 统计", 20),
            "/驿站": await command_latency(clients[0], "800000", "/驿站 贵阳 洗澡", 20),
        }
        pushes: Counter = Counter(
            c.target[1] for c in pushes_seen if c.is_send and "【今日学习】" in c.text and c.target
        )
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline and len(pushes) < args.branches:
            for client in clients:
                while not client.calls.empty():
                    call = client.calls.get_nowait()
                    if call.is_send and "【今日学习】" in call.text and call.target:
                        pushes[call.target[1]] += 1
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - push_started
        await asyncio.sleep(2)  # anything sent twice would arrive now
        for client in clients:
            while not client.calls.empty():
                call = client.calls.get_nowait()
                if call.is_send and "【今日学习】" in call.text and call.target:
                    pushes[call.target[1]] += 1
    finally:
        for client in clients:
            await client.close()
        for process in processes:
            process.stop()
    groups = {str(800000 + n) for n in range(args.branches)}
    duplicates = sum(n - 1 for n in pushes.values() if n > 1)
    missed = len(groups - set(pushes))
    result = {
        "database": url.split(":")[0],
        "processes": len(processes),
        "branches": args.branches,
        "generate_s": round(generated, 1),
        "push_complete_s": round(elapsed, 1),
        "sends_per_s": round(sum(pushes.values()) / elapsed, 1),
        "duplicates": duplicates,
        "missed": missed,
        "p99_ms_during_push": latency,
    }
    print(
        f"{result['database']}, {len(processes)} process(es), {args.branches} branches; generated in {generated:.0f} s"
    )
    print(
        f"push to every group: {elapsed:.1f} s, {result['sends_per_s']} sends/s, "
        f"duplicates {duplicates}, missed {missed}"
    )
    for name, value in latency.items():
        print(f"p99 {name} during the push: {value} ms")
    print(json.dumps({"bench": "province", **result}, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())

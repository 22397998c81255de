"""A province's morning, measured: 209 branch groups, 6,000 members, PostgreSQL, two bot processes.

    python bench/day.py [--postgres URL] [--quick]

Generates the province (branches 800000+n, members, a year of ledger history, past appeals) into a new PostgreSQL
database (on 127.0.0.1:5432 unless --postgres names an empty one), starts two bot processes on it — each with its own
bot account, each account in half of the groups, exactly as a province runs them — and plays 07:30 onwards with the
bots' clock running in real time:

- the 07:30 study push to every group at the platform's pacing (the default 1.5–4 s gap per account);
- a 打卡 rush: 3,000 members check in within ten minutes (random moments, uniformly);
- 150 appeals with their whole workflow, each in its own group: /诉求 (类别, 描述, 地点, 确认), /受理 by the branch's
  secretary, /转办 to a department, /办结 by the department's handler in private chat, the appellant's 满意;
- 20 web viewers (the committee and secretaries, signed in through /后台) reading the overview, the appeals board and
  a branch page with a few seconds between pages;
- ordinary chatter in random groups (2 messages a second across the province);
- the leader process killed (SIGKILL) when its account has sent 40 % of its pushes, and started again 5 s later.

It prints: pushes delivered once each (lost, duplicates), p50/p99 of 打卡 and of the appeal commands during the rush,
the web pages' p50/p99, CPU and memory of each process, the leader's takeover, and the outbox depth over time.
`--quick` plays a small province fast (for trying the script, not for figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("SUPERUSERS", '["10000"]')  # this script binds the department handler as the committee

import asyncpg
import httpx
from generate import appeals, fresh, ledger_rows, province, reset_sequences
from sqlalchemy import func, select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.db import Database
from bot.core.models import OutboxItem
from bot.core.outbox import PENDING, SENDING
from bot.features.study.models import StudyCheckin
from bot.onebot_client import ApiCall, OneBotClient
from tests.support.botprocess import BotProcess

ACCOUNTS = ("10001", "10002")
SUPERUSER = "10000"
HANDLER = "20050"  # handles 交通运输 for the whole province
DEPARTMENT = "交通运输"
CHATTER = [
    "今天跑贵阳到重庆，路上堵不堵？",
    "刚卸完货，准备吃饭了",
    "哈哈哈👍",
    "G75 有没有团雾",
    "收到",
    "晚上注意安全",
]
PUSH_MARK = "【今日学习】"
MENTION = re.compile(r"@(\d+)")
NUMBER = re.compile(r"SQ\d{8}-\d{4}")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * share) - 1))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Account:
    """One bot account: its process, its current client connection, and who waits for which answer."""

    self_id: str
    process: BotProcess
    client: OneBotClient | None = None
    online: asyncio.Event = field(default_factory=asyncio.Event)
    # Who waits for what: (chat key) → [(text the answer must contain, future)], first match wins.
    waiting: dict[tuple, list[tuple[str, asyncio.Future]]] = field(default_factory=lambda: defaultdict(list))
    reader: asyncio.Task | None = None

    def expect(self, key: tuple, text: str) -> asyncio.Future:
        """A future resolved with (time, text) by the first message for `key` that contains `text`."""
        future = asyncio.get_running_loop().create_future()
        self.waiting[key].append((text, future))
        return future

    def deliver(self, key: tuple, text: str) -> None:
        """Hand a message to the first waiter it answers."""
        for index, (expected, future) in enumerate(self.waiting.get(key, [])):
            if expected in text and not future.done():
                future.set_result((time.perf_counter(), text))
                del self.waiting[key][index]
                return


class Day:
    """The whole run: processes, accounts, the workloads and what they measured."""

    def __init__(self, args: argparse.Namespace, url: str, workdir: Path) -> None:
        self.args = args
        self.url = url
        self.workdir = workdir
        self.pushes: Counter[str] = Counter()
        self.pushes_by_account: Counter[str] = Counter()
        self.pushed = asyncio.Event()  # set on every push received
        self.checked_in: set[str] = set()  # members whose 打卡 was answered
        self.last_push = 0.0
        self.push_due = 0.0  # when 07:30 came on the bots' clock
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.unanswered: Counter[str] = Counter()
        self.samples: list[dict] = []
        self.events: list[str] = []
        self.started = time.monotonic()
        self.accounts: dict[str, Account] = {}
        self.restarted_at: float | None = None
        # The morning played: tomorrow 07:29:50, after all the generated history (which ends today).
        tomorrow = clock.today() + timedelta(days=1)
        self.start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 7, 29, 50, tzinfo=clock.tz())

    # ---- processes and connections ---------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The processes' settings: production defaults, but a moved clock and lifted per-person limits."""
        env = {
            "LOG_LEVEL": "WARNING",
            "SUPERUSERS": json.dumps([SUPERUSER]),
            "WEB_SECRET": "day-bench",
            "OPS_BACKUP_TIME": "23:00",  # no backup during the morning (and none caught up at start)
            "STATIONS_IMPORT_SAMPLE": "true",
            "DELIVERY_POLL_SECONDS": "1",
        }
        if self.args.quick:
            env |= {"DELIVERY_GAP_MIN": "0.05", "DELIVERY_GAP_MAX": "0.1", "STUDY_PUSH_CHECK_SECONDS": "2"}
        else:  # the platform's pacing: the production defaults (the test harness's are near zero)
            env |= {"DELIVERY_GAP_MIN": "1.5", "DELIVERY_GAP_MAX": "4.0"}
        return env

    def group_account(self, group: str) -> Account:
        """The account that sits in a group (generate.py assigns branch n to ACCOUNTS[n % 2])."""
        return self.accounts[ACCOUNTS[(int(group) - 800000) % len(ACCOUNTS)]]

    async def connect(self, account: Account) -> None:
        """A new connection of the account's OneBot implementation to its process."""
        client = OneBotClient(account.process.v11_url(), self_id=account.self_id)
        await client.connect(retries=200)
        account.client = client
        account.reader = asyncio.create_task(self.route(account, client))
        account.online.set()

    async def route(self, account: Account, client: OneBotClient) -> None:
        """Sort what the bot sends through this connection: pushes are counted, answers go to whoever waits."""
        while True:
            call: ApiCall = await client.calls.get()
            if not call.is_send or call.target is None:
                continue
            kind, target = call.target
            text = call.text
            if kind == "group" and PUSH_MARK in text:
                self.pushes[target] += 1
                self.pushes_by_account[account.self_id] += 1
                self.last_push = time.monotonic()
                self.pushed.set()
                continue
            if kind == "group":
                mentioned = MENTION.search(text)
                key = ("group", target, mentioned.group(1) if mentioned else None)
            else:
                key = ("private", target)
            account.deliver(key, text)

    async def ask(
        self,
        label: str,
        group: str | None,
        user: str,
        text: str,
        expect: str,
        account: Account | None = None,
        mention: bool = True,
        timeout: float = 90.0,
    ) -> str | None:
        """Send a message and wait for the answer that contains `expect`; its round trip is recorded under `label`."""
        account = account or (self.group_account(group) if group else self.accounts[ACCOUNTS[0]])
        key = ("group", group, user if mention else None) if group else ("private", user)
        await account.online.wait()
        client = account.client
        assert client is not None
        answer = account.expect(key, expect)
        sent = time.perf_counter()
        try:
            if group:
                await client.group_message(group, user, text)
            else:
                await client.private_message(user, text)
            at, reply = await asyncio.wait_for(answer, timeout)
        except Exception:  # the process died under us, or no answer came
            self.unanswered[label] += 1
            return None
        self.latency[label].append((at - sent) * 1000)
        return reply

    # ---- workloads ----------------------------------------------------------------------------------------------
    async def rush(self, members: list[int], window: float) -> None:
        """Each member says 打卡 in their branch group once, at a random moment of the window."""
        rng = random.Random(5)
        moments = sorted((rng.uniform(0, window), member) for member in members)
        begin = time.monotonic()

        async def one(member: int) -> None:
            group = str(800000 + member % self.args.branches)
            if await self.ask("打卡", group, str(3_000_000 + member), "打卡", expect="连续"):
                self.checked_in.add(f"qq:{3_000_000 + member}")

        tasks = []
        for moment, member in moments:
            await asyncio.sleep(max(0.0, begin + moment - time.monotonic()))
            tasks.append(asyncio.create_task(one(member)))
        await asyncio.gather(*tasks)

    async def appeal(self, n: int, start_in: float) -> bool:
        """One appeal's whole workflow in branch n's group (its appellant is a member of that branch)."""
        await asyncio.sleep(start_in)
        group = str(800000 + n)
        appellant, secretary = str(3_000_000 + n), str(2_000_000 + n)
        account = self.group_account(group)
        steps = [("/诉求", "类别"), ("1", "描述"), ("货主拖欠运费 8000 元两个月了", "地点"), ("贵阳市乌当区", "确认")]
        for text, expect in steps:
            if await self.ask("诉求 对话", group, appellant, text, expect) is None:
                return False
        number = NUMBER.search(await self.ask("诉求 提交", group, appellant, "确认", "诉求已提交") or "")
        if number is None:
            return False
        code = number.group(0)
        if not await self.ask("受理", group, secretary, f"/受理 {code} 一般", f"已受理 {code}", mention=False):
            return False
        if not await self.ask("转办", group, secretary, f"/转办 {code} {DEPARTMENT}", f"已将 {code}", mention=False):
            return False
        question = account.expect(("group", group, appellant), f"您的诉求 {code} 已办结")
        if not await self.ask("办结", None, HANDLER, f"/办结 {code} 已协调货主结清运费", f"{code} 已办结，", account):
            return False
        closed = time.perf_counter()
        try:  # the 回访 question goes through the outbox, paced with everything else the account sends on its own
            at, _ = await asyncio.wait_for(question, 1800)
        except TimeoutError:
            self.unanswered["回访 提问"] += 1
            return False
        self.latency["回访 提问送达"].append((at - closed) * 1000)
        return await self.ask("回访", group, appellant, "满意", "感谢您的评价") is not None

    async def viewer(self, user: str, branch_id: int, until: float) -> None:
        """Sign in through /后台 in private chat, then read pages with a few seconds between them."""
        answer = await self.ask("/后台", None, user, "/后台", "login?t=", self.accounts[ACCOUNTS[int(user) % 2]])
        link = re.search(r"http\S+login\?t=\S+", answer or "")
        if link is None:
            return
        rng = random.Random(int(user))
        async with httpx.AsyncClient(timeout=60, follow_redirects=True) as http:
            response = await http.get(link.group(0))
            form = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', response.text, re.I)
            if form and not http.cookies:  # a confirmation page: only the person's confirmation spends the link
                fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text))
                parts = urlsplit(link.group(0))
                origin = f"{parts.scheme}://{parts.netloc}"  # as a browser posting the page's form sends it
                target = httpx.URL(link.group(0)).join(form.group(1))
                await http.post(target, data=fields, headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
            base = link.group(0).split("/login", 1)[0]
            pages = [
                ("网页 概览", f"{base}/"),
                ("网页 诉求看板", f"{base}/appeals"),
                ("网页 支部", f"{base}/branch/{branch_id}"),
            ]
            while time.monotonic() < until:
                label, page = rng.choice(pages)
                start = time.perf_counter()
                try:
                    response = await http.get(page)
                except httpx.HTTPError:  # its process was killed a moment ago
                    response = None
                if response is not None and response.status_code == 200:
                    self.latency[label].append((time.perf_counter() - start) * 1000)
                else:
                    self.unanswered[label] += 1
                await asyncio.sleep(rng.uniform(3, 8))

    async def chatter(self, until: float) -> None:
        """Ordinary messages in random groups at the set rate (the bot answers none of them)."""
        rng = random.Random(9)
        while time.monotonic() < until:
            group = str(800000 + rng.randrange(self.args.branches))
            account = self.group_account(group)
            if account.online.is_set() and account.client is not None:
                with contextlib.suppress(Exception):
                    user = str(3_000_000 + rng.randrange(self.args.members))
                    await account.client.group_message(group, user, rng.choice(CHATTER))
            await asyncio.sleep(rng.expovariate(self.args.chatter_per_s))

    async def clock(self) -> None:
        """The bots' clock runs in real time from 07:29:50."""
        while True:
            now = self.start + timedelta(seconds=time.monotonic() - self.started)
            for account in self.accounts.values():  # replaced whole: a reader never sees a half-written file
                path = account.process.clock_file
                path.with_suffix(".tmp").write_text(now.isoformat(), encoding="utf-8")
                os.replace(path.with_suffix(".tmp"), path)
            await asyncio.sleep(0.25)

    async def sample(self, database: Database) -> None:
        """Every 5 s: CPU and memory of each process, and the outbox depth by purpose."""
        last: dict[str, tuple[float, float]] = {}
        while True:
            row: dict = {"t": round(time.monotonic() - self.started)}
            for name, account in self.accounts.items():
                proc = account.process.process
                if proc is None or proc.poll() is not None:
                    continue
                with contextlib.suppress(OSError):
                    cpu, wall = cpu_seconds(proc.pid), time.monotonic()
                    before = last.get(f"{name}:{proc.pid}")
                    row[f"cpu {name}"] = round((cpu - before[0]) / (wall - before[1]) * 100) if before else None
                    row[f"rss {name}"] = round(rss_mib(proc.pid))
                    last[f"{name}:{proc.pid}"] = (cpu, wall)
            with contextlib.suppress(Exception):
                async with database.reading() as session:
                    rows = await session.execute(
                        select(OutboxItem.purpose, func.count())
                        .where(OutboxItem.status.in_((PENDING, SENDING)))
                        .group_by(OutboxItem.purpose)
                    )
                    row["outbox"] = dict(rows.all())
            self.samples.append(row)
            await asyncio.sleep(5)

    async def next_push(self, timeout: float) -> None:
        """Until the next push arrives (or `timeout` seconds)."""
        self.pushed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.pushed.wait(), timeout)

    async def leader_of(self) -> Account | None:
        """The account whose process leads now (from /metrics)."""
        async with httpx.AsyncClient(timeout=5) as http:
            for account in self.accounts.values():
                with contextlib.suppress(Exception):
                    text = (await http.get(f"http://127.0.0.1:{account.process.port}/metrics")).text
                    if re.search(r"^redwheel_leader 1\.0$", text, re.M):
                        return account
        return None

    async def kill_mid_push(self, share: float) -> None:
        """SIGKILL the leader when its account has sent `share` of its pushes; start it again 5 s later."""
        victim = await self.leader_of()
        assert victim is not None, "no leader"
        mine = sum(1 for n in range(self.args.branches) if ACCOUNTS[n % len(ACCOUNTS)] == victim.self_id)
        while self.pushes_by_account[victim.self_id] < share * mine:
            await self.next_push(1.0)
        victim.online.clear()
        killed = time.monotonic()
        victim.process.stop(kill=True)
        self.events.append(
            f"{killed - self.started:.0f} s: killed the leader (account {victim.self_id}) mid-push "
            f"after {self.pushes_by_account[victim.self_id]} of its {mine} pushes"
        )
        if victim.reader:
            victim.reader.cancel()
        if victim.client:
            with contextlib.suppress(Exception):
                await victim.client.close()
        other = next(a for a in self.accounts.values() if a is not victim)
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                text = (await http.get(f"http://127.0.0.1:{other.process.port}/metrics")).text
                if re.search(r"^redwheel_leader 1\.0$", text, re.M):
                    break
                await asyncio.sleep(0.2)
        self.events.append(f"the other process led {time.monotonic() - killed:.1f} s after the kill")
        await asyncio.sleep(max(0.0, killed + 5 - time.monotonic()))
        await asyncio.to_thread(victim.process.start)
        await self.connect(victim)
        self.restarted_at = time.monotonic()
        self.events.append(f"restarted and reconnected {self.restarted_at - killed:.1f} s after the kill")

    # ---- the run ---------------------------------------------------------------------------------------------
    async def seed(self) -> None:
        """The department handler, bound once (as a superuser would with /部门 绑定)."""
        database = Database(self.url)
        try:
            branches = BranchDirectory(database)
            roles = Roles(database, branches)
            await roles.bind_department(
                Actor("qq", SUPERUSER, None, ACCOUNTS[0]), f"qq:{HANDLER}", DEPARTMENT, "王科长"
            )
        finally:
            await database.dispose()

    async def run(self) -> dict:
        """Start both processes, play the morning, stop them."""
        await self.seed()
        env = self.env()
        for self_id in ACCOUNTS:
            process = BotProcess(self.workdir / f"p{self_id}", database_url=self.url, env=env)
            process.workdir.mkdir(parents=True, exist_ok=True)
            process.set_clock(self.start.isoformat())
            self.accounts[self_id] = Account(self_id, process)
        self.started = time.monotonic()
        for account in self.accounts.values():  # one after the other: the first one up migrates and leads
            await asyncio.to_thread(account.process.start)
        for account in self.accounts.values():
            await self.connect(account)
        database = Database(self.url)
        background = [asyncio.create_task(self.clock()), asyncio.create_task(self.sample(database))]
        args = self.args
        window = args.rush_minutes * 60
        await asyncio.sleep(max(0.0, 12 - (time.monotonic() - self.started)))  # 07:30:02: the push is due
        rush_started = time.monotonic()
        self.push_due = self.started + 10  # 07:30:00 on the bots' clock
        until = rush_started + window
        members = list(range(args.members - args.rush, args.members))  # not the appellants (members 0, 1, …)
        rng = random.Random(3)
        appeal_starts = [rng.uniform(0, window * 0.6) for _ in range(args.appeals)]
        committee = args.viewers // 2  # the committee's viewers, then one secretary each of branches 1, 2, …
        viewers = [(SUPERUSER, 1)] * committee + [(str(2_000_000 + n), n + 1) for n in range(args.viewers - committee)]
        work = [
            self.rush(members, window),
            *(self.appeal(n, start) for n, start in enumerate(appeal_starts)),
            *(self.viewer(user, branch_id, until) for user, branch_id in viewers),
            self.chatter(until),
            self.kill_mid_push(args.kill_at),
        ]
        results = await asyncio.gather(*work, return_exceptions=True)
        appeals_done = sum(1 for r in results[1 : 1 + args.appeals] if r is True)
        failures = [r for r in results if isinstance(r, BaseException)]
        deadline = time.monotonic() + 900
        while len(self.pushes) < args.branches and time.monotonic() < deadline:
            await self.next_push(1.0)
        while time.monotonic() < deadline:  # what the accounts still have to send on their own
            async with database.reading() as session:
                left = await session.scalar(select(func.count()).where(OutboxItem.status.in_((PENDING, SENDING))))
            if not left:
                self.events.append(f"the outbox was empty {time.monotonic() - rush_started:.0f} s after 07:30")
                break
            await asyncio.sleep(5)
        await asyncio.sleep(5)  # anything sent twice would arrive now
        rush_seconds = time.monotonic() - rush_started
        for task in background:
            task.cancel()
        async with database.reading() as session:
            day = StudyCheckin.day == self.start.date()
            recorded = set((await session.scalars(select(StudyCheckin.user_key).where(day))).all())
        checkins = len(recorded)
        if self.checked_in - recorded:
            missing = sorted(self.checked_in - recorded)
            self.events.append(f"打卡 answered but not recorded: {len(missing)}, e.g. {missing[:3]}")
        if recorded - self.checked_in:
            self.events.append(
                f"打卡 recorded whose answer never came (a process died): {len(recorded - self.checked_in)}"
            )
        await database.dispose()
        for account in self.accounts.values():
            if account.client:
                await account.client.close()
            account.process.stop()
        return {
            "appeals_done": appeals_done,
            "failures": [repr(f)[:200] for f in failures],
            "checkins_in_db": checkins,
            "seconds": round(rush_seconds),
        }


async def new_database(url: str | None) -> tuple[str, str | None]:
    """The database to play on: the one given, or a new one on the local server (dropped afterwards)."""
    if url:
        return url, None
    name = f"redwheel_day_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect("postgresql://127.0.0.1:5432/test")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return f"postgresql+asyncpg://127.0.0.1:5432/{name}", name


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    """nproc, the CPU model, RAM."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({model}), {ram:.0f} GiB RAM, Python {platform.python_version()}"


def report(day: Day, outcome: dict, generated: float) -> dict:
    """Print the figures; returns them."""
    args = day.args
    groups = {str(800000 + n) for n in range(args.branches)}
    lost = sorted(groups - set(day.pushes))
    duplicates = sum(n - 1 for n in day.pushes.values() if n > 1)
    print(f"machine: {machine()}; load average before: {args.load_before}, after: {load_average()}")
    print(
        f"province: {args.branches} groups, {args.members} members, PostgreSQL, 2 processes; generated in "
        f"{generated:.0f} s; played {outcome['seconds']} s"
    )
    print(
        f"pushes: {len(day.pushes)} of {args.branches} groups got the push; lost {len(lost)}, duplicates {duplicates}"
    )
    print(f"  the last group got its push {day.last_push - day.push_due:.0f} s after 07:30 (both accounts paced)")
    for event in day.events:
        print(f"  {event}")
    answered = len(day.checked_in)
    print(f"打卡: {answered} members answered of {args.rush}, {outcome['checkins_in_db']} check-ins recorded")
    print(f"appeals: {outcome['appeals_done']} of {args.appeals} through the whole workflow")
    lines = {}
    for label, values in sorted(day.latency.items()):
        if values:
            lines[label] = {
                "n": len(values),
                "p50_ms": round(statistics.median(values)),
                "p99_ms": round(percentile(values, 0.99)),
            }
            print(
                f"  {label:12} n={len(values):5}  p50 {lines[label]['p50_ms']:6} ms  p99 {lines[label]['p99_ms']:6} ms"
            )
    if day.unanswered:
        print(f"unanswered (sent while a process was down, or timed out): {dict(day.unanswered)}")
    for name in ACCOUNTS:
        cpu = [s[f"cpu {name}"] for s in day.samples if s.get(f"cpu {name}") is not None]
        rss = [s[f"rss {name}"] for s in day.samples if s.get(f"rss {name}")]
        if cpu:
            print(
                f"process of {name}: CPU mean {statistics.mean(cpu):.0f} %, max {max(cpu)} % of one core; "
                f"RSS max {max(rss)} MiB"
            )
    print("outbox depth (pending + sending, by purpose) every 30 s:")
    for sample in day.samples[::6]:
        print(f"  t={sample['t']:4} s  {sample.get('outbox', {})}")
    if outcome["failures"]:
        print(f"errors: {outcome['failures']}")
    return {
        "bench": "day",
        "machine": machine(),
        "load_before": args.load_before,
        "load_after": load_average(),
        "pushed_groups": len(day.pushes),
        "lost": len(lost),
        "duplicates": duplicates,
        "push_complete_s": round(day.last_push - day.push_due),
        "latency": lines,
        "events": day.events,
        "appeals_done": outcome["appeals_done"],
        "checkins_in_db": outcome["checkins_in_db"],
        "unanswered": dict(day.unanswered),
    }


async def main() -> None:
    """Generate, play, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://… of an empty database")
    parser.add_argument("--branches", type=int, default=209)
    parser.add_argument("--members", type=int, default=6000)
    parser.add_argument("--rush", type=int, default=3000)
    parser.add_argument("--rush-minutes", type=float, default=10)
    parser.add_argument("--appeals", type=int, default=150)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--chatter-per-s", type=float, default=2.0)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of the leader's pushes sent before the kill")
    parser.add_argument("--quick", action="store_true", help="a small province, fast pacing: to try the script")
    args = parser.parse_args()
    if args.quick:
        args.branches, args.members, args.rush, args.rush_minutes = 20, 600, 300, 1.5
        args.appeals, args.viewers = 10, 4
    args.load_before = load_average()
    url, created = await new_database(args.postgres)
    try:
        started = time.perf_counter()
        database = await fresh(url)
        await province(
            database, branches=args.branches, drivers=args.members, member_drivers=args.members, self_ids=ACCOUNTS
        )
        await ledger_rows(database, 100_000 if not args.quick else 5_000, args.branches, args.members)
        await appeals(database, 5_000 if not args.quick else 200, 5, args.branches, closed_share=1.0)
        await reset_sequences(database)
        await database.dispose()
        generated = time.perf_counter() - started
        day = Day(args, url, Path(tempfile.mkdtemp(prefix="redwheel-day-")))
        outcome = await day.run()
        print(json.dumps(report(day, outcome, generated), ensure_ascii=False))
    finally:
        if created:
            admin = await asyncpg.connect("postgresql://127.0.0.1:5432/test")
            await admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

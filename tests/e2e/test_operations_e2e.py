"""Two bot processes on one PostgreSQL database, as a province runs them: the first started exactly as the container
image starts it (the Dockerfile's command and environment), the second as the README does. /healthz and /metrics
answer (and can be switched off or guarded), hold no personal data, one process leads the jobs that must run once,
and when the leader is killed the other takes over."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.onebot_client import OneBotClient
from tests.support.botprocess import ROOT, BotProcess

TOKEN = "e2e-access-token"
METRICS_TOKEN = "e2e-metrics-token"
FAST = {  # short election and job intervals, so a takeover shows within seconds
    "LEADER_POLL_SECONDS": "0.3",
    "OPS_REPORT_CHECK_SECONDS": "0.3",
    "OPS_BACKUP_ENABLED": "false",
    "LOG_LEVEL": "INFO",
}
ONCE_JOB = "ops_broadcast_reports"  # a job that must run once: it runs in the leader only


def dockerfile() -> tuple[list[str], dict[str, str], list[str]]:
    """The image's start command (CMD, exec form), its ENV and its HEALTHCHECK command, read from the Dockerfile."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]  # the runtime stage
    command = json.loads(re.findall(r"^CMD (\[.*\])$", final, re.M)[-1])
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.*)$", final, re.M):
        for pair in shlex.split(line):
            name, _, value = pair.partition("=")
            env[name] = value
    check = json.loads(re.findall(r"^HEALTHCHECK .*?CMD (\[.*\])$", final, re.M)[-1])
    return command, env, check


def as_here(command: list[str]) -> list[str]:
    """The image's command line with its `python` (first on the image's PATH, in the image's venv) as this venv's."""
    return [sys.executable if word == "python" else word for word in command]


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float | None:
    """One sample's value, or None."""
    return found.get((name, tuple(sorted(labels.items()))))


async def scrape(http: httpx.AsyncClient, process: BotProcess, token: str | None = None) -> dict:
    """The process's /metrics."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.get(f"http://127.0.0.1:{process.port}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def wait_for(condition, timeout: float = 15.0) -> None:
    """Poll an async condition until it holds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.2)


async def test_two_processes_health_metrics_and_a_leader_that_is_replaced(tmp_path: Path, pg_url: str):
    command, image_env, healthcheck = dockerfile()
    assert command[0] == "python", "the image starts the bot with the venv's python"
    image_env.pop("PATH")
    image_env["OPS_BACKUP_DIR"] = str(tmp_path / "backups")  # the image's volume
    image = BotProcess(
        tmp_path / "image",
        database_url=pg_url,
        env={**image_env, **FAST, "ONEBOT_ACCESS_TOKEN": TOKEN},
        command=as_here(command),
    )
    guarded = BotProcess(
        tmp_path / "readme",
        database_url=pg_url,
        env={**FAST, "OPS_HEALTHZ_ENABLED": "false", "OPS_METRICS_TOKEN": METRICS_TOKEN},
    )
    image.env["PORT"] = str(image.port)
    await asyncio.gather(asyncio.to_thread(image.start), asyncio.to_thread(guarded.start))
    client: OneBotClient | None = None
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            # The image's own health check passes against its start command.
            check = await asyncio.to_thread(
                subprocess.run,
                as_here(healthcheck),
                env={"PORT": str(image.port)},
                capture_output=True,
                timeout=20,
                check=False,
            )
            assert check.returncode == 0, check.stderr
            health = (await http.get(f"http://127.0.0.1:{image.port}/healthz")).json()
            assert health["status"] == "ok" and health["checks"]["migrations"] == {"ok": True}
            assert health["checks"]["database"] == {"ok": True, "kind": "postgresql"}

            # Switched off, and guarded by a token.
            assert (await http.get(f"http://127.0.0.1:{guarded.port}/healthz")).status_code == 404
            assert (await http.get(f"http://127.0.0.1:{guarded.port}/metrics")).status_code == 401
            await scrape(http, guarded, METRICS_TOKEN)

            # Exactly one leader; the job that must run once runs there only.
            async def one_leader_ran_the_job() -> bool:
                mine = await scrape(http, image)
                theirs = await scrape(http, guarded, METRICS_TOKEN)
                leaders = [value(m, "redwheel_leader") or 0.0 for m in (mine, theirs)]
                runs = [value(m, "redwheel_job_runs_total", job=ONCE_JOB, outcome="ok") or 0 for m in (mine, theirs)]
                return sorted(leaders) == [0.0, 1.0] and max(runs) >= 2 and min(runs) == 0

            await wait_for(one_leader_ran_the_job)
            mine = await scrape(http, image)
            leader, follower = (image, guarded) if value(mine, "redwheel_leader") == 1.0 else (guarded, image)
            follower_token = METRICS_TOKEN if follower is guarded else None

            # A connected account, commands and events are counted; nothing personal is shown.
            client = OneBotClient(image.v11_url(), self_id="10001", access_token=TOKEN)
            await client.connect()
            assert "/帮助" in await client.ask("5001", "20001", "/帮助")
            assert "这个命令" in await client.ask("5001", "20001", "/13812345678")  # an unknown command
            await client.private_message("20002", "我的电话是13912345678，车牌贵A12345")
            await asyncio.sleep(0.5)
            response = await http.get(f"http://127.0.0.1:{image.port}/metrics")
            found = samples(response.text)
            labels = {label for _, pairs in found for _, label in pairs}
            for private in ("13812345678", "13912345678", "贵A12345", "5001", "20001", "20002", "10001"):
                assert not any(private in label for label in labels)
            assert "1381234" not in response.text and "贵A" not in response.text
            assert value(found, "redwheel_commands_total", command="帮助", outcome="ok") == 1.0
            assert value(found, "redwheel_commands_total", command="unknown", outcome="unknown") == 1.0
            assert value(found, "redwheel_events_total", kind="group_message") == 2.0
            assert value(found, "redwheel_events_total", kind="private_message") == 1.0
            assert value(found, "redwheel_command_duration_seconds_count") == 2.0
            assert value(found, "redwheel_accounts_connected", platform="qq") == 1.0
            assert value(found, "redwheel_appeals_open") == 0.0
            assert value(found, "redwheel_web_sessions_open") == 0.0
            assert value(found, "process_resident_memory_bytes")

            await client.close()
            client = None

            async def account_missing() -> bool:
                answer = await http.get(f"http://127.0.0.1:{image.port}/healthz")
                return answer.status_code == 503

            await wait_for(account_missing, 5)
            health = (await http.get(f"http://127.0.0.1:{image.port}/healthz")).json()
            assert health["status"] == "fail"
            assert health["checks"]["accounts"] == {"ok": False, "connected": 0, "missing": ["****0001"]}

            # The leader dies (no clean shutdown): the other process takes over and runs the job from then on.
            before = value(await scrape(http, follower, follower_token), "redwheel_job_runs_total", job=ONCE_JOB)
            assert before is None
            killed_at = time.monotonic()
            leader.stop(kill=True)

            async def took_over() -> bool:
                found = await scrape(http, follower, follower_token)
                runs = value(found, "redwheel_job_runs_total", job=ONCE_JOB, outcome="ok") or 0
                return value(found, "redwheel_leader") == 1.0 and runs >= 1

            await wait_for(took_over, 20)
            assert time.monotonic() - killed_at < 20
            assert "this process is now the leader" in follower.read_log()
    finally:
        if client is not None:
            await client.close()
        image.stop()
        guarded.stop()

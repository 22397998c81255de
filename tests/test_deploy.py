"""The deployment files, checked as far as this machine allows without Docker running: the compose file validates,
the systemd unit verifies, the lock file pins what pyproject.toml asks for, and CI's PostgreSQL script does the right
thing (the image's start command itself runs in tests/e2e/test_operations_e2e.py)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.support.botprocess import ROOT, free_port

COMPOSE_ENV = "REDWHEEL_DB_PASSWORD=pw\nONEBOT_ACCESS_TOKEN=token\n"


def compose_tool() -> list[str] | None:
    """`docker compose` (v2) where its plugin is installed, else `docker-compose` (v1), else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_the_compose_file_validates_and_brings_the_bot_up_after_a_healthy_postgresql(tmp_path):
    (tmp_path / "compose.yaml").write_text((ROOT / "compose.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".env").write_text(COMPOSE_ENV, encoding="utf-8")
    tool = compose_tool()
    if tool is not None:  # the tool's own schema check, offline
        checked = subprocess.run([*tool, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:15")  # the image's pg_dump is version 15 (Debian bookworm)
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://redwheel:")
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert all(port.startswith("127.0.0.1:") for port in bot["ports"])
    mounts = {volume.split(":")[1] for volume in bot["volumes"]}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    declared = re.search(r"^VOLUME (\[.*\])$", dockerfile, re.M)
    assert declared is not None and mounts == set(yaml.safe_load(declared.group(1)))
    assert set(compose["volumes"]) == {"db", "data", "backups"}
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert "USER redwheel" in instructions
    assert not any("chromium" in line or "fonts-noto" in line for line in instructions)  # test-only


def test_the_systemd_unit_verifies():
    unit = (ROOT / "deploy" / "redwheel.service").read_text(encoding="utf-8")
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment]  # keys are case-sensitive in systemd
    parsed.read_string(unit)
    assert parsed["Service"]["ExecStart"] == "/opt/redwheel/.venv/bin/python -m bot"
    assert parsed["Service"]["User"] == "redwheel" and parsed["Service"]["Restart"] == "on-failure"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    if shutil.which("systemd-analyze") is None:
        return
    # The only thing systemd can object to here is that /opt/redwheel is not installed on this machine: verify the
    # same unit with the venv's python in its place, which must pass without a word.
    as_installed = Path(os.environ.get("TMPDIR", "/tmp")) / f"redwheel-{os.getpid()}.service"
    as_installed.write_text(unit.replace("/opt/redwheel/.venv/bin/python", sys.executable), encoding="utf-8")
    try:
        verified = subprocess.run(
            ["systemd-analyze", "verify", str(as_installed)], capture_output=True, text=True, check=False
        )
    finally:
        as_installed.unlink()
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    original = subprocess.run(
        ["systemd-analyze", "verify", str(ROOT / "deploy" / "redwheel.service")], capture_output=True, text=True
    )
    assert original.stderr.strip().splitlines() == [
        "redwheel.service: Command /opt/redwheel/.venv/bin/python is not executable: No such file or directory"
    ]


def test_the_lock_file_pins_every_dependency_at_the_version_tested():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            pins[name] = pinned
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not in constraints.txt: run scripts/lock.py"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} ∉ {requirement}"
        assert version(requirement.name) == pins[name], f"{name}: installed {version(requirement.name)}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -q -c constraints.txt -e ." in readme
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-c constraints.txt" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_ci_starts_postgresql_when_none_answers():
    script = ROOT / ".ci" / "postgres"
    answering = subprocess.run(["bash", str(script), "--dry-run"], capture_output=True, text=True, check=False)
    if "answers on 127.0.0.1:5432" not in answering.stdout:
        pytest.skip(f"no PostgreSQL on 5432 here: {answering.stdout}")
    assert answering.returncode == 0
    port = str(free_port())
    plan = subprocess.run(
        ["bash", str(script), "--dry-run"],
        env={**os.environ, "REDWHEEL_PG_PORT": port},
        capture_output=True,
        text=True,
        check=False,
    )
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert any(re.search(rf"would run: pg_createcluster --port {port} \S+ redwheel_ci -- .*trust", x) for x in lines)
    assert any(re.search(r"would run: pg_ctlcluster --skip-systemctl-redirect \S+ redwheel_ci start", x) for x in lines)
    assert "bash .ci/postgres" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_under_ci_a_postgresql_test_fails_rather_than_skips():
    dead = f"postgresql://127.0.0.1:{free_port()}/test"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "tests/core/test_leader.py"],
        cwd=ROOT,
        env={**os.environ, "CI": "true", "REDWHEEL_TEST_PG": dead},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "CI=true: the PostgreSQL tests must run" in run.stdout
    assert re.search(r"^1 passed, .*1 error", run.stdout, re.M)  # SQLite passed; PostgreSQL failed, not skipped


def test_docs_operations_names_every_setting():
    from bot.core.sender import DeliveryLimits
    from bot.core.settings import Settings
    from bot.features.appeals.config import Config as Appeals
    from bot.features.branch.config import Config as Branch
    from bot.features.ops.config import Config as Ops
    from bot.features.records.config import Config as Records
    from bot.features.stations.config import Config as Stations
    from bot.features.study.config import Config as Study
    from bot.web.config import WebConfig

    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    models = (Settings, DeliveryLimits, Branch, Study, Appeals, Records, Stations, Ops, WebConfig)
    missing = [name.upper() for model in models for name in model.model_fields if f"`{name.upper()}" not in guide]
    assert not missing, f"settings not in docs/operations.md: {missing}"
    assert "docs/operations.md" in (ROOT / "bot" / "admin" / "__main__.py").read_text(encoding="utf-8")

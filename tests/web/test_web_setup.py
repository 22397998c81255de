"""The web view's machinery: mounting by settings, the secret on first start, signing, the migration's table."""

from __future__ import annotations

import stat

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect

from bot.core.commands import registry
from bot.web import mount
from bot.web.auth import Signer, load_secret
from bot.web.config import WebConfig, get_config


def test_mount_follows_the_settings(world, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WEB_ENABLED", "false")
    off = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mount(off, lambda: world.services)
    assert not off.routes
    monkeypatch.setenv("WEB_ENABLED", "true")
    monkeypatch.setenv("WEB_PREFIX", "houtai/")
    on = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mount(on, lambda: world.services)
    assert [getattr(route, "path", "") for route in on.routes] == ["/houtai"]


def test_link_base_defaults_to_the_bots_host_and_port(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WEB_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8081")
    assert get_config().base_url() == "http://0.0.0.0:8081"
    monkeypatch.setenv("WEB_BASE_URL", "https://bot.example.cn/")
    assert get_config().base_url() == "https://bot.example.cn"


def test_the_secret_is_generated_once_with_mode_0600(tmp_path):
    config = WebConfig()
    first = load_secret(config, tmp_path)
    assert len(first) >= 32 and load_secret(config, tmp_path) == first
    assert stat.S_IMODE((tmp_path / "web_secret").stat().st_mode) == 0o600
    assert load_secret(WebConfig(web_secret="from-env"), tmp_path) == b"from-env"


def test_a_cookie_is_not_a_link_and_a_forged_one_fails():
    signer = Signer(b"s", WebConfig())
    other = Signer(b"t", WebConfig())
    cookie = signer.make_cookie("qq:10000", now=1000.0)
    assert signer.read_cookie(cookie, now=1001.0) is not None
    assert other.read_cookie(cookie, now=1001.0) is None
    assert signer.read_cookie(signer.make_link_token("qq:10000"), now=1001.0) is None
    assert signer.read_cookie(cookie, now=1000.0 + 31 * 60) is None  # idle too long
    late = signer.make_cookie("qq:10000", issued=1000.0, now=1000.0 + 12 * 3600 + 1)
    assert signer.read_cookie(late, now=1000.0 + 12 * 3600 + 2) is None  # older than the maximum


def test_the_command_is_declared_for_managers_only():
    import bot.web.commands  # noqa: F401  (declares /后台)

    spec = registry.by_key["后台"]
    assert {role.value for role in spec.roles} == {"行业党委", "书记", "承办部门"}
    assert spec.usage == "/后台"


async def test_the_migration_made_the_table(database):
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "web_link_use" in tables

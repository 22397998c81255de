"""The web view's machinery: mounting by settings, the secret on first start, signing, the migration's table."""

from __future__ import annotations

import stat

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect

from bot.core.commands import registry
from bot.web import mount
from bot.web.auth import LinkRefused, Signer, load_secret
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


def test_link_base_is_the_bots_own_address_only_on_this_machine(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WEB_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8081")
    assert get_config().base_url() == "http://127.0.0.1:8081" and not get_config().secure
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert get_config().base_url() is None  # 0.0.0.0 is no address anyone can open
    monkeypatch.setenv("WEB_BASE_URL", "https://bot.example.cn/")
    assert get_config().base_url() == "https://bot.example.cn" and get_config().secure


def test_the_secret_is_generated_once_with_mode_0600(tmp_path):
    config = WebConfig()
    first = load_secret(config, tmp_path)
    assert len(first) >= 32 and load_secret(config, tmp_path) == first
    assert stat.S_IMODE((tmp_path / "web_secret").stat().st_mode) == 0o600
    assert load_secret(WebConfig(web_secret="from-env"), tmp_path) == b"from-env"


async def test_a_link_is_checked_without_being_spent_and_a_forged_one_fails(database):
    signer, other = Signer(b"s", WebConfig()), Signer(b"t", WebConfig())
    token = signer.make_link_token("qq:10000", private_chat="qq:10000")
    link = await signer.check(database, token)
    assert (link.user_key, link.private_chat) == ("qq:10000", "qq:10000")
    assert (await signer.check(database, token)) == link  # looking spends nothing
    with pytest.raises(LinkRefused, match="无效"):
        await other.check(database, token)
    with pytest.raises(LinkRefused, match="无效"):  # the form token of another link does not spend this one
        await signer.redeem(
            database, token, signer.form_token(await signer.check(database, signer.make_link_token("qq:1")))
        )
    assert await signer.redeem(database, token, signer.form_token(link)) == link
    with pytest.raises(LinkRefused, match="已经用过"):
        await signer.check(database, token)


def test_the_command_is_declared_for_managers_only():
    import bot.web.commands  # noqa: F401  (declares /后台)

    spec = registry.by_key["后台"]
    assert {role.value for role in spec.roles} == {"行业党委", "行业党委成员", "书记", "承办部门"}
    assert spec.usage == "/后台"


async def test_the_migration_made_the_table(database):
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert {"web_link_use", "web_session"} <= set(tables)

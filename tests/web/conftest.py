"""The web view's test fixtures: services over the test database, seeded; HTTP clients signed in as someone."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.core.settings import Settings
from bot.services import build_services
from tests.web.seed import World, link_path, link_reply, make_app, private, seed, sign_in


@pytest.fixture
async def world(database, tmp_path: Path) -> World:
    """Services over the test database, seeded."""
    settings = Settings(database_url=database.url, data_dir=tmp_path, superusers={"10000"})
    services = build_services(settings, database=database)
    return await seed(services)


@pytest.fixture
async def client_for(world: World, monkeypatch: pytest.MonkeyPatch):
    """Make an HTTP client over the app, signed in as a person (or not signed in: None)."""
    monkeypatch.setenv("WEB_SECRET", "test-secret")
    clients: list[httpx.AsyncClient] = []

    async def make(key: str | None, app: FastAPI | None = None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app or make_app(world.services))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if key is not None:
            reply = await link_reply(world.services, private(key))
            response = await sign_in(client, link_path(reply))
            assert response.status_code == 200, response.text
        return client

    yield make
    for client in clients:
        await client.aclose()

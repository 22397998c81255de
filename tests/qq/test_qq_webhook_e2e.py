"""The official QQ bot in webhook mode: the platform posts each event, signed with Ed25519, to the bot's own web
server (`/qq/webhook`); the bot answers through the platform's HTTP API. A wrongly signed event is refused unread."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from bot.features.branch.texts import BIND_CLAIMED, BOUND
from tests.support.qqfake import APP_ID, FakeQQ, QQBotProcess, c2c_payload, group_payload, signed_headers, signing_key

BRANCH = "回调模式测试支部"


@pytest.fixture(scope="module")
async def webhook(tmp_path_factory):
    """The fake platform's API, and the bot in webhook mode (QQ_VERIFY_WEBHOOK on, as in production)."""
    async with FakeQQ() as fake:
        env = fake.bot_env(websocket=False) | {"QQ_VERIFY_WEBHOOK": "true"}
        process = QQBotProcess(tmp_path_factory.mktemp("qqwebhook"), env=env)
        process.start()
        try:
            await process.listening()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{process.port}", timeout=15) as client:
                yield fake, client
        finally:
            process.stop()


async def _post(client: httpx.AsyncClient, fake: FakeQQ, event, *, secret: str | None = None) -> int:
    body = json.dumps(fake.dispatch(event), ensure_ascii=False).encode()
    headers = signed_headers(body) if secret is None else signed_headers(body, secret=secret)
    return (await client.post("/qq/webhook", content=body, headers=headers)).status_code


async def _ask(client: httpx.AsyncClient, fake: FakeQQ, event) -> str:
    before = len(fake.sent)
    assert await _post(client, fake, event) == 200
    # a passive reply to the posted message (a proactive message sent meanwhile, e.g. a binding notice, is skipped)
    _, sent = await fake.wait_for(lambda s: s.body.get("msg_id") == event[1]["id"], before)
    return sent.content


async def test_the_callback_address_is_verified_with_the_bots_key(webhook):
    _, client = webhook
    challenge = {"op": 13, "d": {"plain_token": "token-123", "event_ts": "1764567890"}}
    answer = await client.post("/qq/webhook", json=challenge, headers={"X-Bot-Appid": APP_ID})
    assert answer.status_code == 200
    signature = bytes.fromhex(answer.json()["signature"])
    signing_key().public_key().verify(signature, b"1764567890token-123")  # raises when it is not the bot's


async def test_signed_events_are_answered_and_a_forged_one_is_refused(webhook):
    fake, client = webhook
    opened = await _ask(client, fake, group_payload(f"/支部 开通 {BRANCH}", member="owner-w1", role="owner"))
    assert f"已开通「{BRANCH}」" in opened
    forged = group_payload("/帮助", member="member-w2")
    assert await _post(client, fake, forged, secret="not-the-bots-secret-0000000000") == 403
    assert "可用命令" in await _ask(client, fake, group_payload("/帮助", member="member-w2"))
    assert not [s for s in fake.sent if s.body.get("msg_id") == forged[1]["id"]]  # the forged one was never read


async def test_binding_and_registration_over_the_webhook(webhook):
    fake, client = webhook
    await _ask(client, fake, group_payload(f"/支部 开通 {BRANCH}", member="owner-w1", role="owner"))
    code = re.search(r"/绑定 ([A-Z0-9]{8})", await _ask(client, fake, c2c_payload("/登记", user="user-w3")))
    assert code is not None
    claimed = await _ask(client, fake, group_payload(f"/绑定 {code[1]}", member="member-w3", name="王五"))
    assert claimed.endswith(BIND_CLAIMED)
    assert "是您本人吗" in await _ask(client, fake, c2c_payload("/绑定", user="user-w3"))
    bound = await _ask(client, fake, c2c_payload("/绑定 确认", user="user-w3"))
    assert bound == BOUND.format(branch=BRANCH, who="「王五」")
    asked = await _ask(client, fake, c2c_payload("/登记", user="user-w3"))
    assert f"开始登记「{BRANCH}」" in asked

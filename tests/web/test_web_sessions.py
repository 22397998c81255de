"""Signing in to the web view: a link a person redeems (never a fetcher), and sessions the server ends when it should.

Each of these failed before sessions lived on the server and before a link needed its confirmation: a link preview
spent the link, and an old cookie kept opening pages after 退出, /解绑, a role taken away or leaving.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.commands import Call
from bot.core.models import AccessLog
from bot.core.proof import Proved
from bot.core.settings import Settings
from bot.features.branch.binding import unbind
from bot.platform.qqbot import QQBOT
from bot.services import build_services
from bot.web import texts
from bot.web.app import BAD_PARAMETER, NO_LONGER, NOT_FROM_HERE
from bot.web.commands import sign_out_everywhere
from tests.web.seed import (
    PREFIX,
    SECRETARY_A,
    SECRETARY_B,
    SUPER,
    World,
    confirm_form,
    link_path,
    link_reply,
    make_app,
    private,
    seed,
    sign_in,
    web_config,
)

LOGIN = f"{PREFIX}/login"
SAME = {"Origin": "http://testserver"}


@pytest.fixture
async def world(sqlite_database, tmp_path: Path) -> World:
    """The seeded world on SQLite only: these are about HTTP and the session rules (the session table's queries run
    on PostgreSQL too, in tests/core/test_identity.py's retention test and tests/core/test_proof.py)."""
    settings = Settings(database_url=sqlite_database.url, data_dir=tmp_path, superusers={"10000"})
    return await seed(build_services(settings, database=sqlite_database))


async def test_a_link_opened_by_a_preview_fetcher_spends_nothing_and_the_person_still_signs_in(world, client_for):
    path = link_path(await link_reply(world.services, private(SECRETARY_A)))
    fetcher = await client_for(None)
    previews = [await fetcher.get(path) for _ in range(2)]  # a chat app's preview, then a URL-safety check
    for preview in previews:
        assert preview.status_code == 200 and "确认登录" in preview.text
        assert "set-cookie" not in preview.headers
    assert "set-cookie" not in (await fetcher.head(path)).headers
    assert (await fetcher.get(PREFIX + "/")).status_code == 401
    person = await client_for(None)
    signed = await sign_in(person, path)
    assert signed.status_code == 200 and "登录成功" in signed.text
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and f"path={PREFIX}" in cookie
    assert "secure" not in cookie  # the view is opened over http here
    assert (await person.get(PREFIX + "/")).status_code == 200
    used = await fetcher.get(path)
    assert used.status_code == 403 and "已经用过" in used.text
    replayed = await fetcher.post(LOGIN, data=confirm_form(previews[0].text), headers=SAME)
    assert replayed.status_code == 403 and "已经用过" in replayed.text
    assert (await fetcher.get(PREFIX + "/")).status_code == 401


async def test_only_the_links_own_page_spends_it(world, client_for):
    path = link_path(await link_reply(world.services, private(SECRETARY_A)))
    client = await client_for(None)
    form = confirm_form((await client.get(path)).text)
    cross_site = {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"}  # Fetch Metadata wins
    for headers in (
        {"Origin": "https://evil.example"},
        {},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        cross_site,
    ):
        refused = await client.post(LOGIN, data=form, headers=headers)
        assert refused.status_code == 403 and NOT_FROM_HERE in refused.text, headers
    other = confirm_form((await client.get(link_path(await link_reply(world.services, private(SECRETARY_B))))).text)
    mixed = await client.post(LOGIN, data={"t": form["t"], "f": other["f"]}, headers=SAME)
    assert mixed.status_code == 403 and "无效" in mixed.text  # a form made for another link
    assert (await client.post(LOGIN, data={"t": form["t"]}, headers=SAME)).status_code == 403
    assert (await client.get(PREFIX + "/")).status_code == 401
    signed = await client.post(LOGIN, data=form, headers={"Sec-Fetch-Site": "same-origin"})  # no Origin: Fetch metadata
    assert signed.status_code == 200 and (await client.get(PREFIX + "/")).status_code == 200


async def test_an_expired_link_is_refused_and_an_idle_session_ends(world, client_for):
    client = await client_for(None)
    path = link_path(await link_reply(world.services, private(SECRETARY_A)))
    clock.set_now(clock.now() + timedelta(minutes=11))
    refused = await client.get(path)
    assert refused.status_code == 403 and "过期" in refused.text
    clock.set_now(None)
    signed = await client_for(SECRETARY_A)
    assert (await signed.get(PREFIX + "/")).status_code == 200
    clock.set_now(clock.now() + timedelta(minutes=31))
    assert (await signed.get(PREFIX + "/")).status_code == 401
    clock.set_now(None)
    assert (await signed.get(PREFIX + "/")).status_code == 401  # ended for good, not merely idle
    broken = await client.get(PREFIX + "/login?t=nonsense.sig")
    assert broken.status_code == 403 and "无效" in broken.text


async def test_signing_out_ends_the_session_on_the_server(world, client_for):
    client = await client_for(SECRETARY_A)
    kept = client.cookies.get("redwheel_session")  # a shared computer's history, a proxy's log
    assert kept and (await client.get(PREFIX + "/logout")).status_code == 303
    replay = await client_for(None)
    replay.cookies.set("redwheel_session", kept)
    assert (await replay.get(PREFIX + "/")).status_code == 401
    async with world.services.database.reading() as session:
        from bot.features.web.models import WebSession

        ended = (await session.execute(select(WebSession.user_key, WebSession.ended_why))).all()
    assert ended == [(SECRETARY_A, "logout")]


async def test_a_role_taken_away_ends_every_session_of_the_person_for_good(world, client_for):
    phone, desk, other = await client_for(SECRETARY_B), await client_for(SECRETARY_B), await client_for(SECRETARY_A)
    roles = world.services.roles
    assert await roles.remove_secretary(SUPER, world.branch_b, SECRETARY_B)
    assert await roles.set_secretary(SUPER, world.branch_b, SECRETARY_B, "乙书记")  # named again at once
    assert (await phone.get(PREFIX + "/")).status_code == 401
    assert (await desk.get(PREFIX + "/")).status_code == 401
    assert (await other.get(PREFIX + "/")).status_code == 200
    handler = await client_for("qq:30001")
    await roles.unbind_department(SUPER, "qq:30001", "交通运输")
    await roles.bind_department(SUPER, "qq:30001", "交通运输", "交通局")
    assert (await handler.get(PREFIX + "/appeals")).status_code == 401


async def test_signing_out_everywhere_from_the_chat_and_the_count_in_status(world, client_for):
    first, second, other = await client_for(SECRETARY_A), await client_for(SECRETARY_A), await client_for(SECRETARY_B)
    sessions = world.services.web_sessions
    assert await sessions.open_count() == 3
    call = Call(world.services, private(SECRETARY_A), "后台 退出全部", "后台", "", [], None, frozenset())
    assert await sign_out_everywhere(call) == texts.SIGNED_OUT_ALL.format(count=2)
    assert (await first.get(PREFIX + "/")).status_code == 401 and (await second.get(PREFIX + "/")).status_code == 401
    assert (await other.get(PREFIX + "/")).status_code == 200
    assert await sessions.open_count() == 1
    assert await sign_out_everywhere(call) == texts.NONE_TO_SIGN_OUT


async def test_unbinding_ends_the_sessions_a_bound_private_chat_opened(world, client_for):
    """The official QQ bot: a secretary known by their group id signs in from the private chat bound to them."""
    services = world.services
    owner = Actor(QQBOT, "qq-owner", "qq-group", "app-1", group_role="owner")
    branch = await services.branches.open(owner, "官方机器人测试支部")
    await services.roles.set_secretary(owner, branch, "qqbot:sec-member", "丙书记")
    in_group = Actor(QQBOT, "sec-member", "qq-group", "app-1")
    for how in ("group", "private"):
        await _bind(services, "sec-private", "sec-member", "qq-group")
        bound = Actor(QQBOT, "sec-private", None, "app-1", person="sec-member")
        client = await client_for(None)
        assert (await sign_in(client, link_path(await link_reply(services, bound)))).status_code == 200
        assert (await client.get(f"{PREFIX}/branch/{branch.id}")).status_code == 200
        if how == "group":  # /解绑 in the group, by the member
            await unbind(Call(services, in_group, "解绑", "解绑", "", [], branch, frozenset()))
        else:  # /解绑 in the private chat
            await unbind(
                Call(services, Actor(QQBOT, "sec-private", None, "app-1"), "解绑", "解绑", "", [], None, frozenset())
            )
        assert (await client.get(f"{PREFIX}/branch/{branch.id}")).status_code == 401, how
    # A link the private chat got before it was unbound opens nothing afterwards.
    await _bind(services, "sec-private", "sec-member", "qq-group")
    sent = link_path(await link_reply(services, Actor(QQBOT, "sec-private", None, "app-1", person="sec-member")))
    await unbind(Call(services, in_group, "解绑", "解绑", "", [], branch, frozenset()))
    late = await sign_in(await client_for(None), sent)
    assert late.status_code == 403 and NO_LONGER in late.text


async def _bind(services, private_id: str, member_id: str, group_id: str) -> None:
    """The whole binding of a role holder: a code in private chat, sent in the group, shown to its owner, confirmed;
    then proven in the group with the code the private chat was shown."""
    identities = services.identities
    code = await identities.issue(QQBOT, private_id)
    await identities.claim(QQBOT, code, member_id, group_id)
    await identities.pending(QQBOT, private_id, asking=True)
    await identities.confirm(QQBOT, private_id)
    actor, link = await identities.resolve_link(Actor(QQBOT, private_id, None, "app-1"))
    shown = await services.proofs.needed(actor, link)
    assert shown is not None
    assert await services.proofs.prove(QQBOT, member_id, group_id, shown.code) is Proved.PROVEN


async def test_full_numbers_only_to_the_branchs_own_secretary_and_the_committee_is_told(world, client_for):
    committee = await client_for(SUPER.key)
    page = await committee.get(f"{PREFIX}/branch/{world.branch_a.id}?full=1")
    assert page.status_code == 200 and "138****5678" in page.text and "13812345678" not in page.text
    assert 'id="masked-note"' in page.text and "贵A12345" not in page.text
    own = await client_for(SECRETARY_A)
    full = (await own.get(f"{PREFIX}/branch/{world.branch_a.id}?full=1")).text
    assert "13812345678" in full and "贵A12345" in full and 'id="masked-note"' not in full
    async with world.services.database.reading() as session:
        logged = (await session.execute(select(AccessLog.actor_key, AccessLog.action))).all()
    assert (SECRETARY_A, "网页查看台账（完整号码）") in logged
    assert (SUPER.key, "网页查看台账（完整号码）") not in logged and (SUPER.key, "网页查看台账") in logged


async def test_a_bad_parameter_gets_the_views_error_page(world, client_for):
    client = await client_for(SUPER.key)
    for path in ("/branch/abc", "/branch/1?full=yes", "/stations?page=x", "/?desc=no", "/branch/abc/export.csv"):
        response = await client.get(PREFIX + path)
        assert response.status_code == 400, path
        assert response.headers["content-type"].startswith("text/html") and BAD_PARAMETER in response.text, path
        assert "detail" not in response.text


async def test_no_link_to_an_address_nobody_can_open_and_secure_cookies_over_https(world, client_for, monkeypatch):
    monkeypatch.delenv("WEB_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert await link_reply(world.services, private(SECRETARY_A)) == texts.NOT_CONFIGURED
    monkeypatch.setenv("WEB_BASE_URL", "https://bot.example.cn")
    reply = await link_reply(world.services, private(SECRETARY_A))
    assert "https://bot.example.cn/admin/login?t=" in reply
    app = make_app(world.services, web_config(web_base_url="https://bot.example.cn"))
    client = await client_for(None, app)
    signed = await sign_in(client, link_path(reply), origin="https://bot.example.cn")
    assert signed.status_code == 200 and "secure" in signed.headers["set-cookie"].lower()

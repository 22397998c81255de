"""Pictures and voice messages on the web view's appeal page: thumbnails and a player for those who may see the
appeal, each file through a route that checks the same rule and logs the view; nobody else gets a byte."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.models import AccessLog
from bot.core.parts import Media
from tests.support.media import PNG, MediaServer, silk
from tests.web.seed import DEPARTMENT, PREFIX, SECRETARY_A, SECRETARY_B


@pytest.fixture
async def kept(world):
    """A picture and a QQ voice message kept with the open appeal of branch A; their rows."""
    evidence = world.services.appeals.evidence
    number = world.numbers["a_open"]
    appeal = await world.services.appeals.find(number)
    with MediaServer() as media:
        found = [Media("image", url=media.put("p.png", PNG)), Media("voice", url=media.put("v.silk", silk(1.0)))]
        await evidence.receive("web-test", found, 60)
    await evidence.attach(appeal.id, "qq:20001", await evidence.take("web-test"))
    return number, await evidence.items(appeal.id)


async def test_the_secretary_sees_thumbnails_and_a_player_and_each_view_is_logged(world, client_for, kept):
    number, (picture, voice) = kept
    client = await client_for(SECRETARY_A)
    page = (await client.get(f"{PREFIX}/appeals/{number}")).text
    picture_url = f"{PREFIX}/appeals/{number}/evidence/{picture.id}"
    voice_url = f"{PREFIX}/appeals/{number}/evidence/{voice.id}"
    assert f'<img src="{picture_url}"' in page and f'<audio controls preload="none" src="{voice_url}"' in page
    shown = await client.get(picture_url)
    assert shown.status_code == 200 and shown.content == PNG and shown.headers["content-type"] == "image/png"
    assert "no-store" in shown.headers["cache-control"]  # never kept by a shared cache or the browser
    played = await client.get(voice_url)
    assert played.headers["content-type"] == "audio/wav" and played.content[8:12] == b"WAVE"
    original = await client.get(voice_url, params={"original": 1})
    assert original.content.startswith(b"\x02#!SILK_V3") and "attachment" in original.headers["content-disposition"]
    async with world.services.database.reading() as session:
        logged = (await session.execute(select(AccessLog.actor_key, AccessLog.action, AccessLog.subject))).all()
    assert (SECRETARY_A, "诉求附件", f"{number}#{picture.id}") in logged
    assert (SECRETARY_A, "诉求附件", f"{number}#{voice.id}") in logged


@pytest.mark.parametrize("viewer", [SECRETARY_B, DEPARTMENT])
async def test_nobody_outside_the_appeals_scope_gets_a_byte(world, client_for, kept, viewer):
    number, (picture, _) = kept
    client = await client_for(viewer)
    response = await client.get(f"{PREFIX}/appeals/{number}/evidence/{picture.id}")
    assert response.status_code in (403, 404) and PNG not in response.content


async def test_no_file_without_a_session_or_of_another_appeal(world, client_for, kept):
    number, (picture, _) = kept
    anonymous = await client_for(None)
    assert (await anonymous.get(f"{PREFIX}/appeals/{number}/evidence/{picture.id}")).status_code == 401
    client = await client_for(SECRETARY_A)
    other = world.numbers["a_closed"]  # an appeal the secretary may see, but the file is not its
    assert (await client.get(f"{PREFIX}/appeals/{other}/evidence/{picture.id}")).status_code == 404

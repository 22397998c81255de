"""The official QQ bot: pictures and voice messages arrive as attachments with their own urls and are kept the same
way (fetched at once, checked by bytes); in the group only their count shows; a message to the platform carries a
kept picture as a picture and a voice message as a line saying where to hear it."""

from __future__ import annotations

import re

import pytest
from nonebug import App

from bot.core.parts import Image, Voice
from bot.features.appeals import texts
from bot.platform import qqbot
from bot.services import Services
from tests.qq.qqsay import qq_say
from tests.support.media import PNG, MediaServer, silk
from tests.support.qqfake import group_payload

SUPER = "SUPER0OPENID"
GROUP = "GROUPOPENID27"
DRIVER = "DRIVER27OPENID"


@pytest.fixture(autouse=True)
def _superuser_by_openid(monkeypatch: pytest.MonkeyPatch):
    from bot.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "superusers", {"10000", f"qqbot:{SUPER}"})


def _with(content: str, *attachments: dict) -> tuple[str, dict]:
    kind, data = group_payload(content, member=DRIVER, group=GROUP)
    data["attachments"] = list(attachments)
    return kind, data


async def test_attachments_are_kept_and_only_counted_in_the_group(app: App, own_services: Services, tmp_path):
    await qq_say(app, group_payload("/支部 开通 官方证据支部", member=SUPER, group=GROUP))
    await qq_say(app, group_payload("/诉求", member=DRIVER, group=GROUP))
    await qq_say(app, group_payload("1", member=DRIVER, group=GROUP))
    with MediaServer() as media:
        voice = {"content_type": "voice", "filename": "v.silk", "url": media.put("v.silk", silk(1.0))}
        answered = await qq_say(app, _with("", voice))
        assert texts.ASK_PLACE in answered.text
        picture = {"content_type": "image/png", "filename": "p.png", "size": len(PNG), "url": media.put("p.png", PNG)}
        assert "已收到图片 1 张、语音 1 条" in (await qq_say(app, _with("", picture))).text
        await qq_say(app, group_payload("贵阳东", member=DRIVER, group=GROUP))
        done = (await qq_say(app, group_payload("确认", member=DRIVER, group=GROUP))).text
    assert "已保存图片 1 张、语音 1 条" in done
    number = re.search(r"SQ\d{8}-\d{4}", done)
    assert number
    in_group = await qq_say(app, group_payload(f"/诉求 查询 {number.group(0)}", member=DRIVER, group=GROUP))
    assert "附件：图片 1 张、语音 1 条" in in_group.text and in_group.only_safe_segments()
    assert all(seg.type != "file_image" for message in in_group.messages for seg in message)
    appeal = await own_services.appeals.find(number.group(0))
    rows = await own_services.appeals.evidence.items(appeal.id)
    assert [(row.kind, row.mime) for row in rows] == [("voice", "audio/silk"), ("image", "image/png")]
    assert all((tmp_path / "evidence" / (row.path or "")).is_file() for row in rows)


def test_a_kept_picture_goes_as_a_picture_and_a_voice_as_where_to_hear_it(tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(PNG)
    [message] = qqbot.messages(["附件：", Image(path=str(picture), personal=True), Voice(path=str(tmp_path / "v"))])
    assert [seg.type for seg in message] == ["text", "file_image", "text"]
    assert message[-1].data["text"] == qqbot.VOICE_ELSEWHERE

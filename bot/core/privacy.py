"""The one guard on what reaches a group: phone numbers, plates, id numbers and coordinates in any text are masked,
and no file, kept picture or voice message goes to a group.

`bot.platform.reply` and `bot.platform.send` call `for_group` on every message bound for a group (a reply in a group
chat, a group item of the outbox), so a rule holds for every text the bot repeats — an appeal's description, a
result, a note — not only for the fields it asked for. Private chats and the web view get the full text where
they are entitled to it. The same patterns scrub log lines (`bot/logs.py`).

A number published as a station's contact is public: the station index registers it (`publish`), and the guard
leaves exactly those numbers as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .parts import File, Image, Part, Voice

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# Mobiles (also typed 139 1234 0000 or 139-1234-0000) and landlines with an area code (0851-83339867).
PHONE = re.compile(r"(?<![\dA-Za-z])(?:1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}|0\d{2,3}-?\d{7,8})(?![\d])")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
# A plate as typed or as a text repeats it: 贵A12345, 贵a·12345, 川A-D12345, and split into words (贵、a12345).
_PLATE_GAP = r"[·\s\-、，,]"
PLATE = re.compile(
    rf"[{_PROVINCES}]{_PLATE_GAP}?[A-HJ-NP-Za-hj-np-z]{_PLATE_GAP}?[A-HJ-NP-Za-hj-np-z0-9]{{4,6}}[挂学警港澳]?"
)
COORDINATE = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}(?![\d.])")

NO_FILE_IN_GROUP = "（文件不在群里发送，请私聊机器人或在网页版获取。）"
NO_MEDIA_IN_GROUP = "（诉求的图片和语音不在群里发送，请私聊机器人查询或在网页版查看。）"
PLACE_HIDDEN = "[位置]"

_published: set[str] = set()


def digits(text: str) -> str:
    """The digits of a phone number as typed."""
    return "".join(ch for ch in text if ch.isdigit())


def publish(numbers: Iterable[str | None]) -> None:
    """Phone numbers that are public (a station's listed contact): the group guard leaves them as they are."""
    _published.update(d for d in (digits(n or "") for n in numbers) if len(d) >= 7)


def _mask_phone(match: re.Match[str]) -> str:
    number = digits(match.group(0))
    if number in _published:
        return match.group(0)
    return f"{number[:3]}****{number[-4:]}"


def _mask_plate(match: re.Match[str]) -> str:
    plate = re.sub(_PLATE_GAP, "", match.group(0))
    return f"{plate[:2]}{'*' * max(len(plate) - 4, 1)}{plate[-2:]}"


def _mask_id(match: re.Match[str]) -> str:
    number = match.group(0)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask(text: str) -> str:
    """Personal data in a text masked as a group may see it: 139****0000, 贵A***99, 5201**********123X, [位置]."""
    text = ID_NUMBER.sub(_mask_id, text)
    text = PHONE.sub(_mask_phone, text)
    text = PLATE.sub(_mask_plate, text)
    return COORDINATE.sub(PLACE_HIDDEN, text)


def scrub(text: str) -> str:
    """Personal data in a log line replaced by its kind: nothing of it is left, published numbers included."""
    text = ID_NUMBER.sub("[证件号]", text)
    text = PHONE.sub("[电话]", text)
    text = PLATE.sub("[车牌]", text)
    return COORDINATE.sub("[坐标]", text)


def for_group(parts: list[Part]) -> list[Part]:
    """A message as it may reach a group: every text masked, every file replaced by where to get it, someone's
    pictures and voice messages (an appeal's evidence) replaced by one line saying where to see them."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            out.append(mask(part))
        elif isinstance(part, File):
            out.append(NO_FILE_IN_GROUP)
        elif isinstance(part, Voice) or (isinstance(part, Image) and part.personal):
            if NO_MEDIA_IN_GROUP not in out:
                out.append(NO_MEDIA_IN_GROUP)
        else:
            out.append(part)
    return out

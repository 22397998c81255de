"""A station as lookups, imports and the add conversation see it; a station not yet stored has no id."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import texts
from .vocabulary import SERVICE_TAGS

APPROVED = "approved"  # shown in every branch's lookups
PENDING = "pending"  # added by a secretary: shown only in that branch's lookups until a superuser approves it
REJECTED = "rejected"  # refused by a superuser: in no lookup

NAME_MAX = 60
ADDRESS_MAX = 120
SHORT_MAX = 40  # hours, road, direction

# A mainland mobile (1[3-9]x xxxx xxxx), a landline with its area code (0851-8888 8888, extension allowed)
# or a 400/800 service number; spaces and dashes between groups of digits are fine.
_PHONE_RE = re.compile(r"(?:1[3-9]\d{9}|0\d{2,3}\d{7,8}(?:转\d{1,6})?|[48]00\d{7}|\d{7,8})")
# Text that recruits people elsewhere: links, QQ/WeChat numbers, QR codes.
_RECRUITING_RE = re.compile(
    r"(https?://|www\.|\.com|\.cn\b|q\s*q|企鹅|微\s*信|vx|v信|wx|加\s*群|群号|扫\s*码|二维码|领取补贴)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Station:
    """A driver station; coordinates are GCJ-02 (the system of Chinese maps). `id` is None until stored."""

    name: str
    kind: str
    province: str
    city: str = ""
    district: str = ""
    road: str = ""
    direction: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    services: tuple[str, ...] = ()
    parking_spaces: int | None = None
    hours: str = ""
    phone: str = ""
    branch_id: int | None = None  # the branch that added it (None: imported or added by the committee)
    status: str = APPROVED
    id: int | None = None

    @property
    def key(self) -> int:
        """The id of a stored station (an unstored one has none)."""
        if self.id is None:
            raise ValueError("station is not stored yet")
        return self.id

    @property
    def approved(self) -> bool:
        """Whether every branch sees it."""
        return self.status == APPROVED

    @property
    def natural_key(self) -> tuple[str, str, str, str, str]:
        """What identifies a station across imports: (name, province, city, district, address)."""
        return (self.name, self.province, self.city, self.district, self.address)

    @property
    def where(self) -> str:
        """Its region and address, once: the address alone when it already names the region."""
        region = f"{self.province}{self.city}{self.district}"
        if not self.address:
            return region
        short = (self.district or self.city).removesuffix("区").removesuffix("县").removesuffix("市")
        if self.address.startswith((self.province, self.city or "\0", self.district or "\0")) or (
            short and short in self.address[:12]
        ):
            return self.address
        return region + self.address

    def stored(self, station_id: int) -> Station:
        """The same station under its id."""
        return replace(self, id=station_id)


def clean_phone(text: str) -> str:
    """A phone number as stored ("0851-8888 8888", "400 800 1234"), or ValueError with the reason."""
    text = text.strip()
    if not text:
        return ""
    digits = re.sub(r"[\s\-—()（）+]", "", text).removeprefix("86")
    if len(text) > SHORT_MAX or not _PHONE_RE.fullmatch(digits):
        raise ValueError(texts.BAD_PHONE)
    return text


def clean_text(text: str, label: str, limit: int, *, required: bool = False) -> str:
    """A free-text field, trimmed: no links or recruiting, at most `limit` characters; ValueError otherwise."""
    text = " ".join(text.split())
    if required and len(text) < 2:
        raise ValueError(texts.TOO_SHORT.format(label=label))
    if len(text) > limit:
        raise ValueError(texts.TOO_LONG.format(label=label, limit=limit))
    if _RECRUITING_RE.search(text):
        raise ValueError(texts.NO_LINKS.format(label=label))
    return text


def checked(station: Station) -> Station:
    """A station whose phone and text fields pass `clean_phone` / `clean_text` (ValueError names the first bad one)."""
    return replace(
        station,
        name=clean_text(station.name, "名称", NAME_MAX, required=True),
        address=clean_text(station.address, "地址", ADDRESS_MAX),
        road=clean_text(station.road, "道路", SHORT_MAX),
        direction=clean_text(station.direction, "方向", SHORT_MAX),
        hours=clean_text(station.hours, "营业时间", SHORT_MAX),
        phone=clean_phone(station.phone),
    )


def parse_services(text: str) -> tuple[str, ...]:
    """Service tags from "停车 洗车", "停车、洗车" or "1 2 5"; ValueError names the words that are none."""
    chosen: list[str] = []
    unknown: list[str] = []
    for word in text.replace("，", " ").replace(",", " ").replace("、", " ").replace("\u3000", " ").split():
        if word.isdigit() and 1 <= int(word) <= len(SERVICE_TAGS):
            chosen.append(SERVICE_TAGS[int(word) - 1])
        elif word in SERVICE_TAGS:
            chosen.append(word)
        elif word == "停车休息":
            chosen += ["停车", "休息"]
        else:
            unknown.append(word)
    if unknown:
        raise ValueError(texts.BAD_SERVICES.format(words="、".join(unknown), tags="、".join(SERVICE_TAGS)))
    return tuple(dict.fromkeys(chosen))

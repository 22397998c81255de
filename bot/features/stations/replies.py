"""Stations and lookup results as the text a driver reads."""

from __future__ import annotations

import re

from . import texts
from .geo import format_distance
from .results import NearestResult, SearchResult
from .station import Station

# Digits or Latin letters (half or full width): a word typed with any (a plate, a phone number, coordinates) is never
# said back; only plain Chinese words are.
PERSONAL = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")
_CHINESE = re.compile(r"[\u4e00-\u9fff]+")


def plain(word: str) -> bool:
    """Whether a word the person typed may be said back, in a group too (Chinese characters only)."""
    return _CHINESE.fullmatch(word) is not None


def station_lines(station: Station, distance_km: float | None = None) -> str:
    """One station: number, name, kind, distance, address (once), services, hours, phone — only what was entered
    (no service is called free: a station's record does not say which of its services cost nothing)."""
    head = texts.STATION_HEAD.format(id=station.id, name=station.name, kind=station.kind)
    if not station.approved:
        head += texts.PENDING_MARK
    if distance_km is not None:
        head += texts.DISTANCE.format(distance=format_distance(distance_km))
    road = " ".join(part for part in (station.road, station.direction) if part)
    lines = [head, texts.ADDRESS_LINE.format(where=station.where) + (texts.ROAD_NOTE.format(road=road) if road else "")]
    services = "、".join(station.services)
    if services:
        lines.append(texts.SERVICES_LINE.format(services=services))
    extra = []
    if station.parking_spaces:
        extra.append(texts.SPACES.format(count=station.parking_spaces))
    if station.hours:
        extra.append(station.hours)
    if station.phone:
        extra.append(texts.PHONE.format(phone=station.phone))
    if extra:
        lines.append("  " + "　".join(extra))
    return "\n".join(lines)


def search_text(result: SearchResult) -> str:
    """A keyword lookup's reply."""
    if not result.items:
        understood = result.understood
        keywords = [word for word in understood.keywords if plain(word)]
        got = "、".join([*understood.regions, *understood.services, *understood.kinds, *understood.roads, *keywords])
        lines = [texts.NO_MATCH + (texts.UNDERSTOOD.format(got=got) if got else "")]
        if result.suggestion and result.suggestion != texts.NO_MATCH:
            lines.append(result.suggestion.removeprefix(texts.NO_MATCH))
        return "\n".join(line for line in lines if line)
    lines = [texts.FOUND.format(total=result.total, page=result.page, pages=result.pages)]
    lines += [station_lines(s) for s in result.items]
    if result.page < result.pages:
        lines.append(texts.MORE_HINT)
    return "\n".join(lines)


def nearest_text(result: NearestResult) -> str:
    """A location lookup's reply."""
    if not result.items:
        return result.suggestion or texts.NONE_NEARBY.format(km=f"{result.max_km:g}", what="")
    what = texts.PROVIDING.format(service=result.service) if result.service else ""
    lines = [texts.NEAREST_HEAD.format(what=what)] + [station_lines(n.station, n.distance_km) for n in result.items]
    if not result.service:
        lines.append(texts.NEAREST_HINT)
    return "\n".join(lines)

"""What a lookup answers, for a command, a shared location or an @-question (framework-neutral).

The rules a person relies on: a place they name wins over a location they shared a moment ago; a word that names
no place and no station is said back to them, never silently dropped; a broad word without a place ("停车")
looks in the branch's own region first and otherwise asks for a place or a location instead of listing the
country. Pending stations show only within the asker's `scope`. A shared location is used for the answer and
kept in process memory for two minutes (for a follow-up "洗澡"); it is never written or logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.actor import Actor
from bot.core.models import Branch

from . import texts
from .geo import validate_coordinates
from .regions import Place
from .replies import PERSONAL, nearest_text, plain, search_text
from .results import SearchResult
from .suggest import edit_distance, near_misses

if TYPE_CHECKING:
    from .service import StationService

PAGE_SIZE = 5
WHERE_WORDS = ("哪里", "哪儿", "在哪", "哪有", "哪个", "附近", "最近", "怎么走")


def _short(place: Place) -> str:
    """A name that finds the place again (贵阳市乌当区 → 贵阳市乌当区, 贵阳市 → 贵阳市)."""
    if place.district:
        return (place.city or place.province) + place.district
    return place.city or place.province


def _sayable(query: str, words: tuple[str, ...] | list[str]) -> list[str]:
    """The words that may be said back, in a group too: pure Chinese words only, and none from a typed word with
    digits or Latin letters in it (a plate 贵A12345, a phone number, coordinates are never repeated, not even
    the 贵 of 贵A12345)."""
    risky = [typed.lower() for typed in query.split() if PERSONAL.search(typed)]
    return [word for word in words if plain(word) and not any(word in typed for typed in risky)]


def _unrecognised(stations: StationService, query: str, result: SearchResult) -> str | None:
    """The words that named no place and no station, when no place or road was understood: None if none, "" if
    there are some but none may be said back.

    Shown as the person typed them ("火星基地", though only 火星 is unknown and 基地 is in a station's address).
    """
    understood = result.understood
    if understood.places or understood.roads:
        return None
    unknown = stations.index.unknown_words(understood.ignored or understood.keywords)
    if not unknown:
        return None
    typed = [
        word
        for word in query.split()
        if len(word) <= 12 and not PERSONAL.search(word) and any(k in word.lower() for k in unknown)
    ]
    return "、".join(typed) if typed else "".join(_sayable(query, understood.ignored or understood.keywords))


async def lookup(stations: StationService, actor: Actor, branch: Branch | None, query: str) -> str:
    """A keyword lookup, with the rules above."""
    scope = await stations.scope_of(actor, branch)
    result = await stations.search(query, scope=scope)
    understood = result.understood
    if understood.near and not understood.places:
        location = stations.memory.location(actor.session_key)
        if location is not None:
            service = understood.services[0] if understood.services else None
            return nearest_text(await stations.nearest(*location, service, scope=scope))
        if not (understood.roads or understood.keywords):
            return texts.NEAR_ASK
    unknown = _unrecognised(stations, query, result)
    if unknown is not None:
        words = _sayable(query, stations.index.unknown_words(understood.ignored or understood.keywords))
        return await _near_miss(stations, actor, branch, query, unknown, tuple(words))
    missing = [service for service in understood.services if not stations.index.offering(service)]
    if missing and not result.items:
        where = "、".join(p.label for p in understood.places)
        return texts.NO_SERVICE_KNOWN.format(
            service="、".join(missing), where=texts.NO_SERVICE_IN.format(where=where) if where else ""
        )
    broad = not (understood.places or understood.roads or understood.keywords) and (
        understood.services or understood.kinds
    )
    if broad and result.total > PAGE_SIZE:
        return await _broad(stations, actor, branch, result, scope)
    if understood.ignored and result.items:
        said = _sayable(query, understood.ignored)
        note = texts.IGNORED_NOTE.format(words="、".join(said)) if said else texts.IGNORED_UNSAID
        stations.memory.remember_query(actor.session_key, query, result.page)
        return search_text(result) + "\n" + note
    stations.memory.remember_query(actor.session_key, query, result.page)
    return search_text(result)


async def _near_miss(
    stations: StationService, actor: Actor, branch: Branch | None, query: str, unknown: str, words: tuple[str, ...]
) -> str:
    """Words that name no place (`unknown` as typed, `words` as read, both only what may be said back): one slip
    from exactly one place name → that lookup, said so; several → ask which; none → say it was not understood."""
    guesses = {word: _closest(stations, word) for word in words}
    if len(words) == 1 and len(guesses[words[0]]) == 1 and words[0] in query:
        meant = guesses[words[0]][0]
        answer = await lookup(stations, actor, branch, query.replace(words[0], f" {meant} "))
        return texts.NEAR_MISS.format(typed=words[0], meant=meant) + "\n" + answer
    text = texts.UNKNOWN_PLACE.format(words=unknown) if unknown else texts.UNKNOWN_PLACE_UNSAID
    names = list(dict.fromkeys(name for word in words for name in guesses[word]))[:3]
    if names:
        text += "\n" + texts.DID_YOU_MEAN.format(names="、".join(f"「{name}」" for name in names))
    return text


def _closest(stations: StationService, word: str) -> list[str]:
    """The nearest place names to a word, those with stations first (at most three)."""
    regions = stations.index.regions
    found = near_misses(word, regions.words())
    if not found:
        return []
    best = edit_distance(word, found[0])
    found = [name for name in found if edit_distance(word, name) == best]
    with_stations = [name for name in found if stations.index.count(regions.resolve(name), (), (), (), ())]
    return (with_stations or found)[:3]


async def _broad(
    stations: StationService, actor: Actor, branch: Branch | None, result: SearchResult, scope: frozenset[int]
) -> str:
    """A service or kind without a place: the branch's own region first, else ask for a place or a location."""
    understood = result.understood
    what = "、".join(_kind_words(understood.kinds) + understood.services)
    if branch is None and actor.is_private and stations.branches is not None:
        # In private chat, the asker's one branch stands for the group's.
        own = await stations.own_branches(actor)
        if len(own) == 1:
            branch = next((b for b in await stations.branches.all_active() if b.id in own), None)
    region = await stations.home_region(branch) if branch is not None else ()
    if region:
        query = " ".join([*(_short(p) for p in region), what.replace("、", " ")])
        regional = await stations.search(query, scope=scope)
        if regional.items:
            stations.memory.remember_query(actor.session_key, query, regional.page)
            label = "、".join(p.label for p in region)
            hint = texts.BROAD_IN_REGION.format(region=label, example=f"遵义 {what.replace('、', ' ')}")
            return search_text(regional) + "\n" + hint
    return texts.BROAD_ASK.format(what=what, count=result.total)


def _kind_words(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """红色驿站+司机之家 read back as 驿站."""
    return ("驿站",) if set(kinds) == {"红色驿站", "司机之家"} else kinds


async def more(stations: StationService, actor: Actor, branch: Branch | None) -> str:
    """The next page of this person's last lookup (two minutes)."""
    last = stations.memory.query(actor.session_key)
    if last is None:
        return texts.ASK_FIRST
    query, page = last
    result = await stations.search(query, page + 1, scope=await stations.scope_of(actor, branch))
    if not result.items:
        return texts.NO_MORE
    stations.memory.remember_query(actor.session_key, query, result.page)
    return search_text(result)


async def location(
    stations: StationService, actor: Actor, branch: Branch | None, lat: float, lng: float, text: str
) -> str:
    """A shared location: the nearest stations, filtered by a service named with it."""
    try:
        validate_coordinates(lat, lng)
    except ValueError as error:
        return str(error)
    stations.memory.remember_location(actor.session_key, lat, lng)
    service = None
    if text.strip():
        parsed = await stations.search(text)
        service = parsed.understood.services[0] if parsed.understood.services else None
    scope = await stations.scope_of(actor, branch)
    return nearest_text(await stations.nearest(lat, lng, service, scope=scope))


async def question(stations: StationService, actor: Actor, branch: Branch | None, text: str) -> str | None:
    """A message @-mentioning the bot: a where-question gets a lookup; a service word alone, said after sharing a
    location, filters the nearest. A place the person names wins over the shared location."""
    text = text.strip()
    if not text:
        return None
    parsed = await stations.search(text)
    understood = parsed.understood
    location = stations.memory.location(actor.session_key)
    if location is not None and understood.services and not (understood.places or understood.roads):
        scope = await stations.scope_of(actor, branch)
        return nearest_text(await stations.nearest(*location, understood.services[0], scope=scope))
    asks_where = any(word in text for word in WHERE_WORDS)
    if not (understood.places or understood.services or understood.kinds or understood.roads or asks_where):
        return None  # not a where-question (only loose keywords): stay quiet
    return await lookup(stations, actor, branch, text)

"""Why a lookup found nothing, and the nearest relaxation that finds something (a query the person can send)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import texts
from .query import Understood
from .regions import Place

# How many stations a relaxed query (places, services, kinds, roads, keywords) finds.
Count = Callable[[tuple[Place, ...], Iterable[str], Iterable[str], Iterable[str], Iterable[str]], int]


def suggest(counter: Count, u: Understood) -> str:
    """Explain an empty result and offer the nearest relaxation that finds something."""
    hints: list[str] = []
    services, kinds, roads, keywords = u.services, u.kinds, u.roads, u.keywords
    kind_words = _kind_words(kinds)
    if u.places:
        for wider, where in _wider(u.places):
            count = counter(wider, services, kinds, roads, keywords)
            if count:
                query = _query_text(wider, services, kind_words, roads, keywords)
                hints.append(texts.TRY.format(where=where, count=count, query=query))
                break
    if services and not hints:
        count = counter(u.places, (), kinds, roads, keywords)
        if count:
            query = _query_text(u.places, (), kind_words, roads, keywords)
            hints.append(texts.DROP_SERVICES.format(services="、".join(services), count=count, query=query))
    if kinds and not hints:
        count = counter(u.places, services, (), roads, keywords)
        if count:
            query = _query_text(u.places, services, (), roads, keywords)
            hints.append(texts.DROP_KINDS.format(count=count, query=query))
    if roads and not hints:
        count = counter(u.places, services, kinds, (), keywords)
        if count:
            query = _query_text(u.places, services, kind_words, (), keywords)
            hints.append(texts.DROP_ROADS.format(count=count, query=query))
    return texts.NO_MATCH + (hints[0] if hints else texts.TRY_OTHER)


def _wider(places: tuple[Place, ...]) -> list[tuple[tuple[Place, ...], str]]:
    """Return ever wider regions around the places: district → city → province → nationwide."""
    steps: list[tuple[tuple[Place, ...], str]] = []
    cities = tuple(dict.fromkeys(Place(p.province, p.city) if p.city else p for p in places))
    if cities != places:
        steps.append((cities, "、".join(p.label for p in cities)))
    provinces = tuple(dict.fromkeys(Place(p.province) for p in places))
    if provinces != cities:
        steps.append((provinces, "、".join(p.label for p in provinces)))
    steps.append(((), texts.NATIONWIDE))
    return steps


def _kind_words(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Return the words that ask for these kinds again (红色驿站+司机之家 → 驿站)."""
    if set(kinds) == {"红色驿站", "司机之家"}:
        return ("驿站",)
    return kinds


def _query_text(
    places: tuple[Place, ...],
    services: Iterable[str],
    kinds: Iterable[str],
    roads: Iterable[str],
    keywords: Iterable[str],
) -> str:
    """Build a query a user can send for a suggested relaxation."""
    parts = [_shortest_name(p) for p in places]
    parts += [*roads, *services, *kinds, *keywords]
    return " ".join(parts)


def _shortest_name(place: Place) -> str:
    """Return a name that resolves back to the place alone (贵阳市乌当区, not the ambiguous 白云区)."""
    if place.district:
        return (place.city or place.province) + place.district
    return place.city or place.province


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance of two short words (stops counting past `limit`: returns limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_misses(word: str, vocabulary: Iterable[str]) -> list[str]:
    """Place names one slip away from a word that names none (乌挡 → 乌当): one edit for short words, two for
    words of five characters or more; a short word keeps its first character (火星 is no slip of 七星); the
    closest first, then the shortest."""
    if not 2 <= len(word) <= 12:
        return []
    limit = 2 if len(word) >= 5 else 1
    letters = set(word)
    found = []
    for name in vocabulary:
        if name == word or not letters.intersection(name) or abs(len(name) - len(word)) > limit:
            continue
        if len(word) <= 3 and name[:1] != word[:1]:
            continue
        distance = edit_distance(word, name, limit)
        if distance <= limit:
            found.append((distance, len(name), name))
    return [name for _, _, name in sorted(found)]

"""The in-memory station index: inverted sets by region, service, kind and road, joined name text, and a grid.

Pure Python, no NoneBot and no database: the service loads stations into a `StationIndex` and keeps it current
with `add` / `update` / `remove`. A station still pending review is seen only by its own branch (`scope`).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from bot.core import privacy

from . import geo, texts
from .query import QueryParser, Understood, combine_places, default_parser
from .regions import Place, RegionTable
from .results import NearbyStation, NearestResult, SearchResult
from .station import Station
from .suggest import suggest
from .vocabulary import MAX_PAGE_SIZE, SERVICE_TAGS, resolve_service, split_roads

# Keyword hits in the name count for more than hits in the address.
_NAME_HIT = 10
_NAME_PREFIX_HIT = 5
_PLACE_TEXT_HIT = 3
# The whole query found in a name ("贵阳货车司机之家") wins even when its words were read as
# filters or filler.
_PHRASE_HIT = 20
_EXACT_NAME_HIT = 30


@dataclass(slots=True)
class _Entry:
    """What the index precomputes for one station."""

    station: Station
    place: Place | None
    roads: tuple[str, ...]
    name_text: str
    place_text: str
    cell: tuple[int, int] | None


class StationIndex:
    """In-memory search over stations: inverted sets by region, service, kind and road, plus a grid."""

    def __init__(
        self,
        stations: Iterable[Station] = (),
        regions: RegionTable | None = None,
        parser: QueryParser | None = None,
    ):
        """Build the index; the shipped region table and a shared tokenizer are used by default."""
        if parser is None:
            parser = default_parser() if regions is None else QueryParser(regions)
        self.parser = parser
        self.regions = parser.regions
        self._entries: dict[int, _Entry] = {}
        self._by_province: dict[str, set[int]] = {}
        self._by_city: dict[tuple[str, str], set[int]] = {}
        self._by_district: dict[tuple[str, str, str], set[int]] = {}
        self._by_service: dict[str, set[int]] = {}
        self._by_kind: dict[str, set[int]] = {}
        self._by_road: dict[str, set[int]] = {}
        self._grid: dict[tuple[int, int], set[int]] = {}
        # Text search runs over one joined string per field; rebuilt lazily after changes.
        self._dirty = True
        self._ids: list[int] = []
        self._starts: list[int] = []
        self._name_hay = ""
        self._place_hay = ""
        self._place_starts: list[int] = []
        self._rank: dict[int, int] = {}
        # Stations still pending review, with the branch that may see them; and the branches a committee approved one
        # for (its subtree: bot/core/sharing.py).
        self._pending: dict[int, int | None] = {}
        self._shared: dict[int, frozenset[int]] = {}
        for station in stations:
            self.add(station)

    def __len__(self) -> int:
        """Return the number of stations."""
        return len(self._entries)

    def __contains__(self, station_id: object) -> bool:
        """Tell whether a station id is in the index."""
        return station_id in self._entries

    def get(self, station_id: int) -> Station | None:
        """Return a station by id, or None."""
        entry = self._entries.get(station_id)
        return entry.station if entry else None

    def pending(self) -> list[Station]:
        """Stations waiting for review, oldest first."""
        return [self._entries[i].station for i in sorted(self._pending)]

    def share(self, station_id: int, branch_ids: frozenset[int]) -> None:
        """A pending station a committee approved: these branches see it too."""
        self._shared[station_id] = self._shared.get(station_id, frozenset()) | branch_ids

    def shared(self, station_id: int) -> frozenset[int]:
        """The branches a committee approved a pending station for."""
        return self._shared.get(station_id, frozenset())

    def stations(self) -> Iterable[Station]:
        """Every station in the index."""
        return (entry.station for entry in self._entries.values())

    def _hidden(self, scope: Collection[int]) -> set[int]:
        """Pending stations that branches outside `scope` must not see (usually none at all)."""
        return {
            i
            for i, branch_id in self._pending.items()
            if branch_id not in scope and not any(b in scope for b in self._shared.get(i, ()))
        }

    # -- maintenance ---------------------------------------------------------------------------

    def add(self, station: Station) -> None:
        """Add a station, replacing any with the same id."""
        station_id = station.key
        if station_id in self._entries:
            self.remove(station_id)
        place = self.regions.canonical(station.province, station.city, station.district)
        if place is None and station.province:
            place = Place(station.province, station.city or None, station.district or None)
        cell = None
        if station.lat is not None and station.lng is not None:
            cell = geo.cell_of(station.lat, station.lng)
        roads = split_roads(station.road)
        place_text = " ".join(
            part
            for part in (
                place.label if place else "",
                station.address,
                station.road,
                station.direction,
            )
            if part
        )
        entry = _Entry(
            station=station,
            place=place,
            roads=roads,
            name_text=station.name.lower(),
            place_text=place_text.lower(),
            cell=cell,
        )
        self._entries[station_id] = entry
        privacy.publish([station.phone])  # a station's listed contact is public: the group guard leaves it
        if not station.approved:
            self._pending[station_id] = station.branch_id
        for key_map, key in self._keys(entry):
            key_map.setdefault(key, set()).add(station_id)
        self._dirty = True

    def update(self, station: Station) -> None:
        """Replace a station that is in the index; KeyError if it is not."""
        if station.key not in self._entries:
            raise KeyError(station.key)
        self.add(station)

    def remove(self, station_id: int) -> bool:
        """Remove a station; return whether it was there."""
        entry = self._entries.pop(station_id, None)
        if entry is None:
            return False
        self._pending.pop(station_id, None)
        self._shared.pop(station_id, None)
        for key_map, key in self._keys(entry):
            ids = key_map.get(key)
            if ids is not None:
                ids.discard(station_id)
                if not ids:
                    del key_map[key]
        self._dirty = True
        return True

    def _keys(self, entry: _Entry) -> list[tuple[dict, object]]:
        """Return the (inverted map, key) pairs a station is filed under."""
        keys: list[tuple[dict, object]] = []
        if entry.place:
            p = entry.place
            keys.append((self._by_province, p.province))
            if p.city:
                keys.append((self._by_city, (p.province, p.city)))
                if p.district:
                    keys.append((self._by_district, (p.province, p.city, p.district)))
        keys.extend((self._by_service, tag) for tag in set(entry.station.services))
        keys.append((self._by_kind, entry.station.kind))
        keys.extend((self._by_road, road) for road in entry.roads)
        if entry.cell is not None:
            keys.append((self._grid, entry.cell))
        return keys

    def _refresh(self) -> None:
        """Rebuild the joined text and the name order after changes."""
        if not self._dirty:
            return
        ids = list(self._entries)
        names: list[str] = []
        places: list[str] = []
        starts: list[int] = []
        place_starts: list[int] = []
        pos = place_pos = 0
        for station_id in ids:
            entry = self._entries[station_id]
            starts.append(pos)
            place_starts.append(place_pos)
            names.append(entry.name_text)
            places.append(entry.place_text)
            pos += len(entry.name_text) + 1
            place_pos += len(entry.place_text) + 1
        # "\n" never occurs in normalised keywords, so no hit can span two stations.
        self._name_hay = "\n".join(names)
        self._place_hay = "\n".join(places)
        self._ids, self._starts, self._place_starts = ids, starts, place_starts
        order = sorted(ids, key=lambda i: (self._entries[i].station.name, i))
        self._rank = {station_id: rank for rank, station_id in enumerate(order)}
        self._dirty = False

    # -- keyword search ------------------------------------------------------------------------

    def _find(self, hay: str, starts: list[int], keyword: str) -> dict[int, int]:
        """Return {station id: offset of the hit within its text} for stations whose text holds keyword."""
        hits: dict[int, int] = {}
        pos = hay.find(keyword)
        while pos != -1:
            index = bisect_right(starts, pos) - 1
            station_id = self._ids[index]
            hits.setdefault(station_id, pos - starts[index])
            # Jump to the next station's text: one hit per station is enough.
            next_start = starts[index + 1] if index + 1 < len(starts) else len(hay)
            pos = hay.find(keyword, next_start)
        return hits

    def unknown_words(self, words: Iterable[str]) -> tuple[str, ...]:
        """The keywords no station holds in its name or address (a place we do not know, e.g. 火星)."""
        self._refresh()
        return tuple(w for w in words if w not in self._name_hay and w not in self._place_hay)

    def _place_ids(self, places: tuple[Place, ...]) -> set[int]:
        """Return the ids of stations inside any of the places."""
        ids: set[int] = set()
        for p in places:
            if p.district:
                ids |= self._by_district.get((p.province, p.city or "", p.district), set())
            elif p.city:
                ids |= self._by_city.get((p.province, p.city), set())
            else:
                ids |= self._by_province.get(p.province, set())
        return ids

    def _filtered(
        self,
        places: tuple[Place, ...],
        services: list[str],
        kinds: list[str],
        roads: list[str],
    ) -> set[int] | None:
        """Intersect the inverted sets for the given conditions; None means no condition."""
        sets: list[set[int]] = []
        if places:
            sets.append(self._place_ids(places))
        sets.extend(self._by_service.get(tag, set()) for tag in services)
        if kinds:
            sets.append(set().union(*(self._by_kind.get(kind, set()) for kind in kinds)))
        if roads:
            sets.append(set().union(*(self._by_road.get(road, set()) for road in roads)))
        if not sets:
            return None
        sets.sort(key=len)
        return sets[0].intersection(*sets[1:])

    def _keyword_scores(self, keywords: list[str]) -> dict[int, int]:
        """Score every station that holds EVERY keyword in its name or place text (「新添大道」 is 新添 and 大道 in
        one address, not any street called 大道)."""
        scores: dict[int, int] = {}
        holding: set[int] | None = None
        for keyword in keywords:
            found: set[int] = set()
            for station_id, offset in self._find(self._name_hay, self._starts, keyword).items():
                bonus = _NAME_HIT + (_NAME_PREFIX_HIT if offset == 0 else 0)
                scores[station_id] = scores.get(station_id, 0) + bonus
                found.add(station_id)
            for station_id in self._find(self._place_hay, self._place_starts, keyword):
                scores[station_id] = scores.get(station_id, 0) + _PLACE_TEXT_HIT
                found.add(station_id)
            holding = found if holding is None else holding & found
        return {station_id: score for station_id, score in scores.items() if holding and station_id in holding}

    def offering(self, service: str) -> int:
        """How many stations offer a service tag (pending ones included)."""
        return len(self._by_service.get(service, ()))

    def _match(
        self,
        places: tuple[Place, ...],
        services: list[str],
        kinds: list[str],
        roads: list[str],
        keywords: list[str],
        hidden: set[int],
    ) -> tuple[set[int] | None, dict[int, int]]:
        """Return (matching ids, keyword scores) without the hidden ones; keywords are required when given."""
        filtered = self._filtered(places, services, kinds, roads)
        if not keywords:
            return (filtered - hidden if filtered is not None and hidden else filtered), {}
        scores = self._keyword_scores(keywords)
        if filtered is None:
            return set(scores) - hidden, scores
        return filtered.intersection(scores) - hidden, scores

    def search(self, query: str, page: int = 1, page_size: int = 5, scope: Collection[int] = ()) -> SearchResult:
        """Answer a keyword query (乌当 洗澡, 哪里能停车, G75 服务区) with one page of stations.

        `scope`: the branches whose stations still pending review may show (all approved ones always do).
        """
        hidden = self._hidden(scope) if self._pending else set()
        page = max(1, int(page))
        page_size = min(MAX_PAGE_SIZE, max(1, int(page_size)))
        parsed = self.parser.parse(query)
        self._refresh()
        places = combine_places([readings for _, readings in parsed.place_words])
        keywords = list(parsed.keywords)
        understood = Understood(
            places=places,
            services=tuple(parsed.services),
            kinds=tuple(parsed.kinds),
            roads=tuple(parsed.roads),
            keywords=tuple(keywords),
            near=parsed.near,
        )
        if understood.is_empty:
            return SearchResult([], 0, page, 0, page_size, understood, texts.EMPTY_QUERY)

        ids, scores = self._match(places, parsed.services, parsed.kinds, parsed.roads, keywords, hidden)
        has_conditions = bool(places or parsed.services or parsed.kinds or parsed.roads)
        if not ids and keywords and has_conditions:
            # Words like "大车" or "方便" name nothing; answer with the conditions that did.
            relaxed, _ = self._match(places, parsed.services, parsed.kinds, parsed.roads, [], hidden)
            if relaxed:
                ids, scores = relaxed, {}
                understood = replace(understood, keywords=(), ignored=tuple(keywords))
        if not ids and parsed.place_words:
            # A place name that is also part of station names ("金阳" is a county in 四川 and an
            # area of 贵阳): read it as a keyword instead.
            demoted = keywords + [word.lower() for word, _ in parsed.place_words if word.lower() not in keywords]
            retry, retry_scores = self._match((), parsed.services, parsed.kinds, parsed.roads, demoted, hidden)
            if retry:
                ids, scores = retry, retry_scores
                understood = replace(understood, places=(), keywords=tuple(demoted))

        if not ids:
            suggestion = suggest(lambda *query: self.count(*query, hidden=hidden), understood)
            return SearchResult([], 0, page, 0, page_size, understood, suggestion)

        scores = self._with_phrase(ids, scores, parsed.phrase)
        total = len(ids)
        pages = math.ceil(total / page_size)
        rank = self._rank
        wanted = page * page_size

        def key(station_id: int) -> tuple[int, int]:
            """Order by score (highest first), then by name."""
            return -scores.get(station_id, 0), rank[station_id]

        # Only the first `page` pages are ordered; a full sort of thousands would cost more.
        top = heapq.nsmallest(wanted, ids, key=key) if wanted < total else sorted(ids, key=key)
        items = [self._entries[i].station for i in top[(page - 1) * page_size : wanted]]
        return SearchResult(items, total, page, pages, page_size, understood)

    def _with_phrase(self, ids: set[int], scores: dict[int, int], phrase: str) -> dict[int, int]:
        """Add the bonus for names that hold the whole query to the scores of matching stations."""
        if len(phrase) < 2:
            return scores
        hits = self._find(self._name_hay, self._starts, phrase)
        if not hits:
            return scores
        scores = dict(scores)
        for station_id in hits:
            if station_id in ids:
                exact = self._entries[station_id].name_text == phrase
                scores[station_id] = scores.get(station_id, 0) + (_EXACT_NAME_HIT if exact else _PHRASE_HIT)
        return scores

    def count(
        self,
        places: tuple[Place, ...],
        services: Iterable[str],
        kinds: Iterable[str],
        roads: Iterable[str],
        keywords: Iterable[str],
        hidden: set[int] | None = None,
    ) -> int:
        """Count matches for a relaxed query (used for suggestions)."""
        ids, _ = self._match(places, list(services), list(kinds), list(roads), list(keywords), hidden or set())
        return len(ids) if ids else 0

    # -- nearest -------------------------------------------------------------------------------

    def nearest(
        self,
        lat: float,
        lng: float,
        service: str | None = None,
        limit: int = 5,
        max_km: float = 50,
        scope: Collection[int] = (),
    ) -> NearestResult:
        """Return up to `limit` stations within `max_km` of a GCJ-02 point, closest first.

        The point is used for this call only and is not kept anywhere (a location is personal
        information under PIPL).
        """
        lat, lng = geo.validate_coordinates(lat, lng)
        tag = None
        if service:
            tag = resolve_service(service)
            if tag is None:
                raise ValueError(texts.BAD_SERVICE.format(service=service, tags="、".join(SERVICE_TAGS)))
        if int(limit) < 1:
            raise ValueError(texts.BAD_LIMIT)
        limit = int(limit)
        if not max_km > 0:
            raise ValueError(texts.BAD_RADIUS)

        wanted_ids = self._by_service.get(tag, set()) if tag else None
        hidden = self._hidden(scope) if self._pending else set()

        def point(station_id: int) -> tuple[float, float] | None:
            if (wanted_ids is not None and station_id not in wanted_ids) or station_id in hidden:
                return None
            s = self._entries[station_id].station
            return (s.lat or 0.0, s.lng or 0.0)  # the grid holds located stations only

        found = geo.within(self._grid, point, lat, lng, limit, max_km)
        found.sort(key=lambda pair: (pair[0], self._entries[pair[1]].station.name))
        items = [NearbyStation(self._entries[i].station, d) for d, i in found[:limit]]
        suggestion = None
        if not items:
            what = texts.PROVIDING.format(service=tag) if tag else ""
            suggestion = texts.NONE_NEARBY.format(km=f"{max_km:g}", what=what)
        return NearestResult(items, float(max_km), tag, suggestion)

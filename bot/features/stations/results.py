"""What a lookup answers: one page of a keyword search, or the stations nearest a location."""

from __future__ import annotations

from dataclasses import dataclass

from .query import Understood
from .station import Station


@dataclass(slots=True)
class SearchResult:
    """One page of a keyword search."""

    items: list[Station]
    total: int
    page: int
    pages: int
    page_size: int
    understood: Understood
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class NearbyStation:
    """A station with its distance from the asked location."""

    station: Station
    distance_km: float


@dataclass(slots=True)
class NearestResult:
    """Stations nearest a location, closest first, all within `max_km`."""

    items: list[NearbyStation]
    max_km: float
    service: str | None = None
    suggestion: str | None = None

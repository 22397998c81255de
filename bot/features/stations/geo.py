"""Distances and the grid of the nearest look-up (GCJ-02 degrees, kilometres)."""

from __future__ import annotations

import math
from collections.abc import Callable

from . import texts

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
GRID_CELL_DEG = 0.5
# A ring of 360 cells spans the globe; beyond that there is nothing left to look at.
MAX_RINGS = 360


def format_distance(km: float) -> str:
    """Return a distance as drivers read it: 850米 / 12.3公里."""
    if km < 1:
        return f"{round(km * 1000)}米"
    return f"{km:.1f}公里" if km < 100 else f"{round(km)}公里"


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def cell_of(lat: float, lng: float) -> tuple[int, int]:
    """Return the grid cell of a point."""
    return math.floor(lat / GRID_CELL_DEG), math.floor(lng / GRID_CELL_DEG)


def validate_coordinates(lat: object, lng: object) -> tuple[float, float]:
    """Return (lat, lng) as floats, or raise ValueError with a Chinese message."""
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(texts.BAD_COORDINATES) from None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)) or not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        raise ValueError(texts.BAD_COORDINATES)
    # (0,0) is what a client sends when it has no fix; no station is in the Gulf of Guinea.
    if lat_f == 0 and lng_f == 0:
        raise ValueError(texts.ZERO_COORDINATES)
    return lat_f, lng_f


def ring_cells(ci: int, cj: int, ring: int) -> list[tuple[int, int]]:
    """Return the cells at Chebyshev distance `ring` from (ci, cj)."""
    if ring == 0:
        return [(ci, cj)]
    cells = [(ci - ring, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(ci + ring, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(i, cj - ring) for i in range(ci - ring + 1, ci + ring)]
    cells += [(i, cj + ring) for i in range(ci - ring + 1, ci + ring)]
    return cells


def covered_km(lat: float, lng: float, ci: int, cj: int, ring: int) -> float:
    """Return a lower bound of the distance from the point to anything outside the searched cells."""
    lat_lo, lat_hi = (ci - ring) * GRID_CELL_DEG, (ci + ring + 1) * GRID_CELL_DEG
    lng_lo, lng_hi = (cj - ring) * GRID_CELL_DEG, (cj + ring + 1) * GRID_CELL_DEG
    lat_km = min(lat - lat_lo, lat_hi - lat) * KM_PER_DEGREE
    # A degree of longitude is narrowest at the square's most polar latitude.
    widest = min(90.0, max(abs(lat_lo), abs(lat_hi)))
    lng_km = min(lng - lng_lo, lng_hi - lng) * KM_PER_DEGREE * math.cos(math.radians(widest))
    return min(lat_km, lng_km)


def within(
    grid: dict[tuple[int, int], set[int]],
    point: Callable[[int], tuple[float, float] | None],
    lat: float,
    lng: float,
    limit: int,
    max_km: float,
) -> list[tuple[float, int]]:
    """(distance, id) of the grid's points within `max_km`, at least the `limit` closest among them (unsorted).

    Rings of cells around the point; stop once the covered radius reaches max_km or the `limit` closest found
    so far are provably closer than anything outside the rings. `point` gives an id's coordinates, or None to
    leave it out.
    """
    found: list[tuple[float, int]] = []
    ci, cj = cell_of(lat, lng)
    ring = 0
    while True:
        for cell in ring_cells(ci, cj, ring):
            for station_id in grid.get(cell, ()):
                where = point(station_id)
                if where is None:
                    continue
                distance = haversine_km(lat, lng, where[0], where[1])
                if distance <= max_km:
                    found.append((distance, station_id))
        covered = covered_km(lat, lng, ci, cj, ring)
        if covered >= max_km or ring >= MAX_RINGS:
            break
        if len(found) >= limit and sorted(found)[limit - 1][0] <= covered:
            break
        ring += 1
    return found

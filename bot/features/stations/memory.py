"""Short per-person memories of this process, never written anywhere: the last query (for /驿站 更多) and the
last shared location (for a follow-up service word), each for two minutes."""

from __future__ import annotations

import time

MEMORY_SECONDS = 120


class Memory:
    """Short per-person memories of this process (never written anywhere): last query, last shared location."""

    def __init__(self) -> None:
        self.queries: dict[str, tuple[float, str, int]] = {}
        self.locations: dict[str, tuple[float, float, float]] = {}

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - MEMORY_SECONDS
        for memory in (self.queries, self.locations):
            for key in [k for k, v in memory.items() if v[0] < cutoff]:
                memory.pop(key, None)

    def query(self, session_key: str) -> tuple[str, int] | None:
        self._forget_old()
        found = self.queries.get(session_key)
        return (found[1], found[2]) if found else None

    def remember_query(self, session_key: str, query: str, page: int) -> None:
        self.queries[session_key] = (time.monotonic(), query, page)

    def location(self, session_key: str) -> tuple[float, float] | None:
        self._forget_old()
        found = self.locations.get(session_key)
        return (found[1], found[2]) if found else None

    def remember_location(self, session_key: str, lat: float, lng: float) -> None:
        self.locations[session_key] = (time.monotonic(), lat, lng)

"""Per-user and per-group rate limits: token buckets in memory, checked before any database work.

A spamming user is told once ("请稍后再试") and then ignored until their allowance has refilled completely (a token
trickling back lets one message through, but does not earn a second notice), so they cost a dict lookup per
message and never slow anyone else's answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    told: bool = False


class RateLimiter:
    """Token buckets keyed by any string (a user, a group); `rate` tokens per second up to `burst`."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> str:
        """'ok' when allowed; 'tell' the first time it is refused since the allowance was last full; 'quiet' after."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 50_000:  # forget idle buckets now and then
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < 600}
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= self.burst:  # the allowance refilled: a later refusal is news again
                bucket.told = False
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return "ok"
        if bucket.told:
            return "quiet"
        bucket.told = True
        return "tell"

"""Benchmark the station look-ups: keyword search and nearest, with 1,000 and 10,000 synthetic stations.

Index memory is what tracemalloc sees allocated while building (the Station objects themselves
are made beforehand and not counted); jieba's is the process RSS growth while it loads.

Run: .venv/bin/python bench/stations_lookup.py
Prints a table and one JSON line. Stations are made up from the shipped region table (a third
in 贵州, as in a province deployment); coordinates are random points over eastern China. One in a
hundred is pending review (added by one of ten branches), and every lookup is made from branch 3,
so the scope filter (pending stations of other branches never show) is part of what is timed.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The station package imports without NoneBot.
from bot.features.stations.index import StationIndex
from bot.features.stations.query import default_parser
from bot.features.stations.regions import load_regions
from bot.features.stations.station import PENDING, Station
from bot.features.stations.vocabulary import SERVICE_TAGS, STATION_KINDS

SIZES = (1_000, 10_000)
SCOPE = frozenset({3})  # the asking branch
KEYWORD_QUERIES = (
    "乌当 洗澡",
    "哪里能洗澡停车",
    "贵阳附近的司机之家",
    "G75 服务区",
    "贵州 淋浴 热水",
    "修车",
    "物流园 停车",
    "花溪区吃饭",
    "遵义 住宿",
    "白云 司机之家",
    "广州 充电",
    "附近哪里能停车?",
)
LOOKUPS_PER_KIND = 4_000
# The whole run must end well inside a minute, whatever the machine.
DEADLINE_S = 45.0
ROADS = ("G75", "G60", "G56", "G69", "G4", "G5", "G15", "G30", "S15", "")


def rss_kib() -> int:
    """Return this process's resident memory in KiB (Linux), or 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def make_stations(count: int, seed: int = 1) -> list[Station]:
    """Return `count` synthetic stations spread over the region table's districts."""
    rng = random.Random(seed)
    districts = [p for p in load_regions() if p.level == "district"]
    guizhou = [p for p in districts if p.province == "贵州省"]
    stations = []
    for i in range(count):
        place = rng.choice(guizhou if rng.random() < 0.33 else districts)
        kind = rng.choice(STATION_KINDS)
        stations.append(
            Station(
                id=i + 1,
                name=f"{place.district}{rng.choice(('物流园', '货运', '城南', '高速', '工业园'))}{kind}{i}",
                kind=kind,
                province=place.province,
                city=place.city or "",
                district=place.district or "",
                road=rng.choice(ROADS),
                address=f"{place.label}{rng.choice(('物流大道', '工业路', '环城路'))}{rng.randint(1, 999)}号",
                lat=round(rng.uniform(21.0, 42.0), 6),
                lng=round(rng.uniform(100.0, 122.0), 6),
                services=tuple(sorted(rng.sample(SERVICE_TAGS, rng.randint(3, 9)), key=SERVICE_TAGS.index)),
                parking_spaces=rng.randint(0, 200),
                hours="24小时",
                phone="0851-80000000",
                branch_id=i % 10 if i % 100 == 0 else None,
                status=PENDING if i % 100 == 0 else "approved",
            )
        )
    return stations


def percentile(sorted_values: list[float], q: float) -> float:
    """Return the q-th percentile (0..100) of sorted values."""
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def timed(calls, deadline: float) -> dict[str, float]:
    """Run zero-argument callables once each, timing every call; stop early at the deadline."""
    latencies: list[float] = []
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter_ns()
        call()
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
        if time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "lookups": len(latencies),
        "per_s": round(len(latencies) / elapsed) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3) if latencies else 0.0,
    }


def main() -> None:
    """Run the benchmark and print the figures."""
    deadline = time.perf_counter() + DEADLINE_S
    gc.collect()

    # jieba: the isolated tokenizer with the project dictionary, loaded once per process. Its
    # memory is an RSS delta: under tracemalloc the load takes ten times longer.
    load_regions()
    gc.collect()
    rss_before = rss_kib()
    t0 = time.perf_counter()
    default_parser().tokenizer()
    jieba_load_s = time.perf_counter() - t0
    jieba_rss = rss_kib() - rss_before

    results = []
    for size in SIZES:
        stations = make_stations(size)
        gc.collect()
        t0 = time.perf_counter()
        index = StationIndex(stations)
        index.search("预热")  # the joined text is built lazily on the first search
        build_s = time.perf_counter() - t0

        # Memory of the index alone: build it again under tracemalloc.
        del index
        gc.collect()
        tracemalloc.start()
        index = StationIndex(stations)
        index.search("预热")
        index_traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()

        rng = random.Random(size)
        keyword_calls = [
            (lambda q=q, ix=index: ix.search(q, scope=SCOPE))
            for q in (KEYWORD_QUERIES * LOOKUPS_PER_KIND)[:LOOKUPS_PER_KIND]
        ]
        points = [(rng.uniform(21.0, 42.0), rng.uniform(100.0, 122.0)) for _ in range(LOOKUPS_PER_KIND)]
        nearest_calls = [
            (lambda p=p, i=i, ix=index: ix.nearest(p[0], p[1], service="淋浴" if i % 4 == 0 else None, scope=SCOPE))
            for i, p in enumerate(points)
        ]
        keyword = timed(keyword_calls, deadline)
        nearest = timed(nearest_calls, deadline)
        results.append(
            {
                "stations": size,
                "build_ms": round(build_s * 1000, 1),
                "index_mib": round(index_traced / 2**20, 2),
                "keyword": keyword,
                "nearest": nearest,
            }
        )
        del index, stations
        gc.collect()

    print(
        f"jieba tokenizer (isolated, project dictionary): load {jieba_load_s * 1000:.0f} ms, "
        f"+{jieba_rss / 1024:.1f} MiB RSS"
    )
    print(
        f"{'stations':>8} {'build ms':>9} {'index MiB':>9} | {'keyword/s':>9} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'nearest/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for r in results:
        k, n = r["keyword"], r["nearest"]
        print(
            f"{r['stations']:>8} {r['build_ms']:>9} {r['index_mib']:>9} | {k['per_s']:>9} {k['p50_ms']:>7} "
            f"{k['p99_ms']:>7} | {n['per_s']:>9} {n['p50_ms']:>7} {n['p99_ms']:>7}"
        )
    print(
        json.dumps(
            {
                "bench": "stations_lookup",
                "jieba_load_ms": round(jieba_load_s * 1000),
                "jieba_rss_mib": round(jieba_rss / 1024, 1),
                "sizes": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

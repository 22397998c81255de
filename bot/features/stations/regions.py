"""China's administrative regions (province / city / district) with short-name aliases."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

# Shipped inside the package, so an installed wheel finds it from any directory.
DEFAULT_REGIONS_PATH = Path(__file__).resolve().parent / "data" / "regions.csv"

# Longest first: "壮族自治区" must win over "自治区", and "新区" over "区".
_SUFFIXES = (
    "维吾尔自治区",
    "特别行政区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "地区",
    "林区",
    "特区",
    "新区",
    "行政区",
    "省",
    "市",
    "盟",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
)
_AUTONOMOUS_SUFFIXES = ("自治州", "自治县", "自治旗")

# The 56 nationalities without "族"; autonomous areas list them before the suffix
# ("黔东南苗族侗族自治州" → "黔东南"). Some names drop the "族" ("伊犁哈萨克自治州").
_NATIONALITIES = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
# Bare names (without "族") are only stripped when at least two characters long: "白" or "水" alone
# are too common at the end of place names to be read as a nationality.
_NATIONALITY_ENDINGS = tuple(
    sorted({n + "族" for n in _NATIONALITIES} | {n for n in _NATIONALITIES if len(n) >= 2}, key=len, reverse=True)
)

MIN_ALIAS_LEN = 2


class Place(NamedTuple):
    """A region: a province, optionally narrowed to a city and a district."""

    province: str
    city: str | None = None
    district: str | None = None

    @property
    def level(self) -> str:
        """Return "province", "city" or "district"."""
        if self.district:
            return "district"
        return "city" if self.city else "province"

    @property
    def label(self) -> str:
        """Return the name as a person writes it, e.g. 贵州省贵阳市乌当区 (北京市 not doubled)."""
        parts = [self.province]
        if self.city and self.city != self.province:
            parts.append(self.city)
        if self.district:
            parts.append(self.district)
        return "".join(parts)

    def contains(self, other: Place) -> bool:
        """Tell whether `other` lies inside (or equals) this region."""
        return (
            self.province == other.province
            and (self.city is None or self.city == other.city)
            and (self.district is None or self.district == other.district)
        )


def _strip_nationalities(name: str) -> str:
    """Remove trailing nationality names, keeping at least MIN_ALIAS_LEN characters."""
    changed = True
    while changed:
        changed = False
        for ending in _NATIONALITY_ENDINGS:
            if name.endswith(ending) and len(name) - len(ending) >= MIN_ALIAS_LEN:
                name = name[: -len(ending)]
                changed = True
                break
    return name


def short_names(name: str) -> set[str]:
    """Return the aliases of a full region name (without the name itself), each at least 2 characters."""
    aliases: set[str] = set()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in _AUTONOMOUS_SUFFIXES:
                stripped = _strip_nationalities(stem)
                # "鄂温克族自治旗": nothing but a nationality is left, so drop only the "族".
                if stripped == stem and stem.endswith("族") and len(stem) > MIN_ALIAS_LEN:
                    stripped = stem[:-1]
                stem = stripped
            if len(stem) >= MIN_ALIAS_LEN:
                aliases.add(stem)
            break
    aliases.discard(name)
    return aliases


class RegionTable:
    """Look-ups over the region rows: resolve a word to places, canonicalise a station's region."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        """Build from (province, city, district) rows; empty strings stand for a coarser level."""
        places: list[Place] = []
        seen: set[Place] = set()
        for province, city, district in rows:
            province, city, district = province.strip(), city.strip(), district.strip()
            if not province:
                continue
            # A district row implies its city and province rows even when the file omits them.
            chain = [Place(province)]
            if city:
                chain.append(Place(province, city))
                if district:
                    chain.append(Place(province, city, district))
            for place in chain:
                if place not in seen:
                    seen.add(place)
                    places.append(place)
        self.places: tuple[Place, ...] = tuple(places)

        by_word: dict[str, list[Place]] = {}
        self._province_words: dict[str, str] = {}
        self._city_words: dict[str, dict[str, str]] = {}
        self._district_words: dict[tuple[str, str], dict[str, str]] = {}
        # For stations that name a district but no city (common for 北京/重庆 addresses).
        self._district_words_by_province: dict[str, dict[str, list[tuple[str, str]]]] = {}
        for place in places:
            province, city, district = place.province, place.city or "", place.district or ""
            full = district or city or province
            words = {full} | short_names(full)
            for word in words:
                by_word.setdefault(word, []).append(place)
            if district:
                table = self._district_words.setdefault((province, city), {})
                by_province = self._district_words_by_province.setdefault(province, {})
                for word in words:
                    table.setdefault(word, district)
                    by_province.setdefault(word, []).append((city, district))
            elif city:
                table = self._city_words.setdefault(province, {})
                for word in words:
                    table.setdefault(word, city)
            else:
                for word in words:
                    self._province_words.setdefault(word, province)
        # A word naming both a region and something inside it (北京 → 北京市 and 北京市北京市,
        # 吉林 → 吉林省 and 吉林市) means the larger one; unrelated matches (白云 in 广州 and
        # in 贵阳) are all kept.
        self._by_word: dict[str, tuple[Place, ...]] = {}
        for word, matches in by_word.items():
            kept = [p for p in matches if not any(q != p and q.contains(p) for q in matches)]
            self._by_word[word] = tuple(kept)

    def __len__(self) -> int:
        """Return the number of places (provinces, cities and districts)."""
        return len(self.places)

    def __iter__(self) -> Iterator[Place]:
        """Iterate over every place in file order."""
        return iter(self.places)

    def words(self) -> frozenset[str]:
        """Return every full name and alias that resolves to a place."""
        return frozenset(self._by_word)

    def resolve(self, word: str) -> tuple[Place, ...]:
        """Return the places a word names (full or short name); empty when it names none."""
        return self._by_word.get(word.strip(), ())

    def provinces(self) -> list[str]:
        """Return the full names of the provincial-level divisions."""
        return [p.province for p in self.places if p.level == "province"]

    def cities(self, province: str) -> list[str]:
        """Return the city-level names within a province (full name expected)."""
        return [p.city for p in self.places if p.city and not p.district and p.province == province]

    def districts(self, province: str, city: str) -> list[str]:
        """Return the district-level names within a city (full names expected)."""
        return [p.district for p in self.places if p.district and p.province == province and p.city == city]

    def canonical(self, province: str, city: str = "", district: str = "") -> Place | None:
        """Return the region with full names (贵州/贵阳/乌当 → 贵州省贵阳市乌当区), or None if the province is unknown.

        A city or district that the table does not know is kept as written, so a station in a
        newly created district still imports; a missing city is filled in when the district
        name is unique within the province.
        """
        province_full = self._province_words.get(province.strip())
        if province_full is None:
            return None
        city, district = city.strip(), district.strip()
        city_full = self._city_words.get(province_full, {}).get(city, city) if city else ""
        if not city_full and district:
            found = self._district_words_by_province.get(province_full, {}).get(district, [])
            if len(found) == 1:
                city_full, district = found[0]
        district_full = self._district_words.get((province_full, city_full), {}).get(district, district)
        return Place(province_full, city_full or None, district_full or None)


def read_regions_csv(path: Path) -> list[tuple[str, str, str]]:
    """Read (province, city, district) rows from a UTF-8 CSV with a province,city,district header."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(r.get("province") or "", r.get("city") or "", r.get("district") or "") for r in reader]


@lru_cache(maxsize=4)
def load_regions(path: Path | str | None = None) -> RegionTable:
    """Load and cache the region table (the shipped bot/features/stations/data/regions.csv by default)."""
    return RegionTable(read_regions_csv(Path(path) if path else DEFAULT_REGIONS_PATH))

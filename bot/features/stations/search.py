"""Station search: keyword queries ("乌当 洗澡") and nearest-to-a-location look-ups, all in memory.

Pure Python, no NoneBot and no database: the plugin loads stations from the database into a
`StationIndex` and keeps it current with `add` / `update` / `remove`.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .regions import Place, RegionTable, load_regions

if TYPE_CHECKING:
    import jieba

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

# One fixed, ordered tag set. The 2025 national notice's five free services are 停车休息、热水、
# 饭菜加热、淋浴、洗衣; "停车休息" is two tags here because drivers ask for either alone.
SERVICE_TAGS: tuple[str, ...] = (
    "停车",
    "休息",
    "餐饮",
    "热水",
    "饭菜加热",
    "淋浴",
    "洗衣",
    "如厕",
    "住宿",
    "洗车",
    "充电",
    "维修",
    "便利店",
    "医药箱",
    "图书",
)
FREE_SERVICES: tuple[str, ...] = ("停车", "休息", "热水", "饭菜加热", "淋浴", "洗衣")

STATION_KINDS: tuple[str, ...] = (
    "司机之家",
    "红色驿站",
    "服务站",
    "服务点",
    "党群服务中心",
    "停车区",
    "维修点",
    "高速服务区",
)

# Words drivers use → service tags. A word may stand for several tags ("停车休息").
SERVICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    **{tag: (tag,) for tag in SERVICE_TAGS},
    "停车休息": ("停车", "休息"),
    "停车场": ("停车",),
    "车位": ("停车",),
    "停车位": ("停车",),
    "停车点": ("停车",),
    "泊车": ("停车",),
    "停": ("停车",),
    "睡觉": ("休息",),
    "歇脚": ("休息",),
    "歇息": ("休息",),
    "休息室": ("休息",),
    "休息区": ("休息",),
    "歇": ("休息",),
    "吃饭": ("餐饮",),
    "吃的": ("餐饮",),
    "吃": ("餐饮",),
    "饭": ("餐饮",),
    "餐厅": ("餐饮",),
    "食堂": ("餐饮",),
    "饭店": ("餐饮",),
    "用餐": ("餐饮",),
    "快餐": ("餐饮",),
    "开水": ("热水",),
    "喝水": ("热水",),
    "饮水": ("热水",),
    "热饭": ("饭菜加热",),
    "热菜": ("饭菜加热",),
    "加热": ("饭菜加热",),
    "微波炉": ("饭菜加热",),
    "洗澡": ("淋浴",),
    "冲凉": ("淋浴",),
    "沐浴": ("淋浴",),
    "洗浴": ("淋浴",),
    "冲澡": ("淋浴",),
    "澡": ("淋浴",),
    "洗衣服": ("洗衣",),
    "洗衣机": ("洗衣",),
    "厕所": ("如厕",),
    "卫生间": ("如厕",),
    "洗手间": ("如厕",),
    "公厕": ("如厕",),
    "上厕所": ("如厕",),
    "过夜": ("住宿",),
    "住": ("住宿",),
    "住店": ("住宿",),
    "宾馆": ("住宿",),
    "旅馆": ("住宿",),
    "床位": ("住宿",),
    "冲车": ("洗车",),
    "充电桩": ("充电",),
    "充电站": ("充电",),
    "修车": ("维修",),
    "补胎": ("维修",),
    "换胎": ("维修",),
    "修理": ("维修",),
    "汽修": ("维修",),
    "救援": ("维修",),
    "修": ("维修",),
    "超市": ("便利店",),
    "买东西": ("便利店",),
    "小卖部": ("便利店",),
    "商店": ("便利店",),
    "药": ("医药箱",),
    "药箱": ("医药箱",),
    "急救": ("医药箱",),
    "看书": ("图书",),
    "书屋": ("图书",),
    "读书": ("图书",),
}

# Words for kinds of station → kinds. "驿站" in speech means either of the two driver stations.
KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    **{kind: (kind,) for kind in STATION_KINDS},
    "驿站": ("红色驿站", "司机之家"),
    "司机驿站": ("红色驿站", "司机之家"),
    "爱心驿站": ("红色驿站", "司机之家"),
    "货车司机之家": ("司机之家",),
    "服务区": ("高速服务区",),
    "高速服务站": ("高速服务区",),
    "党群中心": ("党群服务中心",),
    "党群服务站": ("党群服务中心",),
    "维修站": ("维修点",),
    "修理厂": ("维修点",),
    "修理点": ("维修点",),
    "汽修厂": ("维修点",),
}

# Expressway names drivers say instead of codes; the codes are those of the national network.
ROAD_NAMES: dict[str, str] = {
    "京哈": "G1",
    "京沪": "G2",
    "京台": "G3",
    "京港澳": "G4",
    "京昆": "G5",
    "京藏": "G6",
    "京新": "G7",
    "沈海": "G15",
    "长深": "G25",
    "济广": "G35",
    "大广": "G45",
    "二广": "G55",
    "包茂": "G65",
    "兰海": "G75",
    "银百": "G69",
    "连霍": "G30",
    "青银": "G20",
    "沪陕": "G40",
    "沪蓉": "G42",
    "沪渝": "G50",
    "杭瑞": "G56",
    "沪昆": "G60",
    "福银": "G70",
    "泉南": "G72",
    "厦蓉": "G76",
    "汕昆": "G78",
    "广昆": "G80",
    "银昆": "G85",
}

# Filler that carries no meaning for the look-up. Multi-character entries also go into the
# tokenizer's dictionary so that "有没有" is cut as one word rather than three.
NEAR_WORDS = frozenset({"附近", "周边", "周围", "旁边", "身边", "最近", "离我", "就近", "近"})
FILLER_WORDS = NEAR_WORDS | frozenset(
    {
        *["的", "吗", "呢", "啊", "呀", "吧", "了", "么", "嘛", "哦", "喔", "哈", "嗯", "能", "可", "有", "在", "去", "找", "想", "要", "我", "你", "他", "她", "请", "查", "搜", "个", "这", "那", "哪", "和", "与", "及", "或", "还", "也", "都", "到", "给", "让", "是", "就", "里", "边", "好", "家", "些", "把", "从", "往", "向", "带", "多", "会", "得", "该", "用", "谁", "啥", "咋", "条", "一"],
        *["哪里", "哪儿", "哪边", "哪个", "哪些", "哪家", "哪有", "有没有", "有无", "没有", "能不能", "可不可以", "可以", "能够", "请问", "一下", "帮我", "帮忙", "麻烦", "查一下", "查询", "查找", "搜索", "推荐", "告诉", "知道", "地方", "位置", "地址", "怎么", "怎么走", "什么", "多少", "这里", "那里", "这边", "那边", "我们", "我要", "想要", "需要", "提供", "免费", "方便", "大车", "货车", "卡车", "挂车", "司机", "师傅", "谢谢", "你好", "您好", "机器人", "一个", "有个", "现在", "今天", "今晚", "晚上", "白天", "哪个地方", "在哪", "在哪里", "在哪儿", "是否", "还有", "一些", "有些", "东西", "开车", "路过", "经过", "顺路", "高速", "国道", "电话", "联系方式", "营业时间", "几点", "开门", "关门", "营业", "多远", "远不远", "路线", "导航", "信息", "情况", "列表", "全部", "所有"],
    }
)

# G75, S15, G6001; parallel lines carry a W (G4W, G15W, G4W2).
ROAD_CODE_RE = re.compile(r"(?<![A-Za-z])([GSXY])(\d{1,4}(?:W\d?)?)(?![0-9])", re.IGNORECASE)
ROAD_SPLIT_RE = re.compile(r"[/、,，;；\s]+")

MAX_QUERY_LEN = 50
# Raw text beyond this is dropped before normalising, so a pasted novel costs nothing.
_RAW_QUERY_CAP = 500
MAX_PAGE_SIZE = 50

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
GRID_CELL_DEG = 0.5

# Keyword hits in the name count for more than hits in the address.
_NAME_HIT = 10
_NAME_PREFIX_HIT = 5
_PLACE_TEXT_HIT = 3
# The whole query found in a name ("贵阳货车司机之家") wins even when its words were read as
# filters or filler.
_PHRASE_HIT = 20
_EXACT_NAME_HIT = 30

# ---------------------------------------------------------------------------------------------
# User-facing wording (Chinese), kept together so the plugin's replies stay consistent.
# ---------------------------------------------------------------------------------------------

MSG_EMPTY_QUERY = "请告诉我地名或想要的服务，例如「乌当 洗澡」「G75 服务区」，或者直接发送位置查找附近的驿站。"
MSG_NO_MATCH = "没有找到符合条件的驿站。"
MSG_TRY_OTHER = "换个说法试试，例如「贵阳 停车」，或发送位置查找附近的驿站。"
MSG_TRY = "{where}有 {count} 个，发送「{query}」查看。"
MSG_DROP_SERVICES = "去掉「{services}」有 {count} 个，发送「{query}」查看。"
MSG_DROP_KINDS = "不限类型有 {count} 个，发送「{query}」查看。"
MSG_DROP_ROADS = "不限道路有 {count} 个，发送「{query}」查看。"
MSG_WIDER_NATIONWIDE = "全国"
MSG_BAD_COORDINATES = "位置坐标无效：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间。"
MSG_ZERO_COORDINATES = "位置坐标无效（0,0），请重新发送位置。"
MSG_BAD_SERVICE = "不认识的服务「{service}」，可选：{tags}。"
MSG_BAD_LIMIT = "数量应为正整数。"
MSG_BAD_RADIUS = "搜索范围应大于 0 公里。"
MSG_NONE_NEARBY = "{km} 公里内没有找到{what}驿站。"
MSG_PROVIDING = "提供「{service}」的"


@dataclass(frozen=True, slots=True)
class Station:
    """A driver station as the bot shows it; coordinates are GCJ-02 (the system of Chinese maps)."""

    id: int
    name: str
    kind: str
    province: str
    city: str = ""
    district: str = ""
    road: str = ""
    direction: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    services: tuple[str, ...] = ()
    parking_spaces: int | None = None
    hours: str = ""
    phone: str = ""
    branch_id: int | None = None


@dataclass(frozen=True, slots=True)
class Understood:
    """What a query was read as: the user sees it, and the plugin may act on `near`."""

    places: tuple[Place, ...] = ()
    services: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    roads: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    near: bool = False
    # Keywords that matched nothing and were set aside so the other conditions could answer.
    ignored: tuple[str, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        """Return the recognised regions as labels (贵州省贵阳市乌当区)."""
        return tuple(place.label for place in self.places)

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing searchable was recognised."""
        return not (self.places or self.services or self.kinds or self.roads or self.keywords)

    def as_dict(self) -> dict[str, object]:
        """Return a plain dict (for logs of query shapes, tests and replies)."""
        return {
            "regions": list(self.regions),
            "services": list(self.services),
            "kinds": list(self.kinds),
            "roads": list(self.roads),
            "keywords": list(self.keywords),
            "near": self.near,
            "ignored": list(self.ignored),
        }


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


def resolve_service(word: str) -> str | None:
    """Return the service tag a word stands for (洗澡 → 淋浴), or None; multi-tag words give the first."""
    tags = SERVICE_SYNONYMS.get(word.strip())
    return tags[0] if tags else None


def split_roads(road: str) -> tuple[str, ...]:
    """Split a station's road field ("G75/G60") into upper-case codes."""
    return tuple(part.upper() for part in ROAD_SPLIT_RE.split(road) if part)


def normalize_query(text: str) -> str:
    """Reduce a query to letters, digits and single spaces, at most MAX_QUERY_LEN characters."""
    text = unicodedata.normalize("NFKC", text[:_RAW_QUERY_CAP])
    # Emoji, punctuation and symbols become spaces: they never name a place or a service.
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    return " ".join(kept.split())[:MAX_QUERY_LEN].strip()


# ---------------------------------------------------------------------------------------------
# Query parsing
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    """A query split into recognised parts; place words keep all their readings."""

    place_words: list[tuple[str, tuple[Place, ...]]] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    roads: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    near: bool = False
    # The normalised query without spaces, lower case: matched against names as a whole.
    phrase: str = ""


def _add_unique(target: list[str], values: Iterable[str]) -> None:
    """Append values not yet in target, keeping order."""
    for value in values:
        if value not in target:
            target.append(value)


class QueryParser:
    """Reads a query with jieba and the project's dictionary (regions, services, kinds, fillers)."""

    def __init__(self, regions: RegionTable):
        """Prepare a parser; the tokenizer loads on first use (it takes about a second)."""
        self.regions = regions
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def dictionary_words(self) -> set[str]:
        """Return every word the tokenizer must keep whole."""
        words = set(self.regions.words())
        words.update(SERVICE_SYNONYMS, KIND_SYNONYMS, ROAD_NAMES)
        words.update(name + "高速" for name in ROAD_NAMES)
        words.update(word for word in FILLER_WORDS if len(word) > 1)
        return words

    def tokenizer(self) -> jieba.Tokenizer:
        """Return the isolated jieba tokenizer, building it once (thread-safe)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba  # imported here so that importing this module costs nothing

                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    # Each word gets jieba's suggested frequency, the least that keeps it whole;
                    # sorted so that every start builds the same dictionary.
                    for word in sorted(self.dictionary_words()):
                        tokenizer.add_word(word)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def tokens(self, text: str) -> list[str]:
        """Cut normalised text into words (spaces dropped)."""
        return [token for token in self.tokenizer().cut(text) if token.strip()]

    def parse(self, query: str) -> _Parsed:
        """Split a raw query into places, services, kinds, roads and leftover keywords."""
        text = normalize_query(query)
        parsed = _Parsed(phrase=text.replace(" ", "").lower())
        for match in ROAD_CODE_RE.finditer(text):
            _add_unique(parsed.roads, [(match.group(1) + match.group(2)).upper()])
        text = ROAD_CODE_RE.sub(" ", text).strip()
        if not text:
            return parsed

        pending: list[str] = []  # a run of unknown single characters, joined into one keyword

        def flush() -> None:
            """Turn the pending run of characters into a keyword."""
            if pending:
                _add_unique(parsed.keywords, ["".join(pending).lower()])
                pending.clear()

        for token in self.tokens(text):
            if token in FILLER_WORDS:
                flush()
                parsed.near = parsed.near or token in NEAR_WORDS
            elif token in KIND_SYNONYMS:
                flush()
                _add_unique(parsed.kinds, KIND_SYNONYMS[token])
            elif token in SERVICE_SYNONYMS:
                flush()
                _add_unique(parsed.services, SERVICE_SYNONYMS[token])
            elif token in ROAD_NAMES or (token.endswith("高速") and token[:-2] in ROAD_NAMES):
                flush()
                _add_unique(parsed.roads, [ROAD_NAMES[token.removesuffix("高速")]])
            elif places := self.regions.resolve(token):
                flush()
                if all(word != token for word, _ in parsed.place_words):
                    parsed.place_words.append((token, places))
            elif len(token) == 1:
                pending.append(token)
            else:
                flush()
                _add_unique(parsed.keywords, [token.lower()])
        flush()
        return parsed


def _related(a: Place, b: Place) -> bool:
    """Tell whether one place lies inside the other."""
    return a.contains(b) or b.contains(a)


def combine_places(groups: list[tuple[Place, ...]]) -> tuple[Place, ...]:
    """Resolve several place words together: 贵阳 + 白云 → 贵阳市白云区; 贵阳 + 遵义 → both cities."""
    if not groups:
        return ()
    consistent = [
        place
        for i, group in enumerate(groups)
        for place in group
        if all(any(_related(place, other) for other in groups[j]) for j in range(len(groups)) if j != i)
    ]
    # Words that name unrelated regions ("贵阳 遵义") mean either of them.
    chosen = consistent or [place for group in groups for place in group]
    unique = list(dict.fromkeys(chosen))
    # Keep the narrowest reading: 贵州 + 乌当 means 乌当区, not all of 贵州.
    return tuple(p for p in unique if not any(q != p and p.contains(q) for q in unique))


# ---------------------------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """What the index precomputes for one station."""

    station: Station
    place: Place | None
    roads: tuple[str, ...]
    name_text: str
    place_text: str
    cell: tuple[int, int] | None


_default_parser: QueryParser | None = None
_default_parser_lock = threading.Lock()


def default_parser() -> QueryParser:
    """Return the shared parser over the shipped region table."""
    global _default_parser
    if _default_parser is None:
        with _default_parser_lock:
            if _default_parser is None:
                _default_parser = QueryParser(load_regions())
    return _default_parser


def warm_up() -> None:
    """Load the shared tokenizer now (about a second) rather than on the first user's query."""
    default_parser().tokenizer()


def _cell(lat: float, lng: float) -> tuple[int, int]:
    """Return the grid cell of a point."""
    return math.floor(lat / GRID_CELL_DEG), math.floor(lng / GRID_CELL_DEG)


def validate_coordinates(lat: object, lng: object) -> tuple[float, float]:
    """Return (lat, lng) as floats, or raise ValueError with a Chinese message."""
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(MSG_BAD_COORDINATES) from None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)) or not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        raise ValueError(MSG_BAD_COORDINATES)
    # (0,0) is what a client sends when it has no fix; no station is in the Gulf of Guinea.
    if lat_f == 0 and lng_f == 0:
        raise ValueError(MSG_ZERO_COORDINATES)
    return lat_f, lng_f


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

    # -- maintenance ---------------------------------------------------------------------------

    def add(self, station: Station) -> None:
        """Add a station, replacing any with the same id."""
        if station.id in self._entries:
            self.remove(station.id)
        place = self.regions.canonical(station.province, station.city, station.district)
        if place is None and station.province:
            place = Place(station.province, station.city or None, station.district or None)
        cell = None
        if station.lat is not None and station.lng is not None:
            cell = _cell(station.lat, station.lng)
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
        self._entries[station.id] = entry
        for key_map, key in self._keys(entry):
            key_map.setdefault(key, set()).add(station.id)
        self._dirty = True

    def update(self, station: Station) -> None:
        """Replace a station that is in the index; KeyError if it is not."""
        if station.id not in self._entries:
            raise KeyError(station.id)
        self.add(station)

    def remove(self, station_id: int) -> bool:
        """Remove a station; return whether it was there."""
        entry = self._entries.pop(station_id, None)
        if entry is None:
            return False
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
        """Score every station that holds at least one keyword in its name or place text."""
        scores: dict[int, int] = {}
        for keyword in keywords:
            for station_id, offset in self._find(self._name_hay, self._starts, keyword).items():
                bonus = _NAME_HIT + (_NAME_PREFIX_HIT if offset == 0 else 0)
                scores[station_id] = scores.get(station_id, 0) + bonus
            for station_id in self._find(self._place_hay, self._place_starts, keyword):
                scores[station_id] = scores.get(station_id, 0) + _PLACE_TEXT_HIT
        return scores

    def _match(
        self,
        places: tuple[Place, ...],
        services: list[str],
        kinds: list[str],
        roads: list[str],
        keywords: list[str],
    ) -> tuple[set[int] | None, dict[int, int]]:
        """Return (matching ids, keyword scores); keywords are required when given."""
        filtered = self._filtered(places, services, kinds, roads)
        if not keywords:
            return filtered, {}
        scores = self._keyword_scores(keywords)
        if filtered is None:
            return set(scores), scores
        return filtered.intersection(scores), scores

    def search(self, query: str, page: int = 1, page_size: int = 5) -> SearchResult:
        """Answer a keyword query (乌当 洗澡, 哪里能停车, G75 服务区) with one page of stations."""
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
            return SearchResult([], 0, page, 0, page_size, understood, MSG_EMPTY_QUERY)

        ids, scores = self._match(places, parsed.services, parsed.kinds, parsed.roads, keywords)
        has_conditions = bool(places or parsed.services or parsed.kinds or parsed.roads)
        if not ids and keywords and has_conditions:
            # Words like "大车" or "方便" name nothing; answer with the conditions that did.
            relaxed, _ = self._match(places, parsed.services, parsed.kinds, parsed.roads, [])
            if relaxed:
                ids, scores = relaxed, {}
                understood = replace(understood, keywords=(), ignored=tuple(keywords))
        if not ids and parsed.place_words:
            # A place name that is also part of station names ("金阳" is a county in 四川 and an
            # area of 贵阳): read it as a keyword instead.
            demoted = keywords + [word.lower() for word, _ in parsed.place_words if word.lower() not in keywords]
            retry, retry_scores = self._match((), parsed.services, parsed.kinds, parsed.roads, demoted)
            if retry:
                ids, scores = retry, retry_scores
                understood = replace(understood, places=(), keywords=tuple(demoted))

        if not ids:
            suggestion = self._suggest(understood)
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

    def _count(
        self,
        places: tuple[Place, ...],
        services: Iterable[str],
        kinds: Iterable[str],
        roads: Iterable[str],
        keywords: Iterable[str],
    ) -> int:
        """Count matches for a relaxed query (used for suggestions)."""
        ids, _ = self._match(places, list(services), list(kinds), list(roads), list(keywords))
        return len(ids) if ids else 0

    def _suggest(self, u: Understood) -> str:
        """Explain an empty result and offer the nearest relaxation that finds something."""
        hints: list[str] = []
        services, kinds, roads, keywords = u.services, u.kinds, u.roads, u.keywords
        kind_words = _kind_words(kinds)
        if u.places:
            for wider, where in self._wider(u.places):
                count = self._count(wider, services, kinds, roads, keywords)
                if count:
                    query = _query_text(wider, services, kind_words, roads, keywords)
                    hints.append(MSG_TRY.format(where=where, count=count, query=query))
                    break
        if services and not hints:
            count = self._count(u.places, (), kinds, roads, keywords)
            if count:
                query = _query_text(u.places, (), kind_words, roads, keywords)
                hints.append(MSG_DROP_SERVICES.format(services="、".join(services), count=count, query=query))
        if kinds and not hints:
            count = self._count(u.places, services, (), roads, keywords)
            if count:
                query = _query_text(u.places, services, (), roads, keywords)
                hints.append(MSG_DROP_KINDS.format(count=count, query=query))
        if roads and not hints:
            count = self._count(u.places, services, kinds, (), keywords)
            if count:
                query = _query_text(u.places, services, kind_words, (), keywords)
                hints.append(MSG_DROP_ROADS.format(count=count, query=query))
        return MSG_NO_MATCH + (hints[0] if hints else MSG_TRY_OTHER)

    def _wider(self, places: tuple[Place, ...]) -> list[tuple[tuple[Place, ...], str]]:
        """Return ever wider regions around the places: district → city → province → nationwide."""
        steps: list[tuple[tuple[Place, ...], str]] = []
        cities = tuple(dict.fromkeys(Place(p.province, p.city) if p.city else p for p in places))
        if cities != places:
            steps.append((cities, "、".join(p.label for p in cities)))
        provinces = tuple(dict.fromkeys(Place(p.province) for p in places))
        if provinces != cities:
            steps.append((provinces, "、".join(p.label for p in provinces)))
        steps.append(((), MSG_WIDER_NATIONWIDE))
        return steps

    # -- nearest -------------------------------------------------------------------------------

    def nearest(
        self,
        lat: float,
        lng: float,
        service: str | None = None,
        limit: int = 5,
        max_km: float = 50,
    ) -> NearestResult:
        """Return up to `limit` stations within `max_km` of a GCJ-02 point, closest first.

        The point is used for this call only and is not kept anywhere (a location is personal
        information under PIPL).
        """
        lat, lng = validate_coordinates(lat, lng)
        tag = None
        if service:
            tag = resolve_service(service)
            if tag is None:
                raise ValueError(MSG_BAD_SERVICE.format(service=service, tags="、".join(SERVICE_TAGS)))
        if int(limit) < 1:
            raise ValueError(MSG_BAD_LIMIT)
        limit = int(limit)
        if not max_km > 0:
            raise ValueError(MSG_BAD_RADIUS)

        wanted_ids = self._by_service.get(tag, set()) if tag else None
        found: list[tuple[float, int]] = []
        ci, cj = _cell(lat, lng)
        # Rings of cells around the point; stop once the covered radius reaches max_km or the
        # `limit` closest found so far are provably closer than anything outside the rings.
        ring = 0
        while True:
            for cell in _ring_cells(ci, cj, ring):
                for station_id in self._grid.get(cell, ()):
                    if wanted_ids is not None and station_id not in wanted_ids:
                        continue
                    s = self._entries[station_id].station
                    distance = haversine_km(lat, lng, s.lat, s.lng)  # type: ignore[arg-type]
                    if distance <= max_km:
                        found.append((distance, station_id))
            covered = _covered_km(lat, lng, ci, cj, ring)
            if covered >= max_km or ring >= _MAX_RINGS:
                break
            if len(found) >= limit and sorted(found)[limit - 1][0] <= covered:
                break
            ring += 1
        found.sort(key=lambda pair: (pair[0], self._entries[pair[1]].station.name))
        items = [NearbyStation(self._entries[i].station, d) for d, i in found[:limit]]
        suggestion = None
        if not items:
            what = MSG_PROVIDING.format(service=tag) if tag else ""
            suggestion = MSG_NONE_NEARBY.format(km=f"{max_km:g}", what=what)
        return NearestResult(items, float(max_km), tag, suggestion)


# A ring of 360 cells spans the globe; beyond that there is nothing left to look at.
_MAX_RINGS = 360


def _ring_cells(ci: int, cj: int, ring: int) -> list[tuple[int, int]]:
    """Return the cells at Chebyshev distance `ring` from (ci, cj)."""
    if ring == 0:
        return [(ci, cj)]
    cells = [(ci - ring, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(ci + ring, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(i, cj - ring) for i in range(ci - ring + 1, ci + ring)]
    cells += [(i, cj + ring) for i in range(ci - ring + 1, ci + ring)]
    return cells


def _covered_km(lat: float, lng: float, ci: int, cj: int, ring: int) -> float:
    """Return a lower bound of the distance from the point to anything outside the searched cells."""
    lat_lo, lat_hi = (ci - ring) * GRID_CELL_DEG, (ci + ring + 1) * GRID_CELL_DEG
    lng_lo, lng_hi = (cj - ring) * GRID_CELL_DEG, (cj + ring + 1) * GRID_CELL_DEG
    lat_km = min(lat - lat_lo, lat_hi - lat) * KM_PER_DEGREE
    # A degree of longitude is narrowest at the square's most polar latitude.
    widest = min(90.0, max(abs(lat_lo), abs(lat_hi)))
    lng_km = min(lng - lng_lo, lng_hi - lng) * KM_PER_DEGREE * math.cos(math.radians(widest))
    return min(lat_km, lng_km)


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

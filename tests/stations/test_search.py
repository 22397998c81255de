"""Tests for the station search engine, the nearest look-up and the region table."""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace

import pytest

from bot.features.stations import texts
from bot.features.stations.geo import format_distance, haversine_km
from bot.features.stations.index import StationIndex
from bot.features.stations.regions import Place, load_regions, short_names
from bot.features.stations.station import Station
from bot.features.stations.vocabulary import MAX_QUERY_LEN, SERVICE_TAGS, STATION_KINDS, normalize_query


def names(result) -> list[str]:
    """Return the names of a result's items."""
    return [station.name for station in result.items]


def all_ids(index: StationIndex, query: str) -> set[int]:
    """Return the ids of every match of a query, across pages."""
    return {s.key for s in index.search(query, page_size=50).items}


# -- vocabulary ---------------------------------------------------------------------------------


def test_tag_set_holds_the_free_services_and_kinds():
    for tag in ("停车", "休息", "热水", "饭菜加热", "淋浴", "洗衣", "餐饮", "住宿", "洗车", "充电", "维修"):
        assert tag in SERVICE_TAGS
    assert len(set(SERVICE_TAGS)) == len(SERVICE_TAGS) == 16 and SERVICE_TAGS[-1] == "加油"
    assert STATION_KINDS[:2] == ("司机之家", "红色驿站")
    assert "高速服务区" in STATION_KINDS


@pytest.mark.parametrize(
    ("word", "tag"),
    [
        ("洗澡", "淋浴"),
        ("冲凉", "淋浴"),
        ("沐浴", "淋浴"),
        ("吃饭", "餐饮"),
        ("修车", "维修"),
        ("补胎", "维修"),
        ("救援", "维修"),
        ("车位", "停车"),
        ("停车场", "停车"),
        ("睡觉", "休息"),
        ("热饭", "饭菜加热"),
        ("开水", "热水"),
        ("厕所", "如厕"),
        ("卫生间", "如厕"),
        ("过夜", "住宿"),
        ("充电桩", "充电"),
        ("洗衣服", "洗衣"),
        ("超市", "便利店"),
    ],
)
def test_service_synonyms(index, word, tag):
    result = index.search(word)
    assert result.understood.services == (tag,)
    assert result.total > 0 or result.suggestion
    assert all(tag in s.services for s in result.items)


def test_shower_synonym_finds_exactly_the_stations_with_showers(index, stations):
    expected = {s.id for s in stations if "淋浴" in s.services}
    assert all_ids(index, "洗澡") == expected
    assert all_ids(index, "淋浴") == expected


# -- regions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("贵州", {1, 2, 3, 4, 5, 6, 7, 8, 10}),
        ("贵州省", {1, 2, 3, 4, 5, 6, 7, 8, 10}),
        ("贵阳", {1, 2, 3, 4, 5, 6, 7, 10}),
        ("贵阳市", {1, 2, 3, 4, 5, 6, 7, 10}),
        ("乌当", {1, 2, 3}),
        ("乌当区", {1, 2, 3}),
        ("修文县", {6, 10}),
        ("遵义", {8}),
        ("广东", {9}),
    ],
)
def test_region_narrowing_by_full_and_short_names(index, query, expected):
    result = index.search(query, page_size=50)
    assert {s.id for s in result.items} == expected
    assert result.total == len(expected)
    assert result.understood.places


def test_district_and_service_together(index):
    result = index.search("乌当 洗澡")
    assert names(result) == ["新添寨司机之家"]
    assert result.understood.regions == ("贵州省贵阳市乌当区",)
    assert result.understood.services == ("淋浴",)
    # Written without the space, as people type on phones.
    assert names(index.search("乌当洗澡")) == ["新添寨司机之家"]


def test_ambiguous_short_name_keeps_every_reading(index):
    result = index.search("白云", page_size=50)
    assert {s.id for s in result.items} == {4, 5, 9}
    assert set(result.understood.regions) == {"贵州省贵阳市白云区", "广东省广州市白云区"}
    narrowed = index.search("贵阳 白云", page_size=50)
    assert {s.id for s in narrowed.items} == {4, 5}
    assert narrowed.understood.regions == ("贵州省贵阳市白云区",)


def test_two_unrelated_places_mean_either(index):
    assert all_ids(index, "乌当 遵义") == {1, 2, 3, 8}


def test_region_table_covers_the_country():
    regions = load_regions()
    provinces = regions.provinces()
    assert len(provinces) == 34
    for name in ("贵州省", "香港特别行政区", "澳门特别行政区", "台湾省", "新疆维吾尔自治区", "广西壮族自治区"):
        assert name in provinces
    assert len([p for p in regions if p.level == "city"]) >= 333
    guiyang = set(regions.districts("贵州省", "贵阳市"))
    assert guiyang >= {
        "南明区",
        "云岩区",
        "花溪区",
        "乌当区",
        "白云区",
        "观山湖区",
        "开阳县",
        "息烽县",
        "修文县",
        "清镇市",
    }
    for province, city in [
        ("四川省", "成都市"),
        ("湖南省", "长沙市"),
        ("广东省", "深圳市"),
        ("河南省", "郑州市"),
        ("山东省", "临沂市"),
        ("江苏省", "苏州市"),
        ("浙江省", "宁波市"),
        ("陕西省", "西安市"),
        ("湖北省", "武汉市"),
        ("云南省", "昆明市"),
        ("广西壮族自治区", "南宁市"),
        ("北京市", "北京市"),
        ("上海市", "上海市"),
        ("天津市", "天津市"),
        ("重庆市", "重庆市"),
    ]:
        assert regions.districts(province, city), (province, city)


@pytest.mark.parametrize(
    ("name", "alias"),
    [
        ("贵州省", "贵州"),
        ("贵阳市", "贵阳"),
        ("乌当区", "乌当"),
        ("修文县", "修文"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("香港特别行政区", "香港"),
        ("黔东南苗族侗族自治州", "黔东南"),
        ("威宁彝族回族苗族自治县", "威宁"),
        ("六枝特区", "六枝"),
    ],
)
def test_short_names(name, alias):
    assert alias in short_names(name)


def test_short_names_keep_two_characters():
    assert short_names("忠县") == set()
    assert short_names("城区") == set()


def test_region_resolution_and_canonical_names():
    regions = load_regions()
    assert regions.resolve("乌当") == (Place("贵州省", "贵阳市", "乌当区"),)
    assert regions.resolve("贵阳市") == (Place("贵州省", "贵阳市"),)
    chaoyang = {p.label for p in regions.resolve("朝阳")}
    assert {"北京市朝阳区", "辽宁省朝阳市"} <= chaoyang
    assert regions.resolve("北京") == (Place("北京市"),)
    assert regions.resolve("不存在的地方") == ()
    assert regions.canonical("贵州", "贵阳", "乌当") == Place("贵州省", "贵阳市", "乌当区")
    assert regions.canonical("重庆", "", "渝北区") == Place("重庆市", "重庆市", "渝北区")
    assert regions.canonical("火星") is None


def test_stations_written_with_short_region_names_are_found(index):
    index.add(
        Station(
            id=50, name="短名驿站", kind="红色驿站", province="贵州", city="贵阳", district="乌当", services=("淋浴",)
        )
    )
    assert 50 in all_ids(index, "乌当区 洗澡")


# -- natural phrasing, roads and kinds ----------------------------------------------------------


def test_where_can_i_shower_and_park(index, stations):
    result = index.search("哪里能洗澡停车", page_size=50)
    assert set(result.understood.services) == {"淋浴", "停车"}
    assert result.understood.keywords == ()
    expected = {s.id for s in stations if {"淋浴", "停车"} <= set(s.services)}
    assert {s.id for s in result.items} == expected


def test_driver_homes_near_guiyang(index):
    result = index.search("贵阳附近的司机之家")
    assert result.understood.near is True
    assert result.understood.kinds == ("司机之家",)
    assert result.understood.regions == ("贵州省贵阳市",)
    assert {s.id for s in result.items} == {1, 5}


def test_road_code_and_service_area(index):
    result = index.search("G75 服务区")
    assert result.understood.roads == ("G75",)
    assert result.understood.kinds == ("高速服务区",)
    assert names(result) == ["扎佐服务区"]
    assert names(index.search("g75服务区")) == ["扎佐服务区"]
    assert names(index.search("沪昆高速 服务区")) == ["清镇服务区"]


def test_station_word_means_both_driver_station_kinds(index):
    ids = all_ids(index, "乌当 驿站")
    assert ids == {1, 2}


def test_question_with_punctuation_and_emoji(index):
    result = index.search("附近哪里能停车？🚚🚚")
    assert result.understood.services == ("停车",)
    assert result.understood.near is True
    assert result.total == 10


# -- ranking and paging -------------------------------------------------------------------------


def test_name_hit_outranks_address_hit(index):
    # "新添" is in station 1's name and in station 10's address only.
    result = index.search("新添")
    assert names(result) == ["新添寨司机之家", "龙场维修点"]


def test_ties_are_ordered_by_name(index):
    result = index.search("乌当", page_size=50)
    assert names(result) == sorted(names(result))


def test_whole_name_ranks_first(sample_index):
    result = sample_index.search("贵阳货车司机之家")
    assert names(result)[:2] == ["贵阳货车司机之家", "贵阳货车司机之家"]
    addresses = {s.address for s in result.items[:2]}
    assert len(addresses) == 2


def test_paging(index):
    first = index.search("停车", page=1, page_size=3)
    second = index.search("停车", page=2, page_size=3)
    assert first.total == second.total == 10
    assert first.pages == 4
    assert len(first.items) == len(second.items) == 3
    assert not {s.id for s in first.items} & {s.id for s in second.items}
    seen = []
    for page in range(1, first.pages + 1):
        seen += [s.id for s in index.search("停车", page=page, page_size=3).items]
    assert sorted(seen) == list(range(1, 11))
    beyond = index.search("停车", page=9, page_size=3)
    assert beyond.items == [] and beyond.total == 10
    assert index.search("停车", page=0).page == 1


# -- nothing found ------------------------------------------------------------------------------


def test_no_match_suggests_a_wider_region(index):
    result = index.search("乌当 住宿")
    assert result.items == [] and result.total == 0 and result.pages == 0
    assert "贵阳市" in result.suggestion
    assert "1 个" in result.suggestion


def test_no_match_suggests_dropping_the_service(index):
    result = index.search("乌当 充电")
    assert result.items == []
    assert "去掉「充电」" in result.suggestion


def test_unknown_words_alone_find_nothing_but_say_how_to_ask(index):
    result = index.search("火箭发射场")
    assert result.items == []
    assert result.suggestion


def test_unknown_word_next_to_conditions_is_set_aside(index):
    result = index.search("乌当 洗澡 方便 舒服")
    assert names(result) == ["新添寨司机之家"]
    assert result.understood.ignored == ("舒服",)


def test_place_name_inside_a_station_name_is_read_as_a_keyword(index):
    index.add(
        Station(
            id=60,
            name="金阳红色驿站",
            kind="红色驿站",
            province="贵州省",
            city="贵阳市",
            district="观山湖区",
            services=("热水",),
        )
    )
    # 金阳 is also a county in 四川, where no station is; the name is what the user means.
    result = index.search("金阳红色驿站")
    assert names(result) == ["金阳红色驿站"]
    assert result.understood.keywords == ("金阳",)


@pytest.mark.parametrize("query", ["🚚🚚🚚", "", "   ", "？！。", "的 吗"])
def test_empty_or_emoji_only_query(index, query):
    result = index.search(query)
    assert result.items == []
    assert result.suggestion == texts.EMPTY_QUERY
    assert result.understood.is_empty


def test_long_query_is_capped(index):
    query = "乌当洗澡" + "啊" * 196
    assert len(query) == 200
    started = time.perf_counter()
    result = index.search(query)
    assert time.perf_counter() - started < 0.5
    assert names(result) == ["新添寨司机之家"]
    long_keyword = index.search("x" * 200)
    assert long_keyword.items == []
    assert all(len(k) <= MAX_QUERY_LEN for k in long_keyword.understood.keywords)


def test_normalize_query():
    assert normalize_query("  乌当，洗澡！！🚿 ") == "乌当 洗澡"
    assert normalize_query("Ｇ７５") == "G75"
    assert len(normalize_query("长" * 1000)) == MAX_QUERY_LEN


# -- maintenance --------------------------------------------------------------------------------


def test_removed_station_is_never_returned(index):
    assert 1 in all_ids(index, "乌当 洗澡")
    assert index.remove(1) is True
    assert index.remove(1) is False
    assert 1 not in index
    for query in ("乌当 洗澡", "新添寨司机之家", "乌当", "G75", "停车", "司机之家"):
        assert 1 not in all_ids(index, query)
    assert all(item.station.id != 1 for item in index.nearest(26.65, 106.74, limit=20).items)


def test_update_replaces_services(index, stations):
    index.update(replace(stations[1], services=("停车", "淋浴")))
    assert 2 in all_ids(index, "乌当 洗澡")
    index.update(replace(stations[1], services=("停车",)))
    assert 2 not in all_ids(index, "乌当 洗澡")
    with pytest.raises(KeyError):
        index.update(replace(stations[1], id=999))


# -- nearest ------------------------------------------------------------------------------------


def test_nearest_orders_by_distance(index):
    result = index.nearest(26.6500, 106.7400, limit=4)
    distances = [item.distance_km for item in result.items]
    assert distances == sorted(distances)
    assert result.items[0].station.id == 1
    assert result.items[0].distance_km == pytest.approx(0.0, abs=1e-9)
    assert len(result.items) == 4


def test_nearest_distance_matches_hand_computed_haversine(index):
    # Due south by 0.1° of latitude: 6371 km × 0.1 × π / 180 = 11.1195 km.
    result = index.nearest(26.5500, 106.7400, limit=10)
    station_1 = next(item for item in result.items if item.station.id == 1)
    assert station_1.distance_km == pytest.approx(11.1195, abs=1e-3)
    # 贵阳 → 广州 station, checked against the formula written out by hand.
    lat1, lng1, lat2, lng2 = map(math.radians, (26.65, 106.74, 23.37, 113.36))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    assert haversine_km(26.65, 106.74, 23.37, 113.36) == pytest.approx(2 * 6371 * math.asin(math.sqrt(a)))


def test_nearest_with_service_and_radius(index):
    result = index.nearest(26.6500, 106.7400, service="洗澡", limit=5, max_km=20)
    assert result.service == "淋浴"
    assert [item.station.id for item in result.items] == [1, 5, 4]
    assert all(item.distance_km <= 20 for item in result.items)


def test_nearest_none_within_radius(index):
    result = index.nearest(39.9, 116.4, max_km=50)
    assert result.items == []
    assert result.max_km == 50
    assert "50 公里内" in result.suggestion


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (91, 106),
        (-91, 106),
        (26, 181),
        (26, -181),
        (0, 0),
        (0.0, 0.0),
        ("abc", 106),
        (None, 106),
        (float("nan"), 106),
        (26, float("inf")),
    ],
)
def test_nearest_rejects_invalid_coordinates(index, lat, lng):
    with pytest.raises(ValueError, match="坐标无效"):
        index.nearest(lat, lng)


def test_nearest_rejects_unknown_service(index):
    with pytest.raises(ValueError, match="不认识的服务"):
        index.nearest(26.6, 106.7, service="火箭")


def test_nearest_grid_agrees_with_a_full_scan():
    rng = random.Random(7)
    stations = [
        Station(
            id=i,
            name=f"站{i:05d}",
            kind="服务站",
            province="贵州省",
            lat=rng.uniform(24.5, 29.0),
            lng=rng.uniform(103.5, 109.5),
            services=("停车",) if i % 3 else ("停车", "淋浴"),
        )
        for i in range(3000)
    ]
    index = StationIndex(stations)
    for _ in range(50):
        lat, lng = rng.uniform(24.5, 29.0), rng.uniform(103.5, 109.5)
        for service, max_km in ((None, 50), ("淋浴", 30), (None, 200)):
            got = [(round(i.distance_km, 9), i.station.id) for i in index.nearest(lat, lng, service, 5, max_km).items]
            brute = sorted(
                (round(haversine_km(lat, lng, s.lat or 0, s.lng or 0), 9), s.id)
                for s in stations
                if (service is None or service in s.services)
                and haversine_km(lat, lng, s.lat or 0, s.lng or 0) <= max_km
            )[:5]
            assert [d for d, _ in got] == [d for d, _ in brute]


def test_format_distance():
    assert format_distance(0.35) == "350米"
    assert format_distance(12.345) == "12.3公里"
    assert format_distance(250.4) == "250公里"


# -- the shipped sample -------------------------------------------------------------------------


def test_sample_district_and_shower(sample_index):
    result = sample_index.search("乌当 洗澡", page_size=50)
    assert result.items
    for station in result.items:
        assert station.district == "乌当区" and "淋浴" in station.services


def test_sample_g75_service_areas(sample_index):
    result = sample_index.search("G75 服务区", page_size=50)
    assert result.total >= 3
    assert all(s.kind == "高速服务区" and "G75" in s.road.split("/") for s in result.items)


def test_search_is_fast_with_ten_thousand_stations():
    regions = load_regions()
    places = [p for p in regions if p.level == "district"]
    rng = random.Random(3)
    stations = []
    for i in range(10_000):
        place = rng.choice(places)
        stations.append(
            Station(
                id=i,
                name=f"{place.district}{rng.choice(STATION_KINDS)}{i}",
                kind=rng.choice(STATION_KINDS),
                province=place.province,
                city=place.city or "",
                district=place.district or "",
                address=f"{place.label}物流园{i}号",
                lat=rng.uniform(20, 45),
                lng=rng.uniform(100, 122),
                services=tuple(rng.sample(SERVICE_TAGS, 5)),
            )
        )
    index = StationIndex(stations)
    index.search("预热")
    queries = ["乌当 洗澡", "哪里能停车", "贵阳附近的司机之家", "物流园12", "贵州 淋浴 热水", "G75 服务区"]
    started = time.perf_counter()
    for _ in range(20):
        for query in queries:
            index.search(query)
    per_query_ms = (time.perf_counter() - started) * 1000 / (20 * len(queries))
    # Single-digit milliseconds are the goal; the bound leaves room for a slow CI machine.
    assert per_query_ms < 30


@pytest.mark.parametrize(
    ("query", "roads"),
    [
        ("G75G60", ("G75", "G60")),
        ("g75服务区", ("G75",)),
        ("G4W 番禺", ("G4W",)),
        ("G6001 S15", ("G6001", "S15")),
        ("兰海高速", ("G75",)),
        ("AG75", ()),
    ],
)
def test_road_codes(index, query, roads):
    assert index.search(query).understood.roads == roads


def test_random_input_never_breaks_the_search(index):
    rng = random.Random(11)
    alphabet = "乌当洗澡贵阳白云停车驿站司机之家G75服务区修车哪里附近的吗？！ 🚚\u200b\n\t\\\"'[CQ:at,qq=all]０１ａ"
    for _ in range(500):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        result = index.search(query, page=rng.randint(-2, 4), page_size=rng.randint(-1, 80))
        assert result.total >= len(result.items)
        assert 1 <= result.page_size <= 50
        assert result.items or result.suggestion or result.page > result.pages

"""Shared fixtures for the station search and import tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.stations.csv_import import read_stations_csv
from bot.features.stations.index import StationIndex
from bot.features.stations.station import Station

REPO_ROOT = Path(__file__).resolve().parents[2]

SAMPLE_CSV = REPO_ROOT / "bot" / "features" / "stations" / "data" / "sample_stations.csv"

FREE = ("停车", "休息", "热水", "饭菜加热", "淋浴", "洗衣")


def make_station(station_id: int, name: str, **fields) -> Station:
    """Build a station with Guiyang defaults for the fields a test does not care about."""
    values = {
        "kind": "司机之家",
        "province": "贵州省",
        "city": "贵阳市",
        "district": "乌当区",
        "road": "",
        "address": "",
        "lat": None,
        "lng": None,
        "services": ("停车",),
    }
    values.update(fields)
    return Station(id=station_id, name=name, **values)


def small_stations() -> list[Station]:
    """Return a small hand-made set whose answers the tests know exactly."""
    return [
        make_station(
            1,
            "新添寨司机之家",
            district="乌当区",
            road="G75",
            address="乌当区新添大道1号",
            services=(*FREE, "如厕", "餐饮"),
            lat=26.6500,
            lng=106.7400,
        ),
        make_station(
            2,
            "洛湾红色驿站",
            kind="红色驿站",
            district="乌当区",
            road="G75",
            address="乌当区洛湾物流园",
            services=("停车", "休息", "热水"),
            lat=26.6200,
            lng=106.7700,
        ),
        make_station(
            3,
            "东风停车区",
            kind="停车区",
            district="乌当区",
            road="S15",
            address="乌当区东风镇",
            services=("停车", "休息", "如厕"),
            lat=26.6000,
            lng=106.7500,
        ),
        make_station(
            4,
            "沙文红色驿站",
            kind="红色驿站",
            district="白云区",
            road="G75",
            address="白云区沙文镇",
            services=("停车", "淋浴", "热水"),
            lat=26.7300,
            lng=106.6300,
        ),
        make_station(
            5,
            "麦架司机之家",
            district="白云区",
            road="G75",
            address="白云区麦架镇",
            services=(*FREE, "住宿"),
            lat=26.6900,
            lng=106.6100,
        ),
        make_station(
            6,
            "扎佐服务区",
            kind="高速服务区",
            district="修文县",
            road="G75",
            address="修文县扎佐镇",
            services=("停车", "餐饮", "如厕", "便利店"),
            lat=26.8400,
            lng=106.6200,
        ),
        make_station(
            7,
            "清镇服务区",
            kind="高速服务区",
            district="清镇市",
            road="G60",
            address="清镇市沪昆高速",
            services=("停车", "餐饮", "维修"),
            lat=26.5600,
            lng=106.4700,
        ),
        make_station(
            8,
            "遵义汇川司机之家",
            city="遵义市",
            district="汇川区",
            road="G75",
            address="汇川区高坪街道",
            services=FREE,
            lat=27.7200,
            lng=106.9300,
        ),
        make_station(
            9,
            "太和司机之家",
            province="广东省",
            city="广州市",
            district="白云区",
            road="G15",
            address="白云区太和镇",
            services=FREE,
            lat=23.3700,
            lng=113.3600,
        ),
        make_station(
            10,
            "龙场维修点",
            kind="维修点",
            district="修文县",
            road="G75",
            address="修文县龙场镇新添路",
            services=("维修", "停车", "洗车"),
            lat=26.8200,
            lng=106.5900,
        ),
    ]


@pytest.fixture(scope="session")
def stations() -> list[Station]:
    """The small station set."""
    return small_stations()


@pytest.fixture
def index(stations) -> StationIndex:
    """A fresh index over the small set (tests may change it)."""
    return StationIndex(stations)


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    """The path of the shipped sample stations file."""
    return SAMPLE_CSV


@pytest.fixture(scope="session")
def sample_index() -> StationIndex:
    """An index over the shipped sample CSV."""
    drafts, errors = read_stations_csv(SAMPLE_CSV)
    assert not errors
    return StationIndex(draft.stored(i) for i, draft in enumerate(drafts, start=1))

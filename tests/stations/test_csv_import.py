"""Tests for reading stations from CSV files."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.features.stations.csv_import import (
    HEADERS,
    RowError,
    parse_services,
    parse_stations_csv,
    read_stations_csv,
)
from bot.features.stations.regions import load_regions
from bot.features.stations.station import Station
from bot.features.stations.vocabulary import SERVICE_TAGS, STATION_KINDS

HEADER = ",".join(HEADERS)
GOOD = (
    "新添寨司机之家,司机之家,贵州省,贵阳市,乌当区,G75,往重庆方向,乌当区新添大道1号,"
    "26.65,106.74,停车、淋浴,60,24小时,0851-88880001"
)


def csv_text(*rows: str, header: str = HEADER) -> str:
    """Join a header and rows into CSV text."""
    return "\n".join([header, *rows]) + "\n"


def test_good_row_with_and_without_bom():
    for data in (
        csv_text(GOOD),
        "\ufeff" + csv_text(GOOD),
        csv_text(GOOD).encode("utf-8-sig"),
        csv_text(GOOD).encode("utf-8"),
    ):
        drafts, errors = parse_stations_csv(data)
        assert errors == []
        assert drafts == [
            Station(
                name="新添寨司机之家",
                kind="司机之家",
                province="贵州省",
                city="贵阳市",
                district="乌当区",
                road="G75",
                direction="往重庆方向",
                address="乌当区新添大道1号",
                lat=26.65,
                lng=106.74,
                services=("停车", "淋浴"),
                parking_spaces=60,
                hours="24小时",
                phone="0851-88880001",
            )
        ]


def test_excel_gb18030_file_is_read():
    drafts, errors = parse_stations_csv(csv_text(GOOD).encode("gb18030"))
    assert errors == [] and drafts[0].name == "新添寨司机之家"


def test_columns_may_come_in_any_order():
    header = ",".join(reversed(HEADERS))
    row = ",".join(reversed(GOOD.split(",")))
    drafts, errors = parse_stations_csv(csv_text(row, header=header))
    assert errors == [] and drafts[0].address == "乌当区新添大道1号"


def test_short_region_names_become_full_names_and_roads_are_normalised():
    row = "短名站,红色驿站,贵州,贵阳,乌当,g75 / g60,,,,,热水,,,"
    drafts, errors = parse_stations_csv(csv_text(row))
    assert errors == []
    draft = drafts[0]
    assert (draft.province, draft.city, draft.district) == ("贵州省", "贵阳市", "乌当区")
    assert draft.road == "G75/G60"
    assert draft.lat is None and draft.lng is None and draft.parking_spaces is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("停车、淋浴", ("停车", "淋浴")),
        ("淋浴;停车", ("停车", "淋浴")),
        ("淋浴，停车；热水", ("停车", "热水", "淋浴")),
        ("停车休息、洗衣", ("停车", "休息", "洗衣")),
        ("淋浴、淋浴", ("淋浴",)),
        ("", ()),
    ],
)
def test_service_separators(text, expected):
    assert parse_services(text) == (expected, [])


def test_wrong_columns_give_one_error_and_no_rows():
    header = HEADER.replace("纬度", "维度").replace(",电话", "")
    drafts, errors = parse_stations_csv(csv_text(GOOD, header=header))
    assert drafts == []
    assert len(errors) == 1
    assert errors[0].line == 1
    assert "纬度" in errors[0].reason and "电话" in errors[0].reason
    assert "维度" in errors[0].reason


def test_empty_file():
    drafts, errors = parse_stations_csv("")
    assert drafts == [] and errors[0].line == 1


def test_bad_rows_are_reported_by_line_and_the_rest_import():
    rows = [
        GOOD,  # line 2
        ",司机之家,贵州省,贵阳市,乌当区,,,无名,26.6,106.7,停车,,,",  # 3: no name
        "甲站,加油站,贵州省,贵阳市,乌当区,,,,26.6,106.7,停车,,,",  # 4: unknown kind
        "乙站,司机之家,贵州省,贵阳市,乌当区,,,,26.6,106.7,停车、按摩,,,",  # 5: unknown service
        "丙站,司机之家,贵州省,贵阳市,乌当区,,,,北纬26,106.7,停车,,,",  # 6: not a number
        "丁站,司机之家,贵州省,贵阳市,乌当区,,,,95,106.7,停车,,,",  # 7: out of range
        "戊站,司机之家,贵州省,贵阳市,乌当区,,,,106.7,26.6,停车,,,",  # 8: swapped
        "己站,司机之家,贵州省,贵阳市,乌当区,,,,26.6,,停车,,,",  # 9: half a coordinate
        "庚站,司机之家,贵州省,贵阳市,乌当区,,,,26.6,106.7,停车,六十,,",  # 10: parking not an integer
        "辛站,司机之家,贵州省,贵阳市,乌当区,,,,26.6,106.7,停车,-3,,",  # 11: negative parking
        "壬站,司机之家,火星,,,,,,26.6,106.7,停车,,,",  # 12: unknown province
        "",  # 13: blank lines are skipped
        "癸站,红色驿站,贵州省,贵阳市,白云区,,,沙文镇,26.73,106.63,热水,10,,",  # 14: good
        "子站,红色驿站,贵州省,贵阳市,白云区,,,沙文镇,26.73,106.63,热水,10,,,多余",  # 15: too many fields
    ]
    drafts, errors = parse_stations_csv(csv_text(*rows))
    assert [d.name for d in drafts] == ["新添寨司机之家", "癸站"]
    by_line = {e.line: e.reason for e in errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15]
    assert "名称" in by_line[3]
    assert "加油站" in by_line[4]
    assert "按摩" in by_line[5]
    assert "北纬26" in by_line[6]
    assert "中国境内" in by_line[7]
    assert "填反" in by_line[8]
    assert "都填" in by_line[9]
    assert "六十" in by_line[10]
    assert "-3" in by_line[11]
    assert "火星" in by_line[12]
    assert "列数" in by_line[15]


def test_one_row_with_several_problems_gets_one_error_naming_them_all():
    row = ",加油站,贵州省,贵阳市,乌当区,,,,abc,106.7,按摩,很多,,"
    _, errors = parse_stations_csv(csv_text(row))
    assert len(errors) == 1
    reason = errors[0].reason
    for word in ("名称", "加油站", "按摩", "abc", "很多"):
        assert word in reason


def test_quoted_address_with_comma_and_line_numbers_after_a_multiline_cell():
    rows = [
        '甲站,司机之家,贵州省,贵阳市,乌当区,,,"乌当区新添大道1号,东门",26.6,106.7,停车,,,',
        '乙站,司机之家,贵州省,贵阳市,乌当区,,,"两行\n地址",26.6,106.7,停车,,,',
        "丙站,司机之家,贵州省,贵阳市,乌当区,,,,26.6,106.7,按摩,,,",
    ]
    drafts, errors = parse_stations_csv(csv_text(*rows))
    assert drafts[0].address == "乌当区新添大道1号,东门"
    assert errors == [RowError(5, errors[0].reason)]


def test_duplicate_rows_in_one_file():
    drafts, errors = parse_stations_csv(csv_text(GOOD, GOOD))
    assert len(drafts) == 1
    assert errors[0].line == 3 and "第 2 行" in errors[0].reason


def test_natural_key_and_stored():
    drafts, _ = parse_stations_csv(csv_text(GOOD))
    draft = drafts[0]
    assert draft.natural_key == ("新添寨司机之家", "贵州省", "贵阳市", "乌当区", "乌当区新添大道1号")
    station = draft.stored(7)
    assert station.id == 7 and station.name == draft.name and station.services == draft.services


def test_a_row_error_names_its_line():
    assert RowError(3, "原因").line == 3


# -- the shipped sample -------------------------------------------------------------------------


def test_shipped_sample_imports_without_errors(sample_csv):
    drafts, errors = read_stations_csv(sample_csv)
    assert errors == []
    assert len(drafts) >= 70
    provinces = Counter(d.province for d in drafts)
    assert len(provinces) >= 8
    assert provinces.most_common(1)[0][0] == "贵州省"
    kinds = Counter(d.kind for d in drafts)
    for kind in ("司机之家", "红色驿站", "维修点", "停车区", "高速服务区"):
        assert kinds[kind] >= 2, kind
    assert set(kinds) <= set(STATION_KINDS)
    assert all(set(d.services) <= set(SERVICE_TAGS) and d.services for d in drafts)
    assert all(d.lat is not None and d.lng is not None for d in drafts)
    # Two stations share a name in one city, at different addresses.
    same_name = Counter((d.name, d.city) for d in drafts)
    (name, city), count = same_name.most_common(1)[0]
    assert count == 2
    assert len({d.address for d in drafts if (d.name, d.city) == (name, city)}) == 2
    assert len({d.natural_key for d in drafts}) == len(drafts)


def test_every_sample_district_is_in_the_region_table(sample_csv):
    regions = load_regions()
    drafts, _ = read_stations_csv(sample_csv)
    for draft in drafts:
        assert draft.district in regions.districts(draft.province, draft.city), draft

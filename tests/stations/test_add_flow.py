"""The /驿站 添加 steps read what people type: a whole address at the region step, services separated by spaces,
the address once in the confirmation, a phone that is a phone."""

from __future__ import annotations

import pytest

from bot.core.conversation import Invalid
from bot.features.stations import flows, texts


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("贵州 贵阳 乌当", ("贵州省", "贵阳市", "乌当区", "")),
        ("贵阳 乌当", ("贵州省", "贵阳市", "乌当区", "")),
        ("贵阳市乌当区", ("贵州省", "贵阳市", "乌当区", "")),
        ("贵州省贵阳市乌当区新添大道1号", ("贵州省", "贵阳市", "乌当区", "贵州省贵阳市乌当区新添大道1号")),
        ("贵阳市乌当区 新添大道 1 号", ("贵州省", "贵阳市", "乌当区", "贵阳市乌当区 新添大道 1 号")),
    ],
)
def test_the_region_step_reads_short_names_and_whole_addresses(typed, expected):
    assert flows.parse_region(typed) == expected


@pytest.mark.parametrize("typed", ["火星", "贵州", "白云"])
def test_the_region_step_asks_again_for_no_place_a_province_alone_or_an_ambiguous_one(typed):
    with pytest.raises(Invalid, match="没有认出这个所在地"):
        flows.parse_region(typed)


def test_services_by_name_or_number_separated_any_way():
    assert flows.parse_service_answer("服务 停车 洗车") == ("停车", "洗车")
    assert flows.parse_service_answer("停车、洗车，淋浴") == ("停车", "洗车", "淋浴")
    assert flows.parse_service_answer("1 2 6") == ("停车", "休息", "淋浴")
    with pytest.raises(Invalid, match="游泳"):
        flows.parse_service_answer("停车 游泳")


def test_the_confirmation_shows_the_address_once():
    data = {
        "name": "新场红色驿站",
        "kind": "红色驿站",
        "region": flows.parse_region("贵州省贵阳市乌当区新场镇测试路1号"),
        "services": ("停车",),
    }
    summary = flows.confirm_text(data)
    assert summary == texts.CONFIRM.format(
        name="新场红色驿站", kind="红色驿站", where="贵州省贵阳市乌当区新场镇测试路1号", services="停车"
    )
    region = flows.parse_region("贵阳 乌当")
    data = {"name": "新场红色驿站", "kind": "红色驿站", "region": region, "address": "新场镇1号"}
    assert "贵州省贵阳市乌当区新场镇1号" in flows.confirm_text(data)
    assert texts.CONFIRM_UNSET in flows.confirm_text(data)


def test_phone_kind_and_spaces_steps():
    assert flows.parse_phone("0851-88886666") == "0851-88886666"
    with pytest.raises(Invalid, match="电话格式不对"):
        flows.parse_phone("请加QQ 123456")
    assert flows.parse_kind("2") == "红色驿站"
    with pytest.raises(Invalid):
        flows.parse_kind("²")
    assert flows.parse_spaces("30") == 30
    with pytest.raises(Invalid):
        flows.parse_spaces("３０个")

"""The group guard (`bot.core.privacy`): what a group may see of any text, and the plain words read loosely."""

from __future__ import annotations

import pytest

from bot.core import privacy
from bot.core.commands import loose_key, registry
from bot.core.conversation import is_confirmation
from bot.core.parts import File, Mention
from bot.features.appeals.followup import read_reply
from bot.features.appeals.rules import parse_category
from bot.features.study import commands as _study  # noqa: F401  (declares 打卡)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("我电话13912340000，车牌贵A99999", "我电话139****0000，车牌贵A***99"),
        ("电话 139 1234 0000 或 139-1234-0000", "电话 139****0000 或 139****0000"),
        ("车牌贵a·99999，新能源 粤B12345D", "车牌贵a***99，新能源 粤B****5D"),
        ("身份证 52010119900101123x", "身份证 5201**********123x"),
        ("我在 26.646923,106.737343 附近", "我在 [位置],[位置] 附近"),
        ("座机 0851-12345678", "座机 085****5678"),
        # what is no personal data stays: numbers, dates, times, amounts, distances, rates
        ("SQ20261202-0004 于 2026-12-02 07:30 办结，运费8000元，12.3公里，40.00%", None),
        ("12328 热线", None),
    ],
)
def test_what_a_group_sees_of_a_text(text, shown):
    assert privacy.mask(text) == (text if shown is None else shown)


def test_a_published_station_number_is_left_and_files_never_reach_a_group():
    assert privacy.mask("驿站电话 0851-77771234") == "驿站电话 085****1234"
    privacy.publish(["0851-7777 1234", None, ""])
    assert privacy.mask("驿站电话 0851-77771234") == "驿站电话 0851-77771234"
    assert privacy.scrub("驿站电话 0851-77771234") == "驿站电话 [电话]"  # the log keeps no number at all
    parts = privacy.for_group(["电话13912340000", Mention("1"), File("/tmp/x.xlsx", "台账.xlsx")])
    assert parts == ["电话139****0000", Mention("1"), privacy.NO_FILE_IN_GROUP]


@pytest.mark.parametrize(
    ("text", "meant"),
    [("打卡了", "打卡"), ("打 卡", "打卡"), ("我打卡了！", "打卡"), ("已打卡", "打卡"), ("今天已学习", "打卡")],
)
def test_check_in_words_with_small_variations(text, meant):
    found = registry.loose_for(text)
    assert found is not None and found.name == meant


@pytest.mark.parametrize("text", ["学习", "打卡了吗", "打卡打卡", "今天天气不错", "打卡" * 10])
def test_no_check_in_in_other_words(text):
    assert registry.loose_for(text) is None


def test_loose_key():
    assert loose_key("打 卡了～") == "打卡"


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("挺满意的", ("满意", "")),
        ("满意！", ("满意", "")),
        ("基本满意吧", ("基本满意", "")),
        ("还行", ("基本满意", "")),
        ("2", ("基本满意", "")),
        ("不满意，只退了60，还差20没退", ("不满意", "只退了60，还差20没退")),
        ("不太满意，态度不好", ("不满意", "态度不好")),
        ("没解决，钱还没退", ("不满意", "钱还没退")),
        ("不满意", ("不满意", "")),
        ("满意吗？", None),
        ("今天天气不行", None),
        ("好的", None),
    ],
)
def test_follow_up_answers_are_read_by_meaning(text, read):
    assert read_reply(text) == read


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("1", "运费拖欠"),
        ("运费", "运费拖欠"),
        ("救援", "维修救援"),
        ("维权", "权益保障"),
        ("其它", "其他"),
        ("不知道", None),
    ],
)
def test_categories_typed_as_words(text, category):
    assert parse_category(text) == category


@pytest.mark.parametrize("text", ["确认", "对的", "好的", "是的", "没问题", "OK", "确认了！", "可以"])
def test_a_plain_yes_confirms(text):
    assert is_confirmation(text)


@pytest.mark.parametrize("text", ["不对", "不行", "再想想", "不好"])
def test_no_is_no_yes(text):
    assert not is_confirmation(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("没有认出「贵、a12345」", "没有认出「贵a***45」"),
        ("没有认出「川a、d12345」", "没有认出「川a****45」"),
        ("车牌 川A-D12345", "车牌 川A****45"),
        ("车牌、贵、a12345、坏", "车牌、贵a***45、坏"),
        ("云、贵、川三省", None),
    ],
)
def test_a_plate_split_into_words_or_lowercased_is_masked(text, shown):
    assert privacy.mask(text) == (text if shown is None else shown)

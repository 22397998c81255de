"""What a lookup answers when the words are not enough: a named place over a shared location, an unknown word said
back, a broad word in the branch's region (or a question back), the next page, a shared location kept in memory."""

from __future__ import annotations

import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.features.stations import lookups, texts
from bot.features.stations.service import StationService

SUPERUSER = Actor("qq", "10000", "6001", "10001")
DRIVER = Actor("qq", "20001", "6001", "10001")
BEIJING = (39.734, 116.329)


@pytest.fixture
async def world(database):
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    service = StationService(database, roles, branches)
    await service.import_sample_if_empty()
    return service, branches


async def test_a_named_place_wins_over_a_shared_location(world):
    service, _ = world
    near = await lookups.location(service, DRIVER, None, *BEIJING, "")
    assert "大兴物流基地司机之家" in near
    follow_up = await lookups.question(service, DRIVER, None, "洗澡")
    assert follow_up is not None and "大兴物流基地司机之家" in follow_up
    named = await lookups.question(service, DRIVER, None, "乌当哪里能洗澡")
    assert named is not None and "乌当" in named and "大兴" not in named
    nearby = await lookups.lookup(service, DRIVER, None, "附近 停车")
    assert nearby.startswith(texts.NEAREST_HEAD.format(what="提供「停车」的"))


async def test_a_location_is_not_kept_beyond_memory_and_a_bad_one_is_refused(world):
    service, _ = world
    assert await lookups.location(service, DRIVER, None, 0, 0, "") == texts.ZERO_COORDINATES
    assert service.memory.location(DRIVER.session_key) is None
    assert await lookups.lookup(service, DRIVER, None, "附近") == texts.NEAR_ASK


async def test_an_unknown_word_is_said_back(world):
    service, _ = world
    assert await lookups.lookup(service, DRIVER, None, "火星基地 洗澡") == texts.UNKNOWN_PLACE.format(words="火星基地")
    assert await lookups.lookup(service, DRIVER, None, "火星基地") == texts.UNKNOWN_PLACE.format(words="火星基地")
    # With a place understood, the rest answers and the unknown word is named.
    answer = await lookups.lookup(service, DRIVER, None, "乌当 火星 洗澡")
    assert answer.startswith("找到 ") and answer.endswith(texts.IGNORED_NOTE.format(words="火星"))
    # A word that is part of a station's name is no unknown place.
    assert (await lookups.lookup(service, DRIVER, None, "新添寨")).startswith("找到 ")


async def test_a_broad_word_looks_in_the_branch_region_or_asks(world):
    service, branches = world
    total = (await service.search("停车")).total
    assert await lookups.lookup(service, DRIVER, None, "停车") == texts.BROAD_ASK.format(what="停车", count=total)
    wudang = await branches.open(SUPERUSER, "乌当区货运支部")
    answer = await lookups.lookup(service, DRIVER, wudang, "停车")
    assert answer.startswith("找到 ") and "乌当" in answer
    assert answer.endswith(texts.BROAD_IN_REGION.format(region="贵州省贵阳市乌当区", example="遵义 停车"))
    drivers_homes = await lookups.lookup(service, DRIVER, wudang, "司机之家")
    assert drivers_homes.startswith("找到 ") or drivers_homes.startswith(texts.BROAD_ASK.split("「")[0])
    # In private chat, the asker's one branch stands for the group's.
    await service.roles.set_secretary(SUPERUSER, wudang, "qq:20001", "李书记")
    in_private = await lookups.lookup(service, Actor("qq", "20001", None, "10001"), None, "停车")
    assert in_private.startswith("找到 ") and "乌当" in in_private
    # A branch whose name names no place and that has no stations: asked back.
    unnamed = await branches.open(Actor("qq", "10000", "6002", "10001"), "二支部")
    assert await lookups.lookup(service, DRIVER, unnamed, "停车") == texts.BROAD_ASK.format(what="停车", count=total)


async def test_more_pages_through_the_last_lookup(world):
    service, _ = world
    assert await lookups.more(service, DRIVER, None) == texts.ASK_FIRST
    first = await lookups.lookup(service, DRIVER, None, "贵州")
    assert first.endswith(texts.MORE_HINT)
    second = await lookups.more(service, DRIVER, None)
    assert "（第 2/" in second


async def test_what_was_understood_never_repeats_a_number_or_plate(world):
    """Nothing found: 「我理解的是」 lists plain words only (it repeated a12345 and 13912340000)."""
    service, _ = world
    for query, got in (
        ("拉萨 维修 a12345", "西藏自治区拉萨市、维修"),
        ("新疆 洗澡 13912340000", "新疆维吾尔自治区、淋浴"),
    ):
        answer = await lookups.lookup(service, DRIVER, None, query)
        assert answer == texts.NO_MATCH + texts.UNDERSTOOD.format(got=got) + "\n" + texts.TRY_OTHER

"""Station lookups through NoneBot: commands with their exact contract replies, a location segment, a QQ map card,
what stays silent, a named place over a shared location, the add conversation, delete confirmation and review."""

from __future__ import annotations

import json

import pytest
from nonebot.adapters.onebot import v11
from nonebug import App

from bot.core.actor import Actor
from bot.core.models import Branch
from bot.core.ratelimit import RateLimiter
from bot.features.addressed import HELP_POINTER
from bot.features.stations import texts
from bot.features.stations.station import Station
from bot.services import Services
from tests.support.events import SELF_ID, say, v11_group, v11_private

GROUP = "7701"
BRANCH_GROUP = "7702"
OTHER_GROUP = "7703"
SUPERUSER = "10000"
SECRETARY = "36001"
OTHER_SECRETARY = "36002"
BEIJING = (39.734, 116.329)  # next to the sample's 大兴物流基地司机之家


@pytest.fixture(autouse=True)
def generous_limits(own_services: Services) -> None:
    """These tests send many commands a second from one person; the rate limit has tests of its own."""
    own_services.user_limits = RateLimiter(1000, 1000)
    own_services.group_limits = RateLimiter(1000, 1000)


def at(user: str, text: str) -> str:
    """A group reply @-mentioning the asker."""
    return f"@{user} {text}"


def location(lat: float, lng: float) -> v11.Message:
    return v11.Message(v11.MessageSegment.location(lat, lng))


async def _branches(services: Services) -> tuple[Branch, Branch]:
    """乌当区货运支部 (group 7702, secretary 36001) and 二支部 (group 7703, secretary 36002)."""
    first = await services.branches.open(Actor("qq", SUPERUSER, BRANCH_GROUP, SELF_ID), "乌当区货运支部")
    second = await services.branches.open(Actor("qq", SUPERUSER, OTHER_GROUP, SELF_ID), "二支部")
    superuser = Actor("qq", SUPERUSER, BRANCH_GROUP, SELF_ID)
    await services.roles.set_secretary(superuser, first, f"qq:{SECRETARY}", "李书记")
    await services.roles.set_secretary(superuser, second, f"qq:{OTHER_SECRETARY}", "王书记")
    return first, second


async def test_keyword_lookup_usage_and_more(app: App):
    reply = await say(app, v11_group("/驿站 乌当 洗澡", user_id="35001", group_id=GROUP))
    assert reply.startswith("@35001 找到 ") and "淋浴" in reply
    assert await say(app, v11_group("/驿站", user_id="35001", group_id=GROUP)) == at("35001", texts.USAGE)
    assert await say(app, v11_group("/驿站 更多", user_id="35009", group_id=GROUP)) == at("35009", texts.ASK_FIRST)
    assert "找到" in await say(app, v11_group("/维修 贵阳", user_id="35001", group_id=GROUP))
    assert "找到" in await say(app, v11_group("/停车 贵州", user_id="35001", group_id=GROUP))
    assert "（第 2/" in await say(app, v11_group("/停车 更多", user_id="35001", group_id=GROUP))
    assert "找到" in await say(app, v11_group("／驿站 贵阳 停车", user_id="35001", group_id=GROUP))


async def test_location_segment_and_map_card(app: App):
    assert "离您最近" in await say(app, v11_group(location(26.58, 106.72), user_id="35002", group_id=GROUP))
    card = {"app": "com.tencent.map", "meta": {"Location.Search": {"lat": "26.58", "lng": "106.72"}}}
    message = v11.Message(v11.MessageSegment.json(json.dumps(card)))
    assert "离您最近" in await say(app, v11_group(message, user_id="35003", group_id=GROUP))
    link = v11.Message(v11.MessageSegment.json(json.dumps({"app": "com.tencent.miniapp", "meta": {}})))
    assert await say(app, v11_group(link, user_id="35003", group_id=GROUP), expect_reply=False) is None


async def test_questions_need_the_bot_addressed(app: App):
    assert await say(app, v11_group("贵阳哪里能洗澡", user_id="35004", group_id=GROUP), expect_reply=False) is None
    answer = await say(app, v11_group("贵阳哪里能洗澡", user_id="35004", group_id=GROUP, to_me=True))
    assert "找到" in answer
    chatter = v11_group("今天天气不错", user_id="35004", group_id=GROUP, to_me=True)
    assert await say(app, chatter) == "@35004 " + HELP_POINTER  # every @ of the bot is answered (issue 22)


async def test_a_named_place_wins_over_a_shared_location(app: App):
    near_beijing = await say(app, v11_group(location(*BEIJING), user_id="35005", group_id=GROUP))
    assert "大兴物流基地司机之家" in near_beijing
    # A bare service word after the location filters the nearest …
    showers = await say(app, v11_group("洗澡", user_id="35005", group_id=GROUP, to_me=True))
    assert "大兴物流基地司机之家" in showers
    # … but a place the person names wins.
    wudang = await say(app, v11_group("乌当哪里能洗澡", user_id="35005", group_id=GROUP, to_me=True))
    assert "乌当" in wudang and "大兴" not in wudang and "北京" not in wudang


async def test_an_unknown_place_is_said_back_not_dropped(app: App):
    reply = await say(app, v11_group("/驿站 火星基地 洗澡", user_id="35006", group_id=GROUP))
    assert reply == at("35006", texts.UNKNOWN_PLACE.format(words="火星基地"))
    asked = await say(app, v11_group("火星基地哪里能洗澡", user_id="35006", group_id=GROUP, to_me=True))
    assert asked == at("35006", texts.UNKNOWN_PLACE.format(words="火星基地哪里能洗澡"))


async def test_a_broad_word_prefers_the_branch_region_then_asks(app: App, own_services: Services):
    await _branches(own_services)
    total = (await own_services.stations.search("停车")).total
    assert total > 5
    # No branch here: ask for a place or a location instead of listing the country.
    asked = await say(app, v11_group("/驿站 停车", user_id="35007", group_id=GROUP))
    assert asked == at("35007", texts.BROAD_ASK.format(what="停车", count=total))
    # A branch named after its district: that district first.
    regional = await say(app, v11_group("/停车", user_id="35007", group_id=BRANCH_GROUP))
    assert regional.startswith("@35007 找到 ") and "乌当" in regional and "西安" not in regional
    assert regional.endswith(texts.BROAD_IN_REGION.format(region="贵州省贵阳市乌当区", example="遵义 停车"))


async def test_adding_a_station_reads_a_whole_address_and_shows_it_once(app: App, own_services: Services):
    await _branches(own_services)
    secretary = SECRETARY

    def send(text: str | v11.Message) -> v11.GroupMessageEvent:
        return v11_group(text, user_id=secretary, group_id=BRANCH_GROUP)

    assert texts.ASK_NAME in await say(app, send("/驿站 添加"))
    await say(app, send("新场红色驿站"))
    assert texts.ASK_REGION in await say(app, send("2"))
    # The whole address at the 省/市/区县 step: understood, and the address step is skipped.
    assert texts.ASK_POINT in await say(app, send("贵州省贵阳市乌当区新场镇测试路1号"))
    # A shared location is never an answer: it is answered as a lookup and the step still waits.
    shared = await say(app, send(location(26.70, 106.80)))
    assert "离您最近" in shared
    assert texts.ASK_SERVICES.split("\n")[0] in await say(app, send("26.70,106.80"))
    assert texts.ASK_SPACES in await say(app, send("服务 停车 洗车"))
    await say(app, send("30"))
    await say(app, send("24小时"))
    assert texts.BAD_PHONE in await say(app, send("请加QQ 123456"))
    confirm = await say(app, send("0851-88886666"))
    assert confirm.count("新场镇测试路1号") == 1 and "服务：停车、洗车" in confirm
    added = await say(app, send("确认"))
    assert texts.ADDED_PENDING.split("：")[0] in added and "［本支部，待审核］" in added
    number = added.split("【", 1)[1].split("】", 1)[0]
    # Its branch finds it; another branch's group does not, nor does a group without a branch.
    assert "新场红色驿站" in await say(app, v11_group("/驿站 新场", user_id="35008", group_id=BRANCH_GROUP))
    assert "新场红色驿站" not in await say(app, v11_group("/驿站 新场", user_id="35008", group_id=OTHER_GROUP))
    assert "新场红色驿站" not in await say(app, v11_group(location(26.70, 106.80), user_id="35008", group_id=GROUP))
    # The superuser reviews it (in private chat) and approves it; then everyone finds it.
    listing = await say(app, v11_private("/驿站 审核", user_id=SUPERUSER))
    assert listing.startswith(texts.REVIEW_HEAD.format(count=1)) and "乌当区货运支部" in listing
    approved = await say(app, v11_private(f"/驿站 审核 通过 {number}", user_id=SUPERUSER))
    assert approved == texts.APPROVED.format(id=number, name="新场红色驿站")
    assert "新场红色驿站" in await say(app, v11_group("/驿站 新场", user_id="35008", group_id=OTHER_GROUP))


async def test_deleting_asks_for_confirmation_and_review_is_for_superusers(app: App, own_services: Services):
    first, _ = await _branches(own_services)
    secretary = Actor("qq", SECRETARY, BRANCH_GROUP, SELF_ID)
    station = await own_services.stations.add(
        secretary,
        first.id,
        Station(
            name="待删驿站", kind="红色驿站", province="贵州省", city="贵阳市", district="乌当区", address="一号路"
        ),
    )
    number = station.id

    def send(text: str, user: str = SECRETARY, group: str = BRANCH_GROUP) -> v11.GroupMessageEvent:
        return v11_group(text, user_id=user, group_id=group)

    assert await say(app, send(f"/驿站 删除 {number}")) == texts.DELETE_ASK.format(id=number, name="待删驿站")
    assert "待删驿站" in await say(app, send("/驿站 待删"))  # still there
    refused = await say(app, send(f"/驿站 删除 {number} 确认", user=OTHER_SECRETARY, group=OTHER_GROUP))
    assert refused == texts.MAY_NOT_CHANGE
    assert await say(app, send(f"/驿站 删除 {number} 确认")) == texts.WITHDRAWN.format(id=number, name="待删驿站")
    assert "待删驿站" not in await say(app, send("/驿站 待删"))
    assert await say(app, send("/驿站 审核")) == "这条命令只有行业党委可以使用。"
    assert await say(app, v11_private("/驿站 审核", user_id=SUPERUSER)) == texts.REVIEW_EMPTY
    assert await say(app, v11_private("/驿站 审核 驳回 1", user_id=SUPERUSER)) == texts.REJECT_NEEDS_REASON


async def test_location_shares_and_questions_share_the_command_rate_limit(app: App, own_services: Services):
    own_services.user_limits = RateLimiter(0.001, 2)
    assert "离您最近" in await say(app, v11_group(location(26.58, 106.72), user_id="35010", group_id=GROUP))
    assert "找到" in await say(app, v11_group("贵阳哪里能洗澡", user_id="35010", group_id=GROUP, to_me=True))
    told = await say(app, v11_group(location(26.58, 106.72), user_id="35010", group_id=GROUP))
    assert told == at("35010", texts.TOO_FAST)
    quiet = v11_group(location(26.58, 106.72), user_id="35010", group_id=GROUP)
    assert await say(app, quiet, expect_reply=False) is None
    # Someone else is answered as usual.
    assert "离您最近" in await say(app, v11_group(location(26.58, 106.72), user_id="35011", group_id=GROUP))


async def test_a_lookup_never_says_back_a_plate_a_phone_or_coordinates(app: App):
    """Unrecognised words are said back only when they are plain Chinese words: nothing typed with digits or Latin
    letters (贵A12345, 川A-D12345, 26.58,106.72) is repeated in the group, masked or not."""
    parked = await say(app, v11_group("/停车 贵A12345 乌当", user_id="35011", group_id=GROUP))
    assert parked.startswith("@35011 找到 ") and parked.endswith("\n" + texts.IGNORED_UNSAID)
    station = await say(app, v11_group("/驿站 川A-D12345 乌当", user_id="35011", group_id=GROUP))
    assert station.startswith("@35011 找到 ") and station.endswith("\n" + texts.IGNORED_UNSAID)
    question = v11_group("我的车牌贵A12345坏在乌当了，附近哪里能修车", user_id="35011", group_id=GROUP, to_me=True)
    repair = await say(app, question)
    assert repair.startswith("@35011 找到 ") and repair.endswith("\n" + texts.IGNORED_UNSAID)
    typed = await say(app, v11_group("/驿站 26.581234,106.723456", user_id="35011", group_id=GROUP))
    assert typed == at("35011", texts.UNKNOWN_PLACE_UNSAID)
    for reply in (parked, station, repair, typed):
        assert not any(secret in reply.lower() for secret in ("a12345", "d12345", "贵a", "川a", "581234", "723456"))
    # A plain Chinese word is still said back.
    mars = await say(app, v11_group("/驿站 乌当 火星 洗澡", user_id="35011", group_id=GROUP))
    assert mars.endswith("\n" + texts.IGNORED_NOTE.format(words="火星"))

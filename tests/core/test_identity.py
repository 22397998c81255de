"""One person, two ids (the official QQ bot): a code from private chat, claimed in the group, confirmed by its owner."""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.bindcodes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_CANDIDATES,
    MAX_MISSES,
    Claimed,
    Confirmed,
    codes_in,
    normal_code,
)
from bot.core.identity import IdentityLinks
from bot.core.models import BindCode, BindMiss, IdentityLink, Member
from bot.core.settings import Settings
from bot.features.ops.retention import RetentionRules
from bot.features.web.models import WebSession
from bot.platform.qqbot import QQBOT
from bot.services import build_services

PRIVATE = Actor(QQBOT, "user-openid-1", None, "app-1")
START = datetime(2026, 12, 1, 9, 0, tzinfo=clock.tz())


@pytest.fixture
def links(database):
    clock.set_now(START)
    yield IdentityLinks(database)
    clock.set_now(None)


async def bind(links: IdentityLinks, private_id: str, member_id: str, group_id: str, name: str = "张三"):
    """The whole way: a code in private chat, sent in the group, shown to its owner, confirmed."""
    code = await links.issue(QQBOT, private_id)
    assert await links.claim(QQBOT, code, member_id, group_id, name) is Claimed.CLAIMED
    assert await links.pending(QQBOT, private_id, asking=True) is not None
    return await links.confirm(QQBOT, private_id)


async def test_a_claim_binds_only_once_its_owner_was_shown_it_and_confirmed(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) and codes_in(code) == [code]
    assert await links.claim(QQBOT, code, "member-openid-1", "group-openid-1", "张三") is Claimed.CLAIMED
    assert (await links.resolve(PRIVATE)).person is None  # a claim alone binds nothing
    blind = await links.confirm(QQBOT, PRIVATE.user_id)
    assert blind == (Confirmed.NOTHING_PENDING, None)  # confirming what one was never shown binds nothing
    pending = await links.pending(QQBOT, PRIVATE.user_id, asking=True)
    assert pending is not None and (pending.member_id, pending.group_id, pending.name) == (
        "member-openid-1",
        "group-openid-1",
        "张三",
    )
    assert not pending.shown and not pending.contested and not pending.expired
    confirmed, link = await links.confirm(QQBOT, PRIVATE.user_id)
    assert confirmed is Confirmed.LINKED and link is not None and link.member_id == "member-openid-1"
    resolved = await links.resolve(PRIVATE)
    assert resolved.key == "qqbot:member-openid-1" and resolved.session_key == PRIVATE.session_key
    assert await links.private_chat_for(QQBOT, "member-openid-1") == PRIVATE.user_id
    in_group = Actor(QQBOT, "member-openid-1", "group-openid-1", "app-1")
    assert await links.resolve(in_group) is in_group  # a group message is always its member
    assert await links.pending(QQBOT, PRIVATE.user_id) is None  # the code is used up
    assert (await links.confirm(QQBOT, PRIVATE.user_id))[0] is Confirmed.NOTHING_PENDING


async def test_a_code_sent_by_a_second_member_binds_nobody(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert await links.claim(QQBOT, code, "copier", "group-openid-1", "李四") is Claimed.CLAIMED
    assert await links.claim(QQBOT, code, "owner-in-group", "group-openid-1") is Claimed.CONTESTED
    assert await links.claim(QQBOT, code, "copier", "group-openid-1") is Claimed.CONTESTED
    pending = await links.pending(QQBOT, PRIVATE.user_id, asking=True)
    assert pending is not None and pending.contested
    assert (await links.confirm(QQBOT, PRIVATE.user_id))[0] is Confirmed.NOTHING_PENDING
    assert await links.cancel(QQBOT, PRIVATE.user_id)
    assert await links.pending(QQBOT, PRIVATE.user_id) is None
    assert await links.claim(QQBOT, code, "copier", "group-openid-1") is Claimed.BAD  # cancelled: gone


async def test_one_member_claiming_a_second_code_voids_it(links):
    mine = await links.issue(QQBOT, "user-openid-1")
    theirs = await links.issue(QQBOT, "user-openid-2")
    assert await links.claim(QQBOT, mine, "collector", "group-openid-1") is Claimed.CLAIMED
    assert await links.claim(QQBOT, theirs, "collector", "group-openid-1") is Claimed.WAITING_ON_ANOTHER
    assert await links.claim(QQBOT, theirs, "its-owner", "group-openid-1") is Claimed.CONTESTED
    await links.pending(QQBOT, "user-openid-2", asking=True)
    assert (await links.confirm(QQBOT, "user-openid-2"))[0] is Confirmed.NOTHING_PENDING


async def test_a_code_lives_its_minutes_from_the_claim_and_asking_again_replaces_it(links):
    late = await links.issue(QQBOT, "user-openid-2")
    clock.set_now(START + timedelta(minutes=11))
    assert await links.claim(QQBOT, late, "member-openid-2", "group-openid-1") is Claimed.BAD
    old = await links.issue(QQBOT, "user-openid-3")  # at minute 11
    clock.set_now(START + timedelta(minutes=13))
    new = await links.issue(QQBOT, "user-openid-3")  # asked again two minutes on: the earlier code stops working
    assert new != old and await links.claim(QQBOT, old, "member-openid-3", "group-openid-1") is Claimed.BAD
    clock.set_now(START + timedelta(minutes=22))  # claimed at its ninth minute: the owner still gets ten
    assert await links.claim(QQBOT, new, "member-openid-3", "group-openid-1") is Claimed.CLAIMED
    clock.set_now(START + timedelta(minutes=31))
    assert await links.pending(QQBOT, "user-openid-3", asking=True) is not None
    assert (await links.confirm(QQBOT, "user-openid-3"))[0] is Confirmed.LINKED
    slow = await links.issue(QQBOT, "user-openid-4")
    assert await links.claim(QQBOT, slow, "member-openid-4", "group-openid-1") is Claimed.CLAIMED
    clock.set_now(START + timedelta(minutes=42))
    pending = await links.pending(QQBOT, "user-openid-4", asking=True)
    assert pending is not None and pending.expired  # said as such, not as "nobody sent it"
    assert (await links.confirm(QQBOT, "user-openid-4"))[0] is Confirmed.NOTHING_PENDING


def test_codes_are_read_as_typed_and_found_anywhere_in_a_group_message():
    assert (
        normal_code(" k7qm-3xpa ") == normal_code("ｋ７ｑｍ３ｘｐａ") == normal_code("K7QM - 3XPA 谢谢") == "K7QM3XPA"
    )
    assert normal_code("K7QM3XP") is None and normal_code("K7QM3XP0") is None  # short; 0 is not in the alphabet
    assert normal_code("K7QM3XPAB") is None and normal_code("A2A2A2A2 B3B3B3B3") is None  # not one code
    assert normal_code("K7QM3XPA ok") == "K7QM3XPA"
    typed = (
        "/绑定 K7QM3XPA",
        "绑定K7QM 3XPA",
        "k7qm3xpa",
        "/绑定 K7QM3XPA 谢谢",
        "/绑定：K7QM-3XPA",
        "我的码K7QM3XPA",
        "Ｋ７ＱＭ３ＸＰＡ",  # full width, as an input method in full-width mode types it
        "K7QM  3XPA",
        "K7QM—3XPA",
        "K7QM.3XPA",
        "K7QM\n3XPA",
    )
    for text in typed:
        assert codes_in(text) == ["K7QM3XPA"], text
    # chatter that only looks like one never reaches the database: a code has a letter and a digit
    for text in ("/绑定", "大家好，今天跑哪条线", "66666666", "hahahaha", "2333 3333", "thursday", "G75 高速"):
        assert codes_in(text) == [], text
    # among others, or after a long run of padding: still found
    assert codes_in("通知A2A2A2A2，下一个B3B3B3B3和C4C4C4C4还有D5D5D5D5大家发") == [
        *("A2A2A2A2", "B3B3B3B3", "C4C4C4C4", "D5D5D5D5")
    ]
    assert "2A2A2A2B" in codes_in("A2A2A2A2，B3B3B3B3")  # a comma is a mark: a code may be typed across one
    assert codes_in("x" * 300_000 + " K7QM3XPA")[-1] == "K7QM3XPA"


def test_a_scan_looks_at_a_bounded_number_of_candidates_in_bounded_memory():
    decoys = " ".join(f"Z{n}Z{n}Z{n}Z{n}" for n in range(2, 10)) * 3  # code-shaped runs, one after another
    assert len(codes_in(decoys + " K7QM3XPA")) == MAX_CANDIDATES  # the first sixteen, then it stops
    assert "K7QM3XPA" not in codes_in(decoys + " K7QM3XPA")
    tracemalloc.start()
    try:
        for text in ("x" * 200_000 + "K7QM3XPA", "A2" * 100_000, "9" * 200_000, "码 K7QM3XPA " * 20_000):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            codes_in(text)
            assert tracemalloc.get_traced_memory()[1] - before < 16_384, text[:12]  # the window, not the message
    finally:
        tracemalloc.stop()


GUESSER = Actor(QQBOT, "guesser", "group-openid-1", "app-1")


async def test_guessing_is_stopped_after_five_misses_across_processes_and_a_success_does_not_reset_it(links, database):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    for n in range(MAX_MISSES - 1):  # what the group scan sees of `/绑定 <wrong code>`
        await links.spend_shown(GUESSER, [f"ZZZZ222{n + 2}"])
        assert await links.claim(QQBOT, f"ZZZZ222{n + 2}", "guesser", "group-openid-1") is Claimed.BAD
    assert await links.claim(QQBOT, code, "guesser", "group-openid-1") is Claimed.CLAIMED  # a hit resets nothing
    assert await links.cancel(QQBOT, PRIVATE.user_id)
    await links.spend_shown(GUESSER, ["ZZZZ2229"])  # the fifth miss
    restarted = IdentityLinks(database)  # another process, or after a restart: the misses are in the database
    fresh = await restarted.issue(QQBOT, "user-openid-2")
    assert await restarted.claim(QQBOT, fresh, "guesser", "group-openid-1") is Claimed.TOO_MANY
    # the code the locked-out member showed in the group is void: nobody else can claim it
    assert await restarted.claim(QQBOT, fresh, "honest-member", "group-openid-1") is Claimed.CONTESTED
    assert await restarted.issue(QQBOT, "user-openid-2") != fresh  # asked again at once: not the void one
    other = await links.issue(QQBOT, "user-openid-3")
    assert await links.claim(QQBOT, other, "honest-member", "group-openid-1") is Claimed.CLAIMED  # others not slowed
    clock.set_now(START + timedelta(minutes=11))
    again = await links.issue(QQBOT, "user-openid-4")
    assert await links.claim(QQBOT, again, "guesser", "group-openid-1") is Claimed.CLAIMED  # the window passed


async def test_a_code_seen_in_the_group_is_claimed_and_chatter_guessing_counts_as_misses(links, database):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    shown_by = Actor(QQBOT, "member-openid-1", "group-openid-1", "app-1", nickname="张三")
    await links.spend_shown(shown_by, codes_in(f"我的绑定码 {code} 谢谢"))
    assert await links.claim(QQBOT, code, "copier", "group-openid-1") is Claimed.CONTESTED
    pending = await links.pending(QQBOT, PRIVATE.user_id)
    assert pending is not None and (pending.member_id, pending.name) == ("member-openid-1", "张三")
    assert pending.contested  # the copier came second

    async def misses(member: str) -> int:
        async with database.reading() as session:
            count = select(func.count()).select_from(BindMiss).where(BindMiss.member_id == member)
            return int(await session.scalar(count) or 0)

    guesses = " ".join(f"Z{n}Z{n}Z{n}Z{n}" for n in range(2, 10)) * 3  # many code-shaped runs in one message
    await links.spend_shown(GUESSER, codes_in(guesses))
    assert await misses("guesser") == MAX_CANDIDATES  # each run looked at is a guess; no more than that a message
    await links.spend_shown(GUESSER, codes_in(guesses))
    assert await misses("guesser") == MAX_CANDIDATES  # locked out already: nothing more is written
    live = await links.issue(QQBOT, "user-openid-2")
    await links.spend_shown(GUESSER, [live])  # a right guess now spends the code for nobody
    assert await links.claim(QQBOT, live, "guesser", "group-openid-1") is Claimed.TOO_MANY
    # an ordinary message with an order number costs its sender binding for ten minutes, not for good
    driver = Actor(QQBOT, "driver-openid", "group-openid-1", "app-1")
    await links.spend_shown(driver, codes_in("运单号 SF23456789 和 YT34567892 请查收"))
    assert await misses("driver-openid") == 4
    await links.spend_shown(driver, codes_in("再发一次 YT34567892"))
    mine = await links.issue(QQBOT, "user-openid-3")
    assert await links.claim(QQBOT, mine, "driver-openid", "group-openid-1") is Claimed.TOO_MANY
    clock.set_now(START + timedelta(minutes=11))
    mine = await links.issue(QQBOT, "user-openid-3")
    assert await links.claim(QQBOT, mine, "driver-openid", "group-openid-1") is Claimed.CLAIMED


async def test_an_existing_link_is_never_replaced_by_another_private_chat(links):
    assert (await bind(links, PRIVATE.user_id, "member-openid-1", "group-openid-1"))[0] is Confirmed.LINKED
    stranger = await links.issue(QQBOT, "stranger-openid")
    assert await links.claim(QQBOT, stranger, "member-openid-1", "group-openid-1") is Claimed.LINKED_ELSEWHERE
    pending = await links.pending(QQBOT, "stranger-openid", asking=True)
    assert pending is not None and pending.contested  # spent for good, even once the member unbinds
    assert (await links.confirm(QQBOT, "stranger-openid"))[0] is Confirmed.NOTHING_PENDING
    assert await links.private_chat_for(QQBOT, "member-openid-1") == PRIVATE.user_id
    assert await links.unlink_member(QQBOT, "member-openid-1") is not None  # /解绑 in the group, then bind anew
    assert await links.private_chat_for(QQBOT, "member-openid-1") is None
    assert (await links.resolve(PRIVATE)).person is None
    assert (await bind(links, "stranger-openid", "member-openid-1", "group-openid-1"))[0] is Confirmed.LINKED


async def test_one_person_in_two_groups_acts_for_the_group_bound_or_chosen_last(links, database):
    await bind(links, PRIVATE.user_id, "member-in-a", "group-a")
    clock.set_now(START + timedelta(minutes=1))
    await bind(links, PRIVATE.user_id, "member-in-b", "group-b")
    assert (await links.resolve(PRIVATE)).key == "qqbot:member-in-b"
    assert await links.private_chat_for(QQBOT, "member-in-a") == PRIVATE.user_id  # both records reach the person
    other = IdentityLinks(database)  # another process reads the same links
    assert (await other.resolve(PRIVATE)).key == "qqbot:member-in-b"
    clock.set_now(START + timedelta(minutes=2))
    assert await links.make_current(QQBOT, "member-in-a")  # /登记 in group A
    assert (await links.resolve(PRIVATE)).key == "qqbot:member-in-a"
    removed = await links.unlink_private(QQBOT, PRIVATE.user_id)  # /解绑 in private chat: both go
    assert {link.group_id for link in removed} == {"group-a", "group-b"}
    assert await links.resolve(PRIVATE) == PRIVATE and await links.private_chat_for(QQBOT, "member-in-b") is None


async def test_another_processs_change_counts_at_once_for_what_acts_on_a_private_chat(links, database):
    elsewhere = IdentityLinks(database)
    assert await links.resolve(PRIVATE) == PRIVATE
    await bind(elsewhere, PRIVATE.user_id, "member-openid-1", "group-openid-1")
    assert (await links.resolve(PRIVATE)).key == "qqbot:member-openid-1"  # one path: no copy to be behind
    assert await links.private_chat_for(QQBOT, "member-openid-1") == PRIVATE.user_id
    await elsewhere.unlink_private(QQBOT, PRIVATE.user_id)  # /解绑 there
    assert (await links.resolve(PRIVATE)).person is None
    assert await links.private_chat_for(QQBOT, "member-openid-1") is None


async def test_a_claim_survives_a_restart_between_the_group_and_the_confirmation(links, database):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert await links.claim(QQBOT, code, "member-openid-1", "group-openid-1") is Claimed.CLAIMED
    restarted = IdentityLinks(database)  # the bot restarted before the owner came back to private chat
    assert await restarted.pending(QQBOT, PRIVATE.user_id, asking=True) is not None
    assert (await restarted.confirm(QQBOT, PRIVATE.user_id))[0] is Confirmed.LINKED
    assert (await IdentityLinks(database).resolve(PRIVATE)).key == "qqbot:member-openid-1"


async def test_members_sending_the_same_code_at_once_claim_it_once(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    results = await asyncio.gather(*(links.claim(QQBOT, code, f"member-{i}", "group-openid-1") for i in range(4)))
    assert sorted(r.value for r in results) == ["claimed", "contested", "contested", "contested"]


async def test_a_double_tapped_code_request_gives_the_same_live_code(links, database):
    codes = await asyncio.gather(*(links.issue(QQBOT, PRIVATE.user_id) for _ in range(4)))
    async with database.reading() as session:
        live = (await session.scalars(select(BindCode.code).where(BindCode.private_id == PRIVATE.user_id))).all()
    assert len(set(codes)) == 1 and live == [codes[0]]  # every reply shows the one code that works
    clock.set_now(START + timedelta(minutes=2))
    assert await links.issue(QQBOT, PRIVATE.user_id) != codes[0]  # asked again later: a fresh one


async def test_one_member_claiming_two_codes_at_once_holds_one_claim(links):
    first, second = await links.issue(QQBOT, "user-openid-1"), await links.issue(QQBOT, "user-openid-2")
    results = await asyncio.gather(
        links.claim(QQBOT, first, "collector", "group-openid-1"),
        links.claim(QQBOT, second, "collector", "group-openid-1"),
    )
    assert sorted(r.value for r in results) == ["claimed", "waiting_on_another"]


async def test_retention_forgets_the_link_with_the_member_record(database, tmp_path):
    clock.set_now(START)
    try:
        services = build_services(Settings(data_dir=tmp_path), database=database)
        services.broadcasts.retention.rules = RetentionRules(member_days=180, outbox_days=7, export_hours=24)
        owner = Actor(QQBOT, "owner-openid", "group-openid-1", "app-1", group_role="owner")
        branch = await services.branches.open(owner, "官方一支部")
        member = Actor(QQBOT, "member-openid-1", "group-openid-1", "app-1")
        await services.members.register(member, branch, {"name": "张三", "phone": "13812345678"})
        await bind(services.identities, "user-openid-1", "member-openid-1", "group-openid-1")
        await services.identities.issue(QQBOT, "user-openid-9")  # never used
        await services.identities.spend_shown(GUESSER, ["ZZZZ2222"])  # a miss, kept a while
        await services.members.mark_left(QQBOT, "group-openid-1", "member-openid-1")
        clock.set_now(START + timedelta(days=181))
        cookie = await services.web_sessions.start("qqbot:member-openid-1", "qqbot:user-openid-1", "n" * 32)
        await services.broadcasts.retention.purge()
        assert await services.web_sessions.read(cookie) is None
        async with database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(WebSession)) == 0  # who signed in, forgotten
            assert await session.scalar(select(func.count()).select_from(IdentityLink)) == 0
            assert await session.scalar(select(func.count()).select_from(BindCode)) == 0
            assert await session.scalar(select(func.count()).select_from(BindMiss)) == 0
            erased = await session.scalar(select(Member))
            assert erased is not None and erased.phone is None
    finally:
        clock.set_now(None)


async def test_bindings_go_when_the_member_leaves_or_the_bot_leaves_the_group(database, tmp_path):
    clock.set_now(START)
    try:
        services = build_services(Settings(data_dir=tmp_path), database=database)
        owner = Actor(QQBOT, "owner-openid", "group-openid-1", "app-1", group_role="owner")
        await services.branches.open(owner, "官方一支部")
        await bind(services.identities, "user-openid-1", "member-openid-1", "group-openid-1")
        await bind(services.identities, "user-openid-2", "member-openid-2", "group-openid-1")
        await bind(services.identities, "user-openid-2", "member-openid-2b", "group-openid-2")
        assert await services.identities.unlink_member(QQBOT, "member-openid-1") is not None  # left the group
        assert await services.identities.private_chat_for(QQBOT, "member-openid-1") is None
        assert await services.broadcasts.retention.group_lost(QQBOT, "group-openid-1") == "官方一支部"
        async with database.reading() as session:
            left = (await session.scalars(select(IdentityLink.member_id))).all()
        assert left == ["member-openid-2b"]  # the same person's binding in another group stays
    finally:
        clock.set_now(None)

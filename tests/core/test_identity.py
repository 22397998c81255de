"""One person, two ids (the official QQ bot): a code from private chat, used up in the group, joins them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core import clock
from bot.core.actor import QQBOT, Actor
from bot.core.identity import CODE_DIGITS, IdentityLinks, TooManyTries
from bot.core.models import BindCode, IdentityLink, Member
from bot.core.settings import Settings
from bot.features.ops.retention import RetentionRules
from bot.services import build_services

PRIVATE = Actor(QQBOT, "user-openid-1", None, "app-1")
START = datetime(2026, 12, 1, 9, 0, tzinfo=clock.tz())


@pytest.fixture
def links(database):
    clock.set_now(START)
    yield IdentityLinks(database)
    clock.set_now(None)


async def test_a_code_joins_a_private_chat_to_the_member_who_sends_it_in_the_group(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert len(code) == CODE_DIGITS and code.isdigit()
    assert links.resolve(PRIVATE) == PRIVATE  # nobody's yet
    link = await links.bind(QQBOT, code, "member-openid-1", "group-openid-1")
    assert link is not None and link.private_id == PRIVATE.user_id
    await links.fresh()
    resolved = links.resolve(PRIVATE)
    assert resolved.key == "qqbot:member-openid-1" and resolved.session_key == PRIVATE.session_key
    assert links.private_chat_of(QQBOT, "member-openid-1") == PRIVATE.user_id
    in_group = Actor(QQBOT, "member-openid-1", "group-openid-1", "app-1")
    assert links.resolve(in_group) is in_group  # a group message is always its member


async def test_a_code_works_once_and_only_while_fresh(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert await links.bind(QQBOT, code, "member-openid-1", "group-openid-1") is not None
    assert await links.bind(QQBOT, code, "someone-else", "group-openid-1") is None  # used up
    late = await links.issue(QQBOT, "user-openid-2")
    clock.set_now(START + timedelta(minutes=11))
    assert await links.bind(QQBOT, late, "member-openid-2", "group-openid-1") is None
    old = await links.issue(QQBOT, "user-openid-3")
    new = await links.issue(QQBOT, "user-openid-3")  # asking again replaces the earlier code
    assert await links.bind(QQBOT, old, "member-openid-3", "group-openid-1") is None or old == new
    assert await links.bind(QQBOT, new, "member-openid-3", "group-openid-1") is not None


async def test_guessing_codes_is_stopped_after_five_misses(links):
    for _ in range(5):
        assert await links.bind(QQBOT, "000000", "guesser", "group-openid-1") is None
    with pytest.raises(TooManyTries):
        await links.bind(QQBOT, "000001", "guesser", "group-openid-1")
    code = await links.issue(QQBOT, PRIVATE.user_id)
    assert await links.bind(QQBOT, code, "honest-member", "group-openid-1") is not None  # others are not slowed


async def test_the_latest_group_a_private_chat_bound_is_the_one_it_acts_for(links, database):
    first = await links.issue(QQBOT, PRIVATE.user_id)
    await links.bind(QQBOT, first, "member-in-a", "group-a")
    clock.set_now(START + timedelta(minutes=1))
    second = await links.issue(QQBOT, PRIVATE.user_id)
    await links.bind(QQBOT, second, "member-in-b", "group-b")
    await links.fresh()
    assert links.resolve(PRIVATE).key == "qqbot:member-in-b"
    assert links.private_chat_of(QQBOT, "member-in-a") == PRIVATE.user_id  # both records still reach the person
    other = IdentityLinks(database)  # another process reads the same links
    await other.fresh()
    assert other.resolve(PRIVATE).key == "qqbot:member-in-b"


async def test_two_members_sending_the_same_code_at_once_bind_only_one(links):
    code = await links.issue(QQBOT, PRIVATE.user_id)
    results = await asyncio.gather(*(links.bind(QQBOT, code, f"member-{i}", "group-openid-1") for i in range(4)))
    assert sum(result is not None for result in results) == 1


async def test_retention_forgets_the_link_with_the_member_record(database, tmp_path):
    clock.set_now(START)
    try:
        services = build_services(Settings(data_dir=tmp_path), database=database)
        services.broadcasts.retention.rules = RetentionRules(member_days=180, outbox_days=7, export_hours=24)
        owner = Actor(QQBOT, "owner-openid", "group-openid-1", "app-1", group_role="owner")
        branch = await services.branches.open(owner, "官方一支部")
        member = Actor(QQBOT, "member-openid-1", "group-openid-1", "app-1")
        await services.members.register(member, branch, {"name": "张三", "phone": "13812345678"})
        await services.identities.bind(
            QQBOT, await services.identities.issue(QQBOT, "user-openid-1"), "member-openid-1", "group-openid-1"
        )
        await services.identities.issue(QQBOT, "user-openid-9")  # never used
        await services.members.mark_left(QQBOT, "group-openid-1", "member-openid-1")
        clock.set_now(START + timedelta(days=181))
        await services.broadcasts.retention.purge()
        async with database.reading() as session:
            assert await session.scalar(select(func.count()).select_from(IdentityLink)) == 0
            assert await session.scalar(select(func.count()).select_from(BindCode)) == 0
            erased = await session.scalar(select(Member))
            assert erased is not None and erased.phone is None
    finally:
        clock.set_now(None)

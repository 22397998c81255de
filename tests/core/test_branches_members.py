"""Branches, secretaries, departments and member records as services."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Conflict, NotFound, PermissionDenied, Roles
from bot.core.members import MemberRecords
from bot.core.models import AccessLog, LedgerEntry, OutboxItem
from bot.core.parts import Mention

SUPERUSER = Actor("qq", "10000", "5001", "10001")
OWNER = Actor("qq", "20000", "5001", "10001", group_role="owner")
DRIVER = Actor("qq", "20001", "5001", "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
REGISTRATION = {
    "name": "张三",
    "phone": "13812345678",
    "plate": "贵A12345",
    "hometown": None,
    "route": "贵阳—重庆",
    "status": "党员",
}


@pytest.fixture
def services(database):
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    return branches, roles, MemberRecords(database, roles)


async def test_only_owner_or_superuser_opens_and_names_are_unique(services):
    branches, _, _ = services
    with pytest.raises(PermissionDenied):
        await branches.open(DRIVER, "乌当支部")
    branch = await branches.open(OWNER, "乌当支部")
    assert (await branches.of_group("qq", "5001")).id == branch.id
    with pytest.raises(Conflict, match="已开通"):
        await branches.open(SUPERUSER, "乌当支部二")
    with pytest.raises(Conflict, match="已被其他支部使用"):
        await branches.open(Actor("qq", "10000", "5002", "10001"), "乌当支部")
    with pytest.raises(Conflict, match="2–30"):
        await branches.open(Actor("qq", "10000", "5003", "10001"), "[CQ:at,qq=all]")


async def test_secretaries_are_set_by_superusers_and_manage_their_branch(services):
    branches, roles, _ = services
    branch = await branches.open(OWNER, "乌当支部")
    with pytest.raises(PermissionDenied):
        await roles.set_secretary(DRIVER, branch, SECRETARY.key, "李书记")
    assert await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    assert not await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    assert await roles.can_manage(SECRETARY, branch) and not await roles.can_manage(DRIVER, branch)
    assert (await branches.card(branch)).secretaries == ["李书记"]
    assert await roles.remove_secretary(SUPERUSER, branch, SECRETARY.key)
    assert not await roles.can_manage(SECRETARY, branch)


async def test_departments_must_exist(services):
    _, roles, _ = services
    with pytest.raises(NotFound, match="没有「宣传部」"):
        await roles.bind_department(SUPERUSER, DRIVER.key, "宣传部", "王")
    dept = await roles.bind_department(SUPERUSER, DRIVER.key, "交通运输", "王")
    assert dept.name == "交通运输"
    assert await roles.departments_of(DRIVER.key) == ["交通运输"]
    assert await roles.handlers_of(dept.id) == [DRIVER.key]
    with pytest.raises(Conflict, match="已经是「交通运输」的承办人"):
        await roles.bind_department(SUPERUSER, DRIVER.key, "交通运输", "王")


async def test_registration_then_confirmation_and_masked_profile(services):
    branches, roles, members = services
    branch = await branches.open(OWNER, "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    done = await members.register(DRIVER, branch, REGISTRATION)
    assert done.created and done.member.status is None  # 党员 waits for 认定
    card = await branches.card(branch)
    assert (card.members, card.member_drivers) == (1, 0)
    with pytest.raises(PermissionDenied):
        await members.confirm_status(DRIVER, branch, DRIVER.key, "党员")
    await members.confirm_status(SECRETARY, branch, DRIVER.key, "党员")
    assert (await branches.card(branch)).member_drivers == 1

    in_group = await members.profile(DRIVER, branch, DRIVER.key)
    assert in_group.phone == "138****5678" and in_group.plate == "贵A***45"
    private = Actor("qq", "20001", None, "10001")
    assert (await members.profile(private, branch, DRIVER.key)).phone == "13812345678"
    with pytest.raises(PermissionDenied):
        await members.profile(Actor("qq", "20002", "5001", "10001"), branch, DRIVER.key)
    await members.profile(SECRETARY, branch, DRIVER.key)
    async with members.database.session() as session:
        logged = (await session.scalars(select(AccessLog))).all()
    assert [(log.actor_key, log.action, log.subject) for log in logged] == [(SECRETARY.key, "查看档案", DRIVER.key)]


async def test_re_registering_keeps_the_confirmation_and_what_was_skipped(services):
    branches, _, members = services
    branch = await branches.open(OWNER, "乌当支部")
    await members.register(DRIVER, branch, {**REGISTRATION, "hometown": "贵州省遵义市"})
    await members.confirm_status(SUPERUSER, branch, DRIVER.key, "党员")
    done = await members.register(DRIVER, branch, {"name": None, "phone": "13900000000", "hometown": None})
    assert not done.created and done.changed == ["phone"]
    member = done.member
    assert (member.status, member.phone, member.hometown, member.route) == (
        "党员",
        "13900000000",
        "贵州省遵义市",
        "贵阳—重庆",
    )
    # A changed declaration is kept beside the confirmed status, which only /认定 changes.
    done = await members.register(DRIVER, branch, {"status": "预备党员"})
    assert done.changed == ["declared_status"]
    assert (done.member.status, done.member.declared_status) == ("党员", "预备党员")
    # Nothing answered: nothing changed.
    assert (await members.register(DRIVER, branch, {})).changed == []


async def test_editing_one_field_keeps_the_rest_and_renames_a_secretary(services):
    branches, roles, members = services
    branch = await branches.open(OWNER, "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "用户20009")
    await members.register(SECRETARY, branch, {**REGISTRATION, "name": "王书记"})
    assert (await branches.card(branch)).secretaries == ["王书记"]
    await members.confirm_status(SUPERUSER, branch, SECRETARY.key, "党员")
    [member] = await members.edit(SECRETARY.key, [branch.id], "route", "贵阳—昆明")
    assert (member.route, member.phone, member.status) == ("贵阳—昆明", "13812345678", "党员")
    await members.edit(SECRETARY.key, [branch.id], "name", "王建国")
    assert (await branches.card(branch)).secretaries == ["王建国"]
    assert await members.edit(DRIVER.key, [branch.id], "route", "x") == []


async def test_the_branches_a_person_belongs_to_are_registered_or_seen(services):
    branches, _, members = services
    first = await branches.open(OWNER, "乌当支部")
    second = await branches.open(Actor("qq", "10000", "5002", "10001"), "白云支部")
    assert await members.branches_of(DRIVER.key) == []
    await members.register(DRIVER, first, REGISTRATION)
    async with members.database.session() as session:
        session.add(
            LedgerEntry(
                user_key=DRIVER.key, branch_id=second.id, kind="打卡", points=1, day=date(2026, 5, 1), at=clock.now()
            )
        )
    assert [b.name for b in await members.branches_of(DRIVER.key)] == ["乌当支部", "白云支部"]
    await branches.close(second)
    assert [b.name for b in await members.branches_of(DRIVER.key)] == ["乌当支部"]


async def test_confirming_someone_unregistered_says_so(services):
    branches, _, members = services
    branch = await branches.open(OWNER, "乌当支部")
    with pytest.raises(NotFound, match="还没有在本支部登记"):
        await members.confirm_status(SUPERUSER, branch, "qq:99999", "党员")


async def test_the_group_owner_may_name_secretaries_in_their_own_group_only(services):
    branches, roles, _ = services
    branch = await branches.open(OWNER, "乌当支部")
    assert await roles.set_secretary(OWNER, branch, SECRETARY.key, "李书记")
    elsewhere = Actor("qq", "20000", "5009", "10001", group_role="owner")
    with pytest.raises(PermissionDenied):
        await roles.remove_secretary(elsewhere, branch, SECRETARY.key)


async def test_welcomes_are_batched_per_window_once_per_person_and_count_beyond_the_mentions(database, tmp_path):
    from datetime import datetime, timedelta

    from bot.core.outbox import SENT
    from bot.core.parts import from_json
    from bot.core.settings import Settings
    from bot.features.branch.config import Config
    from bot.features.branch.service import BranchService
    from bot.services import build_services

    start = datetime(2026, 5, 1, 9, 0, 30, tzinfo=clock.tz())
    clock.set_now(start)
    services = build_services(Settings(data_dir=tmp_path), database=database)
    welcome = BranchService(services, Config(branch_welcome_window_minutes=3, branch_welcome_max_mentions=2))
    await services.branches.open(OWNER, "乌当支部")
    assert not await welcome.welcome("qq", "5001", "10001", "10001")  # the bot itself
    assert not await welcome.welcome("qq", "5999", "30001", "10001")  # not a branch group
    for user in ("30001", "30002", "30003"):
        assert await welcome.welcome("qq", "5001", user, "10001")
    assert not await welcome.welcome("qq", "5001", "30001", "10001")  # once per person

    async def items() -> list:
        async with database.reading() as session:
            rows = await session.scalars(
                select(OutboxItem).where(OutboxItem.purpose == "welcome").order_by(OutboxItem.id)
            )
            return list(rows.all())

    [item] = await items()
    assert clock.local(item.next_attempt_at) == datetime(2026, 5, 1, 9, 3, tzinfo=clock.tz())
    parts = from_json(item.parts)
    assert parts[:4] == ["欢迎 ", Mention("30001"), " ", Mention("30002")]
    assert parts[4] == " 等 3 位新朋友"
    # The window's message already left: a late newcomer of that window gets one of their own, a window later.
    async with database.session() as session:
        (await session.get(OutboxItem, item.id)).status = SENT  # type: ignore[union-attr]
    assert await welcome.welcome("qq", "5001", "30004", "10001")
    late = (await items())[-1]
    assert from_json(late.parts)[1] == Mention("30004") and late.next_attempt_at > item.next_attempt_at
    # The next window gets its own message; a secretary's 关闭 stops welcomes.
    clock.set_now(start + timedelta(minutes=3))
    assert await welcome.welcome("qq", "5001", "30005", "10001")
    assert len(await items()) == 3
    branch = await services.branches.of_group("qq", "5001")
    assert branch is not None
    await welcome.set_welcome(SUPERUSER, branch, False)
    assert not await welcome.welcome("qq", "5001", "30006", "10001")
    clock.set_now(None)


async def test_the_branch_card_follows_a_registration_at_once(services):
    branches, roles, members = services
    branch = await branches.open(SUPERUSER, "卡片支部")
    assert (await branches.card(branch)).members == 0
    await members.register(DRIVER, branch, REGISTRATION)
    assert (await branches.card(branch)).members == 1  # the cached card was dropped by the change
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "王书记")
    assert (await branches.card(branch)).secretaries == ["王书记"]

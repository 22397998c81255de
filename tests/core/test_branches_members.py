"""Branches, secretaries, departments and member records as services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Conflict, NotFound, PermissionDenied, Roles
from bot.core.members import MemberRecords
from bot.core.models import AccessLog

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
    assert await roles.bind_department(SUPERUSER, DRIVER.key, "交通运输", "王")
    assert await roles.departments_of(DRIVER.key) == ["交通运输"]
    assert await roles.handlers_of("交通运输") == [DRIVER.key]


async def test_registration_then_confirmation_and_masked_profile(services):
    branches, roles, members = services
    branch = await branches.open(OWNER, "乌当支部")
    await roles.set_secretary(SUPERUSER, branch, SECRETARY.key, "李书记")
    member, created = await members.register(DRIVER, branch, REGISTRATION)
    assert created and member.status is None  # 党员 waits for 认定
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


async def test_re_registering_updates_and_a_changed_status_needs_confirmation_again(services):
    branches, _, members = services
    branch = await branches.open(OWNER, "乌当支部")
    await members.register(DRIVER, branch, REGISTRATION)
    await members.confirm_status(SUPERUSER, branch, DRIVER.key, "党员")
    member, created = await members.register(DRIVER, branch, {**REGISTRATION, "phone": "13900000000"})
    assert not created and member.status == "党员" and member.phone == "13900000000"
    member, _ = await members.register(DRIVER, branch, {**REGISTRATION, "status": "积极分子"})
    assert member.status is None and member.declared_status == "积极分子"


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

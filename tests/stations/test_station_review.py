"""A secretary's station belongs to their branch until a superuser approves it; phone and text fields are checked."""

from __future__ import annotations

import pytest

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.errors import Conflict, NotFound, PermissionDenied
from bot.core.models import Member
from bot.core.outbox import Target
from bot.core.scope import EVERYTHING, Scope
from bot.features.stations import texts
from bot.features.stations.service import StationService
from bot.features.stations.station import Station, clean_phone, clean_text

SUPERUSER = Actor("qq", "10000", "5001", "10001")
SECRETARY_A = Actor("qq", "20009", "5001", "10001")
SECRETARY_B = Actor("qq", "20019", "5002", "10001")
DRIVER_A = Actor("qq", "20001", None, "10001")
# A station a forger might add: a good-looking name, right next to where drivers ask from.
FORGED = Station(
    name="补贴领取司机之家",
    kind="司机之家",
    province="贵州省",
    city="贵阳市",
    district="乌当区",
    address="新添大道9号",
    lat=26.6500,
    lng=106.7400,
    services=("停车", "淋浴"),
    phone="13800000000",
)


NOBODY = Scope(everything=False)  # a secretary: no committee's review


@pytest.fixture
async def world(database):
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    first = await branches.open(SUPERUSER, "乌当区货运一支部")
    second = await branches.open(Actor("qq", "10000", "5002", "10001"), "二支部")
    await roles.set_secretary(SUPERUSER, first, SECRETARY_A.key, "李")
    await roles.set_secretary(SUPERUSER, second, SECRETARY_B.key, "王")
    told: list[tuple[Target, str]] = []

    async def notify(target: Target, text: str) -> None:
        told.append((target, text))

    service = StationService(database, roles, branches, notify=notify)
    await service.import_sample_if_empty()
    return service, first, second, told


def _ids(result) -> set[int | None]:
    return {s.id for s in result.items}


def _near_ids(result) -> set[int | None]:
    return {n.station.id for n in result.items}


async def test_a_forged_station_of_branch_a_never_shows_in_branch_b_before_approval(world):
    service, first, second, _ = world
    forged = await service.add(SECRETARY_A, first.id, FORGED)
    assert not forged.approved and forged.branch_id == first.id
    for query in ("补贴领取", "乌当 洗澡", "乌当 司机之家", "贵阳 停车", "司机之家"):
        assert forged.id not in _ids(await service.search(query, scope={second.id})), query
        assert forged.id not in _ids(await service.search(query)), query  # no scope: approved only
    assert (await service.search("补贴领取", scope={second.id})).total == 0
    nearest_b = await service.nearest(26.6500, 106.7400, scope={second.id})
    assert forged.id not in _near_ids(nearest_b) and nearest_b.items  # others still answer
    assert forged.id not in _near_ids(await service.nearest(26.6500, 106.7400, "洗澡", scope={second.id}))
    # Its own branch sees it, first at 0 m.
    assert forged.id in _ids(await service.search("补贴领取", scope={first.id}))
    assert (await service.nearest(26.6500, 106.7400, scope={first.id})).items[0].station.id == forged.id
    # After approval every branch does.
    await service.approve(SUPERUSER, forged.id or 0, EVERYTHING)
    assert forged.id in _ids(await service.search("补贴领取", scope={second.id}))


async def test_a_restart_keeps_a_pending_station_in_its_branch(world):
    service, first, second, _ = world
    forged = await service.add(SECRETARY_A, first.id, FORGED)
    restarted = StationService(service.database, service.roles, service.branches)
    assert forged.id not in _ids(await restarted.search("补贴领取", scope={second.id}))
    assert forged.id in _ids(await restarted.search("补贴领取", scope={first.id}))


async def test_scope_is_the_groups_branch_or_in_private_the_askers_branches(world, database):
    service, first, second, _ = world
    await service.add(SECRETARY_A, first.id, FORGED)
    assert await service.scope_of(SECRETARY_B, second) == {second.id}
    in_private = Actor("qq", SECRETARY_A.user_id, None, "10001")
    assert await service.scope_of(in_private, None) == {first.id}  # a secretary in private chat
    assert await service.scope_of(DRIVER_A, None) == frozenset()
    async with database.session() as session:
        now = clock.now()
        session.add(
            Member(
                branch_id=first.id,
                user_key=DRIVER_A.key,
                name="张",
                declared_status="群众",
                registered_at=now,
                updated_at=now,
            )
        )
    assert await service.scope_of(DRIVER_A, None) == {first.id}


async def test_a_superuser_approves_or_rejects_and_the_submitter_is_told_in_private(world):
    service, first, _, told = world
    station = await service.add(SECRETARY_A, first.id, FORGED)
    other = await service.add(SECRETARY_A, first.id, Station(**{**_fields(FORGED), "name": "测试二号驿站"}))
    assert [s.id for s in await service.pending(EVERYTHING)] == [station.id, other.id]
    with pytest.raises(PermissionDenied):
        await service.approve(SECRETARY_A, station.id or 0, NOBODY)
    approved = await service.approve(SUPERUSER, station.id or 0, EVERYTHING)
    assert approved.approved
    with pytest.raises(NotFound):
        await service.approve(SUPERUSER, station.id or 0, EVERYTHING)  # no longer pending
    await service.reject(SUPERUSER, other.id or 0, "电话打不通", EVERYTHING)
    assert (await service.search("测试二号", scope={first.id})).total == 0
    assert await service.pending(EVERYTHING) == []
    assert [target for target, _ in told] == [Target("qq", "private", "20009", "10001")] * 2
    assert told[0][1] == texts.TOLD_APPROVED.format(id=station.id, name=station.name)
    assert told[1][1] == texts.TOLD_REJECTED.format(id=other.id, name="测试二号驿站", reason="电话打不通")


async def test_a_superusers_station_is_approved_at_once_and_a_secretarys_change_is_reviewed_again(world):
    service, first, second, _ = world
    station = await service.add(SUPERUSER, first.id, FORGED)
    assert station.approved
    assert station.id in _ids(await service.search("补贴领取", scope={second.id}))
    changed = await service.change(SECRETARY_A, station.id or 0, "电话", "0851-88886666")
    assert not changed.approved
    assert station.id not in _ids(await service.search("补贴领取", scope={second.id}))
    assert (await service.change(SUPERUSER, station.id or 0, "营业时间", "24小时")).approved is False
    assert (await service.approve(SUPERUSER, station.id or 0, EVERYTHING)).approved


async def test_a_secretary_withdraws_their_own_and_a_superuser_removes_any(world):
    service, first, _, _ = world
    station = await service.add(SECRETARY_A, first.id, FORGED)
    with pytest.raises(PermissionDenied):
        await service.delete(SECRETARY_B, station.id or 0)
    await service.delete(SECRETARY_A, station.id or 0)
    assert (await service.search("补贴领取", scope={first.id})).total == 0
    imported = (await service.search("新添寨")).items[0]
    with pytest.raises(PermissionDenied):
        await service.delete(SECRETARY_A, imported.id or 0)  # imported stations belong to no branch
    await service.delete(SUPERUSER, imported.id or 0)
    # The withdrawn one may be added again (its row comes back).
    again = await service.add(SECRETARY_A, first.id, FORGED)
    assert again.id == station.id and not again.approved


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "请加QQ 123456"),
        ("phone", "123456"),
        ("phone", "1380000000"),
        ("name", "扫码领取补贴驿站"),
        ("name", "请加群 12345 驿站"),
        ("address", "详见 https://example.com"),
        ("address", "加微信 abc123 领取"),
        ("hours", "24小时" * 20),
        ("name", "驿" * 61),
    ],
)
async def test_bad_phone_and_text_fields_are_refused(world, field, value):
    service, first, _, _ = world
    with pytest.raises(Conflict):
        await service.add(SECRETARY_A, first.id, Station(**{**_fields(FORGED), field: value}))
    assert await service.pending(EVERYTHING) == []


async def test_a_change_is_checked_like_a_new_station(world):
    service, first, _, _ = world
    station = await service.add(SECRETARY_A, first.id, FORGED)
    with pytest.raises(Conflict, match="电话"):
        await service.change(SECRETARY_A, station.id or 0, "电话", "请加QQ 123456")
    with pytest.raises(Conflict, match="链接"):
        await service.change(SECRETARY_A, station.id or 0, "地址", "www.example.com")
    changed = await service.change(SECRETARY_A, station.id or 0, "服务", "停车 洗车")
    assert changed.services == ("停车", "洗车")
    assert not changed.approved  # a change keeps it pending


@pytest.mark.parametrize("phone", ["13812345678", "0851-88888888", "0851 8888 8888", "400-800-1234", "(0851)88880001"])
def test_real_phone_numbers_pass(phone):
    assert clean_phone(phone) == phone


def test_text_fields_are_trimmed_and_capped():
    assert clean_text("  新添  大道 1号 ", "地址", 120) == "新添 大道 1号"
    with pytest.raises(ValueError, match="最多 4 个字"):
        clean_text("一二三四五", "名称", 4)


async def test_a_branchs_region_comes_from_its_name_or_else_its_stations(world):
    service, first, second, _ = world
    assert [p.label for p in await service.home_region(first)] == ["贵州省贵阳市乌当区"]
    assert await service.home_region(second) == ()
    await service.add(SECRETARY_B, second.id, Station(**{**_fields(FORGED), "city": "遵义市", "district": "汇川区"}))
    assert [p.label for p in await service.home_region(second)] == ["贵州省遵义市"]


def _fields(station: Station) -> dict:
    return {
        "name": station.name,
        "kind": station.kind,
        "province": station.province,
        "city": station.city,
        "district": station.district,
        "address": station.address,
        "lat": station.lat,
        "lng": station.lng,
        "services": station.services,
        "phone": station.phone,
    }

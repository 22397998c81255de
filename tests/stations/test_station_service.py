"""The station directory over the database: idempotent import, changes kept in step with the index, permissions,
a secretary's station kept in their branch until a superuser approves it, and checked phone and text fields."""

from __future__ import annotations

import pytest

from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.errors import Conflict, PermissionDenied
from bot.features.stations.service import SAMPLE_CSV, StationService
from bot.features.stations.station import Station

SUPERUSER = Actor("qq", "10000", "5001", "10001")
SECRETARY = Actor("qq", "20009", "5001", "10001")
OTHER_SECRETARY = Actor("qq", "20019", "5002", "10001")
DRAFT = Station(
    name="测试驿站",
    kind="红色驿站",
    province="贵州省",
    city="贵阳市",
    district="乌当区",
    address="测试路1号",
    lat=26.7,
    lng=106.8,
    services=("淋浴", "停车"),
)


@pytest.fixture
async def world(database):
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    first = await branches.open(SUPERUSER, "一支部")
    second = await branches.open(Actor("qq", "10000", "5002", "10001"), "二支部")
    await roles.set_secretary(SUPERUSER, first, SECRETARY.key, "李")
    await roles.set_secretary(SUPERUSER, second, OTHER_SECRETARY.key, "王")
    return StationService(database, roles, branches), first, second


async def test_the_sample_imports_once_and_a_rerun_changes_nothing(world):
    service, _, _ = world
    first = await service.import_sample_if_empty()
    assert first.added >= 60 and first.errors == []
    assert await service.import_sample_if_empty() is None
    again = await service.import_csv(SAMPLE_CSV)
    assert (again.added, again.updated) == (0, 0)
    assert (await service.search("乌当 洗澡")).total >= 1


async def test_a_csv_with_bad_rows_imports_the_rest(world, tmp_path):
    service, _, _ = world
    path = tmp_path / "mine.csv"
    path.write_text(
        "名称,类型,省份,城市,区县,道路,方向,地址,纬度,经度,服务,车位,营业时间,电话\n"
        "好驿站,司机之家,贵州,贵阳,乌当,,,一号路,26.6,106.7,淋浴、停车,10,24小时,\n"
        "坏驿站,飞船站,贵州,贵阳,乌当,,,二号路,26.6,106.7,淋浴,10,24小时,\n",
        encoding="utf-8",
    )
    report = await service.import_csv(path)
    assert report.added == 1 and [e.line for e in report.errors] == [3]


async def test_changes_keep_the_index_in_step_and_deleted_stations_vanish(world):
    service, first, _ = world
    station = await service.add(SECRETARY, first.id, DRAFT)
    assert [s.name for s in (await service.search("测试驿站", scope={first.id})).items] == ["测试驿站"]
    with pytest.raises(Conflict, match="同名"):
        await service.add(SUPERUSER, first.id, DRAFT)
    changed = await service.change(SECRETARY, station.id, "服务", "淋浴、洗衣")
    assert changed.services == ("淋浴", "洗衣")
    with pytest.raises(Conflict, match="不认识"):
        await service.change(SECRETARY, station.id, "服务", "游泳")
    with pytest.raises(PermissionDenied):
        await service.delete(OTHER_SECRETARY, station.id)  # another branch's secretary
    await service.delete(SECRETARY, station.id)
    assert (await service.search("测试驿站")).total == 0
    reloaded = StationService(service.database)
    assert (await reloaded.search("测试驿站")).total == 0  # also after a restart


async def test_nearest_uses_the_index_and_refuses_bad_coordinates(world):
    service, first, _ = world
    await service.add(SUPERUSER, first.id, DRAFT)
    result = await service.nearest(26.70, 106.80, service="洗澡")
    assert result.items[0].station.name == "测试驿站" and result.items[0].distance_km < 0.01
    with pytest.raises(ValueError, match="无效"):
        await service.nearest(0, 0)

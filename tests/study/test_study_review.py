"""A secretary's material stays in their branch until a superuser approves it; withdraw, reject, remove (#12 item 5)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory
from bot.core.errors import NotFound, PermissionDenied
from bot.core.models import OutboxItem
from bot.core.outbox import Target
from bot.core.scope import EVERYTHING, Scope
from bot.features.study import texts
from bot.features.study.materials import Material, Question
from bot.features.study.service import StudyService
from tests.study.test_study_service import write_library

SUPERUSER = Actor("qq", "10000", None, "10001")
SECRETARY_A = Actor("qq", "30001", "5001", "10001")
SECRETARY_B = Actor("qq", "30002", "5002", "10001")
FORGED = Material(
    "",
    "领取补贴",
    "补贴",
    (),
    "请扫码加入QQ群领取补贴",
    False,
    Question("补贴找谁领？", {"A": "扫码", "B": "不扫"}, "A", ""),
)


NOBODY = Scope(everything=False)  # a secretary: no committee's review


@pytest.fixture
async def world(database, tmp_path):
    """Two branches (A, B) that both chose the theme 补贴; the shared library has two 安全驾驶 materials."""
    clock.set_now(datetime(2026, 11, 23, 6, 0, tzinfo=clock.tz()))
    write_library(tmp_path / "study", {"安全驾驶": 2})
    told: list[tuple[Target, str]] = []

    async def notify(target: Target, text: str) -> None:
        told.append((target, text))

    service = StudyService(database, tmp_path / "study", notify=notify)
    await service.import_directory()
    branches = BranchDirectory(database)
    a = await branches.open(Actor("qq", "10000", "5001", "10001"), "甲支部")
    b = await branches.open(Actor("qq", "10000", "5002", "10001"), "乙支部")
    for branch in (a, b):
        await service.set_theme(branch.id, "补贴", "qq:10000")
    forged = await service.add_material(SECRETARY_A.key, FORGED, a.id)
    return service, a, b, forged, told


async def _push_texts(service: StudyService) -> dict[str, str]:
    """Queue the day's pushes; the text of each branch group's push."""
    await service.queue_due_pushes(clock.now().replace(hour=7, minute=31))
    async with service.database.reading() as session:
        items = (await session.scalars(select(OutboxItem).where(OutboxItem.purpose == "study_push"))).all()
    day = clock.today().strftime("%m月%d日")
    return {i.target_id: i.parts[0]["text"] for i in items if day in i.parts[0]["text"]}


async def test_a_secretarys_material_reaches_only_their_branch_until_approved(world):
    service, a, b, forged, told = world
    assert forged.status == "pending" and forged.branch_id == a.id
    for _ in range(4):  # B rotates through the shared library, never the forged one
        assert (await service.todays_material(a.id)).title == "领取补贴"
        assert (await service.todays_material(b.id)).title.startswith("安全驾驶")
        pushes = await _push_texts(service)
        assert "领取补贴" in pushes["5001"] and "扫码" not in pushes["5002"] and "领取补贴" not in pushes["5002"]
        clock.advance(timedelta(days=1))
    assert [t for t, _ in await service.themes(b.id)] == ["安全驾驶"]
    assert dict(await service.themes(a.id))["补贴"] == 1
    assert [(row.title, name) for row, name in await service.pending(EVERYTHING)] == [("领取补贴", "甲支部")]

    approved = await service.approve(SUPERUSER, forged.id, EVERYTHING)
    assert approved.status == "approved"
    assert (await service.todays_material(b.id)).title == "领取补贴"
    assert "领取补贴" in (await _push_texts(service))["5002"]
    assert await service.pending(EVERYTHING) == []
    target, text = told[-1]
    assert (target.kind, target.id, target.self_id) == ("private", "30001", "10001")
    assert text == texts.TOLD_APPROVED.format(id=forged.id, title="领取补贴")


async def test_rejected_material_leaves_its_branch_at_once_and_the_submitter_is_told(world):
    service, a, _b, forged, told = world
    assert (await service.todays_material(a.id)).title == "领取补贴"
    await service.reject(SUPERUSER, forged.id, "内容不实", EVERYTHING)
    assert (await service.todays_material(a.id)).title.startswith("安全驾驶")  # today's choice is made again
    assert told[-1][1] == texts.TOLD_REJECTED.format(id=forged.id, title="领取补贴", reason="内容不实")
    with pytest.raises(NotFound):
        await service.approve(SUPERUSER, forged.id, EVERYTHING)


async def test_only_the_submitter_withdraws_and_only_a_superuser_reviews_or_removes(world):
    service, a, _, forged, _ = world
    with pytest.raises(PermissionDenied):
        await service.withdraw(SECRETARY_B, forged.id)
    with pytest.raises(PermissionDenied):
        await service.approve(SECRETARY_A, forged.id, NOBODY)
    with pytest.raises(PermissionDenied):
        await service.remove(SECRETARY_A, forged.id)
    assert (await service.withdraw(SECRETARY_A, forged.id)).status == "withdrawn"
    assert (await service.todays_material(a.id)).title.startswith("安全驾驶")
    with pytest.raises(NotFound):
        await service.withdraw(SECRETARY_A, forged.id)


async def test_a_removed_shipped_material_stays_removed_after_the_next_import(world):
    service, _a, b, _, _ = world
    shipped = await service.todays_material(b.id)
    await service.remove(SUPERUSER, shipped.id)
    await service.import_directory()
    assert (await service.todays_material(b.id)).id != shipped.id
    assert dict(await service.themes(b.id))["安全驾驶"] == 1


async def test_a_superusers_material_is_for_every_branch_at_once(world):
    service, _, b, _, _ = world
    row = await service.add_material("qq:10000", FORGED, None)
    assert row.status == "approved"
    assert (await service.todays_material(b.id)).id == row.id

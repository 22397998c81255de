"""Study as a service: rotation, the daily push through the outbox, check-in, the question, statistics."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core import clock, ledger
from bot.core.actor import Actor
from bot.core.branches import BranchDirectory, Roles
from bot.core.members import MemberRecords
from bot.core.models import LedgerEntry, OutboxItem
from bot.features.study.service import StudyService

MATERIAL = """---
title: {title}
theme: {theme}
sample: true
question: 连续驾驶多久应停车休息？
options:
  A: 2小时
  B: 4小时
  C: 6小时
answer: B
explanation: 连续驾驶不得超过 4 小时。
---
{title}的正文。
"""


def write_library(folder: Path, themes: dict[str, int]) -> None:
    """A small library: `count` materials per theme."""
    folder.mkdir(parents=True, exist_ok=True)
    for theme, count in themes.items():
        for n in range(count):
            (folder / f"{theme}-{n}.md").write_text(MATERIAL.format(title=f"{theme}{n}", theme=theme), encoding="utf-8")


@pytest.fixture
async def setup(database, tmp_path):
    """A branch with two registered members and a library of 3 安全驾驶 + 2 权益保障 materials."""
    clock.set_now(datetime(2026, 11, 23, 6, 0, tzinfo=clock.tz()))
    write_library(tmp_path / "study", {"安全驾驶": 3, "权益保障": 2})
    service = StudyService(database, tmp_path / "study")
    report = await service.import_directory()
    assert (report.added, report.errors) == (5, [])
    branches = BranchDirectory(database)
    branch = await branches.open(Actor("qq", "10000", "5001", "10001"), "乌当支部")
    members = MemberRecords(database, Roles(database, branches))
    for user, name in (("20001", "张三"), ("20002", "李四")):
        await members.register(
            Actor("qq", user, "5001", "10001"), branch, {"name": name, "phone": None, "status": "党员"}
        )
    return service, branch


async def test_the_push_goes_out_once_at_the_branch_time(setup):
    service, _branch = setup
    assert await service.queue_due_pushes() == 0  # 06:00, before 07:30
    clock.set_now(datetime(2026, 11, 23, 7, 30, tzinfo=clock.tz()))
    assert await service.queue_due_pushes() == 1
    assert await service.queue_due_pushes() == 0  # the same day again: nothing
    async with service.database.reading() as session:
        item = await session.scalar(select(OutboxItem))
    assert item.purpose == "study_push" and item.target_id == "5001"
    assert "【今日学习】" in item.parts[0]["text"] and "打卡" in item.parts[0]["text"]
    assert item.not_after == clock.day_bounds(clock.today())[1]


async def test_catch_up_later_the_same_day_and_two_processes_queue_once(setup):
    service, _ = setup
    clock.set_now(datetime(2026, 11, 23, 15, 0, tzinfo=clock.tz()))  # the bot was offline at 07:30
    other = StudyService(service.database, service.materials_dir)
    results = await asyncio.gather(service.queue_due_pushes(), other.queue_due_pushes())
    assert sum(results) == 1
    async with service.database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 1


async def test_push_off_means_no_push(setup):
    service, branch = setup
    await service.set_push_enabled(branch.id, False)
    clock.set_now(datetime(2026, 11, 23, 8, 0, tzinfo=clock.tz()))
    assert await service.queue_due_pushes() == 0


async def test_rotation_prefers_the_theme_and_repeats_nothing_until_the_pool_is_used(setup):
    service, branch = setup
    assert await service.set_theme(branch.id, "权益保障", "qq:10000")
    titles = []
    for _ in range(4):
        titles.append((await service.todays_material(branch.id)).title)
        clock.advance(timedelta(days=1))
    assert titles[:2] == ["权益保障0", "权益保障1"]
    assert titles[2] in ("权益保障0", "权益保障1")  # the theme pool starts again before other themes
    assert not await service.set_theme(branch.id, "没有资料的主题", "qq:10000")
    first_other = (await service.todays_material(branch.id)).title
    assert first_other.startswith("安全驾驶")  # a theme with no materials falls back to all


async def test_check_in_once_with_streak_and_month_count(setup):
    service, branch = setup
    first = await service.check_in(branch.id, "qq:20001")
    again = await service.check_in(branch.id, "qq:20001")
    assert (first.already, first.streak, first.month_count) == (False, 1, 1)
    assert again.already
    clock.advance(timedelta(days=1))
    assert (await service.check_in(branch.id, "qq:20001")).streak == 2
    clock.advance(timedelta(days=2))
    third = await service.check_in(branch.id, "qq:20001")
    assert (third.streak, third.month_count) == (1, 3)
    async with service.database.reading() as session:
        rows = await session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == ledger.STUDY)
        )
    assert rows == 3


async def test_unregistered_people_can_check_in(setup):
    service, branch = setup
    assert not (await service.check_in(branch.id, "qq:29999")).already


async def test_two_thousand_check_ins_at_once_are_all_recorded_once(setup):
    service, branch = setup
    users = [f"qq:{30000 + n}" for n in range(400)]
    await asyncio.gather(*(service.check_in(branch.id, u) for u in users + users[:100]))
    async with service.database.reading() as session:
        count = await session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == ledger.STUDY)
        )
    assert count == 400


async def test_the_question_scores_once(setup):
    service, branch = setup
    wrong = await service.answer(branch.id, "qq:20001", "a")
    assert not wrong.already and not wrong.correct and wrong.question.answer == "B"
    again = await service.answer(branch.id, "qq:20001", "B")
    assert again.already and not again.correct
    right = await service.answer(branch.id, "qq:20002", "Ｂ")
    assert right.correct
    async with service.database.reading() as session:
        notes = sorted((await session.scalars(select(LedgerEntry.note).where(LedgerEntry.kind == ledger.QUIZ))).all())
    assert notes == ["正确", "错误"]


async def test_day_statistics_name_who_has_not_studied(setup):
    service, branch = setup
    await service.check_in(branch.id, "qq:20001")
    await service.check_in(branch.id, "qq:29999")  # not registered
    stats = await service.day_stats(branch.id)
    assert (stats.members, stats.checked_in, stats.registered_checked_in) == (2, 2, 1)
    assert [name for _, name in stats.missing] == ["李四"] and stats.rate == 0.5


async def test_a_broken_file_is_named_and_the_rest_import(database, tmp_path):
    write_library(tmp_path, {"安全驾驶": 2})
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\ntheme: x\n---\n正文\n", encoding="utf-8")
    report = await StudyService(database, tmp_path).import_directory()
    assert report.added == 2 and len(report.errors) == 1
    assert report.errors[0].path.endswith("broken.md") and report.errors[0].line >= 2
    again = await StudyService(database, tmp_path).import_directory()
    assert (again.added, again.updated) == (0, 0)  # importing twice changes nothing

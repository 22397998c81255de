"""Study rules: the library, the rotation, the daily push, check-ins, the daily question, statistics.

Knows nothing of NoneBot: every function takes a Database and plain ids, and returns data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock, ledger, participation
from bot.core.branches import theme_of_month
from bot.core.db import Database
from bot.core.models import Branch, Member
from bot.core.outbox import Target, enqueue
from bot.core.participation import Rate

from . import texts
from .branch_settings import BranchSettings, parse_push_time
from .library import ImportReport, Library, Notify, to_material, visible_to
from .materials import SHIPPED_MATERIALS, Material, Question, check_answer, format_material
from .models import QuizAnswer, StudyCheckin, StudyDay, StudyMaterial

__all__ = ["AnswerResult", "ImportReport", "StudyService", "build", "parse_push_time", "push_text", "to_material"]

log = logging.getLogger(__name__)
PUSH_PURPOSE = "study_push"


def _insert(session: AsyncSession):
    """The dialect's INSERT that knows ON CONFLICT."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True)
class CheckinResult:
    """The outcome of 打卡."""

    already: bool
    streak: int
    month_count: int
    material_title: str | None


@dataclass(frozen=True)
class AnswerResult:
    """The outcome of one answer to the daily question."""

    already: bool
    correct: bool
    letter: str
    question: Question


@dataclass(frozen=True)
class DayStats:
    """One day's check-ins in one branch: the members' rate (`bot.core.participation`) and who has not studied."""

    study: Rate  # members who checked in ÷ members; check-ins of people who are no members beside
    missing: list[tuple[str, str]]  # (user_key, name) of members who have not checked in

    @property
    def members(self) -> int:
        """The day's members."""
        return self.study.possible

    @property
    def checked_in(self) -> int:
        """Everyone who checked in (members and others)."""
        return self.study.total

    @property
    def registered_checked_in(self) -> int:
        """Members who checked in."""
        return self.study.done

    @property
    def rate(self) -> float:
        """Check-in rate of members."""
        return self.study.value


class StudyService(Library, BranchSettings):
    """The study feature over one database."""

    def __init__(
        self,
        database: Database,
        materials_dir: Path | None = None,
        default_push_time: str = "07:30",
        notify: Notify | None = None,
        *,
        answer_wait_minutes: int = 5,
        remind_max: int = 30,
    ) -> None:
        self.database = database
        self.answer_wait = timedelta(minutes=answer_wait_minutes)  # a bare letter answers /答题 this long
        self.remind_max = remind_max  # @-mentions in one /学习 提醒
        self.materials_dir = materials_dir or SHIPPED_MATERIALS
        self.default_push_time = default_push_time
        self.notify = notify

    # ---- rotation and today's material --------------------------------------------------------------
    async def _choose(self, session: AsyncSession, branch_id: int, day: date) -> int | None:
        """Next material for a branch: the month's theme first; nothing repeats until its pool is used up."""
        theme = await theme_of_month(session, branch_id, day.strftime("%Y-%m"))
        used = select(StudyDay.material_id).where(StudyDay.branch_id == branch_id)
        last_used = (
            select(StudyDay.material_id, func.max(StudyDay.day).label("last"))
            .where(StudyDay.branch_id == branch_id)
            .group_by(StudyDay.material_id)
            .subquery()
        )
        pools = []
        if theme:
            pools.append(StudyMaterial.theme == theme)
        pools.append(None)  # a theme with no materials falls back to the whole library
        for pool in pools:
            conditions = [visible_to(branch_id)]
            if pool is not None:
                conditions.append(pool)
            fresh = await session.scalar(
                select(StudyMaterial.id)
                .where(*conditions, StudyMaterial.id.not_in(used))
                .order_by(StudyMaterial.id)
                .limit(1)
            )
            if fresh is not None:
                return fresh
            # The pool is used up: start again with what was studied longest ago.
            oldest = await session.scalar(
                select(StudyMaterial.id)
                .join(last_used, last_used.c.material_id == StudyMaterial.id)
                .where(*conditions)
                .order_by(last_used.c.last, StudyMaterial.id)
                .limit(1)
            )
            if oldest is not None:
                return oldest
        return None

    async def todays_material(self, branch_id: int, day: date | None = None) -> StudyMaterial | None:
        """The branch's material of the day, chosen once (also when two processes ask at once)."""
        day = day or clock.today()
        async with self.database.session() as session:
            return await self._todays_material(session, branch_id, day)

    async def _todays_material(self, session: AsyncSession, branch_id: int, day: date) -> StudyMaterial | None:
        """todays_material inside an open transaction."""
        chosen = await session.scalar(
            select(StudyDay.material_id).where(StudyDay.branch_id == branch_id, StudyDay.day == day)
        )
        if chosen is not None:
            row = await session.scalar(select(StudyMaterial).where(StudyMaterial.id == chosen, visible_to(branch_id)))
            if row is not None:
                return row
            # Withdrawn, rejected or removed since it was chosen: today's material is chosen again.
            await session.execute(delete(StudyDay).where(StudyDay.branch_id == branch_id, StudyDay.day == day))
            chosen = None
        if chosen is None:
            material_id = await self._choose(session, branch_id, day)
            if material_id is None:
                return None
            statement = (
                _insert(session)(StudyDay)
                .values(branch_id=branch_id, day=day, material_id=material_id, chosen_at=clock.now())
                .on_conflict_do_nothing()
            )
            await session.execute(statement)
            chosen = await session.scalar(
                select(StudyDay.material_id).where(StudyDay.branch_id == branch_id, StudyDay.day == day)
            )
        return await session.get(StudyMaterial, chosen)

    # ---- the daily push ---------------------------------------------------------------------------
    async def queue_due_pushes(self, now: datetime | None = None) -> int:
        """Queue today's push for every branch whose push time has come (once per branch and day).

        Run every half minute. A push missed while offline is queued when the bot is back, the same day
        only: the item expires at midnight. The dedupe key makes it once also with two processes.
        """
        now = now or clock.now()
        day = now.date()
        _, end_of_day = clock.day_bounds(day)
        async with self.database.reading() as session:
            branches = (
                await session.scalars(select(Branch).where(Branch.active, Branch.push_enabled).order_by(Branch.id))
            ).all()
        queued = 0
        for branch in branches:
            if now.time() < time.fromisoformat(branch.push_time):
                continue
            async with self.database.session() as session:
                material = await self._todays_material(session, branch.id, day)
                if material is None:
                    continue
                item = await enqueue(
                    session,
                    Target(branch.platform, "group", branch.group_id, branch.self_id),
                    [push_text(to_material(material))],
                    purpose=PUSH_PURPOSE,
                    dedupe_key=f"study:{branch.id}:{day.isoformat()}",
                    not_after=end_of_day,
                )
            queued += item is not None
        return queued

    # ---- check-in and the question ----------------------------------------------------------------
    async def check_in(self, branch_id: int, user_key: str) -> CheckinResult:
        """打卡 for today: once a person a day, whichever of their branches (a member moved by /转出 who checked in
        in the old group has checked in); replies with the streak and this month's count over all branches."""
        now = clock.now()
        day = now.date()
        async with self.database.session() as session:
            material = await self._todays_material(session, branch_id, day)
            elsewhere = await session.scalar(
                select(StudyCheckin.id).where(StudyCheckin.user_key == user_key, StudyCheckin.day == day).limit(1)
            )
            inserted = None
            if elsewhere is None:
                inserted = (
                    await session.execute(
                        _insert(session)(StudyCheckin)
                        .values(branch_id=branch_id, user_key=user_key, day=day, at=now)
                        .on_conflict_do_nothing()
                        .returning(StudyCheckin.id)
                    )
                ).scalar_one_or_none()
            if inserted is not None:
                await ledger.record(session, user_key, branch_id, ledger.STUDY, f"study:{day.isoformat()}")
            days = (
                await session.scalars(
                    select(StudyCheckin.day)
                    .where(StudyCheckin.user_key == user_key, StudyCheckin.day > day - timedelta(days=400))
                    .distinct()
                    .order_by(StudyCheckin.day.desc())
                )
            ).all()
        streak = 0
        expected = day
        for checked in days:
            if checked != expected:
                break
            streak += 1
            expected -= timedelta(days=1)
        month_count = sum(1 for d in days if (d.year, d.month) == (day.year, day.month))
        return CheckinResult(inserted is None, streak, month_count, material.title if material else None)

    async def todays_question(self, branch_id: int) -> tuple[StudyMaterial | None, Question | None]:
        """Today's material and its question (None when the material has none)."""
        material = await self.todays_material(branch_id)
        if material is None:
            return None, None
        return material, to_material(material).question

    async def answer(self, branch_id: int, user_key: str, letter: str) -> AnswerResult | None:
        """Score one answer to today's question; one try a day. None when there is no question today."""
        now = clock.now()
        day = now.date()
        async with self.database.session() as session:
            material = await self._todays_material(session, branch_id, day)
            question = to_material(material).question if material else None
            if material is None or question is None:
                return None
            previous = await session.scalar(
                select(QuizAnswer).where(
                    QuizAnswer.branch_id == branch_id, QuizAnswer.user_key == user_key, QuizAnswer.day == day
                )
            )
            if previous is not None:
                return AnswerResult(True, previous.correct, previous.letter, question)
            correct = check_answer(question, letter)
            inserted = (
                await session.execute(
                    _insert(session)(QuizAnswer)
                    .values(
                        branch_id=branch_id,
                        user_key=user_key,
                        day=day,
                        material_id=material.id,
                        letter=letter,
                        correct=correct,
                        at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(QuizAnswer.id)
                )
            ).scalar_one_or_none()
            if inserted is None:  # answered at the same moment from another process
                return AnswerResult(True, correct, letter, question)
            points = ledger.DEFAULT_RULES.points[ledger.QUIZ] if correct else 0
            await ledger.record(
                session,
                user_key,
                branch_id,
                ledger.QUIZ,
                f"quiz:{day.isoformat()}",
                points=points,
                note="正确" if correct else "错误",
            )
        return AnswerResult(False, correct, letter, question)

    async def answered(self, branch_id: int, user_key: str) -> str | None:
        """The letter someone answered today's question with, or None."""
        async with self.database.reading() as session:
            return await session.scalar(
                select(QuizAnswer.letter).where(
                    QuizAnswer.branch_id == branch_id,
                    QuizAnswer.user_key == user_key,
                    QuizAnswer.day == clock.today(),
                )
            )

    # ---- statistics ---------------------------------------------------------------------------------
    async def day_stats(self, branch_id: int, day: date | None = None) -> DayStats:
        """A day's check-ins against the day's members (today by default)."""
        day = day or clock.today()
        following = day + timedelta(days=1)
        async with self.database.reading() as session:
            rates = await participation.ledger_rates(session, (ledger.STUDY,), [branch_id], day, following)
            members = (
                await session.execute(
                    select(Member.user_key, Member.name)
                    .where(Member.branch_id == branch_id, Member.left_at.is_(None))
                    .order_by(Member.id)
                )
            ).all()
            checked = set(
                (
                    await session.scalars(
                        select(StudyCheckin.user_key).where(
                            StudyCheckin.branch_id == branch_id, StudyCheckin.day == day
                        )
                    )
                ).all()
            )
        missing = [(key, name) for key, name in members if key not in checked]
        return DayStats(rates.get((branch_id, ledger.STUDY), Rate()), missing)

    async def day_rates(self, branch_ids: list[int], day: date | None = None) -> dict[int, Rate]:
        """A day's members' check-in rate of each of these branches (one grouped query)."""
        day = day or clock.today()
        async with self.database.reading() as session:
            rates = await participation.ledger_rates(session, (ledger.STUDY,), branch_ids, day, day + timedelta(days=1))
        return {branch_id: rates.get((branch_id, ledger.STUDY), Rate()) for branch_id in branch_ids}


def push_text(material: Material) -> str:
    """The daily push: the material, and how to check in and answer."""
    head = texts.PUSH_HEAD.format(day=clock.today().strftime("%m月%d日"))
    lines = [head, format_material(material), "", texts.PUSH_CHECK_IN]
    if material.question:
        lines.append(texts.PUSH_QUESTION)
    return "\n".join(lines)


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> StudyService:
    """The study service of a process, from the `STUDY_*` settings."""
    from bot.core.settings import load_config

    from .config import Config
    from .flows import add_flow

    config = load_config(Config)
    folder = Path(config.study_materials_dir) if config.study_materials_dir else None

    async def notify(target: Target, text: str) -> None:
        await services.notify(target, text, purpose="study")

    service = StudyService(
        services.database,
        folder,
        config.study_default_push_time,
        notify,
        answer_wait_minutes=config.study_answer_wait_minutes,
        remind_max=config.study_remind_max_mentions,
    )
    services.conversations.register(add_flow(services))

    async def import_materials() -> None:
        report = await service.import_directory()
        log.info("study materials: %s added, %s updated, %s skipped", report.added, report.updated, len(report.errors))

    services.startup.append(import_materials)
    return service

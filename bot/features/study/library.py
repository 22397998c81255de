"""The material library: the shipped folder, a secretary's own materials, and their review by a superuser.

Shipped and imported materials (bot/features/study/data, or STUDY_MATERIALS_DIR) are for every branch. A
secretary's material belongs to their branch (status `pending`: only that branch's /学习 and push use it) until a
superuser approves it for every branch; a rejected, withdrawn or removed material is used nowhere.
`visible_to(branch_id)` is that rule, in one condition.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, and_, func, or_, select

from bot.core import clock, sharing
from bot.core.actor import Actor, split_key
from bot.core.db import Database
from bot.core.errors import NotFound, PermissionDenied
from bot.core.models import Branch
from bot.core.outbox import Target
from bot.core.scope import Scope
from bot.core.sharing import STUDY, shared_with

from . import texts
from .materials import Material, MaterialError, Question, load_directory
from .models import StudyMaterial

log = logging.getLogger(__name__)

APPROVED, PENDING, REJECTED, WITHDRAWN, REMOVED = "approved", "pending", "rejected", "withdrawn", "removed"
Notify = Callable[[Target, str], Awaitable[None]]


def visible_to(branch_id: int | None) -> ColumnElement[bool]:
    """Materials a branch studies: approved ones, its own still waiting for review, and those a committee above it
    approved for its subtree (bot/core/sharing.py)."""
    if branch_id is None:
        return and_(StudyMaterial.active, StudyMaterial.status == APPROVED)
    return and_(
        StudyMaterial.active,
        or_(
            StudyMaterial.status == APPROVED,
            and_(
                StudyMaterial.status == PENDING,
                or_(StudyMaterial.branch_id == branch_id, shared_with(STUDY, branch_id, StudyMaterial.id)),
            ),
        ),
    )


def to_material(row: StudyMaterial) -> Material:
    """A stored row as the library's Material."""
    question = None
    if row.question:
        q = row.question
        question = Question(
            stem=q["stem"], options=dict(q["options"]), answer=q["answer"], explanation=q.get("explanation", "")
        )
    return Material(
        slug=row.slug,
        title=row.title,
        theme=row.theme,
        tags=tuple(row.tags or ()),
        body=row.body,
        sample=row.sample,
        question=question,
    )


def question_json(question: Question | None) -> dict | None:
    """A Question for the JSON column."""
    if question is None:
        return None
    return {
        "stem": question.stem,
        "options": dict(question.options),
        "answer": question.answer,
        "explanation": question.explanation,
    }


@dataclass(frozen=True)
class ImportReport:
    """What an import of the material folder did."""

    added: int
    updated: int
    errors: list[MaterialError]


class Library:
    """The library part of the study service (mixed into StudyService)."""

    database: Database
    materials_dir: Path
    notify: Notify | None

    async def import_directory(self, folder: Path | None = None) -> ImportReport:
        """Load every material file (for every branch); a broken file is reported by name and line and skipped.

        A shipped material a superuser removed stays removed (the import never changes a stored status).
        """
        materials, errors = load_directory(folder or self.materials_dir)
        for error in errors:
            log.warning("study material skipped: %s line %s: %s", error.path, error.line, error.reason)
        added = updated = 0
        async with self.database.session() as session:
            existing = {row.slug: row for row in (await session.scalars(select(StudyMaterial))).all()}
            for material in materials:
                row = existing.get(material.slug)
                if row is None:
                    row = StudyMaterial(slug=material.slug, source="file", created_at=clock.now(), status=APPROVED)
                    session.add(row)
                    added += 1
                elif (row.title, row.body, row.theme, row.question) != (
                    material.title,
                    material.body,
                    material.theme,
                    question_json(material.question),
                ):
                    updated += 1
                row.title, row.theme, row.tags, row.body = (
                    material.title,
                    material.theme,
                    list(material.tags),
                    material.body,
                )
                row.question, row.sample, row.active = question_json(material.question), material.sample, True
        return ImportReport(added, updated, errors)

    async def add_material(self, author_key: str, material: Material, branch_id: int | None = None) -> StudyMaterial:
        """A material added by conversation: with a branch it waits for review and only that branch uses it;
        without one (a superuser's) it is for every branch at once."""
        async with self.database.session() as session:
            row = StudyMaterial(
                slug=f"chat-{uuid.uuid4().hex}",  # unique also for two added in the same instant
                title=material.title,
                theme=material.theme,
                tags=list(material.tags),
                body=material.body,
                question=question_json(material.question),
                sample=False,
                source="chat",
                added_by=author_key,
                created_at=clock.now(),
                branch_id=branch_id,
                status=APPROVED if branch_id is None else PENDING,
            )
            session.add(row)
            await session.flush()
        return row

    async def themes(self, branch_id: int | None = None) -> list[tuple[str, int]]:
        """Themes a branch's library has (None: the shared library), with their material counts."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(StudyMaterial.theme, func.count()).where(visible_to(branch_id)).group_by(StudyMaterial.theme)
            )
            return sorted(((t, n) for t, n in rows.all()), key=lambda r: -r[1])

    # ---- review ---------------------------------------------------------------------------------------
    async def pending(self, scope: Scope) -> list[tuple[StudyMaterial, str | None]]:
        """Materials waiting for this reviewer, with the name of the branch they came from: every one for the top; a
        committee's from its branches, until it approved them for its subtree."""
        async with self.database.reading() as session:
            query = (
                select(StudyMaterial, Branch.name)
                .outerjoin(Branch, Branch.id == StudyMaterial.branch_id)
                .where(StudyMaterial.active, StudyMaterial.status == PENDING)
                .order_by(StudyMaterial.id)
            )
            condition = scope.branch_condition(StudyMaterial.branch_id)
            if condition is not None:
                done = (await sharing.shares(session, STUDY)).items()
                approved = [item for item, committees in done if set(scope.top) & committees]
                query = query.where(condition, StudyMaterial.id.not_in(approved))
            rows = await session.execute(query)
            return [(row, name) for row, name in rows.all()]

    async def _set_status(
        self, material_id: int, status: str, note: str, *, only_pending: bool
    ) -> tuple[StudyMaterial, str | None]:
        """Change a material's status; returns it with the bot account of its branch (to tell the submitter)."""
        async with self.database.session() as session:
            row = await session.get(StudyMaterial, material_id)
            if row is None or not row.active or (only_pending and row.status != PENDING):
                raise NotFound((texts.NOT_PENDING if only_pending else texts.NOT_FOUND).format(id=material_id))
            if not only_pending and row.status not in (APPROVED, PENDING):
                raise NotFound(texts.NOT_FOUND.format(id=material_id))
            row.status, row.review_note = status, note[:120]
            branch = await session.get(Branch, row.branch_id) if row.branch_id is not None else None
        return row, (branch.self_id if branch is not None else None)

    async def _tell(self, row: StudyMaterial, self_id: str | None, text: str) -> None:
        """Tell the submitter in private chat, through the outbox."""
        submitter = row.added_by or ""
        if self.notify is None or ":" not in submitter:
            return
        platform, user_id = split_key(submitter)
        await self.notify(Target(platform, "private", user_id, self_id), text)

    async def _reviewable(self, scope: Scope, material_id: int) -> StudyMaterial:
        """A pending material this reviewer may decide on (the top: any; a committee: its branches')."""
        if not scope.committee_member:
            raise PermissionDenied(texts.SUPERUSERS_ONLY)
        async with self.database.reading() as session:
            row = await session.get(StudyMaterial, material_id)
        if row is None or not row.active or row.status != PENDING:
            raise NotFound(texts.NOT_PENDING.format(id=material_id))
        if not scope.everything and not scope.sees_branch(row.branch_id):
            raise NotFound(texts.NOT_PENDING.format(id=material_id))
        return row

    async def approve(self, actor: Actor, material_id: int, scope: Scope, committee: str = "") -> StudyMaterial:
        """A pending material becomes one for every branch (the top's approval), or for a committee's branches (its
        own); its submitter is told."""
        row = await self._reviewable(scope, material_id)
        level = sharing.reviewer(scope)
        if level is not None:
            async with self.database.session() as session:
                await sharing.share(session, STUDY, row.id, level, actor.key)
                branch = await session.get(Branch, row.branch_id) if row.branch_id is not None else None
            text = texts.TOLD_APPROVED_FOR.format(id=row.id, title=row.title, committee=committee)
            await self._tell(row, branch.self_id if branch is not None else None, text)
            return row
        row, self_id = await self._set_status(material_id, APPROVED, "", only_pending=True)
        await self._tell(row, self_id, texts.TOLD_APPROVED.format(id=row.id, title=row.title))
        return row

    async def reject(self, actor: Actor, material_id: int, reason: str, scope: Scope) -> StudyMaterial:
        """A pending material is used nowhere any more; its submitter is told why."""
        await self._reviewable(scope, material_id)
        row, self_id = await self._set_status(material_id, REJECTED, reason, only_pending=True)
        await self._tell(row, self_id, texts.TOLD_REJECTED.format(id=row.id, title=row.title, reason=reason))
        return row

    async def withdraw(self, actor: Actor, material_id: int) -> StudyMaterial:
        """The submitter takes their own material back (pending or approved)."""
        async with self.database.reading() as session:
            row = await session.get(StudyMaterial, material_id)
        if row is None or not row.active or row.status not in (APPROVED, PENDING):
            raise NotFound(texts.NOT_FOUND.format(id=material_id))
        if row.added_by != actor.key and not actor.is_superuser:
            raise PermissionDenied(texts.MAY_NOT_WITHDRAW)
        return (await self._set_status(material_id, WITHDRAWN, "", only_pending=False))[0]

    async def remove(self, actor: Actor, material_id: int) -> StudyMaterial:
        """A superuser removes any material, shipped ones included (a later import does not bring it back)."""
        if not actor.is_superuser:
            raise PermissionDenied(texts.SUPERUSERS_ONLY)
        return (await self._set_status(material_id, REMOVED, "", only_pending=False))[0]

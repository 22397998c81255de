"""A branch's study settings: push time, push on/off, the month's theme (its own, or one for every branch)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.core import clock
from bot.core.db import Database
from bot.core.models import Branch, MonthlyTheme

from . import texts
from .library import visible_to
from .models import StudyMaterial

_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


def parse_push_time(text: str) -> str:
    """HH:MM (full-width colon accepted), or ValueError with the usage."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(texts.PUSH_TIME_BAD)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class BranchSettings:
    """The settings part of the study service (mixed into StudyService)."""

    database: Database

    # ---- settings of a branch -------------------------------------------------------------------------
    async def set_push_time(self, branch_id: int, value: str) -> str:
        """Change the push time; returns it normalised."""
        value = parse_push_time(value)
        async with self.database.session() as session:
            branch = await session.get(Branch, branch_id)
            if branch is not None:
                branch.push_time = value
        return value

    async def set_push_enabled(self, branch_id: int, enabled: bool) -> None:
        """Turn the daily push on or off."""
        async with self.database.session() as session:
            branch = await session.get(Branch, branch_id)
            if branch is not None:
                branch.push_enabled = enabled

    async def set_theme(self, branch_id: int | None, theme: str, by: str) -> bool:
        """一月一主题 for this month (branch_id None: every branch, where a branch's own theme still wins);
        True when the library (of that branch) has materials for it."""
        month = clock.today().strftime("%Y-%m")
        async with self.database.session() as session:
            row = await session.scalar(
                select(MonthlyTheme).where(
                    MonthlyTheme.month == month,
                    MonthlyTheme.branch_id.is_(None) if branch_id is None else MonthlyTheme.branch_id == branch_id,
                )
            )
            if row is None:
                row = MonthlyTheme(branch_id=branch_id, month=month, theme=theme, set_by=by, set_at=clock.now())
                session.add(row)
            row.theme, row.set_by, row.set_at = theme, by, clock.now()
            count = await session.scalar(
                select(func.count())
                .select_from(StudyMaterial)
                .where(StudyMaterial.theme == theme, visible_to(branch_id))
            )
        return bool(count)

    async def own_themes(self, month: str | None = None) -> list[tuple[str, str]]:
        """(branch name, theme) of active branches that set their own theme this month (it wins over 全部)."""
        month = month or clock.today().strftime("%Y-%m")
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Branch.name, MonthlyTheme.theme)
                .join(Branch, Branch.id == MonthlyTheme.branch_id)
                .where(MonthlyTheme.month == month, Branch.active)
                .order_by(Branch.id)
            )
            return [(name, theme) for name, theme in rows.all()]

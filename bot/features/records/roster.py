"""Rosters a province kept before the bot (台账: name, phone, plate, status, branch), imported for the branches in
the importer's scope; a person who registers later in that branch with the same name and phone is linked to their
line (`MemberRecords.register`), keeping its status. `/台账` lists who on the roster has not registered yet.

An import is one transaction: every line is checked first, and a file with any bad line imports nothing (each bad
line is listed with its number). Lines are matched by (branch, name, phone): importing again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.core import clock
from bot.core.branches import PARTY_STATUSES
from bot.core.db import Database
from bot.core.models import Branch, Member, RosterEntry
from bot.core.scope import Scope
from bot.core.sheets import Row, SheetError, read_table
from bot.core.validation import normalize_phone, normalize_plate

from . import texts

COLUMNS = ("姓名", "手机", "车牌", "政治面貌", "支部")
_NAME_OK = 2, 16


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad line of a roster."""

    line: int
    reason: str


@dataclass
class RosterReport:
    """What an import did (or, with problems, why it did nothing)."""

    added: int = 0
    updated: int = 0
    linked: int = 0
    problems: list[Problem] = field(default_factory=list)


def rows_of_text(text: str, default_branch: str | None) -> list[Row]:
    """Lines pasted in a chat: with the header `COLUMNS` first, or in that order without it (支部 may be left out by
    a secretary of one branch)."""
    lines = [line for line in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in line)]
    if lines and lines[0][:1] == ["姓名"]:
        header, lines = [c.strip() for c in lines[0]], lines[1:]
        first = 2
    else:
        header, first = list(COLUMNS), 1
    rows = []
    for number, cells in enumerate(lines, start=first):
        values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}
        if not values.get("支部") and default_branch:
            values["支部"] = default_branch
        rows.append(Row(number, values))
    return rows


class Rosters:
    """Roster import and the list of who has not joined."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def import_file(self, path: Path | str, by: str, scope: Scope) -> RosterReport:
        """Import a CSV or XLSX roster (columns `COLUMNS`), all or nothing."""
        try:
            rows = read_table(path, COLUMNS, ("姓名", "手机", "支部"))
        except (SheetError, OSError) as error:
            return RosterReport(problems=[Problem(1, texts.ROSTER_READ_FAILED.format(error=error))])
        return await self.import_rows(rows, by, scope)

    async def import_rows(self, rows: list[Row], by: str, scope: Scope) -> RosterReport:
        """Import checked rows for the branches in `scope`; nothing when any row is bad."""
        report = RosterReport()
        now = clock.now()
        async with self.database.session() as session:
            branches = {b.name: b for b in (await session.scalars(select(Branch))).all()}
            existing = {(e.branch_id, e.name, e.phone): e for e in (await session.scalars(select(RosterEntry))).all()}
            seen: dict[tuple[int, str, str], int] = {}
            for row in rows:
                checked = self._check(row, branches, scope)
                if isinstance(checked, str):
                    report.problems.append(Problem(row.line, checked))
                    continue
                branch, name, phone, plate, status = checked
                key = (branch.id, name, phone)
                if key in seen:
                    report.problems.append(Problem(row.line, texts.ROSTER_DUPLICATE.format(first=seen[key])))
                    continue
                seen[key] = row.line
                entry = existing.get(key)
                if entry is None:
                    entry = RosterEntry(
                        branch_id=branch.id,
                        name=name,
                        phone=phone,
                        plate=plate,
                        status=status,
                        imported_by=by,
                        imported_at=now,
                    )
                    session.add(entry)
                    report.added += 1
                elif (entry.plate, entry.status) != (plate, status):
                    entry.plate, entry.status = plate, status
                    report.updated += 1
                if entry.member_id is None:  # registered before the import: linked now
                    member = await session.scalar(
                        select(Member).where(
                            Member.branch_id == branch.id,
                            Member.name == name,
                            Member.phone == phone,
                            Member.left_at.is_(None),
                        )
                    )
                    if member is not None:
                        await session.flush()
                        entry.member_id, entry.linked_at = member.id, now
                        if member.status_confirmed_at is None:
                            member.status, member.status_confirmed_by = status, f"roster:{by}"
                            member.status_confirmed_at = now
                        report.linked += 1
            if report.problems:
                await session.rollback()
                report.problems.sort(key=lambda p: p.line)
                return RosterReport(problems=report.problems)
        return report

    @staticmethod
    def _check(row: Row, branches: dict[str, Branch], scope: Scope):
        """(branch, name, phone, plate, status) of a good line, or why it is bad."""
        name = row.get("姓名")
        if not _NAME_OK[0] <= len(name) <= _NAME_OK[1]:
            return texts.ROSTER_BAD_NAME
        phone = normalize_phone(row.get("手机"))
        if phone is None:
            return texts.ROSTER_BAD_PHONE
        plate = None
        if row.get("车牌"):
            plate = normalize_plate(row.get("车牌"))
            if plate is None:
                return texts.ROSTER_BAD_PLATE
        status = row.get("政治面貌") or "群众"
        if status not in PARTY_STATUSES:
            return texts.ROSTER_BAD_STATUS.format(statuses="、".join(PARTY_STATUSES))
        branch = branches.get(row.get("支部"))
        if branch is None or not scope.sees_branch(branch.id):
            return texts.ROSTER_NO_BRANCH.format(name=row.get("支部")[:30])
        return branch, name, phone, plate, status

    async def not_joined(self, branch_id: int) -> list[RosterEntry]:
        """The roster's lines of a branch nobody registered as yet."""
        async with self.database.reading() as session:
            return list(
                (
                    await session.scalars(
                        select(RosterEntry)
                        .where(RosterEntry.branch_id == branch_id, RosterEntry.member_id.is_(None))
                        .order_by(RosterEntry.id)
                    )
                ).all()
            )

    async def counts(self, branch_id: int) -> tuple[int, int]:
        """(lines on the roster, lines linked to a registration)."""
        async with self.database.reading() as session:
            rows = (
                await session.scalars(select(RosterEntry.member_id).where(RosterEntry.branch_id == branch_id))
            ).all()
        return len(rows), sum(1 for r in rows if r is not None)

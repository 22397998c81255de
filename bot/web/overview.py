"""The overview of a period: each unit's line, the totals, the state now and who lags (the monthly trends are a
section of their own, `pages.trend`, cached longer: they read twelve months of the ledger).

The appeal figures come from the appeals service (their definitions live in bot/features/appeals/figures.py); this
module only chooses the period, adds units up and compares them with the whole.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.core import clock
from bot.core.participation import Rate
from bot.features.appeals.figures import Figures
from bot.services import Services

from . import periods, queries, units
from .periods import Period
from .queries import BranchFigures, MonthTrend, NowState
from .units import Unit

TREND_MONTHS = 12
LAGGING_SHOWN = 10


@dataclass
class Line:
    """One unit's line: participation and appeals of the period, the state now, and where it is below the whole."""

    unit: Unit
    figures: BranchFigures
    now: NowState
    judged: bool  # enough appeals in the period to rank its appeal rates
    below: frozenset[str]  # the rates (close, on_time, satisfaction, study) below the whole's

    @property
    def appeals(self) -> Figures:
        """The period's appeal figures."""
        return self.figures.appeals


@dataclass
class Overview:
    """What the overview page (and its export) shows for one viewer and one period."""

    period: Period
    root: Unit
    lines: list[Line]
    totals: Figures
    now: NowState
    members: int
    today: Rate  # today's members' check-ins, all branches together
    study: Rate  # the period's members' check-ins, all branches together
    threshold: int
    at: datetime

    def judged(self, key: str) -> list[Line]:
        """The lines that can be ranked by a rate: enough appeals, or (study) registered members."""
        if key == "study":
            return [line for line in self.lines if line.figures.study.possible]
        return [line for line in self.lines if line.judged]

    def lagging(self, key: str) -> list[Line]:
        """Units below the whole's rate, the lowest first (at most LAGGING_SHOWN); too small to judge: never."""
        below = [line for line in self.judged(key) if key in line.below]
        return sorted(below, key=lambda line: rate(line, key))[:LAGGING_SHOWN]

    @property
    def today_rate(self) -> float:
        """Today's members' check-in rate of the whole."""
        return self.today.value

    @property
    def study_rate(self) -> float:
        """The period's members' check-in rate of the whole."""
        return self.study.value

    @property
    def unjudged(self) -> int:
        """Units with too few appeals in the period to be ranked."""
        return sum(not line.judged for line in self.lines)


def rate(line: Line, key: str) -> float:
    """A line's rate by its key."""
    if key == "study":
        return line.figures.study_rate
    return getattr(line.appeals, f"{key}_rate")


def whole_rate(overview: Overview, key: str) -> float:
    """The whole's rate by its key."""
    return overview.study_rate if key == "study" else getattr(overview.totals, f"{key}_rate")


def add_up(items: list[Figures]) -> Figures:
    """Figures of several units together: every count adds up; the mean duration is weighted by the closed."""
    counts: dict[str, Any] = {}
    for name in (f.name for f in fields(Figures)):
        if name == "avg_days":
            weighted = [(f.avg_days, f.closed) for f in items if f.avg_days is not None]
            total = sum(n for _, n in weighted)
            counts[name] = sum(d * n for d, n in weighted) / total if total else None
        elif name == "by_category":
            counts[name] = []
        else:
            counts[name] = sum(getattr(f, name) for f in items)
    return Figures(**counts)


def combine(unit: Unit, rows: list[BranchFigures]) -> BranchFigures:
    """A unit's line from its branches' lines: counts and rates add up, appeals as `add_up`, the latest push."""
    pushes = [row.last_push for row in rows if row.last_push is not None]
    by_status: dict[str, int] = {}
    for row in rows:
        for status, count in row.by_status.items():
            by_status[status] = by_status.get(status, 0) + count
    return BranchFigures(
        unit.id or 0,
        unit.name,
        sum(row.members for row in rows),
        by_status,
        sum((row.today for row in rows), Rate()),
        sum((row.study for row in rows), Rate()),
        sum((row.quiz for row in rows), Rate()),
        sum(row.activities for row in rows),
        sum(row.attendance for row in rows),
        add_up([row.appeals for row in rows]),
        max(pushes) if pushes else None,
    )


async def compute(
    services: Services,
    visible: frozenset[int] | None,
    period: Period,
    threshold: int,
    level: tuple[Unit, list[Unit]] | None = None,
) -> Overview:
    """The overview of the branches a viewer sees (None: every branch, the top) for a period; with `level` (a
    committee's view, `units.children`) one line per unit right below the unit drilled into — a city, a county, a
    branch —, each the sum of its branches."""
    if level is not None:
        return await _compute_level(services, visible, period, threshold, *level)
    children = await units.branches(services, visible)
    ids = None if visible is None else [unit.id for unit in children if unit.id is not None]
    # Three independent reads at once: SQLite scans in its own threads, PostgreSQL on its own connections.
    figures, states, whole = await asyncio.gather(
        queries.branch_figures(services, ids, period.start, period.end),
        queries.now_state(services, ids),
        services.appeals.statistics(None, period.start, period.end) if visible is None else _nothing(),
    )
    rows = {row.branch_id: row for row in figures}
    # The province's totals include the appeals of no branch; a secretary's are their branches' added up.
    totals = whole or add_up([rows[unit.id].appeals for unit in children if unit.id in rows])
    now = NowState()
    for state in states.values():
        now.add(state)
    members = sum(row.members for row in rows.values())
    today = sum((row.today for row in rows.values()), Rate())
    study = sum((row.study for row in rows.values()), Rate())
    lines = []
    for unit in children:
        row = rows.get(unit.id or 0)
        if row is None:
            continue
        judged = row.appeals.collected >= threshold
        below = set()
        if judged:
            below |= {key for key in ("close", "on_time", "satisfaction") if _below(row.appeals, totals, key)}
        if row.study.possible and row.study_rate < study.value:
            below.add("study")
        lines.append(Line(unit, row, states.get(unit.id, NowState()), judged, frozenset(below)))
    return Overview(
        period,
        units.root(children, visible is None),
        lines,
        totals,
        now,
        members,
        today,
        study,
        threshold,
        clock.now(),
    )


async def _compute_level(
    services: Services, visible: frozenset[int] | None, period: Period, threshold: int, top: Unit, children: list[Unit]
) -> Overview:
    """A committee's overview: the lines of the units right below the one drilled into, the whole of it above."""
    ids = sorted(top.branch_ids)
    whole_tree = visible is None and top.kind == units.ROOT
    figures, states, whole = await asyncio.gather(
        queries.branch_figures(services, ids, period.start, period.end),
        queries.now_state(services, ids),
        services.appeals.statistics(None, period.start, period.end) if whole_tree else _nothing(),
    )
    rows = {row.branch_id: row for row in figures}
    totals = whole or add_up([row.appeals for row in rows.values()])
    now = NowState()
    for branch_id, state in states.items():
        if branch_id in top.branch_ids or (whole_tree and branch_id is None):
            now.add(state)
    study = sum((row.study for row in rows.values()), Rate())
    lines = []
    for unit in children:
        row = combine(unit, [rows[b] for b in unit.branch_ids if b in rows])
        state = NowState()
        for b in unit.branch_ids:
            if b in states:
                state.add(states[b])
        judged = row.appeals.collected >= threshold
        below = {key for key in ("close", "on_time", "satisfaction") if judged and _below(row.appeals, totals, key)}
        if row.study.possible and row.study_rate < study.value:
            below.add("study")
        lines.append(Line(unit, row, state, judged, frozenset(below)))
    return Overview(
        period,
        top,
        lines,
        totals,
        now,
        sum(row.members for row in rows.values()),
        sum((row.today for row in rows.values()), Rate()),
        study,
        threshold,
        clock.now(),
    )


async def trend(services: Services, visible: frozenset[int] | None, period: Period) -> list[MonthTrend]:
    """The twelve months up to the period's last: 收集, 办结 and 满意率 by month of closure, members' check-in rate."""
    ids = None if visible is None else sorted(visible)
    return await queries.monthly_trend(services, ids, periods.months_back(period.last_day(clock.today()), TREND_MONTHS))


async def _nothing() -> None:
    """No read (a secretary's totals are added up from their lines)."""


def _below(mine: Figures, whole: Figures, key: str) -> bool:
    """Whether a unit's rate is below the whole's (a rate with nothing under it is not judged)."""
    denominators = {"close": mine.collected, "on_time": mine.closed, "satisfaction": mine.answered}
    if not denominators[key]:
        return False
    return getattr(mine, f"{key}_rate") < getattr(whole, f"{key}_rate")

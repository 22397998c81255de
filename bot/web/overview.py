"""The overview of a period: each unit's line, the totals, the state now and who lags (the monthly trends are a
section of their own, `pages.trend`, cached longer: they read twelve months of the ledger).

The appeal figures come from the appeals service (their definitions live in bot/features/appeals/figures.py); this
module only chooses the period, adds units up and compares them with the whole.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.core import clock, org
from bot.core.org import Tree
from bot.core.participation import Rate
from bot.features.appeals import figures as appeal_figures
from bot.features.appeals.figures import Figures
from bot.services import Services

from . import periods, queries, units
from .periods import Period
from .queries import BranchFigures, MonthTrend, NowState
from .units import Unit

TREND_MONTHS = 12
LAGGING_SHOWN = 10
COMMITTEE_LEVELS = org.LEVELS  # from the top down; branches (支部) below them all


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
    channels: list[tuple[str, int]] = field(default_factory=list)  # the period's 收集 by channel, largest first
    # A committee's view: every unit of each level below the top (市 among 市, 县 among 县, 支部 among 支部), for
    # the lag ranking; a secretary's: none (their lines are the branches).
    levels: dict[str, list[Line]] = field(default_factory=dict)

    def at_level(self, level: str = "") -> list[Line]:
        """The lines of a level (none asked, or a level not offered: the lines right below the top)."""
        return self.levels.get(level, self.lines) if level else self.lines

    def judged(self, key: str, level: str = "") -> list[Line]:
        """The lines that can be ranked by a rate: enough appeals, or (study) registered members."""
        if key == "study":
            return [line for line in self.at_level(level) if line.figures.study.possible]
        return [line for line in self.at_level(level) if line.judged]

    def lagging(self, key: str, level: str = "") -> list[Line]:
        """Units (of a level) below the whole's rate, the lowest first (at most LAGGING_SHOWN); too small to judge:
        never."""
        below = [line for line in self.judged(key, level) if key in line.below]
        return sorted(below, key=lambda line: rate(line, key))[:LAGGING_SHOWN]

    def unjudged_at(self, level: str = "") -> int:
        """Units (of a level) with too few appeals in the period to be ranked."""
        return sum(not line.judged for line in self.at_level(level))

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
    """A committee's overview: the lines of the units right below the one drilled into, the whole of it above, and
    every unit of each level below it for the lag ranking. The appeal figures come from ONE pass of the appeals
    service over the subtree (its rule: the branches' appeals and those its committees hold), by channel and by
    place in the tree, folded here onto the units; the members' rates from one grouped read of the branches."""
    tree = await services.roles.org.tree()
    node = tree.committees[top.node] if top.node is not None and top.node in tree.committees else tree.root
    conditions, _ = await services.appeals.subtree(node)
    # The appeals service's own figures (its module, its definitions), by place and channel only: the overview
    # shows no category breakdown, and grouping by category too multiplies the groups by ten.
    counted = appeal_figures.conditions_for(None, period.start, period.end, conditions)
    service = services.appeals
    rows_found, states, (totals, found) = await asyncio.gather(
        # Always the IN list, the province's too: it is what lets SQLite read the ledger from the covering index
        # ix_ledger_branch_kind_day (without it, a year's lines through ix_ledger_kind_day and their rows).
        queries.branch_figures(services, sorted(top.branch_ids), period.start, period.end, appeals=False),
        queries.now_by_place(services, conditions),
        appeal_figures.breakdown(service.database, service.limits, counted, ("place", "channel")),
    )
    rows = {row.branch_id: row for row in rows_found}
    places = found.get("place", {})
    now = NowState()
    for state in states.values():
        now.add(state)
    study = sum((row.study for row in rows.values()), Rate())

    def lines_of(units_here: list[Unit], key_of: Any) -> list[Line]:
        appeals: dict[str, list[Figures]] = {}
        for key, figures in places.items():
            if (unit_key := key_of(key)) is not None:
                appeals.setdefault(unit_key, []).append(figures)
        now_of: dict[str, NowState] = {}
        for key, state in states.items():
            if (unit_key := key_of(key)) is not None:
                now_of.setdefault(unit_key, NowState()).add(state)
        lines = []
        for unit in units_here:
            row = combine(unit, [rows[b] for b in unit.branch_ids if b in rows])
            row.appeals = add_up(appeals.get(unit.key, []))
            judged = row.appeals.collected >= threshold
            below = {key for key in ("close", "on_time", "satisfaction") if judged and _below(row.appeals, totals, key)}
            if row.study.possible and row.study_rate < study.value:
                below.add("study")
            lines.append(Line(unit, row, now_of.get(unit.key, NowState()), judged, frozenset(below)))
        return lines

    levels = {}
    for level in _levels_below(node.level):
        found_units = _units_at(tree, node.id, level)
        if found_units:
            levels[level] = lines_of(found_units, lambda key, level=level: _level_key(tree, key, level))
    return Overview(
        period,
        top,
        lines_of(children, lambda key: _child_key(tree, node.id, key)),
        totals,
        now,
        sum(row.members for row in rows.values()),
        sum((row.today for row in rows.values()), Rate()),
        study,
        threshold,
        clock.now(),
        sorted(((name, f.collected) for name, f in found.get("channel", {}).items()), key=lambda c: (-c[1], c[0])),
        levels,
    )


def _levels_below(level: str) -> list[str]:
    """The levels below a committee's, the nearest first, branches last."""
    below = COMMITTEE_LEVELS[COMMITTEE_LEVELS.index(level) + 1 :] if level in COMMITTEE_LEVELS else ()
    return [*below, units.BRANCH_LEVEL]


def _units_at(tree: Tree, top: int, level: str) -> list[Unit]:
    """Every unit of a level in a committee's subtree (committees in region order, branches in pinyin order)."""
    subtree = tree.subtree(top)
    if level == units.BRANCH_LEVEL:
        branches = tree.branches_under(subtree) & tree.active_branches
        return sorted((units.branch_unit(tree, b) for b in branches), key=lambda u: units.pinyin_key(u.name))
    nodes = sorted((tree.committees[c] for c in subtree if c != top), key=units.region_key)
    return [units.committee_unit(tree, n) for n in nodes if n.level == level]


def _place_committee(tree: Tree, key: str) -> tuple[int | None, int | None]:
    """A place key (`queries.place`) as (branch, the committee it lies in: the branch's, else the one holding it)."""
    branch, _, committee = key.partition(":")
    if branch:
        return int(branch), tree.committee_of(int(branch)).id
    return None, int(committee) if committee else None


def _child_key(tree: Tree, top: int, key: str) -> str | None:
    """The unit right below a committee that a place counts in (as the appeals service's `subtree` folds it: a
    branch by its branch, else by the committee holding it); None: held at the committee itself, or outside."""
    branch, committee = _place_committee(tree, key)
    if committee is None:
        return None
    if branch is not None and committee == top:
        return f"{units.BRANCH}:{branch}"
    child = tree.child_of(top, committee)
    return f"{units.COMMITTEE}:{child}" if child is not None else None


def _level_key(tree: Tree, key: str, level: str) -> str | None:
    """The unit of a level (a 县, a 市, a branch) that a place counts in; None when it lies in none."""
    branch, committee = _place_committee(tree, key)
    if level == units.BRANCH_LEVEL:
        return f"{units.BRANCH}:{branch}" if branch is not None else None
    if committee is None:
        return None
    node = next((n for n in tree.chain(committee) if n.level == level), None)
    return f"{units.COMMITTEE}:{node.id}" if node is not None else None


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

"""The appeal figures, each defined ONCE here (and in the README), as the 12345/12328 reports use them. Chat
(`/诉求 统计`, `/月报`) and the web view compute them through `compute` / `with_total` over any set of appeals
(conditions on `Appeal`: a branch, a committee's subtree, a department …) and a period of receipt.

Over the appeals RECEIVED in a period (a branch's or all), overall or by category / department / branch:

- 收集 (collected): appeals received, except those the appellant withdrew (已撤回: no appeal to handle).
- 办结 (closed): of those, now 已办结 or 已回访 (a reopened appeal counts again only when closed again).
- 办结率 = 办结 ÷ 收集.
- 按期办结率 = 办结 within the close limit (closed_at ≤ close_due) ÷ 办结.
- 平均办理时长 = mean of (closed_at − received_at) in days over 办结.
- 回访率 = appeals with an answer (满意 / 基本满意 / 不满意) ÷ appeals ever closed (a 办结 in the trail).
- 满意率 = (满意 + 基本满意) ÷ appeals with an answer — 未回复 is no answer and in neither; an appeal's latest
  answer counts (a 不满意 that reopened it stays 不满意 until answered again).
- 退单率 = appeals handed back by a department (a 退单 in the trail) ÷ appeals ever transferred (a 转办).
- 重办率 = appeals reopened by a 不满意 answer ÷ appeals ever closed.
- 小事不出县率 = 办结 closed at county level or below (while its branch or a county committee held it, or a
  county's department: `closed_level` 支部 or 县) ÷ 办结.
- 超期 (now) = appeals with any limit passed and not met, now — `deadlines.late`, the same rule as `/诉求 超期`,
  an appeal's detail and the web board. Closing late is no 超期: it shows in 按期办结率.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, func, literal_column, or_, select

from bot.core import clock
from bot.core.db import Database
from bot.core.models import Branch

from . import deadlines, rules, texts
from .levels import COUNTY_OR_BELOW
from .models import Appeal
from .timelimits import TimeLimits

# The appeals that count (收集): every appeal received, except those withdrawn.
COUNTED = Appeal.state != rules.WITHDRAWN


@dataclass(frozen=True)
class Figures:
    """Counts of a period; the rates are properties so each is computed one way."""

    collected: int = 0
    closed: int = 0
    closed_on_time: int = 0
    avg_days: float | None = None
    answered: int = 0
    satisfied: int = 0
    overdue: int = 0
    by_category: list[tuple[str, int, int]] = field(default_factory=list)  # (category, collected, closed)
    ever_closed: int = 0
    transferred: int = 0
    returned: int = 0
    reopened: int = 0
    no_answer: int = 0
    in_county: int = 0  # 办结 at county level or below

    @property
    def close_rate(self) -> float:
        """办结率 = 办结 ÷ 收集."""
        return _ratio(self.closed, self.collected)

    @property
    def on_time_rate(self) -> float:
        """按期办结率 = 按期办结 ÷ 办结."""
        return _ratio(self.closed_on_time, self.closed)

    @property
    def follow_up_rate(self) -> float:
        """回访率 = 作答 ÷ 曾办结."""
        return _ratio(self.answered, self.ever_closed)

    @property
    def satisfaction_rate(self) -> float:
        """满意率 = (满意 + 基本满意) ÷ 作答 (未回复 is not an answer)."""
        return _ratio(self.satisfied, self.answered)

    @property
    def return_rate(self) -> float:
        """退单率 = 退单过的 ÷ 转办过的."""
        return _ratio(self.returned, self.transferred)

    @property
    def reopen_rate(self) -> float:
        """重办率 = 重办过的 ÷ 曾办结."""
        return _ratio(self.reopened, self.ever_closed)

    @property
    def county_rate(self) -> float:
        """小事不出县率 = 县级及以下办结 ÷ 办结."""
        return _ratio(self.in_county, self.closed)

    @property
    def followed_up(self) -> int:
        """The answered count under its older name."""
        return self.answered

    def with_breakdown(self, by_category: list[tuple[str, int, int]]) -> Figures:
        """The same figures with a by-category list."""
        return replace(self, by_category=by_category)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _dimension(by: str | None, a: Any) -> Any:
    if by == "category":
        return a.category
    if by == "department":
        # no department: closed by its holder itself, or still waiting for one
        return case(
            (a.department.is_not(None), a.department),
            (a.closed_at.is_not(None), texts.HANDLED_BY_HOLDER),
            else_=texts.UNASSIGNED,
        )
    if by == "branch":
        return func.coalesce(a.branch_name, texts.NO_BRANCH)
    if by == "channel":
        return a.channel
    if by == "place":  # where an appeal lies in the tree: "<branch id>:<committee id>" (see `units`)
        return (
            func.coalesce(func.cast(a.branch_id, String), "")
            + ":"
            + func.coalesce(func.cast(a.committee_id, String), "")
        )
    return literal_column("''")


def conditions_for(
    branch_id: int | None = None, since: date | None = None, until: date | None = None, scope: list[Any] | None = None
) -> list[Any]:
    """The conditions on `Appeal` of a set of appeals: a scope (a branch, a subtree …) and a period of receipt."""
    conditions = [COUNTED, *(scope or [])]
    if branch_id is not None:
        conditions.append(Appeal.branch_id == branch_id)
    if since is not None:
        conditions.append(Appeal.received_at >= clock.day_bounds(since)[0])
    if until is not None:
        conditions.append(Appeal.received_at < clock.day_bounds(until)[0])
    return conditions


async def compute(
    database: Database, limits: TimeLimits, conditions: list[Any], by: str | None = None
) -> dict[str, Figures]:
    """Figures of the appeals matching `conditions` (see `conditions_for`) by the dimension ("" for overall)."""
    late = await deadlines.overdue_in(database, limits, conditions)
    groups = await _counts(database, conditions, by, await _overdue_by(database, late, by))
    return {name: _figures(counts) for name, counts in groups.items()}


async def with_total(
    database: Database, limits: TimeLimits, conditions: list[Any], by: str
) -> tuple[Figures, dict[str, Figures]]:
    """The overall figures and those by a dimension, from one pass: every count adds up over the groups, and the
    mean is the total of days over the number of them."""
    overall, found = await breakdown(database, limits, conditions, (by,))
    return overall, found[by]


Fold = Callable[[str], str]


async def breakdown(
    database: Database,
    limits: TimeLimits,
    conditions: list[Any],
    dimensions: tuple[str, ...],
    fold: dict[str, Fold] | None = None,
) -> tuple[Figures, dict[str, dict[str, Figures]]]:
    """The overall figures and those by each dimension (category, department, branch, channel, place): one pass over
    the appeals per dimension, and the limits of the appeals still watched read once for all (超期). `fold` maps a
    dimension's keys onto larger groups (a committee's child units from "place"), whose counts add up."""
    late = await deadlines.overdue_in(database, limits, conditions)
    found: dict[str, dict[str, Figures]] = {}
    overall = Figures()
    # One pass over the appeals for every dimension at once (grouped by all of them), folded here per dimension:
    # a province's /诉求 统计 asks for four breakdowns, and four scans of its appeals cost four times one.
    combined = await _grouped(database, conditions, dimensions) if dimensions else {}
    for index, by in enumerate(dimensions):
        raw: dict[str, tuple[Any, ...]] = {}
        for keys, counts in combined.items():
            name = keys[index] if not (fold and by in fold) else fold[by](keys[index])
            known = raw.get(name)
            raw[name] = counts if known is None else tuple(a + b for a, b in zip(known, counts, strict=True))
        overdue = await _overdue_by(database, late, by)
        if fold and by in fold:
            folded_late: dict[str, int] = {}
            for key, count in overdue.items():
                folded_late[fold[by](key)] = folded_late.get(fold[by](key), 0) + count
            overdue = folded_late
        groups = {name: (*counts[:7], overdue.get(name, 0), *counts[7:]) for name, counts in raw.items()}
        found[by] = {name: _figures(counts) for name, counts in groups.items()}
        if index == 0 and groups:
            overall = _figures(tuple(sum(column) for column in zip(*groups.values(), strict=True)))
    return overall, found


def _figures(counts: tuple[Any, ...]) -> Figures:
    """Figures from one row of counts (as `_counts` gives them)."""
    n, closed, on_time, days, timed, answered, satisfied, overdue, ever, moved, back, again, silent, county = counts
    average = float(days) / timed if timed else None
    return Figures(
        n, closed, on_time, average, answered, satisfied, overdue, [], ever, moved, back, again, silent, county
    )


async def _overdue_by(database: Database, found: list[deadlines.Overdue], by: str | None) -> dict[str, int]:
    """How many of the 超期 appeals (`deadlines.overdue_in`, the one rule) fall in each group of the dimension."""
    if not found:
        return {}
    names: dict[int, str] = {}
    if by == "branch":
        async with database.reading() as session:
            names = dict((await session.execute(select(Branch.id, Branch.name))).all())
    counts: dict[str, int] = {}
    for item in found:
        appeal = item.appeal
        if by == "category":
            key = appeal.category
        elif by == "department":
            closed = appeal.closed_at is not None
            key = appeal.department or (texts.HANDLED_BY_HOLDER if closed else texts.UNASSIGNED)
        elif by == "branch":
            key = names.get(appeal.branch_id or 0, texts.NO_BRANCH)
        elif by == "channel":
            key = appeal.channel
        elif by == "place":
            key = f"{appeal.branch_id or ''}:{appeal.committee_id or ''}"
        else:
            key = ""
        counts[key] = counts.get(key, 0) + 1
    return counts


async def _counts(
    database: Database, conditions: list[Any], by: str | None, late: dict[str, int]
) -> dict[str, tuple[Any, ...]]:
    """The counts behind the figures by the dimension, in one pass over the appeals; `late`: 超期 by group."""
    rows = await _grouped(database, conditions, (by,) if by is not None else ())
    # 超期 takes its place among the counts (as `_figures` reads them).
    found = {}
    for keys, counts in rows.items():
        name = keys[0] if keys else ""
        found[name] = (*counts[:7], late.get(name, 0), *counts[7:])
    return found


async def _grouped(
    database: Database, conditions: list[Any], dimensions: tuple[str, ...]
) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """The counts behind the figures (without 超期) grouped by every dimension together, in one pass."""
    # One pass over the appeals, none over the trail: what the figures need of it is kept on the row (was_returned,
    # was_reopened, set with the trail line). closed_at is cleared only by a 不满意 answer, which sets
    # satisfaction, so "ever closed" = closed_at or satisfaction set; a department is cleared only by 退单, so
    # "ever transferred" = a department now or handed back.
    columns = [
        Appeal.state,
        Appeal.category,
        Appeal.department,
        Appeal.received_at,
        Appeal.closed_at,
        Appeal.close_due,
        Appeal.satisfaction,
        Appeal.was_returned,
        Appeal.was_reopened,
        Appeal.channel,
        Appeal.closed_level,
        Appeal.branch_id,
        Appeal.committee_id,
    ]
    if "branch" in dimensions:
        columns.append(Branch.name.label("branch_name"))
    inner = select(*columns).where(*conditions)
    if "branch" in dimensions:
        inner = inner.outerjoin(Branch, Branch.id == Appeal.branch_id)
    a = inner.subquery().c
    done = a.state.in_(rules.DONE)
    keys = [_dimension(by, a) for by in dimensions]
    async with database.reading() as session:
        if database.dialect == "postgresql":
            days = func.extract("epoch", a.closed_at - a.received_at) / 86400.0
        else:
            days = func.julianday(a.closed_at) - func.julianday(a.received_at)
        query = select(
            *keys,
            func.count(),
            func.count().filter(done),
            func.count().filter(and_(done, a.closed_at <= a.close_due)),
            func.coalesce(func.sum(case((done, days), else_=None)), 0),
            func.count().filter(and_(done, a.closed_at.is_not(None))),  # the days summed
            func.count().filter(a.satisfaction.in_(rules.ANSWERS)),
            func.count().filter(a.satisfaction.in_(rules.SATISFIED)),
            func.count().filter(or_(a.closed_at.is_not(None), a.satisfaction.is_not(None))),
            func.count().filter(or_(a.department.is_not(None), a.was_returned)),
            func.count().filter(a.was_returned),
            func.count().filter(a.was_reopened),
            func.count().filter(a.satisfaction == rules.NO_ANSWER),
            func.count().filter(and_(done, a.closed_level.in_(COUNTY_OR_BELOW))),
        )
        if keys:
            query = query.group_by(*keys)
        rows = (await session.execute(query)).all()
    width = len(keys)
    return {tuple(str(v) for v in tuple(row)[:width]): tuple(row)[width:] for row in rows}

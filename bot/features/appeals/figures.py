"""The appeal figures, each defined once here (and in the README), as the 12345/12328 reports use them.

Over the appeals RECEIVED in a period (a branch's or all), overall or by category / department / branch:

- 收集 (collected): appeals received.
- 办结 (closed): of those, now 已办结 or 已回访 (a reopened appeal counts again only when closed again).
- 办结率 = 办结 ÷ 收集.
- 按期办结率 = 办结 within the close limit (closed_at ≤ close_due) ÷ 办结.
- 平均办理时长 = mean of (closed_at − received_at) in days over 办结.
- 回访率 = appeals with an answer (满意 / 基本满意 / 不满意) ÷ appeals ever closed (a 办结 in the trail).
- 满意率 = (满意 + 基本满意) ÷ appeals with an answer — 未回复 is no answer and in neither; an appeal's latest
  answer counts (a 不满意 that reopened it stays 不满意 until answered again).
- 退单率 = appeals handed back by a department (a 退单 in the trail) ÷ appeals ever transferred (a 转办).
- 重办率 = appeals reopened by a 不满意 answer ÷ appeals ever closed.
- 超期 = appeals open past their close limit now, plus appeals closed after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, literal_column, or_, select

from bot.core import clock
from bot.core.db import Database
from bot.core.models import Branch

from . import rules, texts
from .models import Appeal, AppealEvent


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
    def followed_up(self) -> int:
        """The answered count under its older name."""
        return self.answered

    def with_breakdown(self, by_category: list[tuple[str, int, int]]) -> Figures:
        """The same figures with a by-category list."""
        return replace(self, by_category=by_category)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _in_trail(action: str, to_state: str | None = None) -> Any:
    """Whether the appeal's trail holds an action (optionally into a state)."""
    conditions = [AppealEvent.appeal_id == Appeal.id, AppealEvent.action == action]
    if to_state is not None:
        conditions.append(AppealEvent.to_state == to_state)
    return exists().where(*conditions)


def _dimension(by: str | None, a: Any) -> Any:
    if by == "category":
        return a.category
    if by == "department":
        return func.coalesce(a.department, texts.UNASSIGNED)
    if by == "branch":
        return func.coalesce(a.branch_name, texts.NO_BRANCH)
    return literal_column("''")


async def compute(
    database: Database,
    branch_id: int | None,
    since: date | None,
    until: date | None,
    by: str | None = None,
    *,
    brief: bool = False,
) -> dict[str, Figures]:
    """Figures of appeals received in [since, until) by the dimension ("" for overall); `brief` leaves out the
    counts that ask the trail (transferred, returned, reopened stay 0) for a cheaper breakdown."""
    now = clock.now()
    conditions = []
    if branch_id is not None:
        conditions.append(Appeal.branch_id == branch_id)
    if since is not None:
        conditions.append(Appeal.received_at >= clock.day_bounds(since)[0])
    if until is not None:
        conditions.append(Appeal.received_at < clock.day_bounds(until)[0])
    # One pass over the appeals; the trail is asked at most twice per appeal (退单; 重办 only once answered). The
    # rest follows from the appeal row: closed_at is cleared only by a 不满意 answer, which sets satisfaction, so
    # "ever closed" = closed_at or satisfaction set; a department is cleared only by 退单, so "ever transferred" =
    # a department now or a 退单 in the trail.
    nothing = literal_column("0")
    columns = [
        Appeal.state,
        Appeal.category,
        Appeal.department,
        Appeal.received_at,
        Appeal.closed_at,
        Appeal.close_due,
        Appeal.satisfaction,
        (nothing if brief else _in_trail("退单")).label("returned"),
        (nothing if brief else and_(Appeal.satisfaction.is_not(None), _in_trail("回访", rules.REOPENED))).label(
            "reopened"
        ),
    ]
    if by == "branch":
        columns.append(Branch.name.label("branch_name"))
    inner = select(*columns).where(*conditions)
    if by == "branch":
        inner = inner.outerjoin(Branch, Branch.id == Appeal.branch_id)
    a = inner.subquery().c
    done = a.state.in_(rules.DONE)
    returned = a.returned == 1 if database.dialect == "sqlite" else a.returned
    reopened = a.reopened == 1 if database.dialect == "sqlite" else a.reopened
    key = _dimension(by, a)
    async with database.reading() as session:
        if database.dialect == "postgresql":
            days = func.extract("epoch", a.closed_at - a.received_at) / 86400.0
        else:
            days = func.julianday(a.closed_at) - func.julianday(a.received_at)
        query = select(
            key,
            func.count(),
            func.count().filter(done),
            func.count().filter(and_(done, a.closed_at <= a.close_due)),
            func.avg(case((done, days), else_=None)),
            func.count().filter(a.satisfaction.in_(rules.ANSWERS)),
            func.count().filter(a.satisfaction.in_(rules.SATISFIED)),
            func.count().filter(
                or_(
                    and_(a.state.in_(rules.OPEN), a.close_due < now),
                    and_(done, a.closed_at > a.close_due),
                )
            ),
            func.count().filter(or_(a.closed_at.is_not(None), a.satisfaction.is_not(None))),
            *(
                [
                    nothing.label("unasked_transferred"),
                    nothing.label("unasked_returned"),
                    nothing.label("unasked_reopened"),
                ]
                if brief
                else [
                    func.count().filter(or_(a.department.is_not(None), returned)),
                    func.count().filter(returned),
                    func.count().filter(reopened),
                ]
            ),
            func.count().filter(a.satisfaction == rules.NO_ANSWER),
        )
        if by is not None:
            query = query.group_by(key)
        rows = (await session.execute(query)).all()
    result: dict[str, Figures] = {}
    for row in rows:
        name, n, closed, on_time, avg, answered, satisfied, overdue, ever, moved, back, again, silent = tuple(row)
        result[str(name)] = Figures(
            n,
            closed,
            on_time,
            float(avg) if avg is not None else None,
            answered,
            satisfied,
            overdue,
            [],
            ever,
            moved,
            back,
            again,
            silent,
        )
    return result

"""Appeal rules over the database: intake, transitions with an append-only trail, scope of answers, retention.

Knows nothing of NoneBot. Notifications go through the outbox in the same transaction as the change they
report, so a change and its notice are stored together or not at all. Deadlines live in `deadlines.py`, the
figures in `figures.py`, the notices in `notices.py`; every sentence in `texts.py`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock, ledger
from bot.core.actor import Actor
from bot.core.branches import Roles
from bot.core.conversation import Refused
from bot.core.db import Database
from bot.core.errors import NotFound, Refusal
from bot.core.expect import Expectations
from bot.core.members import MemberRecords
from bot.core.models import Branch
from bot.core.org import Dept, Node
from bot.core.settings import Settings, get_settings
from bot.core.waiting import Waiting

from . import deadlines, figures, followup, levels, notices, rules, texts
from .evidence import Evidence, Limits
from .figures import Figures
from .followup import FOLLOW_UP, FOLLOW_UP_REASON
from .models import Appeal, AppealCounter, AppealEvent, AppealPhoto
from .reading import AppealReading
from .rules import Action, Role, TransitionError
from .timelimits import TimeLimits, compute_deadlines, follow_up_due

MAX_DESCRIPTION = 500
MAX_NOTE = 200
SYSTEM = "system"
Stats = Figures  # the name the web view imports


class Stale(Refusal):
    """Someone else changed the appeal in the meantime."""


class NoHandler(Refusal):
    """A transfer to a department nobody handles: nothing was transferred; the superusers were told."""


class DailyLimit(Refused):
    """The person filed as many appeals today as the setting allows."""


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT that knows ON CONFLICT."""
    bind = session.bind
    return pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert


class AppealService(AppealReading):
    """The appeal workflow over one database."""

    def __init__(
        self,
        database: Database,
        roles: Roles,
        limits: TimeLimits | None = None,
        *,
        settings: Settings | None = None,
        expectations: Expectations | None = None,
        per_user_per_day: int = 5,
        log_access: Any = None,
        members: MemberRecords | None = None,
        evidence: Evidence | None = None,
    ) -> None:
        self.database = database
        self.roles = roles
        # Where a person is (the one rule, `MemberRecords.branches_of`); an appeal filed in a group is a trace too.
        self.members = members or MemberRecords(database, roles)
        if filed_in not in self.members.sightings:
            self.members.sightings.append(filed_in)
        self.limits = limits or TimeLimits()
        self.settings = settings or get_settings()
        waiting = expectations.waiting if expectations is not None else Waiting(database)
        self.expectations = expectations or Expectations(waiting)
        self.per_user_per_day = per_user_per_day
        self.log_access = log_access  # async (viewer, action, subject, branch_id) -> None
        self.told: set[str] = set()  # one-time notices already queued by this process
        # pictures and voice messages, fetched as they arrive and kept with the appeal (see evidence.py)
        self.evidence = evidence or Evidence(database, self.settings.data_dir / "evidence", waiting=waiting)

    # ---- intake ------------------------------------------------------------------------------------
    async def filed_today(self, user_key: str) -> int:
        """How many appeals a person filed today."""
        start, _ = clock.day_bounds(clock.today())
        async with self.database.reading() as session:
            count = await session.scalar(
                select(func.count()).where(Appeal.appellant_key == user_key, Appeal.received_at >= start)
            )
        return int(count or 0)

    async def check_daily_limit(self, user_key: str) -> None:
        """DailyLimit when the person has filed `per_user_per_day` appeals today."""
        if await self.filed_today(user_key) >= self.per_user_per_day:
            raise DailyLimit(texts.DAILY_LIMIT.format(limit=self.per_user_per_day))

    async def branches_of(self, actor: Actor) -> list[Branch]:
        """The branches the bot knows a person is in (registered or not): where a private appeal may belong."""
        return await self.members.branches_of(actor.key)

    async def branch_for(self, actor: Actor, branch_id: int | None) -> Branch | None:
        """The branch an appeal belongs to: the group's; in private chat the one chosen (None: the committee)."""
        if actor.group_id is not None:
            return await self.roles.branches.of_group(actor.platform, actor.group_id)
        if branch_id is None:
            return None
        async with self.database.reading() as session:
            branch = await session.get(Branch, branch_id)
        return branch if branch is not None and branch.active else None

    async def submit(
        self,
        actor: Actor,
        branch: Branch | None,
        data: dict,
        *,
        channel: str | None = None,
        committee_id: int | None = None,
    ) -> Appeal:
        """Store a confirmed appeal, its first trail line and the notice to its handlers, in one transaction. One
        entered for a driver (`channel` 12328专线 …) is the driver's: their name and phone come in `data`, the actor is
        who entered it; `committee_id` is the committee that keeps it when no branch does (else the root)."""
        entered = channel in levels.ENTERED
        if not entered:
            await self.check_daily_limit(actor.key)
        now = clock.now()
        tree = await self.roles.org.tree()
        holder = None if branch is not None else tree.committees.get(committee_id or tree.root_id, tree.root)
        async with self.database.session() as session:
            seq = (
                await session.execute(
                    insert_for(session)(AppealCounter)
                    .values(day=now.date(), last=1)
                    .on_conflict_do_update(index_elements=["day"], set_={"last": AppealCounter.last + 1})
                    .returning(AppealCounter.last)
                )
            ).scalar_one()
            appeal = Appeal(
                number=rules.format_number(now.date(), seq),
                branch_id=branch.id if branch else None,
                appellant_key=f"entered:{uuid.uuid4().hex}" if entered else actor.key,
                platform=actor.platform,
                self_id=actor.self_id,
                group_id=None if entered else actor.group_id,
                category=data["category"],
                description=data["description"],
                place=data["place"],
                phone=data.get("phone"),
                state=rules.PENDING,
                tier=holder.level if holder is not None else levels.BRANCH_LEVEL,
                committee_id=holder.id if holder is not None else None,
                held_since=now,
                channel=channel or (levels.GROUP if actor.group_id is not None else levels.PRIVATE),
                entered_by=actor.key if entered else None,
                appellant_name=data.get("name") if entered else None,
                received_at=now,
                version=1,
            )
            session.add(appeal)
            await session.flush()
            note = f"{appeal.category}（{appeal.channel}）" if entered else appeal.category
            await self.record(session, appeal, actor.key, "提交", None, rules.PENDING, note, now)
            text = texts.NEW_APPEAL.format(
                number=appeal.number, category=appeal.category, description=appeal.description, place=appeal.place
            )
            await notices.managers(self, session, appeal, text, notices.new_notice_key(appeal))
        return appeal

    @staticmethod
    async def record(
        session: AsyncSession,
        appeal: Appeal,
        actor_key: str,
        action: str,
        from_state: str | None,
        to_state: str,
        note: str,
        at: datetime,
    ) -> None:
        """Append one trail line, and in the same transaction the appeal's flags it sets (the only way a trail
        line is written, so the flags always say what the trail holds)."""
        session.add(
            AppealEvent(
                appeal_id=appeal.id,
                at=at,
                actor_key=actor_key,
                action=action,
                from_state=from_state,
                to_state=to_state,
                note=note[:MAX_NOTE],
            )
        )
        flags = rules.flags_of(action, to_state)
        if flags:
            await session.execute(update(Appeal).where(Appeal.id == appeal.id).values(**flags))

    # ---- transitions --------------------------------------------------------------------------------
    async def act(self, actor: Actor, number: str, action: Action, value: str | None = None) -> Appeal:
        """Apply one action (受理/转办/退单/办结/回访/上报/退回/撤回) with the trail line and the notices."""
        appeal, held = await self.find_for(actor, number)
        tree = await self.roles.org.tree()
        if action in rules.HOLDER_ACTIONS and not levels.held_by_branch(appeal) and appeal.branch_id is not None:
            held = held - {Role.SECRETARY}  # raised above the branch: its level acts, the branch looks on
            if not held & {Role.SUPERUSER, Role.COMMITTEE, Role.DEPARTMENT, Role.APPELLANT}:
                raise TransitionError(texts.HELD_ABOVE.format(holder=levels.home(tree, appeal).name))
        rules.check(appeal.state, action, held, Role.DEPARTMENT in held)
        now = clock.now()
        limits = self.limits.at(appeal.tier)
        changes: dict[str, Any] = {}
        note = value or ""
        new_state = rules.next_state(appeal.state, action, value)
        if action is Action.ACCEPT:
            level = value or appeal.level or "一般"  # a level above accepting it keeps the urgency set below
            if level not in rules.LEVELS:
                raise TransitionError(texts.BAD_LEVEL)
            changes = self._deadlines(now, level, limits) | {"level": level}
        elif action is Action.TRANSFER:
            dept = await self._check_department(actor, appeal, value or "")
            changes, note = {"department": dept.name, "department_id": dept.id}, levels.department_label(tree, dept)
        elif action is Action.SEND_BACK:
            if not value:
                raise TransitionError(texts.NEEDS_REASON.format(action=action.value))
            changes = {"department": None, "department_id": None}  # the department lets go of it
            note = f"{appeal.department}：{value}"
        elif action is Action.CLOSE:
            changes = {
                "closed_at": now,
                "result": value,
                "follow_up_due": follow_up_due(now, limits),
                "closed_level": levels.closed_level(tree, appeal),
            }
        elif action is Action.FOLLOW_UP:
            if value not in rules.ANSWERS:
                raise TransitionError(texts.BAD_ANSWER)
            changes = {"satisfaction": value}
            if value == "不满意":
                changes |= {"closed_at": None, "result": None, "follow_up_due": None, "closed_level": None}
                changes |= self._deadlines(now, appeal.level or "一般", limits)
        elif action is Action.ESCALATE:
            holder = levels.next_holder(tree, appeal)
            # The level above takes it up as a new appeal of its own: 受理 within its limit, then its own cycle.
            changes = {
                "tier": holder.level,
                "committee_id": holder.id,
                "held_since": now,
                "department": None,
                "department_id": None,
                "accepted_at": None,
                "transfer_due": None,
                "feedback_due": None,
                "close_due": None,
            }
            note = holder.name
        elif action is Action.REJECT and not value:
            raise TransitionError(texts.NEEDS_REASON.format(action=action.value))
        async with self.database.session() as session:
            result = await session.execute(
                update(Appeal)
                .where(Appeal.id == appeal.id, Appeal.version == appeal.version)
                .values(state=new_state, version=appeal.version + 1, **changes)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise Stale(texts.STALE.format(number=appeal.number))
            await self.record(session, appeal, actor.key, action.value, appeal.state, new_state, note, now)
            updated = await session.get(Appeal, appeal.id)
            assert updated is not None
            await session.refresh(updated)
            await notices.announce(self, session, updated, action, note)
            if (
                action in (Action.ACCEPT, Action.TRANSFER, Action.CLOSE)
                and Role.SECRETARY in held
                and updated.branch_id
            ):
                await ledger.record(session, actor.key, updated.branch_id, ledger.APPEAL_HELP, updated.number)
        await self._after(updated, action)
        return updated

    @staticmethod
    def _deadlines(now: datetime, level: str, limits: TimeLimits) -> dict[str, Any]:
        """The limits an acceptance (or a reopening) sets, by the holder level's settings."""
        due = compute_deadlines(now, level, limits)
        return {
            "accepted_at": now,
            "transfer_due": due.transfer_due,
            "feedback_due": due.feedback_due,
            "close_due": due.close_due,
        }

    async def _check_department(self, actor: Actor, appeal: Appeal, text: str) -> Dept:
        """A department of the joint meetings the appeal may go to (the holder's level first, then up) with at least
        one handler; otherwise say so, tell the holder's committee, keep it 待分派."""
        tree = await self.roles.org.tree()
        order = levels.department_order(tree, appeal)
        dept = tree.department_named(text, order)
        if dept is None:
            offered = "；".join(
                f"{tree.committees[c].name}：{'、'.join(d.name for d in tree.departments_of(c))}"
                for c in order
                if tree.departments_of(c)
            )
            raise NotFound(texts.NO_SUCH_DEPARTMENT.format(department=text[:20], departments=offered))
        if await self.roles.handlers_of(dept.id):
            return dept
        shown = levels.department_label(tree, dept)
        async with self.database.session() as session:
            now = clock.now()
            await self.record(session, appeal, actor.key, texts.UNASSIGNED, appeal.state, appeal.state, shown, now)
            text = texts.TELL_NO_HANDLER.format(number=appeal.number, department=shown)
            keys = await levels.committee_people(self, tree, tree.committees[dept.committee_id], appeal.platform)
            await notices.people(self, session, appeal, keys, text)
        raise NoHandler(texts.NO_HANDLER.format(department=shown, number=appeal.number))

    async def _after(self, appeal: Appeal, action: Action) -> None:
        await followup.after(self, appeal, action)

    async def expect_pending_follow_ups(self) -> int:
        """At start-up: wait again for the answers of every appeal still in its follow-up window."""
        return await followup.expect_pending(self)

    async def add_reason(self, actor: Actor, number: str, reason: str) -> Appeal:
        """The reason after a 不满意 answer: into the trail and to the managers."""
        return await followup.add_reason(self, actor, number, reason)

    async def add_note(
        self, actor: Actor, number: str, note: str, staged: list[Any] | None = None
    ) -> tuple[str, tuple[int, int, int]]:
        """/诉求 补充: a handler's progress note or the appellant's addition, with the pictures and voice messages
        fetched for it; returns the trail action and (pictures kept, voice messages kept, left out for lack of room)."""
        return await followup.add_note(self, actor, number, note, staged)

    # ---- deadlines and figures ------------------------------------------------------------------------
    async def overdue(self, actor: Actor, here: Branch | None) -> list[deadlines.Overdue]:
        """Open appeals past one of their limits, in the actor's scope (a committee: what is overdue below it, and what
        came up to it), the longest overdue first."""
        conditions = await self.scope(actor, here)
        return await deadlines.overdue(self, conditions)

    async def tell_calendar_gap(self, accounts: list[tuple[str, str]]) -> int:
        """Superusers are told once when the next 60 days lack official holiday data (accounts: platform, self_id)."""
        return await deadlines.tell_calendar_gap(self, accounts)

    async def scan_deadlines(self) -> dict[str, int]:
        """催办 before each limit, 督办 after it, 未回复 after the follow-up window; each once."""
        return await deadlines.scan(self)

    async def figures(
        self,
        branch_id: int | None,
        since: date | None,
        until: date | None = None,
        by: str | None = None,
        *,
        scope: list[Any] | None = None,
    ) -> dict[str, Figures]:
        """The figures (`figures.py`, each defined once) of appeals received in [since, until), for a branch, a
        `scope` (conditions on Appeal: a subtree, a department …) or all, overall ("") or by category / department /
        branch."""
        conditions = figures.conditions_for(branch_id, since, until, scope)
        return await figures.compute(self.database, self.limits, conditions, by)

    async def statistics(
        self, branch_id: int | None, since: date | None, until: date | None = None, *, scope: list[Any] | None = None
    ) -> Figures:
        """The overall figures with the by-category breakdown (for /诉求 统计 and the records report), in one pass."""
        overall, _ = await self.statistics_by(branch_id, since, until, (), scope=scope)
        return overall

    async def statistics_by(
        self,
        branch_id: int | None,
        since: date | None,
        until: date | None,
        dimensions: tuple[str, ...],
        *,
        scope: list[Any] | None = None,
        fold: dict[str, figures.Fold] | None = None,
    ) -> tuple[Figures, dict[str, dict[str, Figures]]]:
        """The overall figures with the by-category breakdown, and the figures by other dimensions, reading the
        limits of the watched appeals once (for /诉求 统计)."""
        conditions = figures.conditions_for(branch_id, since, until, scope)
        wanted = ("category", *(d for d in dimensions if d != "category"))
        overall, found = await figures.breakdown(self.database, self.limits, conditions, wanted, fold)
        rows = sorted(found["category"].items(), key=lambda item: (-item[1].collected, -item[1].closed, item[0]))
        return overall.with_breakdown([(name, f.collected, f.closed) for name, f in rows]), found

    async def subtree(self, node: Node) -> tuple[list[Any], figures.Fold]:
        """The conditions on appeals of a committee's subtree (its branches', and those held or entered at its
        committees: indexed IN lists) and the fold of the "place" dimension onto its child units: each committee
        right below it, each branch right under it, and what it holds itself."""
        tree = await self.roles.org.tree()
        committees = tree.subtree(node.id)
        if node.id == tree.root_id:
            conditions: list[Any] = []
        else:
            branch_ids = sorted(tree.branches_under(committees))
            conditions = [or_(Appeal.branch_id.in_(branch_ids), Appeal.committee_id.in_(sorted(committees)))]

        def unit(key: str) -> str:
            branch, _, committee = key.partition(":")
            if branch:
                return tree.unit_of(node.id, int(branch)) or texts.NO_BRANCH
            child = tree.child_of(node.id, int(committee)) if committee else None
            return tree.committees[child].name if child is not None else texts.STATS_UNIT_OWN

        return conditions, unit

    async def monthly_figures(self, branch_id: int, first_day: date, next_month_first_day: date) -> dict[str, int]:
        """收集 and 办结 of a branch's month, for the records monthly report."""
        totals = await self.statistics(branch_id, first_day, next_month_first_day)
        return {"收集": totals.collected, "办结": totals.closed}

    # ---- retention ------------------------------------------------------------------------------------
    async def forget_person(self, user_key: str) -> int:
        """Erase a departed person's phone, description and place from their appeals and pseudonymise their key
        (category, state, dates and the figures stay); returns how many appeals were changed."""
        pseudonym = f"gone:{uuid.uuid4().hex}"  # random: a hash of a QQ number could be reversed by trying them all
        async with self.database.session() as session:
            theirs = select(Appeal.id).where(Appeal.appellant_key == user_key)
            kept = list((await session.scalars(theirs)).all())
            await session.execute(delete(AppealPhoto).where(AppealPhoto.appeal_id.in_(theirs)))
            result = await session.execute(
                update(Appeal)
                .where(Appeal.appellant_key == user_key)
                .values(appellant_key=pseudonym, phone=None, description=texts.ERASED, place=texts.ERASED)
            )
            await session.execute(
                update(AppealEvent).where(AppealEvent.actor_key == user_key).values(actor_key=pseudonym, note="")
            )
        await self.evidence.forget(kept)  # their pictures and voice messages: rows and files
        await self.expectations.forget(user_key, FOLLOW_UP)
        await self.expectations.forget(user_key, FOLLOW_UP_REASON)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def filed_in(user_key: str) -> tuple[Any, ...]:
    """The branches a person filed an appeal in, from the branch's group (a trace for `MemberRecords.branches_of`)."""
    return (
        select(Appeal.branch_id).where(
            Appeal.appellant_key == user_key, Appeal.group_id.is_not(None), Appeal.branch_id.is_not(None)
        ),
    )


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> AppealService:
    """The appeal service of a process: time limits from the `APPEALS_*` settings, the intake conversation, and the
    follow-up answers waited for again after a restart."""
    from bot.core.settings import load_config

    from . import flows
    from .config import Config
    from .transcribe import sense_voice

    config = load_config(Config)
    limits = TimeLimits(
        accept_hours=config.appeals_accept_hours,
        transfer_hours=config.appeals_transfer_hours,
        feedback_working_days=config.appeals_feedback_working_days,
        opinion_working_days=config.appeals_opinion_working_days,
        close_working_days=config.appeals_close_working_days,
        follow_up_working_days=config.appeals_follow_up_working_days,
        urgent_transfer_minutes=config.appeals_urgent_transfer_minutes,
        urgent_close_hours=config.appeals_urgent_close_hours,
        remind_fraction=config.appeals_remind_fraction,
    ).with_levels(config.level_limits())
    service = AppealService(
        services.database,
        services.roles,
        limits,
        settings=services.settings,
        expectations=services.expectations,
        per_user_per_day=config.appeals_per_user_per_day,
        log_access=services.members.log_access,
        members=services.members,
        evidence=Evidence(
            services.database,
            services.settings.data_dir / config.appeals_evidence_dir,
            Limits(
                config.appeals_evidence_max_items,
                config.appeals_evidence_max_bytes,
                config.appeals_evidence_timeout_seconds,
                config.appeals_evidence_max_voice_seconds,
            ),
            transcriber=sense_voice(Path(config.appeals_transcribe_model)) if config.appeals_transcribe_model else None,
        ),
    )
    service.evidence.clear_staging()
    services.conversations.register(flows.intake(service))
    services.conversations.register(flows.entry(service))
    services.startup.append(service.expect_pending_follow_ups)
    return service

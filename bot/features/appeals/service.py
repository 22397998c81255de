"""Appeal rules over the database: intake, transitions with an append-only trail, deadlines, statistics.

Knows nothing of NoneBot. Notifications go through the outbox in the same transaction as the change they
report, so a change and its notice are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import clock, ledger
from bot.core.actor import Actor, split_key
from bot.core.branches import NotFound, PermissionDenied, Roles
from bot.core.db import Database
from bot.core.errors import Refusal
from bot.core.models import Branch, Secretary
from bot.core.outbox import Target, enqueue
from bot.core.parts import Mention, Part
from bot.core.settings import get_settings

from . import rules
from .models import Appeal, AppealAlert, AppealCounter, AppealEvent
from .rules import Action, Role, TransitionError
from .timelimits import TimeLimits, compute_deadlines, follow_up_due, reminder_at

MAX_DESCRIPTION = 500
MAX_NOTE = 200


class Stale(Refusal):
    """Someone else changed the appeal in the meantime."""


def _insert(session: AsyncSession):
    """The dialect's INSERT that knows ON CONFLICT."""
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True)
class Stats:
    """Figures of a period: computed by SQL over appeals and their trail, never kept as counters."""

    collected: int
    closed: int
    closed_on_time: int
    avg_days: float | None
    followed_up: int
    satisfied: int
    overdue: int
    by_category: list[tuple[str, int, int]]  # (category, collected, closed)

    @property
    def close_rate(self) -> float:
        """办结率 = 办结 ÷ 收集."""
        return self.closed / self.collected if self.collected else 0.0

    @property
    def on_time_rate(self) -> float:
        """按期办结率 = 按期办结 ÷ 办结."""
        return self.closed_on_time / self.closed if self.closed else 0.0

    @property
    def satisfaction_rate(self) -> float:
        """满意率 = (满意 + 基本满意) ÷ 已回访 (未回复 counts as not satisfied)."""
        return self.satisfied / self.followed_up if self.followed_up else 0.0


class AppealService:
    """The appeal workflow over one database."""

    def __init__(self, database: Database, roles: Roles, limits: TimeLimits | None = None) -> None:
        self.database = database
        self.roles = roles
        self.limits = limits or TimeLimits()

    # ---- intake ------------------------------------------------------------------------------------
    async def submit(self, actor: Actor, branch: Branch | None, data: dict) -> Appeal:
        """Store a confirmed appeal, its first trail line and the notice to its handlers, in one transaction."""
        now = clock.now()
        async with self.database.session() as session:
            seq = (
                await session.execute(
                    _insert(session)(AppealCounter)
                    .values(day=now.date(), last=1)
                    .on_conflict_do_update(index_elements=["day"], set_={"last": AppealCounter.last + 1})
                    .returning(AppealCounter.last)
                )
            ).scalar_one()
            appeal = Appeal(
                number=rules.format_number(now.date(), seq),
                branch_id=branch.id if branch else None,
                appellant_key=actor.key,
                platform=actor.platform,
                self_id=actor.self_id,
                group_id=actor.group_id,
                category=data["category"],
                description=data["description"],
                place=data["place"],
                phone=data.get("phone"),
                state=rules.PENDING,
                tier="支部" if branch else "行业党委",
                received_at=now,
                version=1,
            )
            session.add(appeal)
            await session.flush()
            session.add(
                AppealEvent(
                    appeal_id=appeal.id,
                    at=now,
                    actor_key=actor.key,
                    action="提交",
                    from_state=None,
                    to_state=rules.PENDING,
                    note=appeal.category,
                )
            )
            text = (
                f"新诉求 {appeal.number}（{appeal.category}）\n{appeal.description}\n地点：{appeal.place}\n"
                f"请发送 /受理 {appeal.number} 一般（或 紧急）"
            )
            await self._notify_managers(session, appeal, text)
        return appeal

    # ---- reading ------------------------------------------------------------------------------------
    async def _roles_for(self, actor: Actor, appeal: Appeal) -> set[Role]:
        """The roles the actor holds on this appeal."""
        held: set[Role] = set()
        if actor.key == appeal.appellant_key:
            held.add(Role.APPELLANT)
        if actor.is_superuser:
            held.add(Role.SUPERUSER)
        if appeal.branch_id is not None and await self.roles.is_secretary(actor.key, appeal.branch_id):
            held.add(Role.SECRETARY)
        if appeal.department and appeal.department in await self.roles.departments_of(actor.key):
            held.add(Role.DEPARTMENT)
        return held

    async def find(self, number: str) -> Appeal:
        """An appeal by number, or NotFound."""
        normalized = rules.parse_number(number)
        if normalized is None:
            raise NotFound(f"「{number[:30]}」不是诉求编号，编号形如 SQ20261122-0007。")
        async with self.database.reading() as session:
            appeal = await session.scalar(select(Appeal).where(Appeal.number == normalized))
        if appeal is None:
            raise NotFound(f"没有编号为 {normalized} 的诉求。")
        return appeal

    async def view(self, actor: Actor, number: str) -> tuple[Appeal, list[AppealEvent]]:
        """An appeal and its trail, for the appellant, their secretary, the handler and superusers."""
        appeal = await self.find(number)
        if not await self._roles_for(actor, appeal):
            raise PermissionDenied("只能查询自己的诉求；书记、承办部门和行业党委可查询经手的诉求。")
        async with self.database.reading() as session:
            events = (
                await session.scalars(
                    select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)
                )
            ).all()
        return appeal, list(events)

    async def mine(self, actor_key: str, limit: int = 10) -> list[Appeal]:
        """The appellant's latest appeals."""
        async with self.database.reading() as session:
            rows = await session.scalars(
                select(Appeal).where(Appeal.appellant_key == actor_key).order_by(Appeal.id.desc()).limit(limit)
            )
            return list(rows.all())

    async def listing(self, actor: Actor, branch: Branch | None, state: str | None, limit: int = 20) -> list[Appeal]:
        """Appeals a manager sees: a branch's, a department's, or all (superuser), newest first."""
        conditions = []
        if state:
            if state not in rules.STATES:
                raise NotFound(f"没有「{state}」这个状态。可选：{'、'.join(rules.STATES)}")
            conditions.append(Appeal.state == state)
        if actor.is_superuser and branch is None:
            pass
        elif branch is not None and await self.roles.can_manage(actor, branch):
            conditions.append(Appeal.branch_id == branch.id)
        else:
            departments = await self.roles.departments_of(actor.key)
            managed = [b.id for b in await self.roles.managed_branches(actor.key)]
            if not departments and not managed:
                raise PermissionDenied("诉求列表只对书记、承办部门和行业党委开放；查看自己的诉求请发送 /我的诉求。")
            conditions.append(or_(Appeal.department.in_(departments), Appeal.branch_id.in_(managed)))
        async with self.database.reading() as session:
            rows = await session.scalars(select(Appeal).where(*conditions).order_by(Appeal.id.desc()).limit(limit))
            return list(rows.all())

    # ---- transitions --------------------------------------------------------------------------------
    async def act(self, actor: Actor, number: str, action: Action, value: str | None = None) -> Appeal:
        """Apply one action (受理/转办/退单/办结/回访/上报/退回/撤回) with the trail line and the notices."""
        appeal = await self.find(number)
        held = await self._roles_for(actor, appeal)
        department_matches = bool(appeal.department) and appeal.department in await self.roles.departments_of(actor.key)
        rules.check(appeal.state, action, held, department_matches)
        now = clock.now()
        changes: dict = {}
        note = value or ""
        if action is Action.ACCEPT:
            level = value or "一般"
            if level not in rules.LEVELS:
                raise TransitionError("级别只能是 紧急 或 一般。")
            deadlines = compute_deadlines(now, level, self.limits)
            changes = dict(
                level=level,
                accepted_at=now,
                transfer_due=deadlines.transfer_due,
                feedback_due=deadlines.feedback_due,
                close_due=deadlines.close_due,
            )
        elif action is Action.TRANSFER:
            departments = get_settings().departments
            if value not in departments:
                raise NotFound(f"没有「{value}」这个部门。可选：{'、'.join(departments)}")
            changes = dict(department=value)
        elif action is Action.CLOSE:
            changes = dict(closed_at=now, result=value, follow_up_due=follow_up_due(now, self.limits))
        elif action is Action.FOLLOW_UP:
            if value not in rules.ANSWERS:
                raise TransitionError("请回复 满意、基本满意 或 不满意。")
            changes = dict(satisfaction=value)
            if value == "不满意":
                deadlines = compute_deadlines(now, appeal.level or "一般", self.limits)
                changes.update(
                    closed_at=None,
                    result=None,
                    follow_up_due=None,
                    accepted_at=now,
                    transfer_due=deadlines.transfer_due,
                    feedback_due=deadlines.feedback_due,
                    close_due=deadlines.close_due,
                )
        elif action is Action.ESCALATE:
            changes = dict(tier=rules.next_tier(appeal.tier))
            note = changes["tier"]
        elif action in (Action.SEND_BACK, Action.REJECT) and not value:
            raise TransitionError(f"{action.value}需要写明原因。")
        new_state = rules.next_state(appeal.state, action, value)
        async with self.database.session() as session:
            result = await session.execute(
                update(Appeal)
                .where(Appeal.id == appeal.id, Appeal.version == appeal.version)
                .values(state=new_state, version=appeal.version + 1, **changes)
            )
            if result.rowcount != 1:
                raise Stale(
                    f"诉求 {appeal.number} 刚刚被其他人处理过，请发送 /诉求 查询 {appeal.number} 查看最新状态。"
                )
            session.add(
                AppealEvent(
                    appeal_id=appeal.id,
                    at=now,
                    actor_key=actor.key,
                    action=action.value,
                    from_state=appeal.state,
                    to_state=new_state,
                    note=note[:MAX_NOTE],
                )
            )
            updated = await session.get(Appeal, appeal.id)
            await session.refresh(updated)
            await self._announce(session, updated, action, actor)
            if (
                action in (Action.ACCEPT, Action.TRANSFER, Action.CLOSE)
                and Role.SECRETARY in held
                and updated.branch_id
            ):
                await ledger.record(session, actor.key, updated.branch_id, ledger.APPEAL_HELP, updated.number)
        return updated

    # ---- notices ----------------------------------------------------------------------------------
    def _appellant_target(self, appeal: Appeal) -> tuple[Target, list[Part]]:
        """Where the appellant hears about their appeal: the group it came from (with an @), or private chat."""
        _, user_id = split_key(appeal.appellant_key)
        if appeal.group_id:
            return Target(appeal.platform, "group", appeal.group_id, appeal.self_id), [Mention(user_id), " "]
        return Target(appeal.platform, "private", user_id, appeal.self_id), []

    async def _tell_appellant(self, session: AsyncSession, appeal: Appeal, text: str) -> None:
        """Queue a status notice to the appellant (numbers and states only in a group)."""
        target, prefix = self._appellant_target(appeal)
        await enqueue(session, target, [*prefix, text], purpose="appeal")

    async def _tell_people(self, session: AsyncSession, appeal: Appeal, user_keys: list[str], text: str) -> None:
        """Queue a private notice to each person."""
        for key in dict.fromkeys(user_keys):
            platform, user_id = split_key(key)
            if platform == appeal.platform:
                await enqueue(session, Target(platform, "private", user_id, appeal.self_id), [text], purpose="appeal")

    def _superuser_keys(self, platform: str) -> list[str]:
        """Superusers as stored keys on one platform."""
        keys = []
        for entry in get_settings().superusers:
            keys.append(entry if ":" in entry else f"{platform}:{entry}")
        return [k for k in keys if k.startswith(f"{platform}:")]

    async def _notify_managers(self, session: AsyncSession, appeal: Appeal, text: str) -> None:
        """The branch's secretaries; superusers when the appeal is above the branch or has none."""
        keys: list[str] = []
        if appeal.branch_id is not None and appeal.tier == "支部":
            keys = list(
                (await session.scalars(select(Secretary.user_key).where(Secretary.branch_id == appeal.branch_id))).all()
            )
        if not keys:
            keys = self._superuser_keys(appeal.platform)
        await self._tell_people(session, appeal, keys, text)

    async def _announce(self, session: AsyncSession, appeal: Appeal, action: Action, actor: Actor) -> None:
        """Tell the people a change concerns."""
        number = appeal.number
        if action is Action.ACCEPT:
            due = clock.local(appeal.close_due).strftime("%m月%d日 %H:%M")
            await self._tell_appellant(
                session, appeal, f"您的诉求 {number} 已受理（{appeal.level}），将于 {due} 前办结。"
            )
        elif action is Action.TRANSFER:
            handlers = await self.roles.handlers_of(appeal.department)
            await self._tell_people(
                session,
                appeal,
                handlers,
                f"诉求 {number}（{appeal.category}）已转办到「{appeal.department}」，请办理：\n"
                f"{appeal.description}\n地点：{appeal.place}\n办结：/办结 {number} <结果>；退单：/退回 {number} <原因>",
            )
            await self._tell_appellant(session, appeal, f"您的诉求 {number} 已转交「{appeal.department}」办理。")
        elif action is Action.SEND_BACK:
            await self._notify_managers(
                session, appeal, f"诉求 {number} 被「{appeal.department}」退单，请重新转办：/转办 {number} <部门>"
            )
        elif action is Action.CLOSE:
            await self._tell_appellant(
                session,
                appeal,
                f"您的诉求 {number} 已办结：{appeal.result}\n请评价：/回访 {number} 满意（或 基本满意、不满意）",
            )
        elif action is Action.FOLLOW_UP and appeal.state == rules.REOPENED:
            await self._notify_managers(session, appeal, f"诉求 {number} 回访不满意，已重办，请重新办理。")
        elif action is Action.ESCALATE:
            await self._tell_people(
                session,
                appeal,
                self._superuser_keys(appeal.platform),
                f"诉求 {number}（{appeal.category}）已上报至{appeal.tier}：{appeal.description}",
            )
        elif action is Action.REJECT:
            await self._tell_appellant(session, appeal, f"您的诉求 {number} 未予受理，原因见 /诉求 查询 {number}。")

    # ---- deadlines ----------------------------------------------------------------------------------
    async def scan_deadlines(self) -> dict[str, int]:
        """催办 before a limit, 督办 after it, 未回复 after the follow-up window; each once (a unique alert row)."""
        now = clock.now()
        counts = {"催办": 0, "督办": 0, "未回复": 0}
        async with self.database.reading() as session:
            open_appeals = (await session.scalars(select(Appeal).where(Appeal.state.in_(rules.OPEN)))).all()
            unanswered = (
                await session.scalars(select(Appeal).where(Appeal.state == rules.CLOSED, Appeal.follow_up_due < now))
            ).all()
        for appeal in open_appeals:
            if appeal.close_due is None or appeal.accepted_at is None:
                continue
            if now >= appeal.close_due:
                if await self._alert_once(appeal, "督办", appeal.close_due):
                    counts["督办"] += 1
            elif now >= reminder_at(appeal.accepted_at, appeal.close_due, self.limits):
                if await self._alert_once(appeal, "催办", appeal.close_due):
                    counts["催办"] += 1
        for appeal in unanswered:
            async with self.database.session() as session:
                result = await session.execute(
                    update(Appeal)
                    .where(Appeal.id == appeal.id, Appeal.version == appeal.version, Appeal.state == rules.CLOSED)
                    .values(state=rules.FOLLOWED_UP, satisfaction=rules.NO_ANSWER, version=appeal.version + 1)
                )
                if result.rowcount == 1:
                    session.add(
                        AppealEvent(
                            appeal_id=appeal.id,
                            at=now,
                            actor_key="system",
                            action="回访",
                            from_state=rules.CLOSED,
                            to_state=rules.FOLLOWED_UP,
                            note=rules.NO_ANSWER,
                        )
                    )
                    counts["未回复"] += 1
        return counts

    async def _alert_once(self, appeal: Appeal, kind: str, due: datetime) -> bool:
        """Record and send one alert; False when it was sent before."""
        now = clock.now()
        async with self.database.session() as session:
            inserted = (
                await session.execute(
                    _insert(session)(AppealAlert)
                    .values(appeal_id=appeal.id, kind=kind, due=due, sent_at=now)
                    .on_conflict_do_nothing()
                    .returning(AppealAlert.id)
                )
            ).scalar_one_or_none()
            if inserted is None:
                return False
            due_text = clock.local(due).strftime("%m月%d日 %H:%M")
            if kind == "催办":
                text = f"【催办】诉求 {appeal.number}（{appeal.category}）将于 {due_text} 到期，请抓紧办理。"
                if appeal.state == rules.TRANSFERRED and appeal.department:
                    await self._tell_people(session, appeal, await self.roles.handlers_of(appeal.department), text)
                else:
                    await self._notify_managers(session, appeal, text)
            else:
                tier = appeal.tier if appeal.tier != "支部" else "行业党委"
                await session.execute(update(Appeal).where(Appeal.id == appeal.id).values(tier=tier))
                session.add(
                    AppealEvent(
                        appeal_id=appeal.id,
                        at=now,
                        actor_key="system",
                        action="督办",
                        from_state=appeal.state,
                        to_state=appeal.state,
                        note=f"超过 {due_text} 的时限",
                    )
                )
                text = (
                    f"【督办】诉求 {appeal.number}（{appeal.category}）已超过 {due_text} 的办理时限，已提请{tier}督办。"
                )
                await self._tell_people(session, appeal, self._superuser_keys(appeal.platform), text)
                await self._notify_managers(session, appeal, text)
        return True

    # ---- statistics ------------------------------------------------------------------------------------
    async def statistics(self, branch_id: int | None, since: date | None, until: date | None = None) -> Stats:
        """收集、办结、办结率、按期办结率、平均办理时长、满意率、超期, and by category, for a branch or all."""
        now = clock.now()
        conditions = []
        if branch_id is not None:
            conditions.append(Appeal.branch_id == branch_id)
        if since is not None:
            conditions.append(Appeal.received_at >= clock.day_bounds(since)[0])
        if until is not None:
            conditions.append(Appeal.received_at < clock.day_bounds(until)[0])
        done = Appeal.state.in_(rules.DONE)
        async with self.database.reading() as session:
            if session.bind.dialect.name == "postgresql":
                days = func.extract("epoch", Appeal.closed_at - Appeal.received_at) / 86400.0
            else:
                days = func.julianday(Appeal.closed_at) - func.julianday(Appeal.received_at)
            totals = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(done),
                        func.count().filter(and_(done, Appeal.closed_at <= Appeal.close_due)),
                        func.avg(case((done, days), else_=None)),
                        func.count().filter(Appeal.satisfaction.is_not(None), Appeal.state == rules.FOLLOWED_UP),
                        func.count().filter(
                            Appeal.satisfaction.in_(rules.SATISFIED), Appeal.state == rules.FOLLOWED_UP
                        ),
                        func.count().filter(
                            or_(
                                and_(Appeal.state.in_(rules.OPEN), Appeal.close_due < now),
                                and_(done, Appeal.closed_at > Appeal.close_due),
                            )
                        ),
                    ).where(*conditions)
                )
            ).one()
            by_category = (
                await session.execute(
                    select(Appeal.category, func.count(), func.count().filter(done))
                    .where(*conditions)
                    .group_by(Appeal.category)
                    .order_by(func.count().desc())
                )
            ).all()
        collected, closed, on_time, avg_days, followed, satisfied, overdue = totals
        return Stats(
            collected,
            closed,
            on_time,
            float(avg_days) if avg_days is not None else None,
            followed,
            satisfied,
            overdue,
            [(c, n, d) for c, n, d in by_category],
        )


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> AppealService:
    """The appeal service of a process, with the time limits from the `APPEALS_*` settings."""
    from bot.core.settings import load_config

    from .config import Config
    from .timelimits import TimeLimits

    config = load_config(Config)
    limits = TimeLimits(
        transfer_hours=config.appeals_transfer_hours,
        feedback_working_days=config.appeals_feedback_working_days,
        close_working_days=config.appeals_close_working_days,
        follow_up_working_days=config.appeals_follow_up_working_days,
        urgent_transfer_minutes=config.appeals_urgent_transfer_minutes,
        urgent_close_hours=config.appeals_urgent_close_hours,
        remind_fraction=config.appeals_remind_fraction,
    )
    return AppealService(services.database, services.roles, limits)

"""Reading appeals: who holds which role on one, finding it without revealing it, and where it may be shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.core.actor import Actor
from bot.core.branches import Roles
from bot.core.db import Database
from bot.core.errors import NotFound, Refusal
from bot.core.models import Branch
from bot.core.settings import Settings

from . import deadlines, levels, photos, rules, texts
from .deadlines import Limit
from .models import Appeal, AppealEvent, AppealEvidence
from .rules import Role

if TYPE_CHECKING:
    from .evidence import Evidence
    from .timelimits import TimeLimits


@dataclass(frozen=True)
class Viewed:
    """An appeal as one person may see it here."""

    appeal: Appeal
    events: list[AppealEvent]
    full_phone: bool
    pictures: list[str] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)  # the limits not met yet (`deadlines.running_limits`)
    status_only: bool = False  # filed in private chat, asked in its branch's group: number, state and limits only
    level: str = ""  # the holder's level as people read it (支部, 县级（…行业党委）…)
    evidence: list[AppealEvidence] = field(default_factory=list)  # pictures and voice messages kept (and failed)


class AppealReading:
    """The reading half of the appeal service (mixed into `AppealService`)."""

    database: Database
    roles: Roles
    settings: Settings
    limits: TimeLimits
    log_access: Any
    evidence: Evidence

    def superuser_keys(self, platform: str) -> list[str]:
        """Superusers as stored keys on one platform (SUPERUSERS lists raw ids or `<platform>:<id>`)."""
        keys = [entry if ":" in entry else f"{platform}:{entry}" for entry in self.settings.superusers]
        return sorted(k for k in keys if k.startswith(f"{platform}:"))

    async def roles_for(self, actor: Actor, appeal: Appeal) -> set[Role]:
        """The roles the actor holds on this appeal (a department only while the appeal is with it; a committee's
        member when it lies in their subtree — by its branch, or the committee holding it)."""
        held: set[Role] = set()
        if actor.key == appeal.appellant_key:
            held.add(Role.APPELLANT)
        if actor.is_superuser:
            held.add(Role.SUPERUSER)
        if appeal.branch_id is not None and await self.roles.is_secretary(actor.key, appeal.branch_id):
            held.add(Role.SECRETARY)
        if appeal.department_id is not None and appeal.department_id in await self.roles.department_ids_of(actor.key):
            held.add(Role.DEPARTMENT)
        scope = await self.roles.scope(actor)
        if scope.committee_member and (
            scope.sees_branch(appeal.branch_id)
            or (appeal.committee_id is not None and scope.sees_committee(appeal.committee_id))
            or scope.everything
        ):
            held.add(Role.COMMITTEE)
        if appeal.entered_by is not None and (actor.key == appeal.entered_by or held & rules.MANAGERS):
            held.add(Role.ON_BEHALF)  # the driver is not in the chat: the 回访 is by phone, recorded by them
        return held

    async def find(self, number: str) -> Appeal:
        """An appeal by number, or NotFound."""
        normalized = rules.parse_number(number)
        if normalized is None:
            raise NotFound(texts.NOT_A_NUMBER.format(text=number[:30]))
        async with self.database.reading() as session:
            appeal = await session.scalar(select(Appeal).where(Appeal.number == normalized))
        if appeal is None:
            raise NotFound(texts.NO_SUCH_APPEAL.format(number=normalized))
        return appeal

    async def find_for(self, actor: Actor, number: str) -> tuple[Appeal, set[Role]]:
        """An appeal the actor holds a role on; one answer for "none" and "not yours" (numbers are sequential)."""
        appeal = await self.find(number)
        held = await self.roles_for(actor, appeal)
        if not held:
            raise NotFound(texts.NO_SUCH_APPEAL.format(number=appeal.number))
        return appeal, held

    async def view(self, actor: Actor, number: str, here: Branch | None = None) -> Viewed:
        """An appeal and its trail for the appellant, their secretary, the handler and superusers — in a group only
        in the group of the appeal's own branch, and one filed in private chat shows there only its number, state
        and limits; the full phone only in private chat, and that view goes to the access log."""
        appeal, held = await self.find_for(actor, number)
        status_only = False
        if not actor.is_private:
            if here is None or appeal.branch_id != here.id:
                raise Refusal(texts.NOT_HERE.format(number=appeal.number))
            status_only = appeal.group_id != actor.group_id
        async with self.database.reading() as session:
            events = (
                await session.scalars(
                    select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)
                )
            ).all()
            limits = (await deadlines.limits_of(session, [appeal], self.limits))[appeal.id]
        level = levels.level_label(await self.roles.org.tree(), appeal)
        if status_only:
            return Viewed(appeal, [], False, [], limits, status_only=True, level=level)
        pictures = await photos.of(self, appeal.id)
        # full numbers only to the person and their secretary — for an appeal no branch holds, the committee holding
        # it stands in the secretary's place — and to whoever entered it for a driver (they call them); a committee
        # above a branch, a department or a superuser reads them masked, as on the web view
        secretary_like = {Role.SECRETARY} if appeal.branch_id is not None else {Role.COMMITTEE, Role.SUPERUSER}
        entitled = bool(held & ({Role.APPELLANT} | secretary_like)) or actor.key == appeal.entered_by
        full = actor.is_private and entitled
        if full and appeal.phone and self.log_access is not None:
            await self.log_access(actor, "诉求电话", appeal.number, appeal.branch_id)
        kept = await self.evidence.items(appeal.id)
        return Viewed(appeal, list(events), full, pictures, limits, level=level, evidence=kept)

    async def log_evidence(self, actor: Actor, appeal: Appeal, what: str = "") -> None:
        """Who was shown an appeal's pictures or voice messages (in private chat, or one file on the web view)."""
        if self.log_access is not None:
            await self.log_access(actor, texts.LOG_EVIDENCE, f"{appeal.number}{what}"[:200], appeal.branch_id)

    async def mine(self, actor_key: str, limit: int = 10) -> list[Appeal]:
        """The appellant's latest appeals."""
        async with self.database.reading() as session:
            rows = await session.scalars(
                select(Appeal).where(Appeal.appellant_key == actor_key).order_by(Appeal.id.desc()).limit(limit)
            )
            return list(rows.all())

    async def scope(self, actor: Actor, here: Branch | None) -> list[Any]:
        """The conditions on appeals an actor may list here: in a group only this branch, for those who manage it; in
        private chat what the one rule (bot/core/scope.py) gives them — everything at the top, a committee's
        subtree, a secretary's branches, a handler's departments."""
        if not actor.is_private:
            if here is None or not await self.roles.can_manage(actor, here):
                raise Refusal(texts.LIST_NOT_HERE)
            return [Appeal.branch_id == here.id]
        scope = await self.roles.scope(actor)
        if scope.empty:
            raise Refusal(texts.LIST_ONLY_MANAGERS)
        condition = scope.condition(Appeal.branch_id, Appeal.committee_id, Appeal.department_id)
        return [] if condition is None else [condition]

    async def listing(self, actor: Actor, here: Branch | None, state: str | None, limit: int = 20) -> list[Appeal]:
        """Appeals a manager may see here, newest first."""
        conditions = await self.scope(actor, here)
        if state == texts.OWN_LEVEL:  # a committee: what came up to it (held by its own committees)
            scope = await self.roles.scope(actor)
            top = ((await self.roles.org.tree()).root_id,) if scope.everything else scope.top
            if not top:
                raise Refusal(texts.OWN_LEVEL_ONLY)
            conditions.append(Appeal.committee_id.in_(top))
        elif state:
            if state not in rules.STATES:
                raise NotFound(texts.NO_SUCH_STATE.format(state=state[:10], states="、".join(rules.STATES)))
            conditions.append(Appeal.state == state)
        async with self.database.reading() as session:
            rows = await session.scalars(select(Appeal).where(*conditions).order_by(Appeal.id.desc()).limit(limit))
            return list(rows.all())

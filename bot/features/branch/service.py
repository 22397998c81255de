"""The branch area's rules beyond the core directory: opening and closing (the superuser is told), the card,
departments with their handlers, registration notices, member records by chat, and the welcome of newcomers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core import clock
from bot.core.actor import Actor
from bot.core.errors import NotFound, PermissionDenied
from bot.core.members import Registered
from bot.core.models import Branch, Member, OutboxItem
from bot.core.outbox import LOW, NORMAL, PENDING, Target, enqueue
from bot.core.parts import Mention, Part, to_json

from . import texts
from .config import Config
from .models import BranchSetting, BranchWelcome

if TYPE_CHECKING:
    from bot.services import Services


def masked_id(raw: str) -> str:
    """An account id shown in a list: its first and last two characters."""
    return raw if len(raw) <= 4 else f"{raw[:2]}***{raw[-2:]}"


def shown_name(name: str, user_key: str) -> str:
    """A stored display name, or a masked id when there is none (or it is only the fallback 用户<id>)."""
    raw = user_key.partition(":")[2]
    if not name or name == texts.SOMEONE.format(id=raw):
        return texts.SOMEONE.format(id=masked_id(raw))
    return name


@dataclass(frozen=True, slots=True)
class RecordView:
    """One member record as one viewer may see it, ready for the profile text."""

    branch: Branch
    member: Member
    full: bool  # full phone and plate (private chat with the person or their secretary)


class BranchService:
    """Branches and members, over the process's core services."""

    def __init__(self, services: Services, config: Config | None = None) -> None:
        self.services = services
        self.config = config or Config()

    # ---- opening and closing --------------------------------------------------------------------------------
    async def open(self, actor: Actor, name: str) -> Branch:
        """Open the actor's group as a branch; a group owner's opening is told to every superuser in private."""
        branch = await self.services.branches.open(actor, name)
        if not actor.is_superuser:
            text = texts.OPENED_NOTICE.format(group=actor.group_id, name=branch.name, opener=masked_id(actor.user_id))
            for target in self._superusers(actor):
                await self.services.notify(target, text, purpose="branch_opened", priority=NORMAL)
        return branch

    def _superusers(self, actor: Actor) -> list[Target]:
        """Private chats of the superusers on the actor's platform (entries are raw ids or `<platform>:<id>`)."""
        targets = []
        for entry in sorted(self.services.settings.superusers):
            platform, _, raw = entry.rpartition(":")
            platform = platform or actor.platform
            if platform == actor.platform:
                targets.append(Target(platform, "private", raw, actor.self_id))
        return targets

    async def close(self, branch: Branch) -> str:
        """Close a branch (superuser); the caches forget it."""
        closed = await self.services.branches.close(branch)
        self.services.roles.forget()
        return (texts.CLOSED if closed else texts.ALREADY_CLOSED).format(name=branch.name)

    async def by_name(self, name: str) -> Branch:
        """A branch by name, or a refusal."""
        branch = await self.services.branches.by_name(name)
        if branch is None:
            raise NotFound(texts.NO_SUCH_BRANCH.format(name=name))
        return branch

    # ---- the card and departments ---------------------------------------------------------------------------
    async def card_text(self, branch: Branch) -> str:
        """What /支部 shows."""
        card = await self.services.branches.card(branch)
        if not card.active:
            push = texts.PUSH_STOPPED.format(time=card.push_time)
        else:
            push = (texts.PUSH_ON if card.push_enabled else texts.PUSH_OFF).format(time=card.push_time)
        lines = [
            texts.CARD.format(
                name=card.name,
                secretaries="、".join(card.secretaries) or texts.NOT_SET,
                members=card.members,
                member_drivers=card.member_drivers,
                push=push,
                theme=card.theme or texts.NOT_SET,
            )
        ]
        if not await self.welcome_enabled(branch.id):
            lines.append(texts.CARD_WELCOME_OFF)
        if not card.active:
            lines.append(texts.CARD_INACTIVE)
        return "\n".join(lines)

    async def departments_text(self, actor: Actor, name: str | None = None) -> str:
        """/部门 [行业党委]: the joint meetings a person deals with — a committee's own (or the one named in their
        scope), a secretary's branches' county, city and province — each department with its bound handlers."""
        roles = self.services.roles
        tree = await roles.org.tree()
        scope = await roles.scope(actor)
        if name:
            node = tree.by_name(name)
            if node is None:
                raise NotFound(texts.NO_SUCH_COMMITTEE.format(name=name[:30]))
            shown = [node.id]
        elif scope.everything:
            shown = [tree.root_id]
        elif scope.top:
            shown = list(scope.top)
        else:
            chains = [n.id for b in sorted(scope.own) for n in tree.chain(tree.committee_of(b).id)]
            mine = [tree.departments[d].committee_id for d in scope.departments if d in tree.departments]
            shown = list(dict.fromkeys(chains + mine)) or [tree.root_id]
        departments = [d for c in shown for d in tree.departments_of(c)]
        listed = await roles.handler_names([d.id for d in departments])
        lines = []
        for committee_id in shown:
            lines.append(texts.DEPARTMENTS_HEAD.format(committee=tree.committees[committee_id].name))
            for dept in tree.departments_of(committee_id):
                names = [shown_name(shown_as, key) for key, shown_as in listed.get(dept.id, [])]
                lines.append(
                    texts.DEPARTMENT_LINE.format(department=dept.name, handlers="、".join(names) or texts.NO_HANDLER)
                )
        mine_names = [tree.shown(tree.departments[d]) for d in sorted(scope.departments) if d in tree.departments]
        if mine_names:
            lines.append(texts.MY_DEPARTMENTS.format(departments="、".join(mine_names)))
        return "\n".join(lines)

    async def display_name(self, branch: Branch | None, user_key: str) -> str:
        """A person's registered name in the branch, else 用户<id>."""
        raw = user_key.partition(":")[2]
        if branch is not None:
            name = (await self.services.members.names(branch.id, [user_key])).get(user_key)
            if name:
                return name
        return texts.SOMEONE.format(id=raw)

    # ---- registration ---------------------------------------------------------------------------------------
    async def store_registration(self, actor: Actor, branch: Branch, data: dict) -> str:
        """Store a finished registration and tell the branch's secretaries (new, or which fields changed)."""
        current = await self.services.branches.of_group(branch.platform, branch.group_id)
        if current is None or not current.active:
            return texts.BRANCH_GONE
        done = await self.services.members.register(actor, current, data)
        await self._tell_secretaries(current, done)
        member = done.member
        pending = member.status is None
        tail = texts.TAIL_PENDING if pending else texts.TAIL_DONE
        if done.roster:
            tail = texts.TAIL_ROSTER.format(status=member.status)
        return (texts.REGISTERED if done.created else texts.UPDATED).format(tail=tail)

    async def _tell_secretaries(self, branch: Branch, done: Registered) -> None:
        """新登记 for a new record that needs 认定; 资料更新 naming the changed fields for an update."""
        member = done.member
        if done.roster:
            text = texts.NOTICE_ROSTER.format(branch=branch.name, name=member.name, status=member.status)
        elif done.created:
            if member.status is not None:
                return
            text = texts.NOTICE_NEW.format(branch=branch.name, name=member.name, declared=member.declared_status)
        elif done.changed:
            fields = "、".join(texts.FIELD_NAMES[key] for key in done.changed)
            note = ""
            if "declared_status" in done.changed:
                note = texts.NOTICE_STATUS_CHANGED.format(
                    declared=member.declared_status, status=member.status or "未认定", name=member.name
                )
            text = texts.NOTICE_UPDATED.format(branch=branch.name, name=member.name, fields=fields, status_note=note)
        else:
            return
        await self.notify_secretaries(branch, text)

    async def notify_secretaries(self, branch: Branch, text: str) -> None:
        """A private notice to each secretary of a branch."""
        for key in await self.services.roles.secretaries_of(branch.id):
            platform, _, raw = key.partition(":")
            await self.services.notify(
                Target(platform, "private", raw, branch.self_id), text, purpose="registration", priority=NORMAL
            )

    async def edit(self, actor: Actor, branch: Branch | None, field: str, value: str) -> list[Branch]:
        """/登记 修改: in a group its branch's record, in private chat every record of the person."""
        if branch is not None:
            branch_ids = [branch.id]
        else:
            branch_ids = [b.id for b, _ in await self.services.members.records_of(actor.key)]
        changed = await self.services.members.edit(actor.key, branch_ids, field, value)
        if not changed:
            raise NotFound(texts.EDIT_NOT_REGISTERED)
        branches = {b.id: b for b, _ in await self.services.members.records_of(actor.key)}
        result = []
        for member in changed:
            owner = branches.get(member.branch_id)
            if owner is None:
                continue
            result.append(owner)
            await self._tell_secretaries(owner, Registered(member, False, [field]))
        return result

    async def branches_to_register(self, actor: Actor) -> list[Branch]:
        """The branches a person in private chat may register for: those they belong to, else the group their
        private chat is bound to (the official QQ bot, before the first registration)."""
        branches = await self.services.members.branches_of(actor.key)
        link = await self.services.identities.current_link(actor.platform, actor.user_id) if actor.person else None
        if branches or link is None:
            return branches
        bound = await self.services.branches.of_group(actor.platform, link.group_id)
        return [bound] if bound is not None and bound.active else []

    # ---- records --------------------------------------------------------------------------------------------
    async def record_in(self, viewer: Actor, branch: Branch, target_key: str) -> RecordView:
        """One's own record in the branch's group, in short (the personal fields only in private chat). Another
        member's record is never shown in a group: its secretary is told where to read it."""
        if viewer.key != target_key:
            if not await self.services.roles.can_manage(viewer, branch):
                raise PermissionDenied(texts.PROFILE_OTHERS_DENIED)
            raise PermissionDenied(texts.PROFILE_OTHERS_PRIVATE)
        member = await self.services.members.get(branch.id, target_key)
        if member is None:
            raise NotFound(texts.PROFILE_NONE)
        return RecordView(branch, member, full=viewer.is_private)

    async def own_records(self, viewer: Actor) -> list[RecordView]:
        """/档案 in private chat: the person's full record in each branch."""
        return [RecordView(b, m, full=True) for b, m in await self.services.members.records_of(viewer.key)]

    async def records_named(self, viewer: Actor, name: str) -> list[RecordView]:
        """/档案 <姓名> in private chat: records under that name in the branches the viewer runs (logged)."""
        if viewer.is_superuser:
            branches = await self.services.branches.all_active()
        else:
            branches = await self.services.roles.managed_branches(viewer.key)
        found = await self.services.members.find([b.id for b in branches], name)
        if not found:
            raise NotFound(texts.PROFILE_NOT_FOUND.format(name=name))
        for branch, member in found:
            await self.services.members.log_access(viewer, "查看档案", member.user_key, branch.id)
        return [RecordView(b, m, full=True) for b, m in found]

    def profile_text(self, view: RecordView) -> str:
        """One record as text: in full in private chat; in a group only name, branch and status."""
        member = view.member
        status = member.status or texts.PENDING_STATUS.format(declared=member.declared_status)
        registered = clock.local(member.registered_at).strftime("%Y-%m-%d")
        if not view.full:
            return texts.PROFILE_SHORT.format(
                name=member.name, branch=view.branch.name, status=status, registered=registered
            )
        text = texts.PROFILE.format(
            name=member.name,
            branch=view.branch.name,
            phone=member.phone or texts.UNSET,
            plate=member.plate or texts.UNSET,
            hometown=member.hometown or texts.UNSET,
            route=member.route or texts.UNSET,
            status=status,
            registered=registered,
        )
        if member.left_at is not None:
            text += "\n" + texts.PROFILE_LEFT
        return text

    async def profile_with_summary(self, view: RecordView) -> str:
        """The record and the participation line the records area gives."""
        text = self.profile_text(view)
        line = await self.services.records.summary_line(view.branch.id, view.member.user_key)
        return f"{text}\n{line}" if line else text

    # ---- welcome --------------------------------------------------------------------------------------------
    async def welcome_enabled(self, branch_id: int) -> bool:
        """Whether newcomers of the branch group are welcomed (on unless a secretary turned it off)."""
        async with self.services.database.reading() as session:
            setting = await session.get(BranchSetting, branch_id)
        return setting is None or setting.welcome_enabled

    async def set_welcome(self, actor: Actor, branch: Branch, enabled: bool) -> None:
        """/欢迎 开启|关闭."""
        async with self.services.database.session() as session:
            setting = await session.get(BranchSetting, branch.id)
            if setting is None:
                setting = BranchSetting(branch_id=branch.id)
                session.add(setting)
            setting.welcome_enabled = enabled
            setting.changed_by = actor.key
            setting.changed_at = clock.now()

    async def welcome(self, platform: str, group_id: str, user_id: str, self_id: str) -> bool:
        """Someone joined a group: a branch that welcomes newcomers queues (or extends) this window's welcome.

        Each person is welcomed once per branch (a row in `branch_welcome`). Newcomers of one window share one
        outbox item, due at the window's end, so a group gets at most one welcome per window however many join.
        """
        if user_id == self_id:
            return False
        branch = await self.services.branches.of_group(platform, group_id)
        if branch is None or not branch.active or not await self.welcome_enabled(branch.id):
            return False
        seconds = max(self.config.branch_welcome_window_minutes, 1) * 60
        start = int(clock.now().timestamp()) // seconds * seconds
        window = str(start)
        due = datetime.fromtimestamp(start + seconds, UTC)
        key = f"welcome:{branch.id}:{window}"
        target = Target(platform, "group", group_id, branch.self_id or self_id)
        async with self.services.database.session() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            row = {
                "branch_id": branch.id,
                "user_key": f"{platform}:{user_id}",
                "window": window,
                "joined_at": clock.now(),
            }
            added = await session.execute(
                insert(BranchWelcome).values(**row).on_conflict_do_nothing().returning(BranchWelcome.id)
            )
            if added.scalar_one_or_none() is None:
                return False  # welcomed before
            options = {"purpose": "welcome", "not_before": due, "not_after": due + timedelta(hours=2), "priority": LOW}
            parts = await self._welcome_parts(session, branch, window)
            if await enqueue(session, target, parts, dedupe_key=key, **options) is None:
                # This window's welcome is queued already: it names the newcomers so far (read again after the
                # other transaction that queued it committed).
                parts = await self._welcome_parts(session, branch, window)
                extended = await session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.dedupe_key == key, OutboxItem.status == PENDING)
                    .values(parts=to_json(parts))
                )
                if not getattr(extended, "rowcount", 0):  # already on its way: a welcome of its own, later
                    alone = [texts.WELCOME_HEAD, Mention(user_id), texts.WELCOME_BODY.format(branch=branch.name)]
                    late = {**options, "not_before": due + timedelta(seconds=seconds)}
                    await enqueue(session, target, alone, dedupe_key=f"{key}:{user_id}"[:128], **late)
        return True

    async def _welcome_parts(self, session, branch: Branch, window: str) -> list[Part]:
        """One welcome @-mentioning up to N newcomers of the window and counting the rest."""
        keys = list(
            (
                await session.scalars(
                    select(BranchWelcome.user_key)
                    .where(BranchWelcome.branch_id == branch.id, BranchWelcome.window == window)
                    .order_by(BranchWelcome.id)
                )
            ).all()
        )
        limit = max(self.config.branch_welcome_max_mentions, 1)
        parts: list[Part] = [texts.WELCOME_HEAD]
        for index, key in enumerate(keys[:limit]):
            if index:
                parts.append(" ")
            parts.append(Mention(key.partition(":")[2]))
        if len(keys) > limit:
            parts.append(texts.WELCOME_MORE.format(count=len(keys)))
        parts.append(texts.WELCOME_BODY.format(branch=branch.name))
        return parts


def build(services: Services) -> BranchService:
    """The branch service of a process, from the `BRANCH_*` settings; registers the /登记 flows."""
    from bot.core.settings import load_config

    from . import flows

    built = BranchService(services, load_config(Config))
    flows.register(built)
    return built

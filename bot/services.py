"""The process's services, built once and passed explicitly: to command handlers (`call.services`), scheduled jobs,
the admin CLI, the benchmarks and the web view. Nothing here imports NoneBot; building has no side effects beyond
the objects it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.branches import BranchDirectory, Roles
from bot.core.conversation import Conversations
from bot.core.db import Database
from bot.core.expect import Expectations
from bot.core.identity import IdentityLinks
from bot.core.leader import Leadership
from bot.core.members import MemberRecords
from bot.core.outbox import Target, enqueue
from bot.core.parts import Part
from bot.core.proof import RoleProof
from bot.core.ratelimit import RateLimiter
from bot.core.sender import AccountsFunc, Sender, SendFunc
from bot.core.settings import Settings, get_settings, load_config
from bot.core.waiting import Waiting
from bot.features.appeals.service import AppealService
from bot.features.branch.presence import Presence, seen_in
from bot.features.branch.service import BranchService
from bot.features.ops.service import Broadcasts
from bot.features.org.service import OrgService
from bot.features.records.service import RecordsService
from bot.features.stations.service import StationService
from bot.features.study.service import StudyService
from bot.features.web.config import SessionConfig
from bot.features.web.sessions import WebSessions


async def _nowhere(self_id: str, kind: str, target: str, parts: list[Part]) -> None:
    """The send function of a process without chat connections (CLI, benchmarks): nothing goes out."""
    raise ConnectionError("no chat connection in this process")


@dataclass
class Services:
    """Everything a handler, job or page needs, in one object."""

    settings: Settings
    database: Database
    branches: BranchDirectory
    roles: Roles
    members: MemberRecords
    conversations: Conversations
    sender: Sender
    identities: IdentityLinks
    leader: Leadership
    presence: Presence
    proofs: RoleProof
    web_sessions: WebSessions
    waiting: Waiting
    expectations: Expectations
    user_limits: RateLimiter = field(default_factory=lambda: RateLimiter(1, 1))
    group_limits: RateLimiter = field(default_factory=lambda: RateLimiter(1, 1))
    branch: BranchService = field(init=False)
    appeals: AppealService = field(init=False)
    study: StudyService = field(init=False)
    stations: StationService = field(init=False)
    records: RecordsService = field(init=False)
    broadcasts: Broadcasts = field(init=False)
    org: OrgService = field(init=False)
    # Start-up work of the features (import materials, load the station index …), run in order after migrations.
    startup: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    async def notify(self, target: Target, parts: list[Part] | str, **options: Any) -> int | None:
        """Queue one message through the delivery path and wake the sender."""
        if isinstance(parts, str):
            parts = [parts]
        async with self.database.session() as session:
            item_id = await enqueue(session, target, parts, **options)
        self.sender.nudge()
        return item_id

    async def revoke(self, user_key: str, why: str) -> None:
        """A person's standing changed (unbound, bound anew, a role taken away, left the group, erased): the role
        proof of their private chats and every web session of theirs end at once."""
        await self.proofs.unprove(user_key)
        await self.web_sessions.end_person(user_key, why)


def build_services(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    send: SendFunc = _nowhere,
    accounts: AccountsFunc = list,
) -> Services:
    """Wire the core and every feature's service over one database."""
    from bot.features.appeals import service as appeals
    from bot.features.branch import service as branch
    from bot.features.ops import service as ops
    from bot.features.org import service as org
    from bot.features.records import service as records
    from bot.features.stations import service as stations
    from bot.features.study import service as study

    settings = settings or get_settings()
    database = database or Database(settings.database_url)
    branches = BranchDirectory(database)
    roles = Roles(database, branches)
    identities = IdentityLinks(database)
    waiting = Waiting(database)
    services = Services(
        waiting=waiting,
        expectations=Expectations(waiting),
        proofs=RoleProof(database, roles, identities),
        web_sessions=WebSessions(database, load_config(SessionConfig)),
        settings=settings,
        database=database,
        branches=branches,
        roles=roles,
        members=MemberRecords(database, roles),
        conversations=Conversations(waiting, settings.conversation_timeout_seconds),
        sender=Sender(database, settings, send, accounts, same_chat=identities.ids_of_private_chat),
        identities=identities,
        leader=Leadership(database, settings.leader_poll_seconds),
        presence=Presence(database),
    )
    services.members.sightings.append(seen_in)
    services.user_limits = RateLimiter(settings.rate_user_per_minute / 60, settings.rate_user_burst)
    services.group_limits = RateLimiter(settings.rate_group_per_minute / 60, settings.rate_group_burst)
    identities.revoked = roles.revoked = services.revoke
    services.branch = branch.build(services)
    services.org = org.build(services)
    services.appeals = appeals.build(services)
    services.study = study.build(services)
    services.stations = stations.build(services)
    services.records = records.build(services)
    services.broadcasts = ops.build(services)
    return services

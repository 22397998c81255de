"""Stations over the database: an in-memory index built once and kept in step with every change.

Knows nothing of NoneBot. Lookups never touch the database; changes write the row, then update the index.
A station a secretary adds belongs to their branch (seen only in that branch's lookups) until a superuser
approves it; the branches an asker may see pending stations of are their `scope`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core import clock, sharing
from bot.core.actor import Actor, split_key
from bot.core.branches import BranchDirectory, Roles
from bot.core.db import Database
from bot.core.errors import Conflict, NotFound, PermissionDenied
from bot.core.models import Branch, Member
from bot.core.org import Tree
from bot.core.outbox import Target
from bot.core.scope import Scope

from . import texts
from .csv_import import RowError, read_stations_csv
from .index import StationIndex
from .memory import Memory
from .models import StationRecord
from .query import combine_places
from .regions import Place
from .results import NearestResult, SearchResult
from .station import APPROVED, PENDING, REJECTED, SHORT_MAX, Station, checked, clean_phone, clean_text, parse_services
from .vocabulary import STATION_KINDS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection

    from bot.services import Services

    Notify = Callable[[Target, str], Awaitable[object]]

log = logging.getLogger("redwheel.stations")

# Shipped inside the package, so an installed wheel finds it from any directory.
SAMPLE_CSV = Path(__file__).resolve().parent / "data" / "sample_stations.csv"
EDITABLE = {
    "名称": "name",
    "类型": "kind",
    "地址": "address",
    "道路": "road",
    "方向": "direction",
    "服务": "services",
    "车位": "parking_spaces",
    "营业时间": "hours",
    "电话": "phone",
}
_COLUMNS = [f.name for f in dataclasses.fields(Station) if f.name != "id"]


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows added and updated, and every bad row with its line and reason."""

    added: int
    updated: int
    errors: list[RowError]


def _station(row: StationRecord) -> Station:
    """A row as the index's Station."""
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["services"] = tuple(row.services or ())
    return Station(**values, id=row.id)


def _values(station: Station) -> dict:
    """Column values of a station (without its id)."""
    values = {name: getattr(station, name) for name in _COLUMNS}
    values["services"] = list(station.services)
    return values


class StationService:
    """The station directory of one database."""

    def __init__(
        self,
        database: Database,
        roles: Roles | None = None,
        branches: BranchDirectory | None = None,
        *,
        max_km: float = 50,
        notify: Notify | None = None,
    ) -> None:
        self.database = database
        self.roles = roles
        self.branches = branches
        self.max_km = max_km
        self.notify = notify
        self.index = StationIndex()
        self.memory = Memory()
        self._loaded = False
        self._lock = asyncio.Lock()
        self._regions: dict[int, tuple[Place, ...]] = {}

    async def load(self) -> int:
        """Build the index from every live station (once; later changes keep it in step)."""
        async with self._lock:
            async with self.database.reading() as session:
                rows = (
                    await session.scalars(
                        select(StationRecord).where(
                            StationRecord.deleted_at.is_(None), StationRecord.status != REJECTED
                        )
                    )
                ).all()
                shared = await sharing.shares(session, sharing.STATION)
            self.index = StationIndex(_station(row) for row in rows)
            if shared and self.roles is not None:
                tree = await self.roles.org.tree()
                for station_id, committees in shared.items():
                    self.index.share(station_id, sharing.branches_seeing(tree, committees))
            self._regions.clear()
            self._loaded = True
            return len(rows)

    async def ready(self) -> StationIndex:
        """The index, built on first use."""
        if not self._loaded:
            await self.load()
        return self.index

    async def search(
        self, query: str, page: int = 1, *, scope: Collection[int] = (), page_size: int = 5
    ) -> SearchResult:
        """A keyword lookup (no database access once the index is built); `scope` as in `scope_of`."""
        return (await self.ready()).search(query, page=page, page_size=page_size, scope=scope)

    async def nearest(
        self, lat: float, lng: float, service: str | None = None, max_km: float | None = None, *, scope=()
    ) -> NearestResult:
        """The nearest stations to a location; the location itself is not kept anywhere."""
        return (await self.ready()).nearest(lat, lng, service=service, max_km=max_km or self.max_km, scope=scope)

    async def get(self, station_id: int) -> Station:
        """A live station, or NotFound."""
        station = (await self.ready()).get(station_id)
        if station is None:
            raise NotFound(texts.NOT_FOUND.format(id=station_id))
        return station

    # ---- who sees what -------------------------------------------------------------------------------
    async def scope_of(self, actor: Actor, branch: Branch | None) -> frozenset[int]:
        """The branches whose pending stations this asker sees: the group's branch; in private chat, their own
        branches (as member or secretary). Nothing to look up while no station is pending."""
        if branch is not None:
            return frozenset({branch.id})
        if actor.group_id is not None or not (await self.ready()).pending():
            return frozenset()
        return await self.own_branches(actor)

    async def own_branches(self, actor: Actor) -> frozenset[int]:
        """The branches a person belongs to, as a member still in the group or as a secretary."""
        async with self.database.reading() as session:
            member_of = await session.scalars(
                select(Member.branch_id).where(Member.user_key == actor.key, Member.left_at.is_(None))
            )
            ids = set(member_of.all())
        if self.roles is not None:
            ids |= {b.id for b in await self.roles.managed_branches(actor.key)}
        return frozenset(ids)

    async def home_region(self, branch: Branch) -> tuple[Place, ...]:
        """Where a branch is: the one place its name names (乌当区货运党支部), else the city most of its own
        stations are in; () when neither tells."""
        known = self._regions.get(branch.id)
        if known is not None:
            return known
        index = await self.ready()
        parsed = index.parser.parse(branch.name)
        places = combine_places([readings for _, readings in parsed.place_words])
        if len(places) != 1:
            cities = Counter(
                Place(s.province, s.city or None) for s in index.stations() if s.branch_id == branch.id and s.province
            )
            places = (cities.most_common(1)[0][0],) if cities else ()
        self._regions[branch.id] = places
        return places

    # ---- imports -------------------------------------------------------------------------------------
    async def import_csv(self, path: Path) -> ImportReport:
        """Upsert stations from a CSV by (名称, 省份, 城市, 区县, 地址); re-running changes nothing."""
        stations, errors = read_stations_csv(path)
        added = updated = 0
        async with self.database.session() as session:
            existing = {
                (r.name, r.province, r.city or "", r.district or "", r.address or ""): r
                for r in (await session.scalars(select(StationRecord))).all()
            }
            for station in stations:
                values = _values(station)
                row = existing.get(station.natural_key)
                if row is None:
                    session.add(StationRecord(**values, added_by="import", updated_at=clock.now()))
                    added += 1
                    continue
                current = {k: getattr(row, k) for k in values}
                if current != values or row.deleted_at is not None:
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.deleted_at, row.updated_at = None, clock.now()
                    updated += 1
        if added or updated:
            await self.load()
        return ImportReport(added, updated, errors)

    async def import_sample_if_empty(self) -> ImportReport | None:
        """On a first start, load the shipped sample stations so a new user can try a lookup at once."""
        async with self.database.reading() as session:
            any_row = await session.scalar(select(StationRecord.id).limit(1))
        if any_row is not None or not SAMPLE_CSV.exists():
            return None
        return await self.import_csv(SAMPLE_CSV)

    # ---- changes by chat -----------------------------------------------------------------------------
    async def may_change(self, actor: Actor, station: Station) -> None:
        """Superusers change every station; a secretary their own branch's (imported ones belong to nobody)."""
        if actor.is_superuser:
            return
        owner = station.branch_id
        if owner is None or self.roles is None or not await self.roles.is_secretary(actor.key, owner):
            raise PermissionDenied(texts.MAY_NOT_CHANGE)

    async def add(self, actor: Actor, branch_id: int | None, station: Station) -> Station:
        """Add a station: a superuser's is approved at once; a secretary's belongs to their branch until reviewed."""
        try:
            station = checked(station)
        except ValueError as error:
            raise Conflict(str(error)) from None
        if actor.is_superuser:
            status = APPROVED
        elif branch_id is not None and self.roles is not None and await self.roles.is_secretary(actor.key, branch_id):
            status = PENDING
        else:
            raise PermissionDenied(texts.MAY_NOT_CHANGE)
        station = dataclasses.replace(station, branch_id=branch_id, status=status, id=None)
        async with self.database.session() as session:
            row = await session.scalar(
                select(StationRecord).where(
                    StationRecord.name == station.name,
                    StationRecord.province == station.province,
                    StationRecord.city == station.city,
                    StationRecord.district == station.district,
                    StationRecord.address == station.address,
                )
            )
            if row is not None and row.deleted_at is None and row.status != REJECTED:
                raise Conflict(texts.DUPLICATE.format(id=row.id))
            if row is None:
                row = StationRecord(**_values(station), added_by=actor.key, updated_at=clock.now())
                session.add(row)
            else:  # a deleted or rejected station of the same name and address comes back as this one
                for key, value in _values(station).items():
                    setattr(row, key, value)
                row.added_by, row.updated_at, row.deleted_at, row.review_note = actor.key, clock.now(), None, ""
            await session.flush()
            stored = _station(row)
        (await self.ready()).add(stored)
        if branch_id is not None:
            self._regions.pop(branch_id, None)
        return stored

    async def change(self, actor: Actor, station_id: int, field_name: str, value: str) -> Station:
        """Change one field of a station (checked like a new one; a secretary's change waits for review again)."""
        station = await self.get(station_id)
        await self.may_change(actor, station)
        column = EDITABLE.get(field_name)
        if column is None:
            raise Conflict(texts.FIELDS.format(fields="、".join(EDITABLE)))
        parsed: object = value.strip()
        try:
            if column == "kind" and parsed not in STATION_KINDS:
                raise ValueError(texts.BAD_KIND.format(kinds="、".join(STATION_KINDS)))
            if column == "services":
                parsed = list(parse_services(value))
            elif column == "parking_spaces":
                if not value.strip().isdigit() or not value.strip().isascii():
                    raise ValueError(texts.BAD_SPACES)
                parsed = int(value.strip())
            elif column == "phone":
                parsed = clean_phone(value)
            elif column == "name":
                parsed = clean_text(value, field_name, 60, required=True)
            elif column == "address":
                parsed = clean_text(value, field_name, 120)
            elif column != "kind":
                parsed = clean_text(value, field_name, SHORT_MAX)
        except ValueError as error:
            raise Conflict(str(error)) from None
        async with self.database.session() as session:
            row = await session.get(StationRecord, station_id)
            if row is None:
                raise NotFound(texts.NOT_FOUND.format(id=station_id))
            setattr(row, column, parsed)
            row.updated_at = clock.now()
            if not actor.is_superuser:  # a secretary's change is reviewed like a new station
                row.status = PENDING
            updated = _station(row)
        (await self.ready()).update(updated)
        return updated

    async def delete(self, actor: Actor, station_id: int) -> Station:
        """Remove a station from lookups (the row stays, marked deleted): a secretary withdraws their branch's,
        a superuser removes any."""
        station = await self.get(station_id)
        await self.may_change(actor, station)
        async with self.database.session() as session:
            row = await session.get(StationRecord, station_id)
            if row is not None:
                row.deleted_at = clock.now()
        (await self.ready()).remove(station_id)
        return station

    # ---- review: a committee for its branches, the top for everyone -------------------------------------------
    async def pending(self, scope: Scope) -> list[Station]:
        """Stations waiting for this reviewer: every one for the top; a committee's from its branches, until it
        approved them for its subtree."""
        index = await self.ready()
        waiting = index.pending()
        if scope.everything:
            return waiting
        tree = await self._tree()
        mine = sharing.branches_seeing(tree, set(scope.top)) if tree is not None else frozenset()
        return [s for s in waiting if scope.sees_branch(s.branch_id) and not (mine and index.shared(s.id or 0) >= mine)]

    async def _tree(self) -> Tree | None:
        """The organization (None without roles: the CLI)."""
        return await self.roles.org.tree() if self.roles is not None else None

    async def _reviewable(self, scope: Scope, station_id: int) -> Station:
        """A pending station this reviewer may decide on."""
        if not scope.committee_member:
            raise PermissionDenied(texts.MAY_NOT_CHANGE)
        station = (await self.ready()).get(station_id)
        if station is None or station.approved:
            raise NotFound(texts.NOT_PENDING.format(id=station_id))
        if not scope.everything and not scope.sees_branch(station.branch_id):
            raise NotFound(texts.NOT_PENDING.format(id=station_id))
        return station

    async def _review(self, station_id: int, status: str, note: str) -> tuple[Station, str, str | None]:
        """Set a pending station's status; returns it with its submitter and the bot account of its branch."""
        station = (await self.ready()).get(station_id)
        if station is None or station.approved:
            raise NotFound(texts.NOT_PENDING.format(id=station_id))
        async with self.database.session() as session:
            row = await session.get(StationRecord, station_id)
            if row is None or row.status != PENDING:
                raise NotFound(texts.NOT_PENDING.format(id=station_id))
            row.status, row.review_note, row.updated_at = status, note[:120], clock.now()
            submitter = row.added_by
            branch = await session.get(Branch, row.branch_id) if row.branch_id is not None else None
            self_id = branch.self_id if branch is not None else None
            reviewed = _station(row)
        if status == APPROVED:
            self.index.update(reviewed)
        else:
            self.index.remove(station_id)
        return reviewed, submitter, self_id

    async def _tell(self, submitter: str, self_id: str | None, text: str) -> None:
        """Tell the submitter in private chat, through the outbox."""
        if self.notify is None or ":" not in submitter:
            return
        platform, user_id = split_key(submitter)
        await self.notify(Target(platform, "private", user_id, self_id), text)

    async def approve(self, actor: Actor, station_id: int, scope: Scope) -> Station:
        """Make a pending station visible to every branch (the top), or to a committee's branches (a committee);
        its submitter is told."""
        station = await self._reviewable(scope, station_id)
        level = sharing.reviewer(scope)
        tree = await self._tree()
        if level is not None and tree is not None:
            async with self.database.session() as session:
                await sharing.share(session, sharing.STATION, station_id, level, actor.key)
                row = await session.get(StationRecord, station_id)
                branch = await session.get(Branch, station.branch_id) if station.branch_id is not None else None
                submitter = row.added_by if row is not None else ""
            self.index.share(station_id, sharing.branches_seeing(tree, {level}))
            name = tree.committees[level].name
            text = texts.TOLD_APPROVED_FOR.format(id=station_id, name=station.name, committee=name)
            await self._tell(submitter, branch.self_id if branch is not None else None, text)
            return station
        station, submitter, self_id = await self._review(station_id, APPROVED, "")
        await self._tell(submitter, self_id, texts.TOLD_APPROVED.format(id=station_id, name=station.name))
        return station

    async def reject(self, actor: Actor, station_id: int, reason: str, scope: Scope) -> Station:
        """Refuse a pending station (it leaves every lookup); its submitter is told why."""
        await self._reviewable(scope, station_id)
        station, submitter, self_id = await self._review(station_id, REJECTED, reason)
        text = texts.TOLD_REJECTED.format(id=station_id, name=station.name, reason=reason)
        await self._tell(submitter, self_id, text)
        return station


def build(services: Services) -> StationService:
    """The station service of a process; start-up imports the sample on a first start, loads the index and
    warms the tokenizer up off the event loop."""
    from bot.core.settings import load_config

    from .config import Config
    from .flows import add_flow
    from .query import warm_up

    config = load_config(Config)

    async def notify(target: Target, text: str) -> None:
        await services.notify(target, text, purpose="stations")

    service = StationService(
        services.database, services.roles, services.branches, max_km=config.stations_max_km, notify=notify
    )
    services.conversations.register(add_flow(services))

    async def start_stations() -> None:
        if config.stations_import_sample:
            report = await service.import_sample_if_empty()
            if report is not None:
                log.info("loaded %s sample stations (%s rows skipped)", report.added, len(report.errors))
        count = await service.load()
        await asyncio.to_thread(warm_up)
        log.info("station index ready: %s stations", count)

    services.startup.append(start_stations)
    return service

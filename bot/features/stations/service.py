"""Stations over the database: an in-memory index built once and kept in step with every change.

Knows nothing of NoneBot. Lookups never touch the database; changes write the row, then update the index.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core import clock
from bot.core.actor import Actor
from bot.core.branches import Conflict, NotFound, PermissionDenied, Roles
from bot.core.db import Database
from bot.core.settings import PROJECT_ROOT

from .csv_import import RowError, StationDraft, natural_key, read_stations_csv
from .models import StationRecord
from .search import SERVICE_TAGS, STATION_KINDS, NearestResult, SearchResult, Station, StationIndex

SAMPLE_CSV = PROJECT_ROOT / "data" / "stations" / "sample_stations.csv"
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


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows added and updated, and every bad row with its line and reason."""

    added: int
    updated: int
    errors: list[RowError]


def _station(row: StationRecord) -> Station:
    """A row as the index's Station."""
    return Station(
        id=row.id,
        name=row.name,
        kind=row.kind,
        province=row.province,
        city=row.city or "",
        district=row.district or "",
        road=row.road or "",
        direction=row.direction or "",
        address=row.address or "",
        lat=row.lat,
        lng=row.lng,
        services=tuple(row.services or ()),
        parking_spaces=row.parking_spaces,
        hours=row.hours or "",
        phone=row.phone or "",
        branch_id=row.branch_id,
    )


def _values(draft: StationDraft) -> dict:
    """Column values of a draft."""
    values = {f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)}
    values["services"] = list(draft.services)
    return values


class StationService:
    """The station directory of one database."""

    def __init__(self, database: Database, roles: Roles | None = None) -> None:
        self.database = database
        self.roles = roles
        self.index = StationIndex()
        self._loaded = False
        self._lock = asyncio.Lock()

    async def load(self) -> int:
        """Build the index from every live station (once; later changes keep it in step)."""
        async with self._lock:
            async with self.database.reading() as session:
                rows = (await session.scalars(select(StationRecord).where(StationRecord.deleted_at.is_(None)))).all()
            self.index = StationIndex(_station(row) for row in rows)
            self._loaded = True
            return len(rows)

    async def ready(self) -> StationIndex:
        """The index, built on first use."""
        if not self._loaded:
            await self.load()
        return self.index

    async def search(self, query: str, page: int = 1) -> SearchResult:
        """A keyword lookup (no database access once the index is built)."""
        return (await self.ready()).search(query, page=page)

    async def nearest(self, lat: float, lng: float, service: str | None = None, max_km: float = 50) -> NearestResult:
        """The nearest stations to a location; the location itself is not kept anywhere."""
        return (await self.ready()).nearest(lat, lng, service=service, max_km=max_km)

    async def get(self, station_id: int) -> Station:
        """A live station, or NotFound."""
        station = (await self.ready()).get(station_id)
        if station is None:
            raise NotFound(f"没有编号为 {station_id} 的驿站。")
        return station

    # ---- imports -------------------------------------------------------------------------------------
    async def import_csv(self, path: Path) -> ImportReport:
        """Upsert stations from a CSV by (名称, 省份, 城市, 区县, 地址); re-running changes nothing."""
        drafts, errors = read_stations_csv(path)
        added = updated = 0
        async with self.database.session() as session:
            existing = {
                (r.name, r.province, r.city or "", r.district or "", r.address or ""): r
                for r in (await session.scalars(select(StationRecord))).all()
            }
            for draft in drafts:
                values = _values(draft)
                row = existing.get(natural_key(draft))
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
    async def _may_change(self, actor: Actor, station: Station | None, branch_id: int | None) -> None:
        """Superusers change every station; secretaries their own branch's."""
        if actor.is_superuser:
            return
        owner = station.branch_id if station is not None else branch_id
        if owner is None or self.roles is None or not await self.roles.is_secretary(actor.key, owner):
            raise PermissionDenied("只有行业党委或该驿站所属支部的书记可以添加、修改、删除驿站。")

    async def add(self, actor: Actor, branch_id: int | None, draft: StationDraft) -> Station:
        """Add a station (it belongs to the secretary's branch)."""
        await self._may_change(actor, None, branch_id)
        draft = dataclasses.replace(draft, branch_id=branch_id)
        async with self.database.session() as session:
            clash = await session.scalar(
                select(StationRecord.id).where(
                    StationRecord.name == draft.name,
                    StationRecord.province == draft.province,
                    StationRecord.city == draft.city,
                    StationRecord.district == draft.district,
                    StationRecord.address == draft.address,
                    StationRecord.deleted_at.is_(None),
                )
            )
            if clash is not None:
                raise Conflict(f"同一地址已有同名驿站（编号 {clash}）。")
            row = StationRecord(**_values(draft), added_by=actor.key, updated_at=clock.now())
            session.add(row)
            await session.flush()
            station = _station(row)
        (await self.ready()).add(station)
        return station

    async def change(self, actor: Actor, station_id: int, field_name: str, value: str) -> Station:
        """Change one field of a station."""
        station = await self.get(station_id)
        await self._may_change(actor, station, None)
        column = EDITABLE.get(field_name)
        if column is None:
            raise Conflict(f"可以修改的字段：{'、'.join(EDITABLE)}")
        parsed: object = value.strip()
        if column == "kind" and parsed not in STATION_KINDS:
            raise Conflict(f"类型只能是：{'、'.join(STATION_KINDS)}")
        if column == "services":
            words = [w for w in str(parsed).replace("，", "、").replace(",", "、").split("、") if w]
            unknown = [w for w in words if w not in SERVICE_TAGS]
            if unknown:
                raise Conflict(f"不认识的服务：{'、'.join(unknown)}。可选：{'、'.join(SERVICE_TAGS)}")
            parsed = words
        if column == "parking_spaces":
            if not str(parsed).isdigit():
                raise Conflict("车位请填整数。")
            parsed = int(str(parsed))
        if column == "name" and not 2 <= len(str(parsed)) <= 60:
            raise Conflict("名称请写 2–60 个字。")
        async with self.database.session() as session:
            row = await session.get(StationRecord, station_id)
            setattr(row, column, parsed)
            row.updated_at = clock.now()
            updated = _station(row)
        (await self.ready()).update(updated)
        return updated

    async def delete(self, actor: Actor, station_id: int) -> Station:
        """Remove a station from lookups (the row stays, marked deleted)."""
        station = await self.get(station_id)
        await self._may_change(actor, station, None)
        async with self.database.session() as session:
            row = await session.get(StationRecord, station_id)
            row.deleted_at = clock.now()
        (await self.ready()).remove(station_id)
        return station


if TYPE_CHECKING:
    from bot.services import Services


def build(services: Services) -> StationService:
    """The station service of a process (its index is loaded at start-up)."""
    return StationService(services.database, services.roles)

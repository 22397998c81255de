"""The station table (司机之家、红色驿站、服务区、停车区、维修点 …)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base


class StationRecord(Base):
    """One station; a deleted or rejected one keeps its row and leaves the search index."""

    __tablename__ = "station"
    __table_args__ = (UniqueConstraint("name", "province", "city", "district", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    province: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(24), default="")
    district: Mapped[str] = mapped_column(String(24), default="")
    road: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(String(24), default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    # GCJ-02, as Chinese maps and QQ's location shares use.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    services: Mapped[list] = mapped_column(JSON, default=list)
    parking_spaces: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    added_by: Mapped[str] = mapped_column(String(96), default="import")
    # approved: every branch sees it; pending: only `branch_id` until a superuser approves; rejected: nobody.
    status: Mapped[str] = mapped_column(String(12), default="approved", server_default="approved")
    review_note: Mapped[str] = mapped_column(String(120), default="", server_default="")
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

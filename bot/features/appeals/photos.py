"""Picture references kept before evidence was downloaded (`appeal_photo`: the platform's url of the time, long
expired). Nothing writes them any more; the appellant's and the handlers' private query still lists them, and
retention forgets them with the appeal. What is kept now: `evidence.py`."""

from __future__ import annotations

from sqlalchemy import select

from .models import AppealPhoto


async def of(service, appeal_id: int) -> list[str]:
    """The references attached to an appeal before evidence was kept, oldest first."""
    async with service.database.reading() as session:
        rows = await session.scalars(
            select(AppealPhoto.ref).where(AppealPhoto.appeal_id == appeal_id).order_by(AppealPhoto.id)
        )
        return list(rows.all())

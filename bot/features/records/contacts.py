"""The contact mechanism (党员联系司机): one member driver per driver at a time, counted in the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from bot.core import clock, ledger
from bot.core.branches import MEMBER_DRIVER_STATUSES
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.core.models import Member

from . import texts
from .models import Contact


def someone(user_key: str) -> str:
    """The name shown for a person without a record: 用户<id>."""
    return texts.SOMEONE.format(id=user_key.partition(":")[2])


class ContactRecords:
    """Contacts of a branch over one database (a part of RecordsService)."""

    database: Database

    async def contact(self, branch_id: int, member_key: str, driver_key: str) -> tuple[Contact, str | None]:
        """Record that a member driver contacted a driver; returns (contact, previous member when re-assigned)."""
        if member_key == driver_key:
            raise Conflict(texts.CONTACT_SELF)
        now = clock.now()
        async with self.database.session() as session:
            member = await session.scalar(
                select(Member).where(
                    Member.branch_id == branch_id, Member.user_key == member_key, Member.left_at.is_(None)
                )
            )
            if member is None or member.status not in MEMBER_DRIVER_STATUSES:
                raise Conflict(texts.CONTACT_NEEDS_MEMBER)
            contact = await session.scalar(
                select(Contact).where(Contact.branch_id == branch_id, Contact.driver_key == driver_key)
            )
            previous = None
            if contact is None:
                contact = Contact(
                    branch_id=branch_id,
                    member_key=member_key,
                    driver_key=driver_key,
                    assigned_at=now,
                    last_contacted_at=now,
                    times=1,
                )
                session.add(contact)
            elif contact.member_key != member_key:
                previous = contact.member_key
                contact.member_key, contact.assigned_at, contact.last_contacted_at = member_key, now, now
                contact.times = 1
            else:
                contact.last_contacted_at, contact.times = now, contact.times + 1
            try:
                await session.flush()
            except IntegrityError as error:
                raise Conflict(texts.CONTACT_RACE) from error
            await ledger.record(session, member_key, branch_id, ledger.CONTACT, driver_key)
        return contact, previous

    async def my_contacts(self, branch_id: int, member_key: str) -> list[tuple[str, str, datetime, int]]:
        """(driver key, name, last contacted, times) of a member's drivers."""
        async with self.database.reading() as session:
            rows = await session.execute(
                select(Contact.driver_key, Member.name, Contact.last_contacted_at, Contact.times)
                .outerjoin(Member, and_(Member.branch_id == Contact.branch_id, Member.user_key == Contact.driver_key))
                .where(Contact.branch_id == branch_id, Contact.member_key == member_key)
                .order_by(Contact.last_contacted_at.desc())
            )
            return [(k, n or someone(k), t, c) for k, n, t, c in rows.all()]
